"""Keyframe detection on encoded media and coalescing of upstream keyframe requests.

Pure functions and a pure state machine: no asyncio, no aiortc, so they are unit-testable
on raw bytes and with an injected clock.

Two input shapes are understood:

* *frames* — what aiortc's jitter buffer hands to ``decoder_worker`` after depayloading
  (a complete VP8 frame, an Annex-B H.264 access unit, one Opus packet);
* *RTP payloads* — the bytes of a single RTP packet payload, still carrying the VP8 payload
  descriptor (RFC 7741) or the H.264 RTP NAL header (RFC 6184: single NAL, STAP-A, FU-A).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator

H264_NAL_IDR = 5
H264_NAL_SPS = 7
H264_NAL_STAP_A = 24
H264_NAL_FU_A = 28
#: NAL unit types that mark an access unit as a decoder refresh point. SPS is accepted as
#: well because encoders emit SPS/PPS immediately before every IDR.
H264_KEY_NAL_TYPES = frozenset({H264_NAL_IDR, H264_NAL_SPS})

_VP8_START_CODE = b"\x9d\x01\x2a"


def vp8_frame_is_keyframe(frame: bytes) -> bool:
    """True if a depayloaded VP8 frame is a key frame (RFC 6386 §9.1).

    The 3-byte frame tag's lowest bit is the inverse key-frame flag (0 = key frame); key frames
    also carry the start code ``9d 01 2a`` at offset 3, which is checked to reject garbage.
    """
    if len(frame) < 10:
        return False
    return (frame[0] & 0x01) == 0 and frame[3:6] == _VP8_START_CODE


def vp8_payload_is_keyframe(payload: bytes) -> bool:
    """True if an RTP payload (VP8 descriptor + data) starts a VP8 key frame.

    Only the first packet of partition 0 (S=1, PID=0) carries the frame tag.
    """
    if not payload:
        return False
    first = payload[0]
    extended = first & 0x80
    start = first & 0x10
    partition_id = first & 0x0F
    if not start or partition_id != 0:
        return False
    pos = 1
    if extended:
        if len(payload) < 2:
            return False
        ext = payload[1]
        pos = 2
        if ext & 0x80:  # I: picture id, 7 or 15 bits
            if len(payload) <= pos:
                return False
            pos += 2 if payload[pos] & 0x80 else 1
        if ext & 0x40:  # L: TL0PICIDX
            pos += 1
        if ext & 0x30:  # T or K: TID/Y/KEYIDX byte
            pos += 1
    return vp8_frame_is_keyframe(payload[pos:])


def iter_annexb_nal_types(data: bytes) -> Iterator[int]:
    """Yield the NAL unit type of each NAL unit in an Annex-B byte stream."""
    i = data.find(b"\x00\x00\x01")
    while i != -1:
        header = i + 3
        if header < len(data):
            yield data[header] & 0x1F
        i = data.find(b"\x00\x00\x01", header)


def h264_frame_is_keyframe(access_unit: bytes) -> bool:
    """True if an Annex-B access unit contains an IDR slice or an SPS."""
    return any(t in H264_KEY_NAL_TYPES for t in iter_annexb_nal_types(access_unit))


def h264_payload_is_keyframe(payload: bytes) -> bool:
    """True if one H.264 RTP payload carries (the start of) an IDR slice or an SPS."""
    if len(payload) < 2:
        return False
    nal_type = payload[0] & 0x1F
    if nal_type == H264_NAL_FU_A:
        is_start = bool(payload[1] & 0x80)
        return is_start and (payload[1] & 0x1F) in H264_KEY_NAL_TYPES
    if nal_type == H264_NAL_STAP_A:
        pos = 1
        while pos + 2 < len(payload):
            size = int.from_bytes(payload[pos : pos + 2], "big")
            pos += 2
            if size == 0 or pos + size > len(payload):
                return False
            if payload[pos] & 0x1F in H264_KEY_NAL_TYPES:
                return True
            pos += size
        return False
    return nal_type in H264_KEY_NAL_TYPES


def frame_is_keyframe(codec_name: str, frame: bytes) -> bool:
    """Dispatch on aiortc's codec name (``VP8``, ``H264``, ``opus``...).

    Audio frames are all independently decodable, so every audio frame counts as a keyframe.
    """
    name = codec_name.lower()
    if name == "vp8":
        return vp8_frame_is_keyframe(frame)
    if name == "h264":
        return h264_frame_is_keyframe(frame)
    return True


class CoalesceDecision(enum.Enum):
    """What the caller must do with a keyframe request."""

    SEND_NOW = "send_now"
    """Send an upstream PLI immediately."""
    DEFER = "defer"
    """A PLI was sent recently: schedule :meth:`KeyframeRequestCoalescer.fire` after the delay."""
    COALESCED = "coalesced"
    """Already covered by a deferred request: nothing to do."""


class KeyframeRequestCoalescer:
    """At most one upstream keyframe request per ``interval`` seconds per publisher track.

    Invariants:

    * two ``SEND_NOW``/``fire() -> True`` outcomes are always ≥ ``interval`` apart;
    * a request is never lost: inside the interval it becomes one deferred request, which
      :meth:`keyframe_received` cancels (any keyframe satisfies every waiting subscriber);
    * at most one deferred request is pending at a time.
    """

    def __init__(self, interval: float) -> None:
        if interval < 0:
            raise ValueError("interval must be >= 0")
        self.interval = interval
        self._last_sent: float | None = None
        self._pending = False
        self.requests = 0
        self.sent = 0

    @property
    def pending(self) -> bool:
        return self._pending

    def request(self, now: float) -> tuple[CoalesceDecision, float]:
        """Register a request at time ``now``; returns the decision and a delay (seconds)."""
        self.requests += 1
        if self._pending:
            return CoalesceDecision.COALESCED, 0.0
        if self._last_sent is None or now - self._last_sent >= self.interval:
            self._last_sent = now
            self.sent += 1
            return CoalesceDecision.SEND_NOW, 0.0
        self._pending = True
        return CoalesceDecision.DEFER, self._last_sent + self.interval - now

    def fire(self, now: float) -> bool:
        """Timer callback for a ``DEFER`` decision: True if the PLI must be sent now."""
        if not self._pending:
            return False
        self._pending = False
        self._last_sent = now
        self.sent += 1
        return True

    def keyframe_received(self) -> None:
        """A keyframe arrived from the publisher: a deferred request is no longer needed."""
        self._pending = False
