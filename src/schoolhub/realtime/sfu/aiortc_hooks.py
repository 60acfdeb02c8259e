"""The only place that touches aiortc private internals (aiortc 1.16, see SFU.md §1).

Private names we depend on (verified by :func:`check_aiortc_compat` at install time, which
raises :class:`AiortcIncompatibleError` if any of them changes):

* ``aiortc.rtcrtpreceiver.decoder_worker(loop, input_q, output_q, decode_error)`` — module-level
  function looked up *at call time* by ``RTCRtpReceiver.receive()`` (rtcrtpreceiver.py:407),
  fed ``(codec, JitterFrame)`` tuples and ``None`` at end of stream;
* ``JitterFrame.data`` / ``JitterFrame.timestamp`` (timestamp already re-based by
  ``TimestampMapper``);
* ``RemoteStreamTrack._queue`` — the asyncio.Queue the worker feeds (``output_q``);
* ``RTCRtpReceiver._send_rtcp_pli(media_ssrc)`` — the only way to send a PLI upstream;
* ``RTCRtpSender._send_keyframe()`` — called on PLI *and* FIR from a subscriber; stock aiortc
  only sets a flag read on the encode path, i.e. it is a no-op for pre-encoded packets;
* ``RTCRtpSender._handle_rtcp_packet(packet)`` (coroutine) and ``RTCRtpSender._ssrc`` — every
  RTCP packet routed to a sender (receiver reports, REMB) arrives there; stock aiortc only
  feeds REMB to an encoder, which a pass-through sender does not have.

Hooks installed by :func:`install` (idempotent):

1. ``decoder_worker`` is replaced by :func:`sfu_decoder_worker`. For a track queue marked with
   :func:`mark_passthrough` it emits ``av.Packet`` (``pts`` = RTP timestamp, ``time_base`` =
   1/clock rate, ``is_keyframe`` from the payload) and never creates a decoder. Unmarked queues
   run aiortc's original worker unchanged. The mode is fixed when the receiver starts: marking
   after that raises ``SFU_PASSTHROUGH_TOO_LATE`` (mark in the ``track`` event or right after
   ``setRemoteDescription``; aiortc starts receivers later, in ``__connect``).
2. ``RTCRtpSender._send_keyframe`` is wrapped: if the sender's track has a callable
   ``on_subscriber_keyframe_request`` (our forwarded tracks) it is called instead; otherwise
   aiortc's original behaviour runs.
3. ``RTCRtpSender._handle_rtcp_packet`` is wrapped: after aiortc's own handling, a sender
   registered with :func:`watch_link_reports` gets a :class:`LinkReport` for each receiver
   report block about its SSRC (fraction lost, jitter) and each REMB naming its SSRC — the
   subscriber's view of its link (input of :mod:`schoolhub.realtime.sfu.adaptation`).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import queue
import threading
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import aiortc
import aiortc.rtcrtpreceiver as _receiver_module
import av
from aiortc import RTCRtpReceiver, RTCRtpSender
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RtcpPsfbPacket,
    RtcpRrPacket,
    RtcpSrPacket,
    unpack_remb_fci,
)

from schoolhub.realtime.sfu.errors import AiortcIncompatibleError, SfuError, SfuErrorCode
from schoolhub.realtime.sfu.keyframes import frame_is_keyframe

logger = logging.getLogger(__name__)

TESTED_AIORTC_VERSIONS = ("1.16.",)
_WORKER_PARAMS = ["loop", "input_q", "output_q", "decode_error"]
KEYFRAME_HOOK_ATTR = "on_subscriber_keyframe_request"


@dataclass
class PassthroughStats:
    """Counters of one pass-through receiver (written by its worker thread only)."""

    frames: int = 0
    keyframes: int = 0
    bytes: int = 0
    codec_name: str | None = None
    worker_started: bool = False
    decoder_created: bool = False  # stays False by construction; asserted in tests


@dataclass(frozen=True, slots=True)
class LinkReport:
    """What a subscriber's RTCP says about one stream we send it."""

    ssrc: int
    fraction_lost: float | None = None  # 0..1, since its previous receiver report
    jitter: int | None = None  # RTP timestamp units
    remb_bps: int | None = None  # the subscriber's receive-bandwidth estimate


LinkReportCallback = Callable[[LinkReport], None]


@dataclass
class _HookState:
    installed: bool = False
    original_worker: Callable[..., None] | None = None
    original_send_keyframe: Callable[[RTCRtpSender], None] | None = None
    original_handle_rtcp: Callable[[RTCRtpSender, Any], Awaitable[None]] | None = None
    link_watchers: weakref.WeakKeyDictionary[RTCRtpSender, LinkReportCallback] = field(
        default_factory=weakref.WeakKeyDictionary
    )
    lock: threading.Lock = field(default_factory=threading.Lock)
    passthrough: weakref.WeakKeyDictionary[asyncio.Queue[Any], PassthroughStats] = field(
        default_factory=weakref.WeakKeyDictionary
    )
    decoding: weakref.WeakSet[asyncio.Queue[Any]] = field(default_factory=weakref.WeakSet)
    passthrough_workers: int = 0
    decode_workers: int = 0


_STATE = _HookState()


def check_aiortc_compat() -> None:
    """Fail loudly if aiortc no longer has the private names listed in the module docstring."""
    problems: list[str] = []
    worker = getattr(_receiver_module, "decoder_worker", None)
    if worker is None or not callable(worker):
        problems.append("aiortc.rtcrtpreceiver.decoder_worker is missing")
    else:
        original = _STATE.original_worker or worker
        params = list(inspect.signature(original).parameters)
        if params != _WORKER_PARAMS:
            problems.append(f"decoder_worker signature changed: {params}")
    try:
        if "decoder_worker" not in inspect.getsource(RTCRtpReceiver.receive):
            problems.append("RTCRtpReceiver.receive no longer starts decoder_worker")
    except (OSError, TypeError):  # pragma: no cover - source unavailable (zipapp)
        logger.warning("cannot inspect RTCRtpReceiver.receive source")
    pli = getattr(RTCRtpReceiver, "_send_rtcp_pli", None)
    if pli is None or not inspect.iscoroutinefunction(pli):
        problems.append("RTCRtpReceiver._send_rtcp_pli is missing or not a coroutine")
    elif list(inspect.signature(pli).parameters) != ["self", "media_ssrc"]:
        problems.append("RTCRtpReceiver._send_rtcp_pli signature changed")
    if not callable(getattr(RTCRtpSender, "_send_keyframe", None)):
        problems.append("RTCRtpSender._send_keyframe is missing")
    handle_rtcp = _STATE.original_handle_rtcp or getattr(RTCRtpSender, "_handle_rtcp_packet", None)
    if handle_rtcp is None or not inspect.iscoroutinefunction(handle_rtcp):
        problems.append("RTCRtpSender._handle_rtcp_packet is missing or not a coroutine")
    elif list(inspect.signature(handle_rtcp).parameters) != ["self", "packet"]:
        problems.append("RTCRtpSender._handle_rtcp_packet signature changed")
    else:
        try:
            if "self._ssrc" not in inspect.getsource(handle_rtcp):
                problems.append("RTCRtpSender._handle_rtcp_packet no longer uses self._ssrc")
        except (OSError, TypeError):  # pragma: no cover - source unavailable (zipapp)
            logger.warning("cannot inspect RTCRtpSender._handle_rtcp_packet source")
    track = _receiver_module.RemoteStreamTrack(kind="video")
    if not isinstance(getattr(track, "_queue", None), asyncio.Queue):
        problems.append("RemoteStreamTrack._queue is not an asyncio.Queue")
    frame = JitterFrame(data=b"x", timestamp=1)
    if getattr(frame, "data", None) != b"x" or getattr(frame, "timestamp", None) != 1:
        problems.append("JitterFrame.data/timestamp changed")
    if problems:
        raise AiortcIncompatibleError(
            f"aiortc {aiortc.__version__} is incompatible with the pass-through SFU: "
            + "; ".join(problems)
        )
    if not aiortc.__version__.startswith(TESTED_AIORTC_VERSIONS):
        logger.warning("pass-through SFU was tested with aiortc 1.16, found %s", aiortc.__version__)


def install() -> None:
    """Install both hooks (idempotent, thread-safe). Raises if aiortc is incompatible."""
    with _STATE.lock:
        if _STATE.installed:
            return
        check_aiortc_compat()
        _STATE.original_worker = _receiver_module.decoder_worker
        _STATE.original_send_keyframe = RTCRtpSender._send_keyframe
        _STATE.original_handle_rtcp = RTCRtpSender._handle_rtcp_packet
        _receiver_module.decoder_worker = sfu_decoder_worker
        RTCRtpSender._send_keyframe = _sfu_send_keyframe  # type: ignore[method-assign]
        RTCRtpSender._handle_rtcp_packet = _sfu_handle_rtcp_packet  # type: ignore[method-assign]
        _STATE.installed = True


def is_installed() -> bool:
    return _STATE.installed


def mark_passthrough(receiver: RTCRtpReceiver) -> PassthroughStats:
    """Make ``receiver`` deliver encoded ``av.Packet``s instead of decoded frames.

    Idempotent; returns the receiver's live counters. Must run before the receiver starts.
    """
    install()
    track = receiver.track
    if track is None:
        raise SfuError(SfuErrorCode.PASSTHROUGH_TOO_LATE, "receiver has no remote track yet")
    output_q: asyncio.Queue[Any] = getattr(track, "_queue")  # noqa: B009 - private aiortc name
    with _STATE.lock:
        stats = _STATE.passthrough.get(output_q)
        if stats is not None:
            return stats
        if output_q in _STATE.decoding:
            raise SfuError(
                SfuErrorCode.PASSTHROUGH_TOO_LATE,
                "receiver already started decoding; mark it in the 'track' event",
            )
        stats = PassthroughStats()
        _STATE.passthrough[output_q] = stats
        return stats


def passthrough_stats(receiver: RTCRtpReceiver) -> PassthroughStats | None:
    track = receiver.track
    if track is None:
        return None
    with _STATE.lock:
        return _STATE.passthrough.get(getattr(track, "_queue"))  # noqa: B009


def worker_counts() -> tuple[int, int]:
    """(pass-through workers started, decoding workers started) since process start."""
    return _STATE.passthrough_workers, _STATE.decode_workers


def sfu_decoder_worker(
    loop: asyncio.AbstractEventLoop,
    input_q: queue.Queue[Any],
    output_q: asyncio.Queue[Any],
    decode_error: threading.Event,
) -> None:
    """Replacement for aiortc's ``decoder_worker`` (same signature, runs in its thread)."""
    with _STATE.lock:
        stats = _STATE.passthrough.get(output_q)
        if stats is None:
            _STATE.decoding.add(output_q)
            _STATE.decode_workers += 1
        else:
            _STATE.passthrough_workers += 1
    if stats is None:
        original = _STATE.original_worker
        assert original is not None
        original(loop, input_q, output_q, decode_error)
        return
    _passthrough_loop(loop, input_q, output_q, stats)


def _passthrough_loop(
    loop: asyncio.AbstractEventLoop,
    input_q: queue.Queue[Any],
    output_q: asyncio.Queue[Any],
    stats: PassthroughStats,
) -> None:
    stats.worker_started = True
    time_bases: dict[int, Fraction] = {}
    while True:
        task = input_q.get()
        if task is None:
            _deliver(loop, output_q, None)
            return
        codec, encoded_frame = task
        data: bytes = encoded_frame.data
        if not data:
            continue
        packet = av.Packet(data)
        packet.pts = encoded_frame.timestamp
        time_base = time_bases.get(codec.clockRate)
        if time_base is None:
            time_base = time_bases[codec.clockRate] = Fraction(1, codec.clockRate)
        packet.time_base = time_base
        keyframe = frame_is_keyframe(codec.name, data)
        packet.is_keyframe = keyframe
        stats.codec_name = codec.name
        stats.frames += 1
        stats.keyframes += keyframe
        stats.bytes += len(data)
        if not _deliver(loop, output_q, packet):
            return


def _deliver(loop: asyncio.AbstractEventLoop, output_q: asyncio.Queue[Any], item: Any) -> bool:
    try:
        loop.call_soon_threadsafe(output_q.put_nowait, item)
    except RuntimeError:  # event loop closed: nobody is listening any more
        return False
    return True


def upstream_pli(receiver: RTCRtpReceiver, media_ssrc: int | None) -> Callable[[], Any]:
    """Coroutine factory sending one PLI to the publisher behind ``receiver``.

    ``media_ssrc`` is the publisher's primary (non-RTX) SSRC from its SDP; without one, the
    first SSRC actually received is used (RTCP feedback is routed by media SSRC).
    """

    async def send_pli() -> None:
        ssrc = media_ssrc
        if ssrc is None:
            seen = receiver.getSynchronizationSources()
            ssrc = seen[0].source if seen else None
        if ssrc is not None:
            await receiver._send_rtcp_pli(ssrc)

    return send_pli


def _sfu_send_keyframe(self: RTCRtpSender) -> None:
    """Route a subscriber's PLI/FIR to the forwarded track (and from there upstream)."""
    hook = getattr(self.track, KEYFRAME_HOOK_ATTR, None)
    if callable(hook):
        hook()
        return
    original = _STATE.original_send_keyframe
    assert original is not None
    original(self)


def watch_link_reports(sender: RTCRtpSender, callback: LinkReportCallback | None) -> None:
    """Call ``callback`` with every :class:`LinkReport` the subscriber sends about ``sender``'s
    stream (``None`` stops watching). Runs in the event loop, inside RTCP handling: keep it
    cheap and never raise (exceptions are logged)."""
    install()
    with _STATE.lock:
        if callback is None:
            _STATE.link_watchers.pop(sender, None)
        else:
            _STATE.link_watchers[sender] = callback


def link_reports(packet: Any, ssrc: int) -> list[LinkReport]:
    """The parts of one RTCP packet that describe the stream ``ssrc`` (pure)."""
    if isinstance(packet, (RtcpRrPacket, RtcpSrPacket)):
        return [
            LinkReport(ssrc, fraction_lost=r.fraction_lost / 256.0, jitter=r.jitter)
            for r in packet.reports
            if r.ssrc == ssrc
        ]
    if isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
        try:
            bitrate, ssrcs = unpack_remb_fci(packet.fci)
        except ValueError:
            return []
        if ssrc in ssrcs:
            return [LinkReport(ssrc, remb_bps=int(bitrate))]
    return []


async def _sfu_handle_rtcp_packet(self: RTCRtpSender, packet: Any) -> None:
    original = _STATE.original_handle_rtcp
    assert original is not None
    await original(self, packet)
    callback = _STATE.link_watchers.get(self)
    if callback is None:
        return
    for report in link_reports(packet, self._ssrc):
        try:
            callback(report)
        except Exception:
            logger.exception("link report callback failed")
