"""Rooms placed across two real SFU worker processes through a private real Redis.

Each worker is ``python -m schoolhub.realtime.placement.worker --single`` (what the supervisor
of ``schoolhub sfu-worker`` runs per core), with a short heartbeat/TTL so failover is quick.
Media goes over real aiortc peers on loopback; signaling goes through ``RedisSfuBackend``.

Storage is shared the way it is in production (workers on other machines): an S3-compatible
endpoint. A tiny in-test S3 server (an external service, not our code) stands in for the
bucket; the workers have their own ``SCHOOLHUB_DATA_DIR`` (their disk is scratch only) and
the test process reads the recordings back through ``get_storage()``.
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import av
import pytest
from aiortc.mediastreams import AudioStreamTrack
from redis.asyncio import Redis

from schoolhub.platform import storage
from schoolhub.realtime.placement import (
    RECONNECT_REQUIRED,
    Placement,
    PlacementError,
    RedisSfuBackend,
    from_dict,
)
from schoolhub.realtime.placement.protocol import offers_key
from schoolhub.realtime.placement.recording_store import ledger_key
from schoolhub.realtime.placement.registry import ROOMS_KEY
from schoolhub.realtime.sfu import SfuError, SfuErrorCode, SubscriptionMode, TrackSource
from schoolhub.realtime.sfu.events import EventCallback
from schoolhub.realtime.sfu.loopback import LoopbackClient, SyntheticVideoTrack
from tests.support.redis_proc import RedisProcess

pytestmark = [pytest.mark.timeout(90), pytest.mark.slow]


async def wait_until(predicate: Callable[[], Any], limit: float = 10.0) -> Any:
    deadline = time.monotonic() + limit
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


class FakeS3:
    """Minimal S3-compatible object store (PUT/GET/HEAD/DELETE by path) on a loopback port."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        objects = self.objects

        class Handler(BaseHTTPRequestHandler):
            def _key(self) -> str:
                return urlsplit(self.path).path

            def do_PUT(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                objects[self._key()] = self.rfile.read(length)
                self._reply(200)

            def do_GET(self) -> None:
                data = objects.get(self._key())
                self._reply(200 if data is not None else 404, data or b"")

            def do_HEAD(self) -> None:
                self._reply(200 if self._key() in objects else 404)

            def do_DELETE(self) -> None:
                objects.pop(self._key(), None)
                self._reply(204)

            def _reply(self, status: int, body: bytes = b"") -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body and self.command != "HEAD":
                    self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.env = {
            "SCHOOLHUB_S3_ENDPOINT": f"http://127.0.0.1:{self.server.server_address[1]}",
            "SCHOOLHUB_S3_BUCKET": "recordings-test",
            "SCHOOLHUB_S3_REGION": "us-east-1",
            "SCHOOLHUB_S3_ACCESS_KEY": "test-access",
            "SCHOOLHUB_S3_SECRET_KEY": "test-secret",
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Cluster:
    def __init__(self, redis_url: str, logs: Path, env: dict[str, str] | None = None) -> None:
        self.redis_url = redis_url
        self.logs = logs
        self.env = env or {}
        self.procs: list[subprocess.Popen[bytes]] = []
        self.redis = Redis.from_url(redis_url, decode_responses=True)
        self.placement = Placement(self.redis)

    def spawn(self, drain_seconds: float = 20.0) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "REDIS_URL": self.redis_url,
            "SCHOOLHUB_SFU_NODE_NAME": "test-node",
            "SCHOOLHUB_SFU_HEARTBEAT_SECONDS": "0.5",
            "SCHOOLHUB_SFU_LIVENESS_TTL_SECONDS": "1.5",
            "SCHOOLHUB_SFU_DRAIN_SECONDS": str(drain_seconds),
            "SCHOOLHUB_DATA_DIR": str(self.logs),  # the worker's own disk (scratch)
            **self.env,
        }
        log = (self.logs / f"worker-{len(self.procs)}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "schoolhub.realtime.placement.worker", "--single"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def running(self) -> list[subprocess.Popen[bytes]]:
        return [p for p in self.procs if p.poll() is None]

    async def ensure(self, count: int) -> dict[int, str]:
        """At least ``count`` live workers; returns pid -> worker id of the live ones."""
        for _ in range(count - len(self.running())):
            self.spawn()

        async def live() -> dict[int, str] | None:
            workers = await self.placement.live_workers()
            by_pid = {s.pid: w for w, s in workers.items()}
            mine = {p.pid: by_pid[p.pid] for p in self.running() if p.pid in by_pid}
            return mine if len(mine) >= count else None

        result: dict[int, str] = await wait_until(live, 30.0)
        return result

    def proc_of(self, pids: dict[int, str], worker_id: str) -> subprocess.Popen[bytes]:
        pid = next(p for p, w in pids.items() if w == worker_id)
        return next(p for p in self.procs if p.pid == pid)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path_factory.mktemp("sfu-redis"))
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def s3() -> Iterator[FakeS3]:
    server = FakeS3()
    yield server
    server.close()


@pytest.fixture(scope="module")
async def cluster(
    redis_server: RedisProcess, tmp_path_factory: pytest.TempPathFactory, s3: FakeS3
) -> AsyncIterator[Cluster]:
    c = Cluster(redis_server.url, tmp_path_factory.mktemp("sfu-logs"), s3.env)
    yield c
    c.stop()
    await c.redis.aclose()


@pytest.fixture
def shared_storage(s3: FakeS3, monkeypatch: pytest.MonkeyPatch) -> Iterator[storage.Storage]:
    """This (API/test) process's ``get_storage()``: the same bucket as the workers'."""
    for name, value in s3.env.items():
        monkeypatch.setenv(name, value)
    storage.set_storage(None)
    store = storage.get_storage()
    assert isinstance(store, storage.S3Storage)
    yield store
    storage.set_storage(None)


async def video_frames(store: storage.Storage, key: str) -> int:
    """Decoded video frames of a stored recording (what a player would show)."""
    data = await store.read(key)
    with av.open(io.BytesIO(data)) as container:
        return sum(1 for _ in container.decode(video=0))


def target_args() -> dict[str, str]:
    return {"school_id": str(uuid.uuid4()), "room_id": str(uuid.uuid4())}


@pytest.fixture
async def backends(cluster: Cluster) -> AsyncIterator[tuple[RedisSfuBackend, RedisSfuBackend]]:
    """Two independent "API processes"."""
    a, b = RedisSfuBackend(cluster.redis_url), RedisSfuBackend(cluster.redis_url)
    yield a, b
    await a.aclose()
    await b.aclose()


def room_name() -> str:
    return f"room-{uuid.uuid4().hex[:8]}"


class RemoteRoom:
    """Duck-typed ``SfuRoom`` for ``LoopbackClient``: every call goes through a backend."""

    def __init__(self, backend: RedisSfuBackend, room_id: str) -> None:
        self.backend, self.room_id = backend, room_id
        self.stream = backend.events(room_id)
        self.raw: list[dict[str, Any]] = []
        self._callbacks: list[EventCallback] = []
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> RemoteRoom:
        await self.stream.subscribe()
        self._task = asyncio.create_task(self._pump())
        return self

    async def _pump(self) -> None:
        async for data in self.stream:
            self.raw.append(data)
            event = from_dict(data)
            if event is not None:
                for callback in list(self._callbacks):
                    callback(event)

    def add_listener(self, callback: EventCallback) -> Callable[[], None]:
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback)

    async def join(
        self,
        participant_id: str,
        offer_sdp: str | None = None,
        *,
        mode: SubscriptionMode = SubscriptionMode.ALL,
        sources: dict[str, TrackSource] | None = None,
    ) -> str | None:
        args = {"participant_id": participant_id, "offer_sdp": offer_sdp, "mode": mode.value}
        if sources:
            args["sources"] = {mid: s.value for mid, s in sources.items()}
        result = await self.backend.call(self.room_id, "join", args)
        answer: str | None = result["answer_sdp"]
        return answer

    async def publish(
        self,
        participant_id: str,
        offer_sdp: str,
        *,
        sources: dict[str, TrackSource] | None = None,
    ) -> str:
        args: dict[str, Any] = {"participant_id": participant_id, "offer_sdp": offer_sdp}
        if sources:
            args["sources"] = {mid: s.value for mid, s in sources.items()}
        answer: str = (await self.backend.call(self.room_id, "publish", args))["answer_sdp"]
        return answer

    async def accept_answer(self, participant_id: str, answer_sdp: str) -> None:
        args = {"participant_id": participant_id, "answer_sdp": answer_sdp}
        await self.backend.call(self.room_id, "accept_answer", args)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        await self.stream.aclose()


async def test_new_rooms_go_to_the_least_loaded_worker(cluster: Cluster) -> None:
    pids = await cluster.ensure(2)
    a, b = sorted(pids.values())
    await cluster.redis.delete(ROOMS_KEY)

    async def settled() -> bool:  # start-up CPU spikes are over (a busy worker gets no rooms)
        workers = await cluster.placement.workers()
        return all(workers[w].cpu < 0.5 for w in (a, b))

    await wait_until(settled, 20.0)
    first = await cluster.placement.place_room(room_name())
    second = await cluster.placement.place_room(room_name())
    assert {first, second} == {a, b}  # two idle workers: one room each
    # make `a` busier (two more rooms mapped to it): the next two rooms both go to `b`
    await cluster.redis.hset(ROOMS_KEY, mapping={"busy-1": a, "busy-2": a})
    assert await cluster.placement.place_room(room_name()) == b
    assert await cluster.placement.place_room(room_name()) == b
    await cluster.redis.delete(ROOMS_KEY)


async def test_a_room_stays_on_its_worker(
    cluster: Cluster, backends: tuple[RedisSfuBackend, RedisSfuBackend]
) -> None:
    await cluster.ensure(2)
    api_a, api_b = backends
    room = room_name()
    assert await api_a.call(room, "join", {"participant_id": "t"}) == {"answer_sdp": None}
    owner = await cluster.placement.room_worker(room)
    # the other API process reaches the same room (its participants included)
    with pytest.raises(SfuError) as excinfo:
        await api_b.call(room, "join", {"participant_id": "t"})
    assert excinfo.value.code is SfuErrorCode.DUPLICATE_PARTICIPANT
    await api_b.call(room, "join", {"participant_id": "s"})
    for _ in range(3):
        assert await cluster.placement.place_room(room) == owner

    async def reported() -> bool:
        stats = (await cluster.placement.workers())[owner or ""]
        return stats.rooms >= 1 and stats.participants >= 2

    await wait_until(reported)
    with pytest.raises(PlacementError):
        await api_a.call(room, "no_such_op", {})
    # only `join` creates a room; other ops on a room that is not running fail like locally
    with pytest.raises(SfuError) as excinfo:
        await api_a.call(room_name(), "leave", {"participant_id": "t"})
    assert excinfo.value.code is SfuErrorCode.UNKNOWN_PARTICIPANT
    assert await api_a.call(room_name(), "close", {}) == {}
    await api_b.call(room, "close", {})
    assert await cluster.placement.room_worker(room) is None


async def test_media_through_two_api_processes(
    cluster: Cluster, backends: tuple[RedisSfuBackend, RedisSfuBackend]
) -> None:
    await cluster.ensure(2)
    api_a, api_b = backends
    room_id = room_name()
    view_a = await RemoteRoom(api_a, room_id).start()
    view_b = await RemoteRoom(api_b, room_id).start()
    teacher = LoopbackClient(view_a, "teacher")  # type: ignore[arg-type]
    student = LoopbackClient(view_b, "student")  # type: ignore[arg-type]
    try:
        await teacher.join([SyntheticVideoTrack(320, 240)], video_codec="vp8")
        await student.join()
        await wait_until(lambda: student.frames("video") >= 10, 20.0)
        types = {e["type"] for e in view_b.raw}
        assert {"ParticipantJoined", "TrackPublished", "NegotiationNeeded"} <= types
        # a subscriber arriving after the SFU's offer still gets it (pending-offer replay)
        await api_a.call(room_id, "join", {"participant_id": "late"})
        key = offers_key(room_id)
        await wait_until(lambda: cluster.redis.hexists(key, "late"))  # offer made, unanswered
        late = api_b.events(room_id)
        first = await asyncio.wait_for(anext(aiter(late)), 10.0)
        assert (first["type"], first["participant_id"]) == ("NegotiationNeeded", "late")
        await late.aclose()
    finally:
        await teacher.close()
        await student.close()
        await api_a.call(room_id, "close", {})
    assert view_a._task is not None
    await asyncio.wait_for(view_a._task, 5.0)  # the room closed: its event stream ended
    assert view_a.raw[-1]["type"] == "ParticipantLeft"
    await view_b.close()


async def test_killed_worker_rooms_are_replaced_with_reconnect_required(
    cluster: Cluster, backends: tuple[RedisSfuBackend, RedisSfuBackend]
) -> None:
    pids = await cluster.ensure(2)
    api, _ = backends
    room = room_name()
    await api.call(room, "join", {"participant_id": "t"})
    victim = await cluster.placement.room_worker(room)
    assert victim is not None
    async with api.events(room) as stream:
        cluster.proc_of(pids, victim).send_signal(signal.SIGKILL)

        async def next_reconnect() -> dict[str, Any]:
            async for event in stream:
                if event["type"] == RECONNECT_REQUIRED:
                    return event
            raise AssertionError("stream ended")

        event = await asyncio.wait_for(next_reconnect(), 15.0)
    assert event["room_id"] == room
    # the client's rejoin lands on a live worker
    assert await api.call(room, "join", {"participant_id": "t"}) == {"answer_sdp": None}
    survivor = await cluster.placement.room_worker(room)
    assert survivor not in (None, victim)
    await api.call(room, "close", {})


async def test_draining_worker_keeps_its_rooms_and_refuses_new_ones(
    cluster: Cluster, backends: tuple[RedisSfuBackend, RedisSfuBackend]
) -> None:
    pids = await cluster.ensure(2)
    api, _ = backends
    room = room_name()
    await api.call(room, "join", {"participant_id": "t"})
    owner = await cluster.placement.room_worker(room)
    assert owner is not None
    proc = cluster.proc_of(pids, owner)
    proc.send_signal(signal.SIGTERM)

    async def draining() -> bool:
        stats = (await cluster.placement.workers()).get(owner)
        return stats is not None and stats.state == "draining"

    await wait_until(draining)
    for _ in range(3):
        assert await cluster.placement.place_room(room_name()) != owner
    await api.call(room, "join", {"participant_id": "late"})  # existing room still served
    assert await cluster.placement.room_worker(room) == owner
    await api.call(room, "close", {})
    await wait_until(lambda: proc.poll() is not None)  # last room closed: the worker exits
    assert proc.returncode == 0
    assert owner not in await cluster.placement.workers()


# -- recordings on worker processes ----------------------------------------------------------------
async def packets_sent(client: LoopbackClient, kind: str) -> int:
    """RTP packets of ``kind`` the client has sent (its own outbound stats)."""
    report = await client.pc.getStats()
    return sum(
        int(getattr(s, "packetsSent", 0) or 0)
        for s in report.values()
        if s.type == "outbound-rtp" and s.kind == kind
    )


async def send_some_video(client: LoopbackClient, packets: int = 150) -> None:
    start = await packets_sent(client, "video")

    async def enough() -> bool:
        return await packets_sent(client, "video") >= start + packets

    await wait_until(enough, 30.0)


async def ledger_files(cluster: Cluster, room_id: str) -> list[str]:
    raw = await cluster.redis.hgetall(ledger_key(room_id))  # type: ignore[misc]
    return [k for k in raw if k.startswith("file:")]


async def test_a_worker_uploads_its_recording_itself(
    cluster: Cluster,
    backends: tuple[RedisSfuBackend, RedisSfuBackend],
    shared_storage: storage.Storage,
) -> None:
    """The worker (own data dir, another "machine") records, uploads each closed segment
    through Storage and returns keys; this process reads and plays them from the bucket."""
    await cluster.ensure(2)
    api_a, api_b = backends
    room_id = room_name()
    view = await RemoteRoom(api_a, room_id).start()
    teacher = LoopbackClient(view, "teacher")  # type: ignore[arg-type]
    try:
        await teacher.join([SyntheticVideoTrack(320, 240), AudioStreamTrack()], video_codec="vp8")
        target = target_args()
        with pytest.raises(PlacementError):  # the worker must know whose recording it is
            await api_b.call(room_id, "start_recording", {})
        assert await api_b.call(room_id, "start_recording", target) == {}
        await send_some_video(teacher)
        result = await api_a.call(room_id, "stop_recording", {})
    finally:
        await teacher.close()
        await api_a.call(room_id, "close", {})
        await view.close()
    assert result["errors"] == []
    [item] = result["files"]
    prefix = f"school/{target['school_id']}/recordings/{target['room_id']}/"
    assert item["key"].startswith(prefix) and item["key"].endswith(".webm")
    assert item["size"] == len(await shared_storage.read(item["key"])) > 1000
    assert await video_frames(shared_storage, item["key"]) >= 20
    scratch = cluster.logs / "recordings"
    assert scratch.is_dir() and list(scratch.rglob("*.webm")) == []  # uploaded, then removed
    assert await cluster.redis.exists(ledger_key(room_id)) == 0
    # stopping again: nothing is running, and the answer says so (no file claimed)
    with pytest.raises(SfuError):  # the room is closed
        await api_a.call(room_id, "stop_recording", {})


async def _record_then_kill(
    cluster: Cluster, api: RedisSfuBackend, room_id: str
) -> tuple[RemoteRoom, dict[str, str], str]:
    """Record a room on a worker until one segment is stored, then SIGKILL that worker and
    wait until the room is released (clients told to reconnect)."""
    pids = await cluster.ensure(2)
    view = await RemoteRoom(api, room_id).start()
    teacher = LoopbackClient(view, "teacher")  # type: ignore[arg-type]
    target = target_args()
    try:
        await teacher.join([SyntheticVideoTrack(320, 240)], video_codec="vp8")
        victim = await cluster.placement.room_worker(room_id)
        assert victim is not None
        await api.call(room_id, "start_recording", target)
        await send_some_video(teacher)
        await teacher.publish(AudioStreamTrack())  # new track: segment 1 closes and is stored

        async def one_stored() -> bool:
            return len(await ledger_files(cluster, room_id)) >= 1

        await wait_until(one_stored, 30.0)
        await send_some_video(teacher, 60)  # segment 2 is being written when the worker dies
        cluster.proc_of(pids, victim).send_signal(signal.SIGKILL)
        await wait_until(lambda: any(e["type"] == RECONNECT_REQUIRED for e in view.raw), 20.0)
    finally:
        await teacher.close()
    return view, target, victim


async def test_a_killed_recording_worker_resumes_on_the_next_and_reports_the_loss(
    cluster: Cluster,
    backends: tuple[RedisSfuBackend, RedisSfuBackend],
    shared_storage: storage.Storage,
) -> None:
    api, _ = backends
    room_id = room_name()
    view, target, victim = await _record_then_kill(cluster, api, room_id)
    teacher = LoopbackClient(view, "teacher")  # type: ignore[arg-type]
    try:  # the clients rejoin: the room is re-placed and the recording goes on there
        await teacher.join([SyntheticVideoTrack(320, 240)], video_codec="vp8")
        assert await cluster.placement.room_worker(room_id) not in (None, victim)
        await send_some_video(teacher)
        result = await api.call(room_id, "stop_recording", {})
    finally:
        await teacher.close()
        await api.call(room_id, "close", {})
        await view.close()
    [error] = result["errors"]
    assert victim in error and "lost" in error  # the segment in progress is gone: said so
    keys = [f["key"] for f in result["files"]]
    assert len(keys) == 2  # before the crash (stored by the victim) + after (the survivor)
    prefix = f"school/{target['school_id']}/recordings/{target['room_id']}/"
    for item in result["files"]:
        assert item["key"].startswith(prefix)
        assert item["size"] == len(await shared_storage.read(item["key"]))
        assert await video_frames(shared_storage, item["key"]) >= 10


async def test_a_recording_whose_worker_died_ends_with_what_was_stored(
    cluster: Cluster,
    backends: tuple[RedisSfuBackend, RedisSfuBackend],
    shared_storage: storage.Storage,
) -> None:
    """Nobody rejoins: the room is on no worker; stopping answers from the ledger."""
    api, _ = backends
    room_id = room_name()
    view, target, victim = await _record_then_kill(cluster, api, room_id)
    await view.close()
    result = await api.call(room_id, "stop_recording", {})
    [error] = result["errors"]
    assert victim in error and "lost" in error
    [item] = result["files"]
    assert item["key"].startswith(f"school/{target['school_id']}/recordings/")
    assert await video_frames(shared_storage, item["key"]) >= 10
    assert await cluster.redis.exists(ledger_key(room_id)) == 0
    with pytest.raises(SfuError):  # a second stop has nothing to report
        await api.call(room_id, "stop_recording", {})
