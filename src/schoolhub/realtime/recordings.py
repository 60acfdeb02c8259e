"""Recording of live class sessions and office meetings (issue "Live classes" item 7).

* ``start_recording`` — host or co-host of an open class session or office meeting. Both need the
  host's explicit consent (``consent=True``), stored with who and when — meeting participants are
  officials, but recording people still needs a stated legal basis (Nghị định 13/2023); without
  it the call fails with ``RECORDING_CONSENT_REQUIRED`` and nothing is written. Everyone in the
  room is told (``recording.started`` / ``recording.stopped`` room events, moderation log).
* ``stop_recording`` — host or co-host: the SFU closes the segment files (stream copy, no
  re-encoding: :mod:`schoolhub.realtime.sfu.recording`). The process hosting the room (an
  ``sfu-worker`` or this one) uploads each segment through the ``Storage`` interface under the
  room's owner — ``school/<id>/recordings/<room>/`` for a class session,
  ``office/<org_unit_id>/recordings/<meeting>/`` for a meeting — as soon as it is closed and
  removes its local copy only after that succeeded
  (:mod:`schoolhub.realtime.placement.recording_store`); this layer records the returned keys and
  sizes (class sessions: ``realtime_recording``, tenant; meetings: ``realtime_meeting_recording``,
  province, ``db.system()``). Ending the room stops a running recording the same way
  (:func:`finish_running`).
* Truthful status: ``stored`` only when every segment is stored; ``failed`` when anything is
  missing (an upload failed, the SFU worker died mid-recording, the media server could not be
  reached, nothing was running) — the keys of the segments that *are* stored are kept, so
  what was saved stays watchable, and no key is recorded for a file that was not stored.
* ``room_recordings`` — the recordings with signed, expiring ``/files/<token>`` links. A class
  session's are visible to the host, co-hosts, the class roster (its students), the homeroom
  teacher and the principal of the school; anyone of another school gets ``NotFound``, other
  members ``PermissionDenied``. A meeting's are visible to its host and co-hosts and the admins
  of the owning office (the department's for a department meeting, the district's for a district
  meeting); the links are issued for that office and the ``/files`` route re-checks the caller
  against the meeting (:func:`may_download`). Anyone the meeting is not visible to gets
  ``NotFound``; other attendees ``PermissionDenied``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from schoolhub.platform import db, storage
from schoolhub.platform.errors import DomainError, PermissionDenied
from schoolhub.platform.principal import OFFICE_ROLES, Principal, Role
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


def _is_meeting(scope: Scope) -> bool:
    return scope.school_id is None


def _target_args(scope: Scope) -> dict[str, str]:
    """``start_recording`` op args: the room's owner (see ``recording_store.RecordingTarget``)."""
    if scope.school_id is not None:
        return {"school_id": str(scope.school_id), "room_id": str(scope.room_id)}
    assert scope.org_unit_id is not None
    return {
        "owner_kind": "office",
        "owner_id": str(scope.org_unit_id),
        "room_id": str(scope.room_id),
    }


def _owner_prefix(scope: Scope) -> str:
    if scope.school_id is not None:
        return f"school/{scope.school_id}/recordings/{scope.room_id}/"
    return f"office/{scope.org_unit_id}/recordings/{scope.room_id}/"


async def start_recording(principal: Principal, room_id: UUID, consent: bool) -> Row:
    scope, _room, me = await _moderator(principal, room_id)
    meeting = _is_meeting(scope)
    if not consent:
        raise _fail(
            Code.RECORDING_CONSENT_REQUIRED,
            "recording needs the host's consent (who and when are stored)",
            "consent",
        )
    user = principal.require_user()
    async with scope.tx(user):
        running = await repo.running_recording(room_id, for_update=True, meeting=meeting)
        if running is not None:
            raise _fail(Code.RECORDING_ALREADY_RUNNING, "the room is already being recorded")
        if scope.school_id is not None:
            row = await repo.insert_recording(scope.school_id, room_id, user, user)
        else:
            row = await repo.insert_meeting_recording(room_id, user, user)
        await _log(scope, me, "recording.started")
    try:
        await _call(scope, "start_recording", _target_args(scope))
    except Exception:
        async with scope.tx(user):
            await repo.finish_recording(row["id"], "failed", [], [], meeting=meeting)
        raise
    return row


async def stop_recording(principal: Principal, room_id: UUID) -> Row:
    scope, _room, me = await _moderator(principal, room_id)
    async with scope.tx(principal.user_id):
        running = await repo.running_recording(room_id, meeting=_is_meeting(scope))
    if running is None:
        raise _fail(Code.RECORDING_NOT_RUNNING, "the room is not being recorded")
    row = await finish_running(scope, principal.require_user())
    if row is None:  # a concurrent stop finished it
        raise _fail(Code.RECORDING_NOT_RUNNING, "the room is not being recorded")
    async with scope.tx(principal.user_id):
        await _log(scope, me, "recording.stopped")
    return row


async def finish_running(scope: Scope, user: UUID) -> Row | None:
    """Stop the SFU recorder of a room (class session or meeting), upload its closed files,
    record the keys.

    Used by ``stop_recording`` and by ending the room (before the SFU room is closed).
    """
    meeting = _is_meeting(scope)
    async with scope.tx(user):
        if await repo.running_recording(scope.room_id, meeting=meeting) is None:
            return None
    try:
        result = await _call(scope, "stop_recording", {})
    except Exception as exc:  # the row must not stay "recording" forever
        log.exception("the SFU could not stop the recording of room %s", scope.room_id)
        result = {"files": [], "errors": [f"the media server could not stop it: {exc!r}"]}
    keys, sizes, errors = _stored_files(_owner_prefix(scope), result)
    if errors:
        log.warning("recording of room %s is incomplete: %s", scope.room_id, "; ".join(errors))
    async with scope.tx(user):
        running = await repo.running_recording(scope.room_id, for_update=True, meeting=meeting)
        if running is None:
            return None
        status = "failed" if errors else "stored"
        return await repo.finish_recording(running["id"], status, keys, sizes, meeting=meeting)


def _stored_files(prefix: str, result: dict[str, Any]) -> tuple[list[str], list[int], list[str]]:
    """Keys and sizes of the segments the SFU stored, and what is missing. A key outside this
    room's recording prefix (its owner's) is refused (never recorded), and counts as missing."""
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


def _office_admin(principal: Principal, org_unit_id: UUID) -> bool:
    """An admin of the office (department or district) that owns a meeting."""
    return any(
        g.org_unit_id == org_unit_id and g.role in OFFICE_ROLES for g in principal.office_grants
    )


def _may_watch_meeting(principal: Principal, meeting: Row, me: Row | None) -> bool:
    """A meeting's recordings: its host and co-hosts, and the admins of the owning office."""
    if meeting["host_user_id"] == principal.require_user():
        return True
    if me is not None and me["state"] == "admitted" and me["role"] in HOSTS:
        return True
    return _office_admin(principal, meeting["org_unit_id"])


async def room_recordings(principal: Principal, room_id: UUID) -> list[Recording]:
    scope = await _locate(principal, room_id)
    meeting = _is_meeting(scope)
    user = principal.require_user()
    async with scope.tx(user):
        room = await repo.room(scope.t, room_id)
        assert room is not None
        me = await repo.participant_of_user(scope.t, room_id, user)
        if scope.school_id is not None:
            if not await _may_watch(principal, scope.school_id, room, me):
                raise PermissionDenied(
                    "only the host, co-hosts, the class and its school's principal"
                )
        elif not _may_watch_meeting(principal, room, me):
            raise PermissionDenied("only the host, co-hosts and the owning office's admins")
        rows = await repo.recordings(room_id, meeting=meeting)
    store = storage.get_storage()
    result = []
    for row in rows:
        files = [
            RecordingFile(
                key=key,
                size=int(size),
                url=store.signed_url(
                    key, LINK_SECONDS, scope.school_id, org_unit_id=scope.org_unit_id
                ),
                content_type=storage.CONTENT_TYPES[key.rsplit(".", 1)[-1]],
            )
            for key, size in zip(row["storage_keys"] or [], row["sizes"] or [], strict=False)
        ]
        result.append(Recording(row, files))
    return result


def is_office_recording(key: str) -> bool:
    return key.startswith("office/") and storage.RECORDING_KEY_RE.match(key) is not None


async def may_download(principal: Principal, key: str) -> bool:
    """May ``principal`` download the office-meeting recording file ``key`` (``/files`` route)?

    Checked against the meeting the key names, owned by the office the key names: its host and
    co-hosts and that office's admins (the same people ``room_recordings`` lists it to).
    """
    if not is_office_recording(key) or principal.user_id is None:
        return False
    _office, owner, _recordings, room, _file = key.split("/")
    org_unit_id, room_id = UUID(owner), UUID(room)
    async with db.system():
        meeting = await repo.room(repo.MEETING, room_id)
        if meeting is None or meeting["org_unit_id"] != org_unit_id:
            return False
        me = await repo.participant_of_user(repo.MEETING, room_id, principal.user_id)
        if not _may_watch_meeting(principal, meeting, me):
            return False
        return key in {
            k for row in await repo.recordings(room_id, meeting=True) for k in row["storage_keys"]
        }
