"""Fan-out of one published track's encoded frames to many subscriber slots.

``TrackForwarder`` (one per published track) owns a task that *always* drains the source
track from the moment it is created, whether or not anyone subscribes: an unread aiortc track
buffers without limit (SFU.md §1.1 measured ~14 MB/s). Every frame is pushed to the attached
``ForwardedTrack``s, which are the tracks given to the subscribers' ``RTCRtpSender``s; the
sender only re-packetizes them (``encoder.pack``), it never encodes.

``ForwardedTrack`` is one subscriber *slot* (one sendonly transceiver). Invariants:

* its queue never holds more than ``queue_bound`` frames; on overflow the whole queue is
  dropped, the slot waits for the next keyframe and one is requested upstream;
* after (re)attaching, resuming or overflowing, nothing is emitted until a keyframe: the first
  frame a subscriber decodes is always a keyframe (audio frames all count as keyframes);
* emitted ``pts`` are re-based per slot: the first frame a slot ever emits has ``pts`` 0, and
  across pauses or a switch to another source the timeline stays monotonic (a late joiner
  does not see the publisher's absolute timestamps, a switch never goes backwards);
* ``recv()`` blocks while the slot is paused or detached instead of ending, because an aiortc
  sender whose track raises ``MediaStreamError`` stops for good; only ``stop()`` ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from schoolhub.realtime.sfu.aiortc_hooks import install
from schoolhub.realtime.sfu.keyframes import CoalesceDecision, KeyframeRequestCoalescer

logger = logging.getLogger(__name__)

DEFAULT_QUEUE_BOUND = 60  # frames: ~2 s of 30 fps video, ~1.2 s of 20 ms Opus
DEFAULT_KEYFRAME_INTERVAL = 0.4  # seconds between upstream PLIs per publisher track

UpstreamPli = Callable[[], Awaitable[None]]
KeyframeListener = Callable[[str, str], None]  # (reason, "sent" | "deferred")


@dataclass(frozen=True, slots=True)
class ForwardedFrame:
    """One encoded frame as received from the publisher (shared by all slots, read-only)."""

    data: bytes
    pts: int
    time_base: Fraction
    keyframe: bool


@dataclass(slots=True)
class ForwarderStats:
    frames_in: int = 0
    keyframes_in: int = 0
    bytes_in: int = 0
    decoded_frames_seen: int = 0  # must stay 0: the source is a pass-through receiver
    keyframe_requests: int = 0
    upstream_plis: int = 0


@dataclass(slots=True)
class SlotStats:
    pushed: int = 0
    forwarded: int = 0
    dropped: int = 0
    overflows: int = 0
    max_queue_len: int = 0
    subscriber_keyframe_requests: int = 0
    first_frame_keyframe: bool | None = None  # of the current attach/resume period
    keyframe_waits: int = 0


class TrackForwarder:
    """Drains one publisher track and fans its encoded frames out to attached slots."""

    def __init__(
        self,
        source: MediaStreamTrack,
        *,
        track_id: str,
        codec_name: str,
        upstream_pli: UpstreamPli | None = None,
        keyframe_interval: float = DEFAULT_KEYFRAME_INTERVAL,
        on_keyframe_request: KeyframeListener | None = None,
        on_ended: Callable[[TrackForwarder], None] | None = None,
    ) -> None:
        install()
        self.source = source
        self.track_id = track_id
        self.kind = source.kind
        self.codec_name = codec_name
        self.stats = ForwarderStats()
        self._slots: set[ForwardedTrack] = set()
        self._upstream_pli = upstream_pli if self.kind == "video" else None
        self._coalescer = KeyframeRequestCoalescer(keyframe_interval)
        self._deferred: asyncio.TimerHandle | None = None
        self._on_keyframe_request = on_keyframe_request
        self._on_ended = on_ended
        self._pli_tasks: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = asyncio.get_running_loop().create_task(
            self._drain(), name=f"sfu-drain-{track_id}"
        )
        self.ended = False
        self.gated = False  # (unmute) host mute / stop video: drained but not forwarded

    @property
    def slots(self) -> frozenset[ForwardedTrack]:
        return frozenset(self._slots)

    async def _drain(self) -> None:
        try:
            while True:
                item = await self.source.recv()
                if not isinstance(item, av.Packet):
                    self.stats.decoded_frames_seen += 1
                    continue
                frame = ForwardedFrame(
                    bytes(item), int(item.pts or 0), item.time_base, bool(item.is_keyframe)
                )
                self.stats.frames_in += 1
                self.stats.bytes_in += len(frame.data)
                if frame.keyframe:
                    self.stats.keyframes_in += 1
                    self._coalescer.keyframe_received()
                    if self._deferred is not None:
                        self._deferred.cancel()
                        self._deferred = None
                if self.gated:  # (unmute) the publisher keeps sending; nobody receives it
                    continue
                for slot in self._slots:
                    slot._push(frame)
        except MediaStreamError:
            pass
        finally:
            self._finish()

    def _finish(self) -> None:
        if self.ended:
            return
        self.ended = True
        if self._deferred is not None:
            self._deferred.cancel()
        for slot in list(self._slots):
            slot.detach()
        if self._on_ended is not None:
            self._on_ended(self)

    async def stop(self) -> None:
        """Stop draining (unpublish); attached slots are detached, not ended."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._finish()

    # -- (unmute) begin: gate forwarding without unpublishing ------------------------------------
    def set_gated(self, gated: bool) -> None:
        """Stop (or resume) forwarding this track; ungated slots restart from a keyframe."""
        if gated == self.gated:
            return
        self.gated = gated
        if not gated:
            for slot in list(self._slots):
                slot._restart("resume")

    # -- (unmute) end -----------------------------------------------------------------------------
    def _attach(self, slot: ForwardedTrack) -> None:
        self._slots.add(slot)

    def _detach(self, slot: ForwardedTrack) -> None:
        self._slots.discard(slot)

    def request_keyframe(self, reason: str) -> None:
        """Ask the publisher for a keyframe, coalesced to one PLI per interval."""
        if self._upstream_pli is None or self.ended:
            return
        self.stats.keyframe_requests += 1
        loop = asyncio.get_running_loop()
        decision, delay = self._coalescer.request(loop.time())
        if decision is CoalesceDecision.SEND_NOW:
            self._send_pli(reason)
        elif decision is CoalesceDecision.DEFER:
            self._deferred = loop.call_later(delay, self._fire_deferred, reason)
            if self._on_keyframe_request is not None:
                self._on_keyframe_request(reason, "deferred")

    def _fire_deferred(self, reason: str) -> None:
        self._deferred = None
        if self._coalescer.fire(asyncio.get_running_loop().time()):
            self._send_pli(reason)

    def _send_pli(self, reason: str) -> None:
        assert self._upstream_pli is not None
        self.stats.upstream_plis += 1
        task = asyncio.ensure_future(self._upstream_pli())
        self._pli_tasks.add(task)
        task.add_done_callback(self._pli_tasks.discard)
        if self._on_keyframe_request is not None:
            self._on_keyframe_request(reason, "sent")


class ForwardedTrack(MediaStreamTrack):
    """A subscriber slot: the track an egress ``RTCRtpSender`` reads pre-encoded packets from."""

    def __init__(self, kind: str, *, queue_bound: int = DEFAULT_QUEUE_BOUND) -> None:
        super().__init__()
        if queue_bound < 1:
            raise ValueError("queue_bound must be >= 1")
        self.kind = kind
        self.queue_bound = queue_bound
        self.stats = SlotStats()
        self._queue: deque[ForwardedFrame] = deque()
        self._wakeup = asyncio.Event()
        self._source: TrackForwarder | None = None
        self._paused = False
        self._waiting_keyframe = True
        self._closed = False
        self._anchor: int | None = None  # source pts that maps to output pts 0 + offset
        self._time_base: Fraction | None = None
        self._next_pts = 0  # output pts of the next frame after a re-anchor
        self._last_pts: int | None = None
        self._step = 0

    @property
    def source(self) -> TrackForwarder | None:
        return self._source

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def queue_length(self) -> int:
        return len(self._queue)

    def attach(self, forwarder: TrackForwarder) -> None:
        """Start forwarding ``forwarder`` into this slot (from its next keyframe)."""
        if forwarder.kind != self.kind:
            raise ValueError(f"cannot attach a {forwarder.kind} source to a {self.kind} slot")
        if self._source is forwarder:
            return
        self.detach()
        self._source = forwarder
        self._anchor = None
        forwarder._attach(self)
        self._restart("join")

    def detach(self) -> None:
        if self._source is not None:
            self._source._detach(self)
            self._source = None
        self._queue.clear()

    def set_paused(self, paused: bool) -> None:
        """Pause (drop everything) or resume (from the next keyframe, requested upstream)."""
        if paused == self._paused:
            return
        self._paused = paused
        self._queue.clear()
        if not paused and self._source is not None:
            self._restart("resume")

    def _restart(self, reason: str) -> None:
        self._queue.clear()
        self._waiting_keyframe = True
        self.stats.first_frame_keyframe = None
        if not self._paused and self._source is not None and self.kind == "video":
            self.stats.keyframe_waits += 1
            self._source.request_keyframe(reason)

    def on_subscriber_keyframe_request(self) -> None:
        """Called by the patched ``RTCRtpSender._send_keyframe`` (subscriber PLI/FIR)."""
        self.stats.subscriber_keyframe_requests += 1
        if self._source is not None and not self._paused:
            self._source.request_keyframe("subscriber_pli")

    def _push(self, frame: ForwardedFrame) -> None:
        if self._paused or self._closed:
            return
        self.stats.pushed += 1
        if self._waiting_keyframe:
            if not frame.keyframe:
                self.stats.dropped += 1
                return
            self._waiting_keyframe = False
        elif len(self._queue) >= self.queue_bound:
            self.stats.overflows += 1
            self.stats.dropped += len(self._queue)
            self._queue.clear()
            if not frame.keyframe:
                self.stats.dropped += 1
                self._waiting_keyframe = True
                if self._source is not None and self.kind == "video":
                    self._source.request_keyframe("overflow")
                return
        self._queue.append(frame)
        self.stats.max_queue_len = max(self.stats.max_queue_len, len(self._queue))
        self._wakeup.set()

    async def recv(self) -> av.Packet[Any]:
        while not self._queue:
            if self._closed or self.readyState != "live":
                raise MediaStreamError
            self._wakeup.clear()
            await self._wakeup.wait()
        frame = self._queue.popleft()
        packet = av.Packet(frame.data)
        packet.pts = self._map_pts(frame)
        packet.time_base = frame.time_base
        packet.is_keyframe = frame.keyframe
        if self.stats.first_frame_keyframe is None:
            self.stats.first_frame_keyframe = frame.keyframe
        self.stats.forwarded += 1
        return packet

    def _map_pts(self, frame: ForwardedFrame) -> int:
        if self._time_base != frame.time_base:
            if self._time_base is not None and self._last_pts is not None:
                self._next_pts = int(self._next_pts * self._time_base / frame.time_base)
                self._last_pts = self._next_pts - 1
                self._step = 0
            self._time_base = frame.time_base
            self._anchor = None
        if self._anchor is None:
            self._anchor = frame.pts - self._next_pts
        pts = frame.pts - self._anchor
        if self._last_pts is not None and pts <= self._last_pts:
            # source timeline went backwards (new source, publisher restart): re-anchor
            pts = self._last_pts + max(self._step, 1)
            self._anchor = frame.pts - pts
        if self._last_pts is not None:
            self._step = pts - self._last_pts
        self._last_pts = pts
        self._next_pts = pts + max(self._step, 1)
        return pts

    def stop(self) -> None:
        """End the slot for good (participant left): the egress sender stops too."""
        self._closed = True
        self.detach()
        self._wakeup.set()
        super().stop()
