"""Recording of live class sessions (issue "Live classes" item 7).

* ``start_recording`` — host or co-host of an open class session. Class sessions need the host's
  explicit consent (``consent=True``), stored with who and when; without it the call fails with
  ``RECORDING_CONSENT_REQUIRED`` and nothing is written. Office meetings cannot be recorded yet
  (``RECORDING_NOT_SUPPORTED``): they have no owning school to store and authorise the files.
* ``stop_recording`` — host or co-host: the SFU closes the segment files (stream copy, no
  re-encoding: :mod:`schoolhub.realtime.sfu.recording`). The process hosting the room (an
  ``sfu-worker`` or this one) uploads each segment through the ``Storage`` interface under
  ``school/<id>/recordings/<room>/`` as soon as it is closed and removes its local copy only
  after that succeeded (:mod:`schoolhub.realtime.placement.recording_store`); this layer
  records the returned keys and sizes. Ending the room stops a running recording the same way
  (:func:`finish_running`).
* Truthful status: ``stored`` only when every segment is stored; ``failed`` when anything is
  missing (an upload failed, the SFU worker died mid-recording, the media server could not be
  reached, nothing was running) — the keys of the segments that *are* stored are kept, so
  what was saved stays watchable, and no key is recorded for a file that was not stored.
* ``room_recordings`` — the recordings with signed, expiring ``/files/<token>`` links, visible to
  the host, co-hosts, the class roster (its students), the homeroom teacher and the principal of
  the school. Anyone of another school gets ``NotFound``; other members ``PermissionDenied``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from schoolhub.platform import storage
from schoolhub.platform.errors import DomainError, NotFound, PermissionDenied
from schoolhub.platform.principal import Principal, Role
from schoolhub.realtime import repository as repo
from schoolhub.realtime.errors import RealtimeErrorCode as Code
from schoolhub.realtime.service import HOSTS, Scope, _call, _locate, _log, _moderator

Row = dict[str, Any]
log = logging.getLogger(__name__)
LINK_SECONDS = 15 * 60


@dataclass(frozen=True)
class RecordingFile:
    key: str
    size: int
    url: str
    content_type: str


@dataclass(frozen=True)
class Recording:
    row: Row
    files: list[RecordingFile]


def _fail(code: Code, message: str, field: str | None = None) -> DomainError:
    return DomainError(message, code=code.value, field=field)


async def start_recording(principal: Principal, room_id: UUID, consent: bool) -> Row:
    scope, _room, me = await _moderator(principal, room_id)
    if scope.school_id is None:
        raise _fail(Code.RECORDING_NOT_SUPPORTED, "office meetings cannot be recorded yet")
    if not consent:
        raise _fail(
            Code.RECORDING_CONSENT_REQUIRED, "class sessions need consent to record", "consent"
        )
    user = principal.require_user()
    async with scope.tx(user):
        if await repo.running_recording(room_id, for_update=True) is not None:
            raise _fail(Code.RECORDING_ALREADY_RUNNING, "the room is already being recorded")
        row = await repo.insert_recording(scope.school_id, room_id, user, user)
        await _log(scope, me, "recording.started")
    try:
        await _call(
            scope,
            "start_recording",
            {"school_id": str(scope.school_id), "room_id": str(scope.room_id)},
        )
    except Exception:
        async with scope.tx(user):
            await repo.finish_recording(row["id"], "failed", [], [])
        raise
    return row


async def stop_recording(principal: Principal, room_id: UUID) -> Row:
    scope, _room, me = await _moderator(principal, room_id)
    if scope.school_id is None:
        raise _fail(Code.RECORDING_NOT_SUPPORTED, "office meetings cannot be recorded yet")
    async with scope.tx(principal.user_id):
        running = await repo.running_recording(room_id)
    if running is None:
        raise _fail(Code.RECORDING_NOT_RUNNING, "the room is not being recorded")
    row = await finish_running(scope, principal.require_user())
    if row is None:  # a concurrent stop finished it
        raise _fail(Code.RECORDING_NOT_RUNNING, "the room is not being recorded")
    async with scope.tx(principal.user_id):
        await _log(scope, me, "recording.stopped")
    return row


async def finish_running(scope: Scope, user: UUID) -> Row | None:
    """Stop the SFU recorder of a school room, upload its closed files, record the keys.

    Used by ``stop_recording`` and by ending the room (before the SFU room is closed).
    """
    if scope.school_id is None:
        return None
    async with scope.tx(user):
        if await repo.running_recording(scope.room_id) is None:
            return None
    try:
        result = await _call(scope, "stop_recording", {})
    except Exception as exc:  # the row must not stay "recording" forever
        log.exception("the SFU could not stop the recording of room %s", scope.room_id)
        result = {"files": [], "errors": [f"the media server could not stop it: {exc!r}"]}
    keys, sizes, errors = _stored_files(scope.school_id, scope.room_id, result)
    if errors:
        log.warning("recording of room %s is incomplete: %s", scope.room_id, "; ".join(errors))
    async with scope.tx(user):
        running = await repo.running_recording(scope.room_id, for_update=True)
        if running is None:
            return None
        status = "failed" if errors else "stored"
        return await repo.finish_recording(running["id"], status, keys, sizes)


def _stored_files(
    school_id: UUID, room_id: UUID, result: dict[str, Any]
) -> tuple[list[str], list[int], list[str]]:
    """Keys and sizes of the segments the SFU stored, and what is missing. A key outside this
    room's recording prefix is refused (never recorded), and counts as missing."""
    prefix = f"school/{school_id}/recordings/{room_id}/"
    keys: list[str] = []
    sizes: list[int] = []
    errors = [str(e) for e in result.get("errors") or []]
    for item in result.get("files") or []:
        key, size = str(item.get("key", "")), int(item.get("size") or 0)
        if not key.startswith(prefix) or not storage.RECORDING_KEY_RE.match(key):
            errors.append(f"the SFU returned a key outside this room's recordings: {key!r}")
            continue
        keys.append(key)
        sizes.append(size)
    return keys, sizes, errors


async def _may_watch(principal: Principal, school_id: UUID, room: Row, me: Row | None) -> bool:
    user = principal.require_user()
    if room["host_user_id"] == user:
        return True
    if me is not None and me["state"] == "admitted" and me["role"] in HOSTS:
        return True
    if principal.has_school_role(school_id, {Role.PRINCIPAL}):
        return True
    klass = await repo.klass(room["class_id"])
    if (
        klass is not None
        and klass.get("homeroom_teacher_id") == user
        and principal.has_school_role(school_id, {Role.TEACHER})
    ):
        return True
    return principal.has_school_role(school_id, {Role.STUDENT}) and await repo.is_student_of_class(
        room["class_id"], user
    )


async def room_recordings(principal: Principal, room_id: UUID) -> list[Recording]:
    scope = await _locate(principal, room_id)
    school_id = scope.school_id
    if school_id is None:
        raise NotFound("room")  # meetings have no recordings
    user = principal.require_user()
    async with scope.tx(user):
        room = await repo.room(scope.t, room_id)
        assert room is not None
        me = await repo.participant_of_user(scope.t, room_id, user)
        if not await _may_watch(principal, school_id, room, me):
            raise PermissionDenied("only the host, co-hosts, the class and its school's principal")
        rows = await repo.recordings(room_id)
    store = storage.get_storage()
    result = []
    for row in rows:
        files = [
            RecordingFile(
                key=key,
                size=int(size),
                url=store.signed_url(key, LINK_SECONDS, school_id),
                content_type=storage.CONTENT_TYPES[key.rsplit(".", 1)[-1]],
            )
            for key, size in zip(row["storage_keys"] or [], row["sizes"] or [], strict=False)
        ]
        result.append(Recording(row, files))
    return result
