"""Rooms placed across two real SFU worker processes through a private real Redis.

Each worker is ``python -m schoolhub.realtime.placement.worker --single`` (what the supervisor
of ``schoolhub sfu-worker`` runs per core), with a short heartbeat/TTL so failover is quick.
Media goes over real aiortc peers on loopback; signaling goes through ``RedisSfuBackend``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from schoolhub.realtime.placement import (
    RECONNECT_REQUIRED,
    Placement,
    PlacementError,
    RedisSfuBackend,
    from_dict,
)
from schoolhub.realtime.placement.protocol import offers_key
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


class Cluster:
    def __init__(self, redis_url: str, logs: Path) -> None:
        self.redis_url = redis_url
        self.logs = logs
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
            "SCHOOLHUB_DATA_DIR": str(self.logs),
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
async def cluster(
    redis_server: RedisProcess, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cluster]:
    c = Cluster(redis_server.url, tmp_path_factory.mktemp("sfu-logs"))
    yield c
    c.stop()
    await c.redis.aclose()


@pytest.fixture
async def backends(cluster: Cluster) -> AsyncIterator[tuple[RedisSfuBackend, RedisSfuBackend]]:
    """Two independent "API processes"."""
    a, b = RedisSfuBackend(cluster.redis_url), RedisSfuBackend(cluster.redis_url)
    yield a, b
    await a.aclose()
    await b.aclose()


def file_size(path: str) -> int:
    return Path(path).stat().st_size


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
        # recording runs on the room's worker; the files are local to that SFU node
        assert await api_b.call(room_id, "start_recording", {}) == {}
        await asyncio.sleep(1.5)
        paths = (await api_a.call(room_id, "stop_recording", {}))["paths"]
        assert len(paths) == 1 and paths[0].endswith(".webm")
        assert file_size(paths[0]) > 1000
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
