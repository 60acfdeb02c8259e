"""The SFU backend contract shared by the in-process and the Redis-placed backends.

``call(room_id, op, args)`` mirrors ``SfuRoom`` methods; argument names are exactly the
``SfuRoom`` parameter names, results are JSON-able dicts:

============== ================================================== ==========================
op             args                                               result
============== ================================================== ==========================
join           participant_id, offer_sdp?, mode?, sources?        {"answer_sdp": str | None}
publish        participant_id, offer_sdp, sources?                {"answer_sdp": str}
accept_answer  participant_id, answer_sdp                         {}
leave          participant_id, reason?                            {}
unpublish      participant_id, track_id                           {}
set_mode       participant_id, mode                               {}
set_presenter  participant_id (str | None)                        {}
close          (none)                                             {}
============== ================================================== ==========================

Recording ops (not ``SfuRoom`` methods, both backends): ``start_recording`` ``{school_id,
room_id}`` (-> ``{}``) and ``stop_recording`` (-> ``{"files": [{"key", "size"}], "errors":
[...]}``): the process hosting the room uploads each closed segment through the ``Storage``
interface itself, see :mod:`schoolhub.realtime.placement.recording_store`; closing a room ends
its recording.

``mode`` is a ``SubscriptionMode`` value, ``sources`` maps mid -> ``TrackSource`` value.
``join`` creates the room on first use (``args`` may carry ``max_participants``); other ops
on a room that is not running raise ``SfuError(SFU_UNKNOWN_PARTICIPANT)`` (``close`` is a no-op).

``events(room_id)`` yields :func:`to_dict` of every room event, ``{"type": "NegotiationNeeded",
...}`` style, first replaying the room's pending (unanswered) SFU offers, plus ``{"type":
"reconnect_required", "room_id", "reason"}`` when the room's worker died or drained away (the
stream survives that: the room's channel does not depend on its worker); it ends when the room
is closed.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import AsyncIterator
from typing import Any, Protocol

import schoolhub.realtime.sfu.events as ev
from schoolhub.realtime.sfu.errors import SfuError, SfuErrorCode
from schoolhub.realtime.sfu.participant import SubscriptionMode
from schoolhub.realtime.sfu.room import SfuRoom

OPS = frozenset(
    {"join", "publish", "accept_answer", "leave", "unpublish", "set_mode", "set_presenter", "close"}
    | {"set_muted"}  # (unmute) host mute / stop video
)
RECORDING_OPS = frozenset({"start_recording", "stop_recording"})  # worker-only extension
RECONNECT_REQUIRED = "reconnect_required"
ROOM_CLOSED = "_room_closed"  # internal: ends RedisSfuBackend.events() streams, never yielded


class SfuBackend(Protocol):
    """Implemented by ``LocalSfuBackend`` (rooms layer) and :class:`RedisSfuBackend`."""

    async def call(self, room_id: str, op: str, args: dict[str, Any]) -> dict[str, Any]: ...

    def events(self, room_id: str) -> AsyncIterator[dict[str, Any]]: ...


class PlacementErrorCode(enum.StrEnum):
    UNAVAILABLE = "SFU_UNAVAILABLE"  # no live worker accepts the room, or its worker vanished
    TIMEOUT = "SFU_TIMEOUT"  # the owning worker did not answer in time
    BAD_REQUEST = "SFU_BAD_REQUEST"  # unknown op or malformed args
    INTERNAL = "SFU_INTERNAL"  # unexpected failure inside the worker


class PlacementError(Exception):
    """Failure of placement or transport (SFU rule violations stay ``SfuError``)."""

    def __init__(self, code: PlacementErrorCode, message: str) -> None:
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.message = message


# -- channels and keys (hash tags keep a room's channels on one cluster slot) ---------------
def rpc_channel(room_id: str) -> str:
    return f"sfu:{{{room_id}}}:rpc"


def events_channel(room_id: str) -> str:
    return f"sfu:{{{room_id}}}:events"


def worker_channel(worker_id: str) -> str:
    return f"sfu:worker:{worker_id}"


def offers_key(room_id: str) -> str:
    """Hash participant id -> pending ``NegotiationNeeded`` (JSON), replayed to new streams."""
    return f"sfu:{{{room_id}}}:offers"


def reply_channel(backend_id: str) -> str:
    return f"sfu:reply:{backend_id}"


# -- event serialisation ----------------------------------------------------------------------
_EVENT_CLASSES: tuple[type, ...] = (
    ev.ParticipantJoined,
    ev.ParticipantLeft,
    ev.TrackPublished,
    ev.TrackUnpublished,
    ev.KeyframeRequested,
    ev.NegotiationNeeded,
    ev.TrackRouted,
    ev.SubscriptionAdapted,
)
_EVENT_TYPES: dict[type, str] = {cls: cls.__name__ for cls in _EVENT_CLASSES}
_TYPE_EVENTS = {name: cls for cls, name in _EVENT_TYPES.items()}


def to_dict(event: ev.RoomEvent) -> dict[str, Any]:
    """``{"type": "<ClassName>", **fields}`` (as ``realtime.backend.event_to_dict``); enum
    fields become their string values."""
    name = _EVENT_TYPES.get(type(event))
    if name is None:
        raise TypeError(f"not an SFU room event: {event!r}")
    out: dict[str, Any] = {"type": name}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        out[f.name] = value.value if isinstance(value, enum.Enum) else value
    return out


def from_dict(data: dict[str, Any]) -> ev.RoomEvent | None:
    """Inverse of :func:`to_dict`; ``None`` for non-room events such as reconnect_required."""
    cls = _TYPE_EVENTS.get(str(data.get("type")))
    if cls is None:
        return None
    kwargs = {f.name: data[f.name] for f in dataclasses.fields(cls)}
    if cls is ev.TrackPublished:
        kwargs["source"] = ev.TrackSource(kwargs["source"])
    event: ev.RoomEvent = cls(**kwargs)
    return event


def not_running(room_id: str) -> SfuError:
    return SfuError(SfuErrorCode.UNKNOWN_PARTICIPANT, f"room {room_id} is not running")


def reconnect_required(room_id: str, reason: str) -> dict[str, Any]:
    return {"type": RECONNECT_REQUIRED, "room_id": room_id, "reason": reason}


# -- errors over the wire ---------------------------------------------------------------------
def error_to_dict(exc: BaseException) -> dict[str, str]:
    if isinstance(exc, SfuError):
        return {"kind": "sfu", "code": exc.code.value, "message": exc.message}
    if isinstance(exc, PlacementError):
        return {"kind": "placement", "code": exc.code.value, "message": exc.message}
    if isinstance(exc, (KeyError, ValueError, TypeError)):
        code = PlacementErrorCode.BAD_REQUEST.value
        return {"kind": "placement", "code": code, "message": repr(exc)}
    return {"kind": "placement", "code": PlacementErrorCode.INTERNAL.value, "message": repr(exc)}


def error_from_dict(data: dict[str, str]) -> Exception:
    if data.get("kind") == "sfu":
        try:
            return SfuError(SfuErrorCode(data["code"]), data.get("message", ""))
        except ValueError:
            pass
    try:
        code = PlacementErrorCode(data.get("code", ""))
    except ValueError:
        code = PlacementErrorCode.INTERNAL
    return PlacementError(code, data.get("message", ""))


# -- applying an op to a room (shared by every backend) --------------------------------------
def _sources(raw: Any) -> dict[str, ev.TrackSource] | None:
    if not raw:
        return None
    return {str(mid): ev.TrackSource(src) for mid, src in dict(raw).items()}


async def apply_op(room: SfuRoom, op: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run ``op`` on ``room``; raises ``SfuError`` or ``PlacementError(BAD_REQUEST)``."""
    if op not in OPS:
        raise PlacementError(PlacementErrorCode.BAD_REQUEST, f"unknown op {op!r}")
    if op == "close":
        await room.close()
        return {}
    if op == "set_presenter":
        presenter = args.get("participant_id")
        room.set_presenter(None if presenter is None else str(presenter))
        return {}
    try:
        pid = str(args["participant_id"])
    except KeyError as exc:
        raise PlacementError(PlacementErrorCode.BAD_REQUEST, "participant_id missing") from exc
    if op == "join":
        answer = await room.join(
            pid,
            args.get("offer_sdp"),
            mode=SubscriptionMode(args.get("mode") or SubscriptionMode.ALL),
            sources=_sources(args.get("sources")),
        )
        return {"answer_sdp": answer}
    if op == "publish":
        answer = await room.publish(
            pid, str(args["offer_sdp"]), sources=_sources(args.get("sources"))
        )
        return {"answer_sdp": answer}
    if op == "accept_answer":
        await room.accept_answer(pid, str(args["answer_sdp"]))
    elif op == "leave":
        await room.leave(pid, reason=str(args.get("reason") or "left"))
    elif op == "unpublish":
        await room.unpublish(pid, str(args["track_id"]))
    elif op == "set_mode":
        await room.set_mode(pid, SubscriptionMode(args["mode"]))
    elif op == "set_muted":  # (unmute)
        room.set_muted(pid, str(args["kind"]), bool(args["muted"]))
    return {}
