"""Where SFU rooms run: the ``SfuBackend`` protocol and the in-process ``LocalSfuBackend``.

The signaling layer (service + GraphQL) talks to rooms only through this protocol, so rooms may
live in this process (``local``, the default) or in ``schoolhub sfu-worker`` processes reached
through Redis (``redis``, :mod:`schoolhub.realtime.placement`). Choose with the environment
variable ``SCHOOLHUB_SFU_BACKEND``; :func:`get_backend` is the only place that reads it.

Protocol
--------
``await call(room_id, op, args)`` — ops mirror :class:`~schoolhub.realtime.sfu.SfuRoom`:

* ``join`` ``{participant_id, offer_sdp?, mode?, sources?}`` -> ``{answer_sdp}`` (None without offer)
* ``publish`` ``{participant_id, offer_sdp, sources?}`` -> ``{answer_sdp}``
* ``accept_answer`` ``{participant_id, answer_sdp}`` -> ``{}``
* ``leave`` ``{participant_id, reason?}`` -> ``{}``
* ``unpublish`` ``{participant_id, track_id}`` -> ``{}``
* ``set_mode`` ``{participant_id, mode}`` (``SubscriptionMode`` value) -> ``{}``
* ``set_presenter`` ``{participant_id}`` (None clears) -> ``{}``
* ``set_muted`` ``{participant_id, kind, muted}`` -> ``{}`` (stop / resume forwarding that kind)
* ``close`` ``{}`` -> ``{}`` (stops a running recording first; its segments are stored)
* ``start_recording`` ``{school_id, room_id}`` (a meeting: ``{owner_kind: "office", owner_id,
  room_id}``) -> ``{}``; ``stop_recording`` ``{}`` ->
  ``{"files": [{"key", "size"}], "errors": [...]}`` (segments uploaded through ``Storage`` by
  this process, :mod:`schoolhub.realtime.placement.recording_store`; same
  names and shapes as the Redis backend's ops)

``join`` creates the room on first use; ``args`` may carry ``max_participants`` for that. SFU
failures raise :class:`~schoolhub.realtime.sfu.SfuError` with its stable code.

``events(room_id)`` — SFU events as dicts ``{"type": <class name>, **fields}`` (e.g.
``{"type": "NegotiationNeeded", "room_id", "participant_id", "sdp"}``). The iterator first yields
the room's *pending* SFU offers (``NegotiationNeeded`` not yet answered), so a client that
subscribes after ``join`` still receives the offer that was made before it subscribed; it ends
when the room closes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

from schoolhub.realtime.placement.recording_store import (
    NOT_RUNNING,
    RecordingSession,
    RecordingTarget,
)
from schoolhub.realtime.sfu import (
    NegotiationNeeded,
    ParticipantLeft,
    RoomEvent,
    SfuError,
    SfuErrorCode,
    SfuRoom,
    SubscriptionMode,
    TrackSource,
)

OPS = (
    "join",
    "publish",
    "accept_answer",
    "leave",
    "unpublish",
    "set_mode",
    "set_presenter",
    "set_muted",
    "close",
    "start_recording",
    "stop_recording",
)
DEFAULT_MAX_PARTICIPANTS = 50


class SfuBackend(Protocol):
    async def call(self, room_id: str, op: str, args: dict[str, Any]) -> dict[str, Any]: ...

    def events(self, room_id: str) -> AsyncIterator[dict[str, Any]]: ...


def event_to_dict(event: RoomEvent) -> dict[str, Any]:
    data = dataclasses.asdict(event)
    for key, value in data.items():
        if isinstance(value, TrackSource):
            data[key] = value.value
    return {"type": type(event).__name__, **data}


class _LocalRoom:
    def __init__(self, room: SfuRoom) -> None:
        self.room = room
        self.pending_offers: dict[str, dict[str, Any]] = {}
        self.queues: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self.recorder: RecordingSession | None = None
        room.add_listener(self._on_event)

    def _on_event(self, event: RoomEvent) -> None:
        data = event_to_dict(event)
        if isinstance(event, NegotiationNeeded):
            self.pending_offers[event.participant_id] = data
        elif isinstance(event, ParticipantLeft):
            self.pending_offers.pop(event.participant_id, None)
        for queue in self.queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(data)

    def end(self) -> None:
        for queue in self.queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(None)


class LocalSfuBackend:
    """Rooms of this process (one event loop). Good for one API process and for tests."""

    def __init__(self, *, answer_timeout: float = 30.0, recording_dir: Path | None = None) -> None:
        self._rooms: dict[str, _LocalRoom] = {}
        self._answer_timeout = answer_timeout
        self._recording_dir = recording_dir

    def _recordings_root(self) -> Path:
        if self._recording_dir is None:
            self._recording_dir = Path(tempfile.mkdtemp(prefix="schoolhub-recordings-"))
        return self._recording_dir

    def _get(self, room_id: str) -> _LocalRoom:
        local = self._rooms.get(room_id)
        if local is None:
            raise SfuError(SfuErrorCode.UNKNOWN_PARTICIPANT, f"room {room_id} is not running")
        return local

    async def call(self, room_id: str, op: str, args: dict[str, Any]) -> dict[str, Any]:
        if op not in OPS:
            raise ValueError(f"unknown SFU op {op!r}")
        if op == "close":
            local = self._rooms.pop(room_id, None)
            if local is not None:
                running, local.recorder = local.recorder, None
                if running is not None:
                    await running.stop()
                await local.room.close()
                local.end()
            return {}
        if op == "join":
            local = self._rooms.get(room_id)
            if local is None:
                room = SfuRoom(
                    room_id,
                    max_participants=int(args.get("max_participants") or DEFAULT_MAX_PARTICIPANTS),
                    answer_timeout=self._answer_timeout,
                )
                local = self._rooms[room_id] = _LocalRoom(room)
            answer = await local.room.join(
                str(args["participant_id"]),
                args.get("offer_sdp"),
                mode=SubscriptionMode(args.get("mode") or SubscriptionMode.ALL),
                sources=_sources(args.get("sources")),
            )
            return {"answer_sdp": answer}
        local = self._get(room_id)
        room = local.room
        if op == "start_recording":
            if local.recorder is None:
                directory = self._recordings_root() / _safe_dir(room_id)
                local.recorder = RecordingSession(room, directory, RecordingTarget.from_args(args))
                await local.recorder.start()
            return {}
        if op == "stop_recording":
            recorder, local.recorder = local.recorder, None
            if recorder is None:
                return {"files": [], "errors": [NOT_RUNNING]}
            return (await recorder.stop()).to_result()
        pid = str(args.get("participant_id"))
        if op == "publish":
            answer = await room.publish(
                pid, args["offer_sdp"], sources=_sources(args.get("sources"))
            )
            return {"answer_sdp": answer}
        if op == "accept_answer":
            local.pending_offers.pop(pid, None)
            await room.accept_answer(pid, args["answer_sdp"])
        elif op == "leave":
            await room.leave(pid, reason=str(args.get("reason") or "left"))
        elif op == "unpublish":
            await room.unpublish(pid, str(args["track_id"]))
        elif op == "set_mode":
            await room.set_mode(pid, SubscriptionMode(args["mode"]))
        elif op == "set_muted":
            room.set_muted(pid, str(args["kind"]), bool(args["muted"]))
        elif op == "set_presenter":
            presenter = args.get("participant_id")
            room.set_presenter(str(presenter) if presenter else None)
        return {}

    async def events(self, room_id: str) -> AsyncIterator[dict[str, Any]]:
        local = self._rooms.get(room_id)
        if local is None:
            return
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(1024)
        local.queues.add(queue)
        try:
            for offer in list(local.pending_offers.values()):
                yield offer
            while True:
                item = await queue.get()
                if item is None:
                    return
                yield item
        finally:
            local.queues.discard(queue)

    def running(self, room_id: str) -> SfuRoom | None:
        """The in-process room (tests and diagnostics only)."""
        local = self._rooms.get(room_id)
        return local.room if local else None


def _safe_dir(room_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in room_id)[:120] or "room"


def _sources(raw: Any) -> dict[str, TrackSource] | None:
    if not raw:
        return None
    return {str(mid): TrackSource(str(source)) for mid, source in dict(raw).items()}


_backend: SfuBackend | None = None


def get_backend() -> SfuBackend:
    """The process's backend, chosen once by ``SCHOOLHUB_SFU_BACKEND`` (``local`` default)."""
    global _backend
    if _backend is None:
        kind = os.environ.get("SCHOOLHUB_SFU_BACKEND", "local").strip().lower() or "local"
        if kind == "local":
            _backend = LocalSfuBackend()
        elif kind == "redis":
            placement = importlib.import_module("schoolhub.realtime.placement")
            factory = getattr(placement, "RedisSfuBackend", None)
            if factory is None:
                raise RuntimeError(
                    "SCHOOLHUB_SFU_BACKEND=redis but no RedisSfuBackend is available"
                )
            _backend = factory()
        else:
            raise RuntimeError(f"unknown SCHOOLHUB_SFU_BACKEND {kind!r} (local | redis)")
    return _backend


def set_backend(backend: SfuBackend | None) -> None:
    """Tests: replace (or reset with None) the process's backend."""
    global _backend
    _backend = backend
