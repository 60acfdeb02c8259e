"""Room recording by stream copy: the SFU's forwarded encoded frames muxed into WebM/Matroska.

Nothing is decoded for the picture and nothing is ever encoded (SFU.md §3.2: aiortc's
``MediaRecorder`` would decode and re-encode every frame). Each recorded track gets its own
recording *slot* — a :class:`~schoolhub.realtime.sfu.forwarding.ForwardedTrack` attached to
the track's ``TrackForwarder`` like a subscriber's, so it starts on a keyframe and can never
stall the room (bounded queue) — and its ``av.Packet``\\ s are muxed as they are:

* VP8 + Opus -> ``.webm``; anything with H.264 -> ``.mkv`` (Matroska);
* output streams are created from a codec *template* (PyAV's remux path): their codec
  contexts are never opened, so no encoder exists; the only codec work is reading the first
  video keyframe's dimensions with a decoder (one frame per segment), and Opus gets its
  standard ``OpusHead`` header;
* timestamps are milliseconds from the segment start: a track's first frame is placed at its
  arrival time, later frames follow the publisher's RTP clock (smooth, and tracks stay in
  sync within network jitter).

A Matroska header lists its streams up front, so when the set of published tracks changes
while recording, :class:`RoomRecorder` closes the segment and opens the next one
(``<room>-<utc>-001.webm``, ``-002`` ...).

Storing: with a ``sink`` (an async ``path -> StoredSegment``, e.g. an upload through the
``Storage`` interface bound by :mod:`schoolhub.realtime.placement.recording_store`), every
segment is handed to it as soon as it is closed — in the background, so the next segment
starts at once — and the local file is removed only after the sink succeeded; a failed upload
keeps the file and is reported in :attr:`RoomRecorder.results` (``error``). This runs wherever
the room runs (an ``sfu-worker`` process or the API process), so the node's disk is only
scratch space. Without a sink the files stay where they are (``stop()`` returns the paths).
Recording consent belongs to the rooms layer.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from aiortc.mediastreams import MediaStreamError

import schoolhub.realtime.sfu.events as ev
from schoolhub.realtime.sfu.forwarding import ForwardedTrack
from schoolhub.realtime.sfu.participant import PublishedTrack
from schoolhub.realtime.sfu.room import SfuRoom

logger = logging.getLogger(__name__)

MS = Fraction(1, 1000)
OPUS_HEAD = (
    b"OpusHead"
    + bytes([1, 2])  # version 1, 2 channels (WebRTC Opus is always signalled stereo)
    + (312).to_bytes(2, "little")  # pre-skip (libopus default)
    + (48000).to_bytes(4, "little")
    + b"\x00\x00\x00"  # output gain 0, channel mapping family 0
)
_DECODERS = {"vp8": "vp8", "h264": "h264", "opus": "opus"}


def container_for(codecs: Iterable[str]) -> tuple[str, str]:
    """(FFmpeg format, file suffix): WebM when every codec is VP8/Opus, else Matroska."""
    names = {c.lower() for c in codecs}
    if names <= {"vp8", "opus"}:
        return "webm", ".webm"
    return "matroska", ".mkv"


@dataclass(slots=True)
class TrackRecordingStats:
    track_id: str
    kind: str
    codec: str
    packets: int = 0
    bytes: int = 0
    keyframes: int = 0
    first_packet_keyframe: bool | None = None


@dataclass(slots=True)
class SegmentStats:
    path: Path | None = None
    tracks: dict[str, TrackRecordingStats] = field(default_factory=dict)
    opened_codec_contexts: int = 0  # codec contexts opened by the muxer: must stay 0
    failed: bool = False  # the file may be truncated or unreadable


@dataclass(eq=False)
class _Tap:
    track: PublishedTrack
    slot: ForwardedTrack
    stats: TrackRecordingStats
    stream: Any = None
    anchor_ms: int | None = None
    first_pts: int = 0
    last_ms: int = -1


def _template(codec: str) -> Any:
    """A codec-only stream to create output streams from (never opened, never started)."""
    scratch = av.open(io.BytesIO(), mode="w", format="matroska")
    return scratch, scratch.add_stream(codec)


def annexb_parameter_sets(data: bytes) -> bytes:
    """SPS + PPS NAL units of an Annex B H.264 access unit (Matroska's CodecPrivate source)."""
    units = [u.strip(b"\x00") for u in re.split(b"\x00\x00\x01", data)]
    wanted = [u for u in units if u and (u[0] & 0x1F) in (7, 8)]
    return b"".join(b"\x00\x00\x00\x01" + u for u in wanted)


def _video_size(codec: str, keyframe: bytes) -> tuple[int, int]:
    decoder: Any = av.CodecContext.create(_DECODERS[codec], "r")
    try:
        for frame in decoder.decode(av.Packet(keyframe)):
            return int(frame.width), int(frame.height)
    except av.FFmpegError:
        logger.warning("could not read the %s keyframe's size", codec)
    return 0, 0


class SegmentWriter:
    """Records a fixed set of published tracks into one file until ``stop()``."""

    def __init__(
        self,
        stem: Path,
        tracks: Sequence[PublishedTrack],
        *,
        start_timeout: float = 5.0,
        queue_bound: int = 300,
    ) -> None:
        self.stem = stem
        self.start_timeout = start_timeout
        self.stats = SegmentStats()
        self._queue: asyncio.Queue[tuple[_Tap, av.Packet[Any], float] | None] = asyncio.Queue()
        self._taps = [
            _Tap(
                track,
                ForwardedTrack(track.kind, queue_bound=queue_bound),
                TrackRecordingStats(track.track_id, track.kind, track.codec.name.lower()),
            )
            for track in tracks
        ]
        self._readers: list[asyncio.Task[None]] = []
        self._task: asyncio.Task[None] | None = None
        self._t0 = 0.0

    def start(self) -> None:
        self._t0 = time.monotonic()
        for tap in self._taps:
            self.stats.tracks[tap.track.track_id] = tap.stats
            tap.slot.attach(tap.track.forwarder)  # from the next keyframe (PLI requested)
            self._readers.append(asyncio.create_task(self._read(tap)))
        self._task = asyncio.create_task(self._run(), name=f"sfu-record-{self.stem.name}")

    async def _read(self, tap: _Tap) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                packet = await tap.slot.recv()
                self._queue.put_nowait((tap, packet, time.monotonic()))

    async def stop(self) -> Path | None:
        for tap in self._taps:
            tap.slot.stop()
        await asyncio.gather(*self._readers, return_exceptions=True)
        self._queue.put_nowait(None)
        if self._task is not None:
            await self._task
        return self.stats.path

    async def _run(self) -> None:
        try:
            await self._record()
        except Exception:
            logger.exception("recording %s failed", self.stem)
            self.stats.failed = True
            for tap in self._taps:
                tap.slot.stop()

    async def _record(self) -> None:
        pending: list[tuple[_Tap, av.Packet[Any], float]] = []
        started: set[_Tap] = set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.start_timeout
        ended = False
        while len(started) < len(self._taps):  # the header needs every stream's parameters
            try:
                item = await asyncio.wait_for(self._queue.get(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                break
            if item is None:
                ended = True
                break
            pending.append(item)
            started.add(item[0])
        taps = [t for t in self._taps if t in started]
        for tap in self._taps:
            if tap not in started:
                logger.warning("track %s sent nothing: not in %s", tap.track.track_id, self.stem)
                tap.slot.stop()
        if not taps:
            return
        fmt, suffix = container_for(t.stats.codec for t in taps)
        path = self.stem.with_suffix(suffix)
        output: Any = av.open(str(path), mode="w", format=fmt)
        scratch: list[Any] = []
        try:
            for tap in taps:
                first = next(p for t, p, _ in pending if t is tap)
                tap.stream = self._add_stream(output, tap, bytes(first), scratch)
            for item in pending:
                self._mux(output, *item)
            while not ended:
                item = await self._queue.get()
                if item is None:
                    break
                if item[0].stream is not None:
                    self._mux(output, *item)
        finally:
            self.stats.opened_codec_contexts = sum(
                1 for s in output.streams if s.codec_context is not None and s.codec_context.is_open
            )
            self.stats.path = path
            try:
                output.close()
            finally:
                for container in scratch:
                    container.close()

    def _add_stream(self, output: Any, tap: _Tap, first: bytes, scratch: list[Any]) -> Any:
        codec = tap.stats.codec
        container, template = _template(codec)
        scratch.append(container)
        stream = output.add_stream_from_template(template, opaque=True)
        ctx = stream.codec_context
        if tap.track.kind == "video":
            ctx.width, ctx.height = _video_size(codec, first)
            if codec == "h264":
                ctx.extradata = annexb_parameter_sets(first) or None
        else:
            ctx.sample_rate = 48000
            ctx.layout = "stereo"
            if codec == "opus":
                ctx.extradata = OPUS_HEAD
        stream.time_base = MS
        return stream

    def _mux(self, output: Any, tap: _Tap, packet: av.Packet[Any], arrival: float) -> None:
        pts = int(packet.pts or 0)
        if tap.anchor_ms is None:
            tap.anchor_ms = int((arrival - self._t0) * 1000)
            tap.first_pts = pts
        time_base = packet.time_base or Fraction(1, 90000)
        ms = tap.anchor_ms + int((pts - tap.first_pts) * time_base * 1000)
        ms = max(ms, tap.last_ms + 1)
        tap.last_ms = ms
        out = av.Packet(bytes(packet))
        out.stream = tap.stream
        out.time_base = MS
        out.pts = out.dts = ms
        out.is_keyframe = bool(packet.is_keyframe)
        output.mux(out)
        stats = tap.stats
        stats.packets += 1
        stats.bytes += out.size
        stats.keyframes += bool(packet.is_keyframe)
        if stats.first_packet_keyframe is None:
            stats.first_packet_keyframe = bool(packet.is_keyframe)


@dataclass(frozen=True, slots=True)
class StoredSegment:
    """Where a sink put a closed segment."""

    key: str
    size: int


SegmentSink = Callable[[Path], Awaitable[StoredSegment]]


@dataclass(slots=True)
class SegmentResult:
    """One closed segment: stored (``key``/``size``) or not (``error``; the file is kept)."""

    path: Path
    key: str | None = None
    size: int = 0
    error: str | None = None
    truncated: bool = False  # the writer failed mid-way: the file may be cut short

    @property
    def stored(self) -> bool:
        return self.key is not None


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:80] or "room"


class RoomRecorder:
    """Records every published track of ``room``; a new segment whenever the set changes."""

    def __init__(
        self,
        room: SfuRoom,
        directory: Path,
        *,
        name: str | None = None,
        start_timeout: float = 5.0,
        sink: SegmentSink | None = None,
        on_stored: Callable[[SegmentResult], Awaitable[None]] | None = None,
    ) -> None:
        self.room = room
        self.sink = sink
        self.on_stored = on_stored  # after each successful store (e.g. to note the key)
        self.results: list[SegmentResult] = []
        self._uploads: list[asyncio.Task[None]] = []
        self.directory = Path(directory)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.name = name or f"{_safe(room.room_id)}-{stamp}"
        self.start_timeout = start_timeout
        self.segments: list[SegmentWriter] = []
        self.paths: list[Path] = []
        self._current: SegmentWriter | None = None
        self._lock = asyncio.Lock()
        self._remove_listener: Any = None
        self._pending: set[asyncio.Task[None]] = set()
        self._running = False

    async def start(self) -> None:
        if self._running:
            return
        self._running = True
        self.directory.mkdir(parents=True, exist_ok=True)
        self._remove_listener = self.room.add_listener(self._on_event)
        await self._rotate()

    def _on_event(self, event: ev.RoomEvent) -> None:
        if isinstance(event, (ev.TrackPublished, ev.TrackUnpublished)) and self._running:
            task = asyncio.get_running_loop().create_task(self._rotate())
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _rotate(self) -> None:
        async with self._lock:
            if self._current is not None:
                await self._finish(self._current)
                self._current = None
            tracks = self.room.published_tracks()
            if not self._running or not tracks:
                return
            stem = self.directory / f"{self.name}-{len(self.segments) + 1:03d}"
            self._current = SegmentWriter(stem, tracks, start_timeout=self.start_timeout)
            self.segments.append(self._current)
            self._current.start()

    async def _finish(self, segment: SegmentWriter) -> None:
        path = await segment.stop()
        if path is None:
            return
        self.paths.append(path)
        result = SegmentResult(path, truncated=segment.stats.failed)
        self.results.append(result)
        if self.sink is not None:
            task = asyncio.get_running_loop().create_task(
                self._store(result), name=f"sfu-record-store-{path.name}"
            )
            self._uploads.append(task)

    async def _store(self, result: SegmentResult) -> None:
        assert self.sink is not None
        try:
            stored = await self.sink(result.path)
        except Exception as exc:
            logger.exception("storing recording segment %s failed; file kept", result.path)
            result.error = f"storing {result.path.name} failed ({exc!r}); the file is kept"
            return
        result.key, result.size = stored.key, stored.size
        with contextlib.suppress(OSError):
            result.path.unlink()
        if self.on_stored is not None:
            try:
                await self.on_stored(result)
            except Exception:
                logger.exception("noting stored segment %s failed", stored.key)

    async def stop(self) -> list[Path]:
        """Stop recording; returns the files written (in order). With a sink, every segment
        has been handed to it when this returns (see :attr:`results`)."""
        self._running = False
        if self._remove_listener is not None:
            self._remove_listener()
        await asyncio.gather(*self._pending, return_exceptions=True)
        async with self._lock:
            if self._current is not None:
                await self._finish(self._current)
                self._current = None
        await asyncio.gather(*self._uploads, return_exceptions=True)
        return list(self.paths)
