"""Test and benchmark support: synthetic camera, time-code probe and an in-process client.

Not used in production paths. ``SyntheticVideoTrack`` produces a moving picture (so the
client's own aiortc encoder does real work) and can burn the capture wall-clock time (ms,
32 bits) into the top-left corner as 16×16 black/white blocks; :func:`read_time_code` reads it
back from a decoded frame, giving glass-to-glass latency on one host clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import av
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError, VideoStreamTrack

from schoolhub.realtime.sfu.aiortc_hooks import mark_passthrough
from schoolhub.realtime.sfu.events import NegotiationNeeded, RoomEvent, TrackSource
from schoolhub.realtime.sfu.media_info import negotiated_codec
from schoolhub.realtime.sfu.participant import SubscriptionMode
from schoolhub.realtime.sfu.room import SfuRoom

BLOCK = 16
TIME_CODE_BITS = 32


def _plane_bytes(rows: Iterable[bytes], line_size: int, width: int) -> bytes:
    pad = b"\x00" * (line_size - width)
    return b"".join(row + pad for row in rows) if pad else b"".join(rows)


class PatternRenderer:
    """Renders frame ``index`` of the moving test pattern as a yuv420p ``av.VideoFrame``."""

    def __init__(self, width: int, height: int, *, time_code: bool = False) -> None:
        self.width, self.height, self.time_code = width, height, time_code
        self._texture = bytes((x * 7 + (x // 13) * 31) % 200 + 16 for x in range(width * 2))
        self._chroma_row = bytes([128]) * (width // 2)

    def render(self, index: int) -> av.VideoFrame:
        width, height = self.width, self.height
        shift = (index * 4) % width
        row = self._texture[shift : shift + width]
        bar = (index * 3) % max(height - 40, 1)
        dark = row[: width // 2] + bytes([40]) * (width - width // 2)
        rows = [dark if bar <= y < bar + 40 else row for y in range(height)]
        if self.time_code:
            rows[: 2 * BLOCK] = _time_code_rows(int(time.time() * 1000), width, row)
        frame = av.VideoFrame(width, height, "yuv420p")
        planes = frame.planes
        planes[0].update(_plane_bytes(rows, planes[0].line_size, width))
        chroma_rows = [self._chroma_row] * (height // 2)
        for plane in planes[1:]:
            plane.update(_plane_bytes(chroma_rows, plane.line_size, width // 2))
        return frame


class SyntheticVideoTrack(VideoStreamTrack):
    """Live synthetic camera (30 fps) encoded by the sending peer's own aiortc encoder."""

    def __init__(self, width: int = 320, height: int = 240, *, time_code: bool = False) -> None:
        super().__init__()
        self._renderer = PatternRenderer(width, height, time_code=time_code)
        self.frames = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = self._renderer.render(self.frames)
        frame.pts, frame.time_base = pts, time_base
        self.frames += 1
        return frame


def _time_code_rows(value: int, width: int, background: bytes) -> list[bytes]:
    per_row = min(TIME_CODE_BITS // 2, width // BLOCK)
    out: list[bytes] = []
    for block_row in range(2):
        cells = b"".join(
            bytes([235 if (value >> (block_row * per_row + i)) & 1 else 16]) * BLOCK
            for i in range(per_row)
        )
        line = cells + background[len(cells) : width]
        out.extend([line] * BLOCK)
    return out


def read_time_code(frame: av.VideoFrame) -> int:
    """Capture time (ms, low 32 bits) burnt in by ``SyntheticVideoTrack(time_code=True)``."""
    plane = frame.planes[0]
    data = bytes(plane)
    per_row = min(TIME_CODE_BITS // 2, frame.width // BLOCK)
    value = 0
    for block_row in range(2):
        y = block_row * BLOCK + BLOCK // 2
        for i in range(per_row):
            if data[y * plane.line_size + i * BLOCK + BLOCK // 2] > 128:
                value |= 1 << (block_row * per_row + i)
    return value


def latency_ms(frame: av.VideoFrame) -> int:
    return (int(time.time() * 1000) - read_time_code(frame)) % (1 << 32)


@dataclass
class ReceivedTrack:
    """What a client got on one mid: encoded packets (pass-through) and decoded frames."""

    kind: str
    packets: int = 0
    keyframes: int = 0
    first_packet_keyframe: bool | None = None
    frames: int = 0  # decoded by the client
    decode_errors: int = 0
    latencies_ms: list[int] = field(default_factory=list)


class LoopbackClient:
    """An aiortc participant talking to an in-process ``SfuRoom`` (signaling = direct calls).

    Received tracks are marked pass-through on the client too, so the client sees the exact
    encoded frames the SFU sent (keyframe flag included) and decodes them itself with PyAV
    (``decode=False``: count packets only, as cheap load generators in the benchmark).
    """

    def __init__(
        self,
        room: SfuRoom,
        participant_id: str,
        *,
        decode: bool = True,
        probe_latency: bool = False,
    ) -> None:
        self.room = room
        self.id = participant_id
        self.pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.received: dict[str, ReceivedTrack] = {}
        self.probe_latency = probe_latency
        self.decode = decode
        self.negotiations = 0
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._remove_listener = room.add_listener(self._on_event)
        self.pc.on("track", self._on_track)

    async def join(
        self,
        tracks: Iterable[MediaStreamTrack] = (),
        *,
        video_codec: str | None = None,
        mode: SubscriptionMode = SubscriptionMode.ALL,
        sources: dict[str, TrackSource] | None = None,
    ) -> None:
        async with self._lock:
            tracks = list(tracks)
            for track in tracks:
                transceiver = self.pc.addTransceiver(track, direction="sendonly")
                if track.kind == "video" and video_codec is not None:
                    codecs = RTCRtpSender.getCapabilities("video").codecs
                    transceiver.setCodecPreferences(
                        [c for c in codecs if c.mimeType.lower() == f"video/{video_codec.lower()}"]
                    )
            offer_sdp = None
            if tracks:
                await self.pc.setLocalDescription(await self.pc.createOffer())
                offer_sdp = self.pc.localDescription.sdp
            answer = await self.room.join(self.id, offer_sdp, mode=mode, sources=sources)
            if answer is not None:
                await self.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))

    async def publish(
        self, track: MediaStreamTrack, *, source: TrackSource | None = None
    ) -> MediaStreamTrack:
        """Add one more published track (e.g. a screen share) with a client re-offer."""
        async with self._lock:
            transceiver = self.pc.addTransceiver(track, direction="sendonly")
            await self.pc.setLocalDescription(await self.pc.createOffer())
            mid = transceiver.mid or ""
            sources = {mid: source} if source is not None else None
            answer = await self.room.publish(self.id, self.pc.localDescription.sdp, sources=sources)
            await self.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        return track

    def _on_event(self, event: RoomEvent) -> None:
        if (
            isinstance(event, NegotiationNeeded)
            and event.participant_id == self.id
            and self.pc.signalingState != "closed"
        ):
            self._spawn(self._answer(event.sdp))

    async def _answer(self, offer_sdp: str) -> None:
        async with self._lock:
            await self.pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            self.negotiations += 1
            await self.room.accept_answer(self.id, self.pc.localDescription.sdp)

    def _on_track(self, track: MediaStreamTrack) -> None:
        transceiver = next(t for t in self.pc.getTransceivers() if t.receiver.track is track)
        mark_passthrough(transceiver.receiver)
        stats = self.received.setdefault(transceiver.mid or "", ReceivedTrack(track.kind))
        self._spawn(self._consume(track, transceiver.mid or "", stats))

    async def _consume(self, track: MediaStreamTrack, mid: str, stats: ReceivedTrack) -> None:
        decoder: Any = None
        with contextlib.suppress(MediaStreamError):
            while True:
                packet = await track.recv()
                if not isinstance(packet, av.Packet):
                    continue
                stats.packets += 1
                stats.keyframes += bool(packet.is_keyframe)
                if stats.first_packet_keyframe is None:
                    stats.first_packet_keyframe = bool(packet.is_keyframe)
                if not self.decode:
                    continue
                if decoder is None:
                    decoder = self._decoder(mid)
                try:
                    frames = decoder.decode(packet)
                except av.FFmpegError:
                    stats.decode_errors += 1
                    continue
                for frame in frames:
                    stats.frames += 1
                    if self.probe_latency and isinstance(frame, av.VideoFrame):
                        stats.latencies_ms.append(latency_ms(frame))

    def _decoder(self, mid: str) -> Any:
        description = self.pc.remoteDescription or self.pc.localDescription
        codec = negotiated_codec(description.sdp, mid)
        name = {"vp8": "vp8", "h264": "h264", "opus": "opus"}[codec.name if codec else "vp8"]
        return av.CodecContext.create(name, "r")

    def frames(self, kind: str) -> int:
        """Decoded frames of ``kind`` over all received tracks."""
        return sum(r.frames for r in self.received.values() if r.kind == kind)

    def packets(self, kind: str) -> int:
        return sum(r.packets for r in self.received.values() if r.kind == kind)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        self._remove_listener()
        for task in list(self._tasks):
            task.cancel()
        await self.pc.close()
