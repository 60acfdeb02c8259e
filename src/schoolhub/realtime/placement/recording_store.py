"""Recordings stored by whichever process runs the room (an ``sfu-worker`` or the API process).

The process that hosts an ``SfuRoom`` records it (:class:`~schoolhub.realtime.sfu.recording.
RoomRecorder`, stream copy) and uploads every closed segment itself through the ``Storage``
interface (:func:`storage_sink`), under a key it makes from the room's owner (a school, or the
office of a meeting) and room ids (``start_recording`` args, :class:`RecordingTarget`). The
node's disk is scratch: a file is removed only after its upload succeeded. Both backends use :class:`RecordingSession`, so there is one code path.

Op results (both backends, JSON)::

    start_recording {"school_id": <uuid>, "room_id": <uuid>}  -> {}   (a school's room)
    start_recording {"owner_kind": "office", "owner_id": <uuid>, "room_id": <uuid>}  -> {}
    stop_recording  {}  -> {"files": [{"key": str, "size": int}, ...], "errors": [str, ...]}

``files`` lists only segments that *are* stored; ``errors`` says what is missing (an upload
that failed — its file is kept on the node —, a segment cut short, a worker lost mid-recording,
no recording running). An empty ``errors`` means the recording is complete.

Surviving a worker (Redis backend only): :class:`RecordingLedger` keeps, per room, the
recording's target, the worker currently recording it and every segment stored so far
(``sfu:{<room>}:recording``). When the room's worker dies, its in-progress segment is lost
(it was on that node's disk, not closed). When the room is re-placed on another worker (the
clients rejoin), that worker finds the ledger, notes the loss and resumes recording with the
same target; the next ``stop_recording`` reports all stored segments plus the loss. If no
worker hosts the room any more, ``RedisSfuBackend`` answers ``stop_recording`` from the ledger.
A worker that drains hands the recording over cleanly (its segment is closed and stored, no
loss is noted).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from redis.asyncio import Redis

from schoolhub.platform import storage
from schoolhub.realtime.placement.protocol import PlacementError, PlacementErrorCode
from schoolhub.realtime.sfu.recording import (
    RoomRecorder,
    SegmentResult,
    SegmentSink,
    StoredSegment,
)
from schoolhub.realtime.sfu.room import SfuRoom

logger = logging.getLogger(__name__)

LEDGER_TTL_SECONDS = 7 * 24 * 3600
NOT_RUNNING = "no recording is running in this room"


OWNER_KINDS = ("school", "office")


@dataclass(frozen=True, slots=True)
class RecordingTarget:
    """Whose recording it is: the storage key prefix ``<owner_kind>/<owner_id>/recordings/<room>/``
    (``school/<school_id>/...`` for a class session, ``office/<org_unit_id>/...`` for a meeting).

    Op args: ``{"school_id", "room_id"}`` for a school's room (unchanged), or
    ``{"owner_kind": "office" | "school", "owner_id", "room_id"}``.
    """

    owner_id: UUID
    room_id: UUID
    owner_kind: str = "school"

    def __post_init__(self) -> None:
        if self.owner_kind not in OWNER_KINDS:
            raise ValueError(f"unknown recording owner kind {self.owner_kind!r}")

    @property
    def school_id(self) -> UUID | None:
        return self.owner_id if self.owner_kind == "school" else None

    @property
    def org_unit_id(self) -> UUID | None:
        return self.owner_id if self.owner_kind == "office" else None

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> RecordingTarget:
        try:
            if "owner_kind" in args:
                return cls(
                    UUID(str(args["owner_id"])), UUID(str(args["room_id"])), str(args["owner_kind"])
                )
            return cls(UUID(str(args["school_id"])), UUID(str(args["room_id"])))
        except (KeyError, ValueError) as exc:
            raise PlacementError(
                PlacementErrorCode.BAD_REQUEST,
                "start_recording needs the room's owner (school_id, or owner_kind school|office"
                " and owner_id) and room_id (UUIDs)",
            ) from exc

    def to_args(self) -> dict[str, str]:
        if self.owner_kind == "school":
            return {"school_id": str(self.owner_id), "room_id": str(self.room_id)}
        return {
            "owner_kind": self.owner_kind,
            "owner_id": str(self.owner_id),
            "room_id": str(self.room_id),
        }


def storage_sink(target: RecordingTarget) -> SegmentSink:
    """Upload a closed segment through ``get_storage()`` under a new recording key."""

    async def sink(path: Path) -> StoredSegment:
        ext = path.suffix.lstrip(".").lower()
        key = storage.new_recording_key(
            school_id=target.school_id,
            org_unit_id=target.org_unit_id,
            room_id=target.room_id,
            ext=ext,
        )
        size = await storage.get_storage().put_file(key, path)
        return StoredSegment(key, size)

    return sink


@dataclass
class Outcome:
    """What a recording produced: stored files (key -> size, in order) and what is missing."""

    files: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, results: list[SegmentResult]) -> None:
        for result in results:
            if result.key is not None:
                self.files.setdefault(result.key, result.size)
            if result.error is not None:
                self.errors.append(result.error)
            if result.truncated:
                self.errors.append(f"segment {result.path.name} was cut short (writer failed)")

    def to_result(self) -> dict[str, Any]:
        return {
            "files": [{"key": k, "size": s} for k, s in self.files.items()],
            "errors": list(self.errors),
        }


class RecordingSession:
    """One room's recording in this process; segments are stored as they close."""

    def __init__(
        self,
        room: SfuRoom,
        directory: Path,
        target: RecordingTarget,
        *,
        ledger: RecordingLedger | None = None,
        sink: SegmentSink | None = None,
    ) -> None:
        self.target = target
        self.ledger = ledger
        self.recorder = RoomRecorder(
            room,
            directory,
            sink=sink or storage_sink(target),
            on_stored=self._note if ledger is not None else None,
        )

    async def _note(self, result: SegmentResult) -> None:
        assert self.ledger is not None and result.key is not None
        await self.ledger.note_file(self.recorder.room.room_id, result.key, result.size)

    async def start(self) -> None:
        await self.recorder.start()

    async def stop(self) -> Outcome:
        """Close the last segment, wait for every upload; what is stored and what is not."""
        await self.recorder.stop()
        outcome = Outcome()
        outcome.add(self.recorder.results)
        return outcome


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


# -- the ledger (Redis backend) -------------------------------------------------------------------
def ledger_key(room_id: str) -> str:
    return f"sfu:{{{room_id}}}:recording"


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    target: RecordingTarget
    worker_id: str  # "" = handed over (drained), else the worker recording it
    outcome: Outcome


class RecordingLedger:
    """Per-room recording state in Redis, written only by the worker recording the room."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def begin(self, room_id: str, target: RecordingTarget, worker_id: str) -> None:
        key = ledger_key(room_id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(key)
        pipe.hset(key, mapping={"target": json.dumps(target.to_args()), "worker": worker_id})
        pipe.expire(key, LEDGER_TTL_SECONDS)
        await pipe.execute()

    async def note_file(self, room_id: str, key: str, size: int) -> None:
        name = f"file:{time.time_ns():020d}:{key}"  # sortable: segments stay in order
        await self._set(room_id, name, str(size))

    async def note_error(self, room_id: str, message: str) -> None:
        await self._set(room_id, f"error:{uuid.uuid4().hex}", message)

    async def set_worker(self, room_id: str, worker_id: str) -> None:
        await self._set(room_id, "worker", worker_id)

    async def _set(self, room_id: str, name: str, value: str) -> None:
        key = ledger_key(room_id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, name, value)
        pipe.expire(key, LEDGER_TTL_SECONDS)  # a late write after collect() cannot linger
        await pipe.execute()

    async def get(self, room_id: str) -> LedgerEntry | None:
        return _entry(await self.redis.hgetall(ledger_key(room_id)))  # type: ignore[misc]

    async def collect(self, room_id: str) -> LedgerEntry | None:
        """Read and delete the room's entry (the recording is over)."""
        key = ledger_key(room_id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hgetall(key)
        pipe.delete(key)
        raw, _ = await pipe.execute()
        return _entry(raw)


def _entry(raw_fields: Mapping[Any, Any]) -> LedgerEntry | None:
    raw = {_s(k): _s(v) for k, v in raw_fields.items()}
    if "target" not in raw:
        return None
    try:
        target = RecordingTarget.from_args(json.loads(raw["target"]))
    except (ValueError, PlacementError):
        logger.warning("unreadable recording ledger entry dropped: %.200s", raw)
        return None
    outcome = Outcome()
    for name, value in sorted(raw.items()):
        if name.startswith("file:"):
            outcome.files[name.split(":", 2)[2]] = int(value)
        elif name.startswith("error:"):
            outcome.errors.append(value)
    return LedgerEntry(target, raw.get("worker", ""), outcome)
