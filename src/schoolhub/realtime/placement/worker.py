"""The SFU worker process: ``schoolhub sfu-worker`` = :func:`run_sfu_workers`.

A supervisor starts ``SCHOOLHUB_SFU_PROCESSES`` worker processes (one per core; aiortc is
GIL-bound) and restarts any that crashes. Each worker (:class:`SfuWorker`) is one asyncio
process hosting ``SfuRoom``\\ s; it

* registers in Redis and reports its load every 2 s with a 5 s liveness TTL
  (:mod:`~schoolhub.realtime.placement.registry`), and reaps dead peers' rooms;
* serves RPCs: the first request for a room arrives on its control channel
  ``sfu:worker:<id>`` (a ``join`` creates the room if the room map says it is ours; it then
  listens on ``sfu:{<room>}:rpc``), later ones on the rpc channel; every request is checked
  against the room map (a worker presumed dead closes rooms taken away from it); replies go to
  the caller's reply channel with its correlation id, after the events the op emitted;
* publishes every room event, as :func:`~schoolhub.realtime.placement.protocol.to_dict`, on
  ``sfu:{<room>}:events``;
* on SIGTERM drains: reports ``draining`` (no new rooms), keeps serving its rooms for
  ``SCHOOLHUB_SFU_DRAIN_SECONDS`` or until they are all closed, then releases what is left
  with ``reconnect_required`` (clients rejoin on another worker) and exits.

Environment: ``REDIS_URL`` (required), ``SCHOOLHUB_SFU_PROCESSES`` (default: CPU count),
``SCHOOLHUB_SFU_DRAIN_SECONDS`` (default 3600), ``SCHOOLHUB_SFU_NODE_NAME`` (default: host
name), ``SCHOOLHUB_SFU_NODE_IP`` (reported only), ``SCHOOLHUB_SFU_UDP_PORT_RANGE`` (e.g.
``40000-49999``: aiortc cannot pin ports, the node's ``ip_local_port_range`` must match; a
mismatch is logged). Tuning (tests): ``SCHOOLHUB_SFU_HEARTBEAT_SECONDS`` (2),
``SCHOOLHUB_SFU_LIVENESS_TTL_SECONDS`` (5). Recordings (``start_recording`` /
``stop_recording`` ops) are written under ``$SCHOOLHUB_DATA_DIR/recordings/<room>/`` (scratch)
and every closed segment is uploaded by the worker itself through the ``Storage`` interface
(the worker needs the API's storage settings: ``SCHOOLHUB_S3_*`` in production), see
:mod:`~schoolhub.realtime.placement.recording_store` (which also keeps a recording going
when its worker dies and the room is re-placed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import signal
import socket
import time
import uuid
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from schoolhub.realtime.placement.config import WorkerConfig, check_port_range
from schoolhub.realtime.placement.protocol import (
    RECORDING_OPS,
    ROOM_CLOSED,
    PlacementError,
    PlacementErrorCode,
    apply_op,
    error_to_dict,
    events_channel,
    not_running,
    offers_key,
    reconnect_required,
    rpc_channel,
    to_dict,
    worker_channel,
)
from schoolhub.realtime.placement.recording_store import (
    NOT_RUNNING,
    Outcome,
    RecordingLedger,
    RecordingSession,
    RecordingTarget,
)
from schoolhub.realtime.placement.registry import (
    DRAINING,
    SERVING,
    Placement,
    WorkerStats,
)
from schoolhub.realtime.sfu.errors import SfuError
from schoolhub.realtime.sfu.room import SfuRoom

logger = logging.getLogger(__name__)

_REPLY = "_reply"  # internal queue item: an RPC reply, published in order with the events
OFFERS_TTL_SECONDS = 3600  # pending offers outlive a crashed worker by at most this
SHUTDOWN_ROOM_SECONDS = 120.0  # closing a room at shutdown includes uploading its recording


def _safe_dir(room_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in room_id)[:80] or "room"


class SfuWorker:
    """One asyncio SFU process; ``await run()`` until drained or ``stop()``."""

    def __init__(self, config: WorkerConfig, *, worker_id: str | None = None) -> None:
        self.config = config
        node = config.node_name or socket.gethostname()
        self.worker_id = worker_id or f"{node}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.rooms: dict[str, SfuRoom] = {}
        self.recorders: dict[str, RecordingSession] = {}
        self.state = SERVING
        self._redis: Redis | None = None
        self._pubsub: PubSub | None = None
        self._events: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._stopped = asyncio.Event()
        self._no_rooms = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._drain_task: asyncio.Task[None] | None = None
        self._cpu_mark = (time.monotonic(), time.process_time())

    @property
    def placement(self) -> Placement:
        assert self._redis is not None
        return Placement(self._redis)

    # -- lifecycle --------------------------------------------------------------------------
    async def run(self) -> None:
        self._redis = Redis.from_url(self.config.redis_url, decode_responses=True)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.subscribe(worker_channel(self.worker_id))
        await self._report()
        logger.info("SFU worker %s serving (pid %s)", self.worker_id, os.getpid())
        loops = [
            asyncio.create_task(self._read_loop(), name="sfu-worker-read"),
            asyncio.create_task(self._heartbeat_loop(), name="sfu-worker-heartbeat"),
            asyncio.create_task(self._publish_loop(), name="sfu-worker-publish"),
        ]
        try:
            await self._stopped.wait()
        finally:
            await self._shutdown(loops)

    def stop(self) -> None:
        self._stopped.set()

    def request_drain(self) -> None:
        """SIGTERM: refuse new rooms, keep the current ones for ``drain_seconds``."""
        if self._drain_task is None:
            self.state = DRAINING
            self._drain_task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        logger.info("SFU worker %s draining (%d rooms)", self.worker_id, len(self.rooms))
        with contextlib.suppress(Exception):
            await self._report()
        if not self.rooms:
            self._no_rooms.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._no_rooms.wait(), self.config.drain_seconds)
        self.stop()

    async def _shutdown(self, loops: list[asyncio.Task[Any]]) -> None:
        logger.info("SFU worker %s stopping (%d rooms)", self.worker_id, len(self.rooms))
        for room_id in list(self.rooms):
            with contextlib.suppress(Exception):
                if await self.placement.release_room(room_id, self.worker_id):
                    self._events.put_nowait(
                        (room_id, reconnect_required(room_id, "worker_draining"))
                    )
            with contextlib.suppress(Exception):  # a recording is handed over, not ended
                await asyncio.wait_for(
                    self._stop_recording(room_id, handover=True), SHUTDOWN_ROOM_SECONDS
                )
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._forget(room_id, close=True), 5.0)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._events.join(), 3.0)
        for task in [*loops, *self._tasks]:
            task.cancel()
        await asyncio.gather(*loops, *self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.placement.unregister(self.worker_id)
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        if self._redis is not None:
            await self._redis.aclose()
        logger.info("SFU worker %s stopped", self.worker_id)

    # -- load reports -------------------------------------------------------------------------
    def stats(self) -> WorkerStats:
        now, cpu_now = time.monotonic(), time.process_time()
        wall, cpu = now - self._cpu_mark[0], cpu_now - self._cpu_mark[1]
        self._cpu_mark = (now, cpu_now)
        return WorkerStats(
            worker_id=self.worker_id,
            node=self.config.node_name,
            node_ip=self.config.node_ip,
            pid=os.getpid(),
            state=self.state,
            rooms=len(self.rooms),
            participants=sum(len(r.participants) for r in self.rooms.values()),
            tracks=sum(len(r.published_tracks()) for r in self.rooms.values()),
            cpu=round(cpu / wall, 3) if wall > 0 else 0.0,
            updated_at=time.time(),
        )

    async def _report(self) -> None:
        await self.placement.report(self.stats(), ttl=self.config.liveness_ttl_seconds)

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat_seconds)
            try:
                await self._report()
                # rooms taken away from us (we were presumed dead): close the zombies
                owned = await self.placement.owned(self.worker_id, self.rooms)
                for room_id in set(self.rooms) - owned:
                    logger.warning("room %s is no longer placed on %s", room_id, self.worker_id)
                    await self._forget(room_id, close=True)
                await self.placement.reap()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("SFU worker heartbeat failed")

    # -- RPC ------------------------------------------------------------------------------------
    async def _read_loop(self) -> None:
        assert self._pubsub is not None
        async for message in self._pubsub.listen():
            if message.get("type") != "message":
                continue
            task = asyncio.create_task(self._handle(message["data"]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _handle(self, raw: str) -> None:
        try:
            request = json.loads(raw)
            reply_to = str(request["reply_to"])
        except (ValueError, KeyError, TypeError):
            logger.warning("malformed SFU request dropped: %.200s", raw)
            return
        reply: dict[str, Any] = {"id": request.get("id")}
        try:
            room_id, op = str(request["room_id"]), str(request["op"])
            args = dict(request.get("args") or {})
            if await self.placement.room_worker(room_id) != self.worker_id:
                if room_id in self.rooms:  # re-placed while we were presumed dead
                    await self._forget(room_id, close=True)
                raise PlacementError(
                    PlacementErrorCode.UNAVAILABLE, f"room {room_id} is not placed on this worker"
                )
            result: dict[str, Any] = {}
            room = self.rooms.get(room_id)
            if room is None and op == "join":
                room = await self._open(room_id, int(args.get("max_participants") or 50))
            if room is None:
                if op == "stop_recording":  # answered from the recording ledger
                    result = await self._finish_recording(room_id)
                elif op != "close":
                    raise not_running(room_id)
            elif op in RECORDING_OPS:
                result = await self._recording(room, op, args)
            else:
                if op == "close":
                    ended = await self._finish_recording(room_id)
                    if ended["files"]:
                        logger.warning("room %s closed while recording: %s", room_id, ended)
                result = await apply_op(room, op, args)
                if op == "accept_answer":
                    await self._redis_client.hdel(offers_key(room_id), str(args["participant_id"]))  # type: ignore[misc]
            if op == "close":
                await self._forget(room_id, close=False)
                await self.placement.release_room(room_id, self.worker_id)
                self._events.put_nowait((room_id, {"type": ROOM_CLOSED, "room_id": room_id}))
            reply.update(ok=True, result=result)
        except Exception as exc:
            if not isinstance(exc, (PlacementError, SfuError)):
                logger.exception("SFU request failed: %.200s", raw)
            reply.update(ok=False, error=error_to_dict(exc))
        # through the event queue: every event the op emitted is published before its reply
        # (as with the in-process backend, where they are emitted before the call returns)
        self._events.put_nowait(
            ("", {"type": _REPLY, "to": reply_to, "payload": json.dumps(reply)})
        )

    @property
    def _redis_client(self) -> Redis:
        assert self._redis is not None
        return self._redis

    async def _open(self, room_id: str, max_participants: int = 50) -> SfuRoom:
        room = self.rooms.get(room_id)
        if room is not None:
            return room
        room = SfuRoom(room_id, max_participants=max_participants)
        self.rooms[room_id] = room
        self._no_rooms.clear()
        room.add_listener(lambda event: self._events.put_nowait((room_id, to_dict(event))))
        assert self._pubsub is not None
        await self._pubsub.subscribe(rpc_channel(room_id))
        logger.info("room %s opened on %s", room_id, self.worker_id)
        try:
            await self._resume_recording(room)
        except Exception:
            logger.exception("could not resume the recording of room %s", room_id)
        return room

    # -- recordings (recording_store.py) --------------------------------------------------------
    @property
    def _ledger(self) -> RecordingLedger:
        return RecordingLedger(self._redis_client)

    async def _recording(self, room: SfuRoom, op: str, args: dict[str, Any]) -> dict[str, Any]:
        """``start_recording {school_id | owner_kind + owner_id, room_id}`` -> ``{}``;
        ``stop_recording`` -> ``{"files": [{"key", "size"}], "errors": [...]}`` (segments
        uploaded by this worker)."""
        if op == "start_recording":
            if room.room_id not in self.recorders:
                target = RecordingTarget.from_args(args)
                await self._ledger.begin(room.room_id, target, self.worker_id)
                await self._start_session(room, target)
            return {}
        return await self._finish_recording(room.room_id)

    async def _start_session(self, room: SfuRoom, target: RecordingTarget) -> None:
        directory = self.config.recording_dir / _safe_dir(room.room_id)
        session = RecordingSession(room, directory, target, ledger=self._ledger)
        self.recorders[room.room_id] = session
        await session.start()

    async def _resume_recording(self, room: SfuRoom) -> None:
        """A room re-placed here while it was being recorded: note the loss, record on."""
        entry = await self._ledger.get(room.room_id)
        if entry is None or entry.worker_id == self.worker_id or room.room_id in self.recorders:
            return
        if entry.worker_id:  # not handed over: that worker died with a segment open
            await self._ledger.note_error(
                room.room_id,
                f"SFU worker {entry.worker_id} was lost while recording; "
                "the segment it was writing is missing",
            )
        await self._ledger.set_worker(room.room_id, self.worker_id)
        await self._start_session(room, entry.target)
        logger.info("recording of room %s resumed on %s", room.room_id, self.worker_id)

    async def _stop_recording(self, room_id: str, *, handover: bool = False) -> Outcome | None:
        """Stop this worker's recorder of the room (its segments are stored), keep the ledger;
        ``handover``: a clean stop, the next worker resumes without noting a loss."""
        session = self.recorders.pop(room_id, None)
        if session is None:
            return None
        outcome = await session.stop()
        for error in outcome.errors:
            with contextlib.suppress(Exception):
                await self._ledger.note_error(room_id, error)
        if handover:
            await self._ledger.set_worker(room_id, "")
        return outcome

    async def _finish_recording(self, room_id: str) -> dict[str, Any]:
        """End the room's recording: everything stored for it (by any worker) and what is
        missing; the ledger entry is removed."""
        mine = await self._stop_recording(room_id)
        entry = await self._ledger.collect(room_id)
        outcome = Outcome()
        if entry is not None:
            outcome.files.update(entry.outcome.files)
            outcome.errors.extend(entry.outcome.errors)
        if mine is not None:  # also what the ledger may have missed (Redis hiccup)
            for key, size in mine.files.items():
                outcome.files.setdefault(key, size)
            outcome.errors.extend(e for e in mine.errors if e not in outcome.errors)
        elif entry is None:
            outcome.errors.append(NOT_RUNNING)
        else:
            outcome.errors.append(f"the recording was not running on SFU worker {self.worker_id}")
        return outcome.to_result()

    async def _forget(self, room_id: str, *, close: bool) -> None:
        if close:
            with contextlib.suppress(Exception):
                await self._stop_recording(room_id)
        room = self.rooms.pop(room_id, None)
        if not self.rooms:
            self._no_rooms.set()
        if self._pubsub is not None:
            await self._pubsub.unsubscribe(rpc_channel(room_id))
        if room is not None and close:
            await room.close()

    async def _publish_loop(self) -> None:
        assert self._redis is not None
        while True:
            room_id, event = await self._events.get()
            try:
                pipe = self._redis.pipeline(transaction=False)
                kind, key = event.get("type"), offers_key(room_id)
                if kind == _REPLY:
                    await self._redis.publish(event["to"], event["payload"])
                    continue
                if kind == "NegotiationNeeded":
                    pipe.hset(key, event["participant_id"], json.dumps(event))
                    pipe.expire(key, OFFERS_TTL_SECONDS)
                elif kind == "ParticipantLeft":
                    pipe.hdel(key, event["participant_id"])
                elif kind == ROOM_CLOSED:
                    pipe.delete(key)
                pipe.publish(events_channel(room_id), json.dumps(event))
                await pipe.execute()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("publishing an SFU event failed")
            finally:
                self._events.task_done()


# -- processes --------------------------------------------------------------------------------
async def serve_worker(config: WorkerConfig, *, worker_id: str | None = None) -> None:
    """Run one worker in this process until drained (SIGTERM/SIGINT start the drain)."""
    check_port_range(config.udp_port_range)
    worker = SfuWorker(config, worker_id=worker_id)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, worker.request_drain)
    await worker.run()


def _child_main(config: WorkerConfig) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(message)s")
    logging.getLogger("aioice").setLevel(logging.WARNING)
    code = 0
    try:
        asyncio.run(serve_worker(config))
    except Exception:
        logger.exception("SFU worker crashed")
        code = 1
    logging.shutdown()
    # aiortc/aioice may leave non-daemon threads behind; the rooms are closed, nothing to flush
    os._exit(code)


def run_sfu_workers(processes: int | None = None) -> int:
    """``schoolhub sfu-worker``: supervise N worker processes; returns the exit code.

    ``processes`` defaults to ``SCHOOLHUB_SFU_PROCESSES`` (else the CPU count). SIGTERM or
    SIGINT is forwarded to every worker, which drains; the supervisor waits for them (at
    most ``SCHOOLHUB_SFU_DRAIN_SECONDS`` + 15 s, then kills). A worker that dies otherwise is
    restarted (under a new worker id; its rooms are re-placed by the survivors).
    """
    config = WorkerConfig.from_env()
    count = max(1, processes or config.processes)
    ctx = multiprocessing.get_context("spawn")
    stopping: list[float] = []

    def start() -> multiprocessing.process.BaseProcess:
        proc = ctx.Process(target=_child_main, args=(config,), name="sfu-worker", daemon=False)
        proc.start()
        return proc

    procs = [start() for _ in range(count)]

    def on_signal(signum: int, _frame: object) -> None:
        if not stopping:
            stopping.append(time.monotonic())
            for proc in procs:
                if proc.pid is not None and proc.is_alive():
                    os.kill(proc.pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while True:
            time.sleep(0.5)
            if stopping:
                if not any(p.is_alive() for p in procs):
                    return 0
                if time.monotonic() - stopping[0] > config.drain_seconds + 15:
                    for proc in procs:
                        proc.kill()
                    return 1
                continue
            for index, proc in enumerate(procs):
                if not proc.is_alive():
                    logger.error(
                        "SFU worker pid %s exited (%s); restarting", proc.pid, proc.exitcode
                    )
                    time.sleep(1.0)
                    procs[index] = start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sfu-worker")
    parser.add_argument("--single", action="store_true", help="one worker in this process")
    parser.add_argument("--processes", type=int, default=None)
    args = parser.parse_args(argv)
    if args.single:
        _child_main(WorkerConfig.from_env())
        return 0
    logging.basicConfig(level=logging.INFO)
    return run_sfu_workers(args.processes)


if __name__ == "__main__":
    raise SystemExit(main())
