"""Per-subscriber bandwidth adaptation for a pass-through SFU: a pure state machine.

We forward the publisher's encoded frames and browsers publish without simulcast, so there is
no lower-bitrate *version* of a video to give a weak subscriber. What we can do is forward
*less*: step that subscriber's effective subscription down one mode at a time
(``ALL`` -> ``AUDIO_AND_PRESENTER`` -> ``AUDIO_ONLY``) while its link is persistently bad, and
back up (one step at a time) once it has been persistently good.

Inputs are the subscriber's own RTCP, sampled as it arrives (about once a second per stream,
:func:`schoolhub.realtime.sfu.aiortc_hooks.watch_link_reports`): the *fraction lost* of its
receiver reports and, if the subscriber sends it, its REMB estimate. Output is the link
*limit*; the effective mode is the poorer of the subscriber's chosen mode and that limit, so
adaptation never forwards more than the subscriber asked for.

Policy (all thresholds in :class:`AdaptationConfig`):

* loss is smoothed (EWMA); a sample is *bad* when the smoothed loss is ``>= bad_loss`` or,
  while video is forwarded, the REMB estimate is below ``remb_margin`` x the bitrate we send
  on that stream (a healthy estimator sits *above* what it receives, ~1.5x in libwebrtc and
  aiortc; below it means the subscriber detected congestion — comparing with a fixed floor
  would punish low-bitrate screen shares); *good* when the smoothed loss is ``<= good_loss``;
  anything in between is neutral and restarts both clocks (the hysteresis band);
* step down after ``degrade_after`` seconds of only bad samples; step up after
  ``recover_after`` (longer) seconds of only good samples; never two changes within
  ``hold_after_change`` seconds (anti-flap);
* REMB never blocks recovery: with video paused the subscriber's estimator only sees audio,
  so its estimate stays low whatever the link could carry.

No I/O, no clock: the caller passes ``now`` (monotonic seconds).
"""

from __future__ import annotations

from dataclasses import dataclass

from schoolhub.realtime.sfu.participant import SubscriptionMode

# richest first: stepping "down" moves right
LADDER = (SubscriptionMode.ALL, SubscriptionMode.AUDIO_AND_PRESENTER, SubscriptionMode.AUDIO_ONLY)

PACKET_LOSS = "packet_loss"
LOW_BANDWIDTH = "low_bandwidth"
RECOVERED = "recovered"


def level(mode: SubscriptionMode) -> int:
    """0 = everything ... 2 = audio only."""
    return LADDER.index(SubscriptionMode(mode))


def poorer(a: SubscriptionMode, b: SubscriptionMode) -> SubscriptionMode:
    return LADDER[max(level(a), level(b))]


@dataclass(frozen=True, slots=True)
class AdaptationConfig:
    bad_loss: float = 0.10  # smoothed fraction lost at/above which the link is bad
    good_loss: float = 0.02  # ... at/below which it is good
    smoothing: float = 0.4  # EWMA weight of a new sample
    degrade_after: float = 3.0  # seconds of bad samples before stepping down
    recover_after: float = 12.0  # seconds of good samples before stepping up
    hold_after_change: float = 4.0  # no second change within this
    remb_margin: float = 0.75  # REMB below this x the sent bitrate (video flowing) is bad

    def __post_init__(self) -> None:
        if not 0.0 <= self.good_loss < self.bad_loss <= 1.0:
            raise ValueError("need 0 <= good_loss < bad_loss <= 1")
        if not 0.0 < self.smoothing <= 1.0:
            raise ValueError("smoothing must be in (0, 1]")


@dataclass(frozen=True, slots=True)
class Adaptation:
    """The effective mode changed because of the link."""

    mode: SubscriptionMode  # effective mode now
    previous: SubscriptionMode
    reason: str  # PACKET_LOSS | LOW_BANDWIDTH | RECOVERED
    loss: float  # smoothed fraction lost when decided


class LinkAdapter:
    """One subscriber's link state; feed it every RTCP sample with :meth:`observe`."""

    def __init__(self, config: AdaptationConfig | None = None) -> None:
        self.config = config or AdaptationConfig()
        self.limit = SubscriptionMode.ALL  # what the link allows (ALL = no limit)
        self.loss: float | None = None  # smoothed fraction lost
        self.remb_bps: int | None = None
        self._bad_since: float | None = None
        self._bad_reason = PACKET_LOSS
        self._good_since: float | None = None
        self._changed_at: float | None = None
        self._starved = False  # the last REMB was below what we send

    def effective(self, chosen: SubscriptionMode) -> SubscriptionMode:
        """What to forward: the subscriber's choice, capped by the link."""
        return poorer(chosen, self.limit)

    @property
    def limited(self) -> bool:
        return self.limit is not SubscriptionMode.ALL

    def observe(
        self,
        now: float,
        chosen: SubscriptionMode,
        *,
        fraction_lost: float | None = None,
        remb_bps: int | None = None,
        sending_bps: int | None = None,
    ) -> Adaptation | None:
        """One RTCP sample (receiver-report loss and/or REMB with the bitrate we send on that
        stream); returns a change, if any."""
        cfg = self.config
        if fraction_lost is not None:
            sample = min(max(float(fraction_lost), 0.0), 1.0)
            self.loss = (
                sample
                if self.loss is None
                else cfg.smoothing * sample + (1 - cfg.smoothing) * self.loss
            )
        if remb_bps is not None:
            self.remb_bps = int(remb_bps)
        loss = self.loss or 0.0
        current = self.effective(chosen)
        video_flows = current is not SubscriptionMode.AUDIO_ONLY
        if not video_flows:
            self._starved = False
        elif remb_bps is not None and sending_bps:
            self._starved = int(remb_bps) < cfg.remb_margin * float(sending_bps)
        if loss >= cfg.bad_loss or self._starved:
            self._good_since = None
            if self._bad_since is None:
                self._bad_since = now
            self._bad_reason = PACKET_LOSS if loss >= cfg.bad_loss else LOW_BANDWIDTH
        elif loss <= cfg.good_loss:
            self._bad_since = None
            if self._good_since is None:
                self._good_since = now
        else:  # in the hysteresis band: neither clock runs
            self._bad_since = self._good_since = None
        if self._changed_at is not None and now - self._changed_at < cfg.hold_after_change:
            return None
        if (
            self._bad_since is not None
            and now - self._bad_since >= cfg.degrade_after
            and level(current) < len(LADDER) - 1
        ):
            self.limit = LADDER[level(current) + 1]
            return self._changed(now, current, chosen, self._bad_reason)
        if (
            self._good_since is not None
            and now - self._good_since >= cfg.recover_after
            and self.limited
        ):
            richer = LADDER[level(self.limit) - 1]
            self.limit = SubscriptionMode.ALL if level(richer) <= level(chosen) else richer
            if self.effective(chosen) == current:  # the chosen mode already capped it
                self._good_since = now
                return None
            return self._changed(now, current, chosen, RECOVERED)
        return None

    def _changed(
        self, now: float, previous: SubscriptionMode, chosen: SubscriptionMode, reason: str
    ) -> Adaptation:
        self._changed_at = now
        self._bad_since = self._good_since = None
        self._starved = False  # we now send less: the next REMB decides again
        return Adaptation(self.effective(chosen), previous, reason, round(self.loss or 0.0, 4))
