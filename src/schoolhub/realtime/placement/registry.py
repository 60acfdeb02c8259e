"""Worker registry and room placement in Redis (LiveKit's pattern, SFU.md §3.1).

Keys (all plain keys; valid in cluster mode, each command touches one key):

* ``sfu:workers`` — hash worker id -> JSON :class:`WorkerStats`, rewritten every 2 s;
* ``sfu:alive:<worker id>`` — liveness key with a 5 s TTL, refreshed with the stats: a worker
  whose key expired is dead, whatever its last stats say;
* ``sfu:rooms`` — hash room id -> worker id (a room lives on exactly one worker).

Placement (:meth:`Placement.place_room`): keep the room's worker while it is alive (draining
included: a draining worker keeps its rooms); otherwise choose the least-loaded *serving* live
worker (:func:`choose_worker`) and claim the room atomically (``HSETNX``, or a compare-and-set
when replacing a dead worker), so concurrent API processes agree. When a dead worker's room is
claimed away (by ``place_room`` or by :meth:`Placement.reap`), ``reconnect_required`` is
published once on the room's event channel so its clients rejoin.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from redis.asyncio import Redis

from schoolhub.realtime.placement.protocol import (
    PlacementError,
    PlacementErrorCode,
    events_channel,
    reconnect_required,
)

logger = logging.getLogger(__name__)

WORKERS_KEY = "sfu:workers"
ROOMS_KEY = "sfu:rooms"
HEARTBEAT_SECONDS = 2.0
LIVENESS_TTL_SECONDS = 5.0
CPU_LIMIT = 0.9  # fraction of the worker's one core above which it gets no new rooms

SERVING = "serving"
DRAINING = "draining"

# Replace the room's worker only if it is still the one we saw (one winner per dead worker).
_CAS_HSET = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current == ARGV[2] then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) return 1 end
return 0
"""
_CAS_HDEL = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
"""


def alive_key(worker_id: str) -> str:
    return f"sfu:alive:{worker_id}"


@dataclass(frozen=True, slots=True)
class WorkerStats:
    worker_id: str
    node: str = ""
    node_ip: str = ""
    pid: int = 0
    state: str = SERVING
    rooms: int = 0
    participants: int = 0
    tracks: int = 0
    cpu: float = 0.0  # fraction of one core over the last interval
    updated_at: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str | bytes) -> WorkerStats:
        data = json.loads(raw)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def choose_worker(
    workers: Sequence[WorkerStats],
    assigned: Mapping[str, int] | None = None,
    *,
    cpu_limit: float = CPU_LIMIT,
) -> WorkerStats | None:
    """The least-loaded serving worker for a new room, or ``None``.

    ``workers`` must already be the live ones. ``assigned`` counts rooms per worker in the
    room map: fresher than a worker's own report (which lags by up to one heartbeat), so a
    burst of placements spreads instead of piling onto the worker that looked idle.
    Order: below ``cpu_limit`` first (above it only if every worker is), then fewest rooms,
    fewest participants, lowest CPU, worker id (deterministic tie-break).
    """
    assigned = assigned or {}
    serving = [w for w in workers if w.state == SERVING]
    if not serving:
        return None

    def key(w: WorkerStats) -> tuple[bool, int, int, float, str]:
        rooms = max(w.rooms, assigned.get(w.worker_id, 0))
        return (w.cpu >= cpu_limit, rooms, w.participants, w.cpu, w.worker_id)

    return min(serving, key=key)


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class Placement:
    """Redis-side registry and room map; used by API processes and by the workers."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    # -- worker side ------------------------------------------------------------------------
    async def report(self, stats: WorkerStats, *, ttl: float = LIVENESS_TTL_SECONDS) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.hset(WORKERS_KEY, stats.worker_id, stats.to_json())
        pipe.set(alive_key(stats.worker_id), "1", px=int(ttl * 1000))
        await pipe.execute()

    async def unregister(self, worker_id: str) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.hdel(WORKERS_KEY, worker_id)
        pipe.delete(alive_key(worker_id))
        await pipe.execute()

    async def release_room(self, room_id: str, worker_id: str) -> bool:
        """Forget ``room_id``'s placement if it is still on ``worker_id``."""
        return bool(await self.redis.eval(_CAS_HDEL, 1, ROOMS_KEY, room_id, worker_id))  # type: ignore[misc]

    async def owned(self, worker_id: str, room_ids: Iterable[str]) -> set[str]:
        """Which of ``room_ids`` are still mapped to ``worker_id``."""
        rooms = list(room_ids)
        if not rooms:
            return set()
        values = await self.redis.hmget(ROOMS_KEY, rooms)  # type: ignore[misc]
        return {
            r for r, v in zip(rooms, values, strict=True) if v is not None and _s(v) == worker_id
        }

    # -- queries ----------------------------------------------------------------------------
    async def workers(self) -> dict[str, WorkerStats]:
        raw = await self.redis.hgetall(WORKERS_KEY)  # type: ignore[misc]
        return {_s(k): WorkerStats.from_json(v) for k, v in raw.items()}

    async def alive(self, worker_ids: Sequence[str]) -> set[str]:
        if not worker_ids:
            return set()
        pipe = self.redis.pipeline(transaction=False)
        for worker_id in worker_ids:
            pipe.exists(alive_key(worker_id))
        flags = await pipe.execute()
        return {w for w, flag in zip(worker_ids, flags, strict=True) if flag}

    async def live_workers(self) -> dict[str, WorkerStats]:
        workers = await self.workers()
        live = await self.alive(list(workers))
        return {w: s for w, s in workers.items() if w in live}

    async def room_worker(self, room_id: str) -> str | None:
        value = await self.redis.hget(ROOMS_KEY, room_id)  # type: ignore[misc]
        return None if value is None else _s(value)

    async def rooms(self) -> dict[str, str]:
        raw = await self.redis.hgetall(ROOMS_KEY)  # type: ignore[misc]
        return {_s(k): _s(v) for k, v in raw.items()}

    # -- placement --------------------------------------------------------------------------
    async def place_room(self, room_id: str) -> str:
        """The worker id hosting ``room_id``, placing (or re-placing) it if needed."""
        for _ in range(5):
            current = await self.room_worker(room_id)
            live = await self.live_workers()
            if current is not None and current in live:
                return current
            assigned = Counter((await self.rooms()).values())
            chosen = choose_worker(list(live.values()), assigned)
            if chosen is None:
                raise PlacementError(PlacementErrorCode.UNAVAILABLE, "no SFU worker available")
            if current is None:
                if await self.redis.hsetnx(ROOMS_KEY, room_id, chosen.worker_id):  # type: ignore[misc]
                    return chosen.worker_id
                continue  # another API process placed it first: re-read
            swapped = await self.redis.eval(  # type: ignore[misc]
                _CAS_HSET, 1, ROOMS_KEY, room_id, current, chosen.worker_id
            )
            if swapped:
                logger.info("room %s re-placed from dead %s to %s", room_id, current, chosen)
                await self._notify_reconnect(room_id, "worker_lost")
                return chosen.worker_id
        raise PlacementError(PlacementErrorCode.UNAVAILABLE, f"could not place room {room_id}")

    async def reap(self) -> list[str]:
        """Unmap every room of a dead worker (once each), telling its clients to reconnect.

        The rooms are placed again by the next ``place_room`` (the clients' rejoin).
        Returns the room ids that were released.
        """
        workers = await self.workers()
        live = await self.alive(list(workers))
        dead = set(workers) - live
        released: list[str] = []
        for room_id, worker_id in (await self.rooms()).items():
            if worker_id in live:
                continue
            if worker_id not in workers and await self.alive([worker_id]):
                continue  # registered after our snapshot
            if await self.release_room(room_id, worker_id):
                released.append(room_id)
                await self._notify_reconnect(room_id, "worker_lost")
        if dead:
            await self.redis.hdel(WORKERS_KEY, *dead)  # type: ignore[misc]
        return released

    async def _notify_reconnect(self, room_id: str, reason: str) -> None:
        await self.redis.publish(
            events_channel(room_id), json.dumps(reconnect_required(room_id, reason))
        )
