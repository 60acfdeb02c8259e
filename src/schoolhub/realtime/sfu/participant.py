"""Participant state: one RTCPeerConnection, published tracks and subscriber slots.

Negotiation model (documented contract for the signaling layer):

* **Publishing is client-offered.** ``SfuRoom.join(offer)`` / ``SfuRoom.publish(offer)``:
  the client offers its sendonly tracks (camera, microphone, screen share = extra video),
  the SFU validates (VP8/H.264/Opus only, no simulcast), answers, and marks every new
  receiver pass-through before aiortc starts it.
* **Subscribing is SFU-offered.** Each (subscriber, published track) pair gets one sendonly
  transceiver ("slot") whose codec preferences pin the publisher's exact codec, so packets are
  forwarded without transcoding. New slots are added in one SFU offer, sent as a
  ``NegotiationNeeded`` event; the client answers via ``SfuRoom.accept_answer``.
* **No renegotiation for mode switches or churn.** Mode changes pause/resume slots; when a
  track is unpublished its slot goes idle and is reused for the next track of the same kind and
  codec (announced by ``TrackRouted``), so a class where people come and go does not grow SDP.
* **Modes are chosen, then capped by the link.** ``Participant.mode`` is what the subscriber
  chose; ``effective_mode`` is that capped by its ``adapter``
  (:mod:`schoolhub.realtime.sfu.adaptation`), which steps a subscriber with a persistently bad
  link down and back up (``SubscriptionAdapted`` events). Only ``effective_mode`` decides what
  is forwarded.
* **Serialized, glare-free by contract.** Every change to one participant's PC runs under
  one lock (not held while waiting for the client's answer). While an SFU offer is
  outstanding a client offer fails fast with ``SFU_NEGOTIATION_GLARE``: the client answers the
  pending SFU offer first, then retries. Clients must apply signaling messages in arrival
  order (the answer to ``join`` before a following ``NegotiationNeeded`` offer). An SFU offer
  not answered within ``answer_timeout`` removes the participant.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCRtpTransceiver

from schoolhub.realtime.sfu.events import TrackSource
from schoolhub.realtime.sfu.forwarding import ForwardedTrack, TrackForwarder
from schoolhub.realtime.sfu.media_info import CodecKey

if TYPE_CHECKING:
    from schoolhub.realtime.sfu.adaptation import LinkAdapter


class SubscriptionMode(enum.StrEnum):
    ALL = "ALL"
    AUDIO_AND_PRESENTER = "AUDIO_AND_PRESENTER"  # everyone's audio + the presenter's video
    AUDIO_ONLY = "AUDIO_ONLY"  # data saver


@dataclass(eq=False)
class PublishedTrack:
    track_id: str
    participant_id: str
    mid: str
    kind: str
    source: TrackSource
    codec: CodecKey
    receiver: RTCRtpReceiver
    forwarder: TrackForwarder


@dataclass(eq=False)
class Slot:
    """One sendonly transceiver towards a subscriber; ``published is None`` means idle."""

    transceiver: RTCRtpTransceiver
    track: ForwardedTrack
    kind: str
    codec: CodecKey
    published: PublishedTrack | None = None
    negotiated: bool = False
    rate_mark: tuple[float, int, TrackForwarder] | None = None  # (time, bytes, source)
    rate_bps: int | None = None

    @property
    def mid(self) -> str:
        return self.transceiver.mid or ""

    def sending_bps(self, now: float) -> int | None:
        """Bitrate forwarded on this slot (= its source's input: pass-through), or ``None``
        while paused/idle or before two measurements at least a second apart."""
        if self.published is None or self.track.paused:
            self.rate_mark, self.rate_bps = None, None
            return None
        source = self.published.forwarder
        total = source.stats.bytes_in
        mark = self.rate_mark
        if mark is None or mark[2] is not source:
            self.rate_mark, self.rate_bps = (now, total, source), None
        elif now - mark[0] >= 1.0:
            self.rate_bps = int((total - mark[1]) * 8 / (now - mark[0]))
            self.rate_mark = (now, total, source)
        return self.rate_bps


def _new_adapter() -> LinkAdapter:
    from schoolhub.realtime.sfu.adaptation import LinkAdapter  # (adaptation imports this module)

    return LinkAdapter()


@dataclass(eq=False)
class Participant:
    id: str
    pc: RTCPeerConnection
    mode: SubscriptionMode = SubscriptionMode.ALL
    published: dict[str, PublishedTrack] = field(default_factory=dict)
    slots: list[Slot] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    pending_answer: asyncio.Future[str] | None = None
    new_receivers: list[RTCRtpReceiver] = field(default_factory=list)
    sync_task: asyncio.Task[None] | None = None
    sync_dirty: bool = False
    left: bool = False
    adapter: LinkAdapter = field(default_factory=_new_adapter)  # link limit (sfu.adaptation)

    @property
    def effective_mode(self) -> SubscriptionMode:
        """The chosen ``mode`` capped by what the subscriber's link carries right now."""
        return self.adapter.effective(self.mode)

    def wants(
        self, track: PublishedTrack, presenter_id: str | None, *, presenter_sharing: bool = False
    ) -> bool:
        """Does this participant's subscription mode forward ``track`` right now?

        In AUDIO_AND_PRESENTER, a presenter sharing a screen sends the screen only, not also
        the camera (``presenter_sharing``).
        """
        if track.kind == "audio":
            return True
        mode = self.effective_mode
        if mode is SubscriptionMode.ALL:
            return True
        if mode is SubscriptionMode.AUDIO_AND_PRESENTER:
            if presenter_id is None or track.participant_id != presenter_id:
                return False
            return track.source is TrackSource.SCREEN or not presenter_sharing
        return False

    def default_source(self, kind: str) -> TrackSource:
        """Audio is the microphone; the first video is the camera, further ones screens."""
        if kind == "audio":
            return TrackSource.MICROPHONE
        has_camera = any(t.source is TrackSource.CAMERA for t in self.published.values())
        return TrackSource.SCREEN if has_camera else TrackSource.CAMERA

    def slot_for(self, track: PublishedTrack) -> Slot | None:
        return next((s for s in self.slots if s.published is track), None)

    def free_slot(self, kind: str, codec: CodecKey) -> Slot | None:
        return next(
            (
                s
                for s in self.slots
                if s.published is None and s.negotiated and s.kind == kind and s.codec == codec
            ),
            None,
        )
