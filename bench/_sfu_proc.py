"""Processes of the SFU benchmark: an SFU server (pass-through or MediaRelay) and clients.

Signaling is JSON lines over TCP on 127.0.0.1 (one connection per client process):
``{"op": "join", "pid", "sdp"}`` -> ``{"op": "answer", "pid", "sdp"}``; the server pushes
``{"op": "offer", "pid", "sdp"}`` and the client replies ``{"op": "answer", "pid", "sdp"}``.
Every process prints one JSON status line per second on stdout (cumulative counters and
``time.process_time()``) which the driver (bench/sfu_forwarding.py) turns into rates.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from fractions import Fraction
from typing import Any

import av
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaBlackhole, MediaRelay
from aiortc.mediastreams import MediaStreamError

from schoolhub.realtime.sfu import NegotiationNeeded, SfuRoom, mark_passthrough
from schoolhub.realtime.sfu.loopback import PatternRenderer, SyntheticVideoTrack, latency_ms
from schoolhub.realtime.sfu.media_info import negotiated_codec

Writer = asyncio.StreamWriter
_TASKS: set[asyncio.Future[Any]] = set()


def spawn_task(coro: Any) -> None:
    """Fire-and-forget with a strong reference (asyncio keeps only weak ones)."""
    task = asyncio.ensure_future(coro)
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)


def new_pc() -> RTCPeerConnection:
    return RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))


def send(writer: Writer, **message: Any) -> None:
    writer.write(json.dumps(message).encode() + b"\n")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


async def report(extra: Any) -> None:
    """Print cumulative counters once per second (read by the driver)."""
    while True:
        line = {"t": time.time(), "cpu": time.process_time(), "rss": rss_mb(), **extra()}
        print(json.dumps(line), flush=True)
        await asyncio.sleep(1.0)


# --------------------------------------------------------------------------- SFU servers
class PassServer:
    """Pass-through: the project's SfuRoom."""

    def __init__(self) -> None:
        self.room = SfuRoom("bench", max_participants=100)
        self.writers: dict[str, Writer] = {}
        self.room.add_listener(self._on_event)

    def _on_event(self, event: Any) -> None:
        if isinstance(event, NegotiationNeeded):
            send(
                self.writers[event.participant_id],
                op="offer",
                pid=event.participant_id,
                sdp=event.sdp,
            )

    async def join(self, pid: str, sdp: str | None, writer: Writer) -> str | None:
        self.writers[pid] = writer
        return await self.room.join(pid, sdp)

    async def answer(self, pid: str, sdp: str) -> None:
        await self.room.accept_answer(pid, sdp)

    def stats(self) -> dict[str, Any]:
        tracks = self.room.published_tracks()
        return {
            "frames_in": sum(t.forwarder.stats.frames_in for t in tracks),
            "frames_out": sum(
                s.track.stats.forwarded for p in self.room.participants.values() for s in p.slots
            ),
            "plis": sum(t.forwarder.stats.upstream_plis for t in tracks),
            "overflows": sum(
                s.track.stats.overflows for p in self.room.participants.values() for s in p.slots
            ),
        }


class RelayServer:
    """Baseline: aiortc MediaRelay of the decoded track, one encoder per subscriber."""

    def __init__(self) -> None:
        self.relay = MediaRelay()
        self.source: MediaStreamTrack | None = None
        self.source_ready = asyncio.Event()
        self.pcs: dict[str, RTCPeerConnection] = {}
        self.answers: dict[str, asyncio.Future[str]] = {}
        self.blackhole = MediaBlackhole()

    async def join(self, pid: str, sdp: str | None, writer: Writer) -> str | None:
        pc = self.pcs[pid] = new_pc()
        if sdp is not None:  # the publisher

            @pc.on("track")
            def on_track(track: MediaStreamTrack) -> None:
                self.source = track
                self.blackhole.addTrack(self.relay.subscribe(track))  # always drain (SFU.md 1.1)
                self.source_ready.set()

            await pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
            await pc.setLocalDescription(await pc.createAnswer())
            await self.blackhole.start()
            return pc.localDescription.sdp
        spawn_task(self._subscribe(pid, pc, writer))
        return None

    async def _subscribe(self, pid: str, pc: RTCPeerConnection, writer: Writer) -> None:
        await self.source_ready.wait()
        assert self.source is not None
        pc.addTrack(self.relay.subscribe(self.source))
        await pc.setLocalDescription(await pc.createOffer())
        self.answers[pid] = asyncio.get_running_loop().create_future()
        send(writer, op="offer", pid=pid, sdp=pc.localDescription.sdp)
        answer = await self.answers[pid]
        await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))

    async def answer(self, pid: str, sdp: str) -> None:
        self.answers[pid].set_result(sdp)

    def stats(self) -> dict[str, Any]:
        return {}


async def run_server(mode: str, port: int) -> None:
    server = PassServer() if mode == "pass" else RelayServer()

    async def handle(reader: asyncio.StreamReader, writer: Writer) -> None:
        while line := await reader.readline():
            msg = json.loads(line)
            if msg["op"] == "join":
                answer = await server.join(msg["pid"], msg.get("sdp"), writer)
                send(writer, op="joined", pid=msg["pid"], sdp=answer)
            elif msg["op"] == "answer":
                await server.answer(msg["pid"], msg["sdp"])

    await asyncio.start_server(handle, "127.0.0.1", port)
    print(json.dumps({"ready": True}), flush=True)
    await report(server.stats)


# --------------------------------------------------------------------------- clients
class ReplayVideoTrack(MediaStreamTrack):
    """Pre-encoded VP8 loop (keyframe every second) with continuous pts: no encode cost."""

    kind = "video"

    def __init__(self, packets: list[tuple[bytes, bool]]) -> None:
        super().__init__()
        self.packets = packets
        self.index = 0
        self.start: float | None = None

    async def recv(self) -> av.Packet[Any]:
        if self.start is None:
            self.start = time.monotonic()
        wait = self.start + self.index / 30 - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        data, key = self.packets[self.index % len(self.packets)]
        packet = av.Packet(data)
        packet.pts, packet.time_base = self.index * 3000, Fraction(1, 90000)
        packet.is_keyframe = key
        self.index += 1
        return packet


def pre_encode(width: int, height: int, frames: int = 90) -> list[tuple[bytes, bool]]:
    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.bit_rate, codec.gop_size = 900_000, 30
    codec.time_base = Fraction(1, 30)
    codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    renderer = PatternRenderer(width, height)
    out: list[tuple[bytes, bool]] = []
    for i in range(frames):
        frame = renderer.render(i)
        frame.pts, frame.time_base = i, Fraction(1, 30)
        out += [(bytes(p), bool(p.is_keyframe)) for p in codec.encode(frame)]
    return out


class Client:
    """One participant; receivers are pass-through so counting costs no decode."""

    def __init__(self, pid: str, writer: Writer, *, probe: bool = False) -> None:
        self.pid, self.writer, self.probe = pid, writer, probe
        self.pc = new_pc()
        self.joined: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self.frames: dict[str, int] = {}
        self.latencies: list[int] = []
        self.lock = asyncio.Lock()  # signaling is applied in arrival order
        self.pc.on("track", self._on_track)

    async def join(self, tracks: list[MediaStreamTrack]) -> None:
        async with self.lock:
            offer = None
            for track in tracks:
                self.pc.addTransceiver(track, direction="sendonly")
            if tracks:
                await self.pc.setLocalDescription(await self.pc.createOffer())
                offer = self.pc.localDescription.sdp
            send(self.writer, op="join", pid=self.pid, sdp=offer)
            answer = await self.joined
            if answer is not None:
                await self.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))

    async def on_offer(self, sdp: str) -> None:
        async with self.lock:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            send(self.writer, op="answer", pid=self.pid, sdp=self.pc.localDescription.sdp)

    def _on_track(self, track: MediaStreamTrack) -> None:
        transceiver = next(t for t in self.pc.getTransceivers() if t.receiver.track is track)
        mark_passthrough(transceiver.receiver)
        spawn_task(self._count(track, transceiver.mid or "?"))

    async def _count(self, track: MediaStreamTrack, mid: str) -> None:
        self.frames[mid] = 0
        decoder = None
        with contextlib.suppress(MediaStreamError):
            while True:
                packet = await track.recv()
                self.frames[mid] += 1
                if not self.probe or track.kind != "video":
                    continue
                if decoder is None:
                    codec = negotiated_codec(self.pc.remoteDescription.sdp, mid)
                    decoder = av.CodecContext.create(codec.name if codec else "vp8", "r")
                with contextlib.suppress(av.FFmpegError):
                    for frame in decoder.decode(packet):
                        self.latencies.append(latency_ms(frame))


async def run_clients(port: int, role: str, count: int, width: int, height: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    clients: dict[str, Client] = {}

    async def dispatch() -> None:
        while line := await reader.readline():
            msg = json.loads(line)
            client = clients[msg["pid"]]
            if msg["op"] == "joined":
                client.joined.set_result(msg["sdp"])
            elif msg["op"] == "offer":
                spawn_task(client.on_offer(msg["sdp"]))

    spawn_task(dispatch())
    replay = pre_encode(width, height) if role == "meeting" else []
    for i in range(count):
        pid = {"pub": "pub", "subs": f"sub{i}", "meeting": f"site{i}"}[role]
        client = clients[pid] = Client(pid, writer, probe=(role == "subs" and i == 0))
        if role == "pub":
            tracks: list[MediaStreamTrack] = [SyntheticVideoTrack(width, height, time_code=True)]
        elif role == "meeting":
            tracks = [ReplayVideoTrack(replay)]
        else:
            tracks = []
        await client.join(tracks)

    def stats() -> dict[str, Any]:
        frames = [n for c in clients.values() for n in c.frames.values()]
        latencies = [x for c in clients.values() for x in c.latencies]
        for c in clients.values():
            c.latencies.clear()  # each status line carries only the new samples
        return {"frames": frames, "lat": latencies}

    await report(stats)


def main() -> None:
    role, port = sys.argv[1], int(sys.argv[2])
    if role == "sfu":
        asyncio.run(run_server(sys.argv[3], port))
    else:
        count, width, height = (int(x) for x in sys.argv[3:6])
        asyncio.run(run_clients(port, role, count, width, height))


if __name__ == "__main__":
    main()
