"""Live class sessions: rooms, admission (roster / lobby), moderation and signaling.

Rules
-----
* A class session belongs to one school and one class (optionally a timetable slot). Its host
  (a teacher of the class or the school's management) creates it.
* The roster — students of the class, the class's (homeroom) teacher, the host, the school's
  principal — is admitted on ``join``; any other member of the school waits in the lobby until a
  host or co-host admits or denies them. A locked room admits nobody new; a removed participant
  cannot rejoin; members of other schools get NOT_FOUND.
* Media goes through :func:`schoolhub.realtime.backend.get_backend`; the SFU participant id is the
  participant row id, the SFU room id is ``"<school_id>:<room_id>"``.
* Removing or demoting someone bumps their epoch: join tokens issued before stop working.
* Audio / video controls: a host's mute (stop video) keeps the participant's tracks published in
  the SFU but stops forwarding them (``set_muted``), and tells everyone. The participant may turn
  them back on (``set_my_audio`` / ``set_my_video``) unless the host turned off
  ``participants_may_unmute`` / ``participants_may_start_video``; then only a host's
  ``ask_to_unmute`` (an event to that participant, a one-time permission) lets them. Privacy
  rule: no host operation ever turns someone's microphone or camera on. The muted state survives
  a rejoin while the room does not let participants undo it; hosts are never restricted.
* Events for clients go to the Redis channel :func:`room_channel`.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from schoolhub.platform import db, pubsub
from schoolhub.platform import settings as settings_mod
from schoolhub.platform.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from schoolhub.platform.principal import MANAGEMENT_ROLES, Principal, Role
from schoolhub.realtime import live_attendance, meetings, tokens, turn
from schoolhub.realtime import repository as repo
from schoolhub.realtime.backend import get_backend
from schoolhub.realtime.errors import RealtimeErrorCode as Code
from schoolhub.realtime.sfu import SfuError, SubscriptionMode, TrackSource
from schoolhub.realtime.sfu.media_info import media_direction
from schoolhub.realtime.sfu.sdp_policy import parse_media_sections

Row = dict[str, Any]
HOSTS = frozenset({"host", "co_host"})
log = logging.getLogger(__name__)
MAX_CHAT = 1000


@dataclass(frozen=True)
class Scope:
    """Where a room lives: a school's tenant tables, or an office meeting in province tables."""

    room_id: UUID
    school_id: UUID | None = None  # class sessions
    org_unit_id: UUID | None = None  # office meetings
    meeting_role: str | None = None  # the caller's automatic role in a meeting

    @property
    def t(self) -> repo.Tables:
        return repo.SCHOOL if self.school_id is not None else repo.MEETING

    def tx(self, user: UUID | None) -> Any:
        return db.tenant(self.school_id, user) if self.school_id is not None else db.system()

    @property
    def sfu_id(self) -> str:
        if self.school_id is not None:
            return f"{self.school_id}:{self.room_id}"
        return f"office-{self.org_unit_id}:{self.room_id}"

    @property
    def channel(self) -> str:
        if self.school_id is not None:
            return pubsub.school_channel(self.school_id, "live", str(self.room_id))
        return f"office:{{{self.org_unit_id}}}:live:{self.room_id}"


@dataclass
class JoinResult:
    room: Row
    participant: Row
    join_token: str
    expires_at: int
    answer_sdp: str | None = None
    ice_servers: list[turn.IceServerConfig] = field(default_factory=list)


def _fail(code: Code, message: str) -> DomainError:
    return DomainError(message, code=code.value)


def _sfu_error(exc: SfuError) -> DomainError:
    return DomainError(exc.message, code=exc.code.value)


async def _call(scope: Scope, op: str, args: dict[str, Any]) -> dict[str, Any]:
    try:
        return await get_backend().call(scope.sfu_id, op, args)
    except SfuError as exc:
        raise _sfu_error(exc) from exc
    except (ConnectionError, TimeoutError) as exc:
        raise _fail(Code.SFU_UNAVAILABLE, "media server unavailable") from exc


def _published(row: Row) -> list[dict[str, str]]:
    value = row.get("published") or []
    return list(json.loads(value) if isinstance(value, str) else value)


def _emit(scope: Scope, event_type: str, **data: Any) -> None:
    pubsub.publish_after_commit(scope.channel, {"type": event_type, **data})


# -- locating a room ---------------------------------------------------------------------------
async def _locate(principal: Principal, room_id: UUID) -> Scope:
    """The room among the caller's schools, else an office meeting the caller may attend."""
    user = principal.require_user()
    for school_id in sorted(principal.school_ids):
        async with db.tenant(school_id, user):
            if await repo.room(repo.SCHOOL, room_id) is not None:
                return Scope(room_id, school_id=school_id)
    async with db.system():
        meeting = await repo.room(repo.MEETING, room_id)
    if meeting is not None:
        role = await meetings.attendee_role(principal, meeting)
        if role is not None:
            return Scope(room_id, org_unit_id=meeting["org_unit_id"], meeting_role=role)
    raise NotFound("room")


async def _locate_class(principal: Principal, class_id: UUID) -> tuple[UUID, Row]:
    user = principal.require_user()
    for school_id in sorted(principal.school_ids):
        async with db.tenant(school_id, user):
            row = await repo.klass(class_id)
        if row is not None:
            return school_id, row
    raise NotFound("class")


def _check_title(title: str, max_participants: int) -> str:
    title = title.strip()
    if not 1 <= len(title) <= 200:
        raise InvalidInput("title must have 1-200 characters", field="title")
    if not 2 <= max_participants <= 100:
        raise InvalidInput("room size must be between 2 and 100", field="maxParticipants")
    return title


# -- rooms ---------------------------------------------------------------------------------------
async def create_class_session(
    principal: Principal,
    *,
    class_id: UUID,
    title: str,
    timetable_slot_id: UUID | None = None,
    max_participants: int = 50,
) -> Row:
    school_id, klass = await _locate_class(principal, class_id)
    user = principal.require_user()
    is_management = principal.has_school_role(school_id, MANAGEMENT_ROLES)
    is_class_teacher = klass.get("homeroom_teacher_id") == user and principal.has_school_role(
        school_id, {Role.TEACHER}
    )
    if not (is_management or is_class_teacher):
        raise PermissionDenied()
    title = _check_title(title, max_participants)
    async with db.tenant(school_id, user):
        room = await repo.insert_room(
            school_id, class_id, title, user, max_participants, timetable_slot_id
        )
        await repo.insert_participant(repo.SCHOOL, school_id, room["id"], user, "host", "admitted")
        await repo.log(repo.SCHOOL, school_id, room["id"], user, "room.created")
    return room


async def get_room(principal: Principal, room_id: UUID) -> tuple[Row, list[Row]]:
    """Visible to the roster, the school's management and anyone who asked to join."""
    scope = await _locate(principal, room_id)
    user = principal.require_user()
    async with scope.tx(user):
        room = await repo.room(scope.t, room_id)
        assert room is not None
        me = await repo.participant_of_user(scope.t, room_id, user)
        allowed = (
            (me is not None and me["state"] in ("lobby", "admitted"))
            or (
                scope.school_id is not None
                and principal.has_school_role(scope.school_id, MANAGEMENT_ROLES)
            )
            or await _auto_role(principal, scope, room) is not None
        )
        if not allowed:
            raise NotFound("room")
        participants = await repo.participants(scope.t, room_id)
    if me is not None and me["state"] == "lobby":
        participants = [p for p in participants if p["id"] == me["id"]]
    return room, participants


async def _auto_role(principal: Principal, scope: Scope, room: Row) -> str | None:
    """The role of someone admitted without the lobby (the roster), else None."""
    user = principal.require_user()
    if room["host_user_id"] == user:
        return "host"
    if scope.school_id is None:
        return scope.meeting_role
    school_id = scope.school_id
    klass = await repo.klass(room["class_id"])
    if klass is not None and klass.get("homeroom_teacher_id") == user:
        return "co_host"
    if principal.has_school_role(school_id, {Role.PRINCIPAL}):
        return "co_host"
    if principal.has_school_role(school_id, {Role.STUDENT}) and await repo.is_student_of_class(
        room["class_id"], user
    ):
        return "participant"
    return None


def _offer_tracks(
    participant_id: UUID, offer_sdp: str, sources: dict[str, str] | None
) -> list[dict[str, str]]:
    tracks = []
    for section in parse_media_sections(offer_sdp):
        if section.mid is None or section.port == 0:
            continue
        if media_direction(offer_sdp, section.mid) not in ("sendonly", "sendrecv"):
            continue
        default = "microphone" if section.kind == "audio" else "camera"
        source = (sources or {}).get(section.mid, default)
        tracks.append(
            {"track_id": f"{participant_id}:{section.mid}", "kind": section.kind, "source": source}
        )
    return tracks


def _check_sources(sources: dict[str, str] | None) -> dict[str, str] | None:
    if not sources:
        return None
    valid = {s.value for s in TrackSource}
    for mid, source in sources.items():
        if source not in valid or not mid or len(mid) > 32:
            raise InvalidInput("unknown track source", field="sources")
    return sources


async def join_room(
    principal: Principal,
    room_id: UUID,
    offer_sdp: str | None,
    *,
    sources: dict[str, str] | None = None,
    mode: SubscriptionMode = SubscriptionMode.ALL,
) -> JoinResult:
    scope = await _locate(principal, room_id)
    user = principal.require_user()
    sources = _check_sources(sources)
    t = scope.t
    async with scope.tx(user):
        room = await repo.room(t, room_id, for_update=True)
        assert room is not None
        if room["status"] != "open":
            raise _fail(Code.ROOM_ENDED, "the session has ended")
        part = await repo.participant_of_user(t, room_id, user)
        if part is None:
            role = await _auto_role(principal, scope, room)
            if room["locked"] and role not in HOSTS:
                raise _fail(Code.ROOM_LOCKED, "the room is locked")
            part = await repo.insert_participant(
                t,
                scope.school_id,
                room_id,
                user,
                role or "participant",
                "admitted" if role else "lobby",
            )
            if part["state"] == "lobby":
                await repo.log(t, scope.school_id, room_id, user, "lobby.waiting", user)
                _emit(scope, "lobby.waiting", participantId=str(part["id"]))
        elif part["state"] == "removed":
            raise _fail(Code.REMOVED_FROM_ROOM, "you were removed from this session")
        elif part["state"] == "denied":
            raise _fail(Code.LOBBY_DENIED, "the host did not admit you")
        elif room["locked"] and part["state"] != "admitted":
            raise _fail(Code.ROOM_LOCKED, "the room is locked")
        was_online = part["online"]
    token, exp = tokens.issue(
        settings_mod.current().jwt_secret,
        room_id=room_id,
        user_id=user,
        participant_id=part["id"],
        epoch=part["epoch"],
        school_id=scope.school_id,
        office_id=scope.org_unit_id,
    )
    result = JoinResult(room, part, token, exp, ice_servers=turn.ice_servers(user))
    if part["state"] != "admitted":
        return result
    pid = str(part["id"])
    if was_online:  # reconnect: drop the old peer connection first
        with contextlib.suppress(DomainError):
            await _call(scope, "leave", {"participant_id": pid, "reason": "reconnect"})
    answer = await _call(
        scope,
        "join",
        {
            "participant_id": pid,
            "offer_sdp": offer_sdp,
            "mode": mode.value,
            "sources": sources,
            "max_participants": room["max_participants"],
        },
    )
    result.answer_sdp = answer.get("answer_sdp")
    published = _offer_tracks(part["id"], offer_sdp, sources) if offer_sdp else []
    keep_audio = bool(part["audio_muted"]) and not _may_turn_on(room, part, "audio")
    keep_video = bool(part["video_stopped"]) and not _may_turn_on(room, part, "video")
    for kind, gated in (("audio", keep_audio), ("video", keep_video)):
        if gated:  # before the client has the answer: no packet of it is forwarded
            await _call(scope, "set_muted", {"participant_id": pid, "kind": kind, "muted": True})
    async with scope.tx(user):
        result.participant = await repo.update_participant(
            t,
            part["id"],
            online=True,
            published=published,
            audio_muted=keep_audio,
            video_stopped=keep_video,
        )
        await repo.open_presence(t, scope.school_id, part["id"])
        _emit(scope, "participant.joined", participantId=pid, userId=str(user))
    return result


async def _me(principal: Principal, room_id: UUID, *, online: bool = True) -> tuple[Scope, Row]:
    scope = await _locate(principal, room_id)
    async with scope.tx(principal.user_id):
        part = await repo.participant_of_user(scope.t, room_id, principal.require_user())
    if part is None or part["state"] != "admitted" or (online and not part["online"]):
        raise _fail(Code.NOT_IN_ROOM, "join the room first")
    return scope, part


async def publish_tracks(
    principal: Principal, room_id: UUID, offer_sdp: str, sources: dict[str, str] | None = None
) -> str:
    scope, part = await _me(principal, room_id)
    sources = _check_sources(sources)
    pid = str(part["id"])
    result = await _call(
        scope, "publish", {"participant_id": pid, "offer_sdp": offer_sdp, "sources": sources}
    )
    tracks = _offer_tracks(part["id"], offer_sdp, sources)
    sharing = any(t["source"] == TrackSource.SCREEN.value for t in tracks)
    if sharing:
        await _call(scope, "set_presenter", {"participant_id": pid})
    async with scope.tx(principal.user_id):
        fields: dict[str, Any] = {"published": tracks}
        if sharing and part["role"] in ("participant", "viewer"):
            fields["role"] = "presenter"
        await repo.update_participant(scope.t, part["id"], **fields)
        if sharing:
            _emit(scope, "presenter.changed", participantId=pid)
    return str(result["answer_sdp"])


async def answer_offer(principal: Principal, room_id: UUID, answer_sdp: str) -> None:
    scope, part = await _me(principal, room_id)
    await _call(
        scope, "accept_answer", {"participant_id": str(part["id"]), "answer_sdp": answer_sdp}
    )


async def set_mode(principal: Principal, room_id: UUID, mode: SubscriptionMode) -> None:
    scope, part = await _me(principal, room_id)
    await _call(scope, "set_mode", {"participant_id": str(part["id"]), "mode": mode.value})


async def leave_room(principal: Principal, room_id: UUID) -> None:
    scope, part = await _me(principal, room_id, online=False)
    with contextlib.suppress(DomainError):
        await _call(scope, "leave", {"participant_id": str(part["id"]), "reason": "left"})
    async with scope.tx(principal.user_id):
        await repo.update_participant(
            scope.t, part["id"], online=False, published=[], hand_raised=False
        )
        await repo.close_presence(scope.t, part["id"])
        _emit(scope, "participant.left", participantId=str(part["id"]))


async def raise_hand(principal: Principal, room_id: UUID, raised: bool) -> Row:
    scope, part = await _me(principal, room_id)
    async with scope.tx(principal.user_id):
        row = await repo.update_participant(scope.t, part["id"], hand_raised=raised)
        kind = "hand.raised" if raised else "hand.lowered"
        _emit(scope, kind, participantId=str(part["id"]))
    return row


async def send_chat(principal: Principal, room_id: UUID, text: str) -> None:
    scope, part = await _me(principal, room_id)
    text = text.strip()
    if not 1 <= len(text) <= MAX_CHAT:
        raise InvalidInput(f"a message has 1-{MAX_CHAT} characters", field="text")
    profile = principal.profile
    async with scope.tx(principal.user_id):
        _emit(
            scope,
            "chat.message",
            participantId=str(part["id"]),
            name=profile.full_name if profile else "",
            text=text,
        )


# -- moderation ----------------------------------------------------------------------------------
async def _moderator(principal: Principal, room_id: UUID) -> tuple[Scope, Row, Row]:
    scope = await _locate(principal, room_id)
    async with scope.tx(principal.user_id):
        room = await repo.room(scope.t, room_id)
        me = await repo.participant_of_user(scope.t, room_id, principal.require_user())
    assert room is not None
    if me is None or me["state"] != "admitted" or me["role"] not in HOSTS:
        raise PermissionDenied("only the host or a co-host can do this")
    if room["status"] != "open":
        raise _fail(Code.ROOM_ENDED, "the session has ended")
    return scope, room, me


async def _target(scope: Scope, participant_id: UUID) -> Row:
    row = await repo.participant(scope.t, scope.room_id, participant_id)
    if row is None:
        raise NotFound("participant")
    return row


async def _log(
    scope: Scope, me: Row, action: str, target: Row | None = None, **details: Any
) -> None:
    await repo.log(
        scope.t,
        scope.school_id,
        scope.room_id,
        me["user_id"],
        action,
        target["user_id"] if target else None,
        details or None,
    )
    if target is not None:
        _emit(scope, action, participantId=str(target["id"]), **details)
    else:
        _emit(scope, action, **details)


async def admit(principal: Principal, room_id: UUID, participant_id: UUID, allow: bool) -> Row:
    scope, _room, me = await _moderator(principal, room_id)
    async with scope.tx(principal.user_id):
        target = await _target(scope, participant_id)
        if target["state"] != "lobby":
            raise InvalidInput("this person is not waiting in the lobby", field="participantId")
        row = await repo.update_participant(
            scope.t, participant_id, state="admitted" if allow else "denied"
        )
        await _log(scope, me, "lobby.admitted" if allow else "lobby.denied", target)
    return row


# -- audio / video controls ----------------------------------------------------------------------
KINDS = {
    "audio": ("audio_muted", "unmute_permitted"),
    "video": ("video_stopped", "video_permitted"),
}


def _may_turn_on(room: Row, part: Row, kind: str) -> bool:
    """May ``part`` turn its own ``kind`` back on in ``room`` (hosts always may)?"""
    allowed = "participants_may_unmute" if kind == "audio" else "participants_may_start_video"
    return bool(part["role"] in HOSTS or room.get(allowed, True) or part.get(KINDS[kind][1], False))


async def _gate(scope: Scope, target: Row, kind: str, muted: bool) -> None:
    """Stop / resume forwarding ``target``'s tracks of ``kind`` in the SFU (if it is online)."""
    if not target["online"]:
        return
    with contextlib.suppress(DomainError):  # the participant left (or the room closed) meanwhile
        await _call(
            scope,
            "set_muted",
            {"participant_id": str(target["id"]), "kind": kind, "muted": muted},
        )


async def _host_turn_off(
    principal: Principal, room_id: UUID, participant_id: UUID | None, kind: str
) -> list[Row]:
    """A host mutes (stops the video of) one participant or, with ``None``, all but hosts."""
    scope, _room, me = await _moderator(principal, room_id)
    flag, permit = KINDS[kind]
    action = "participant.muted" if kind == "audio" else "participant.video_stopped"
    rows = []
    async with scope.tx(principal.user_id):
        if participant_id is not None:
            targets = [await _target(scope, participant_id)]
        else:
            targets = [
                p
                for p in await repo.participants(scope.t, room_id)
                if p["role"] not in HOSTS and p["state"] == "admitted"
            ]
        for target in targets:  # under the rows' locks: a concurrent self-unmute waits
            await _gate(scope, target, kind, True)
            rows.append(
                await repo.update_participant(scope.t, target["id"], **{flag: True, permit: False})
            )
            await _log(scope, me, action, target, byHost=True)
    return rows


async def mute(principal: Principal, room_id: UUID, participant_id: UUID | None) -> int:
    """Mute one participant (or, with ``None``, everyone but hosts); returns how many.

    Their audio stays published but is not forwarded; they may unmute themselves unless the room
    does not allow it (then only after a host's ``ask_to_unmute``).
    """
    return len(await _host_turn_off(principal, room_id, participant_id, "audio"))


async def stop_video(principal: Principal, room_id: UUID, participant_id: UUID) -> Row:
    """Stop forwarding a participant's video (they may start it again unless disallowed)."""
    return (await _host_turn_off(principal, room_id, participant_id, "video"))[0]


async def _set_mine(principal: Principal, room_id: UUID, kind: str, off: bool) -> Row:
    scope, _part = await _me(principal, room_id)
    flag, permit = KINDS[kind]
    user = principal.require_user()
    async with scope.tx(user):
        room = await repo.room(scope.t, room_id)
        part = await repo.participant_of_user(scope.t, room_id, user)  # locked
        assert room is not None and part is not None
        if bool(part[flag]) == off:
            return part
        if not off and not _may_turn_on(room, part, kind):
            if kind == "audio":
                raise _fail(
                    Code.SELF_UNMUTE_DISALLOWED,
                    "the host does not let participants unmute themselves: raise your hand",
                )
            raise _fail(
                Code.SELF_VIDEO_DISALLOWED,
                "the host does not let participants start their video: raise your hand",
            )
        await _gate(scope, part, kind, off)
        row = await repo.update_participant(scope.t, part["id"], **{flag: off, permit: False})
        if kind == "audio":
            action = "participant.muted" if off else "participant.unmuted"
        else:
            action = "participant.video_stopped" if off else "participant.video_started"
        await _log(scope, part, action, part, byHost=False)
    return row


async def set_my_audio(principal: Principal, room_id: UUID, muted: bool) -> Row:
    """Mute or unmute yourself (unmuting may be refused: SELF_UNMUTE_DISALLOWED)."""
    return await _set_mine(principal, room_id, "audio", muted)


async def set_my_video(principal: Principal, room_id: UUID, stopped: bool) -> Row:
    """Stop or start your video (starting may be refused: SELF_VIDEO_DISALLOWED)."""
    return await _set_mine(principal, room_id, "video", stopped)


async def ask_to_unmute(
    principal: Principal, room_id: UUID, participant_id: UUID, kind: str = "audio"
) -> Row:
    """Ask a muted participant to unmute (start video): an event to them only, and a one-time
    permission to do it themselves. Never turns anything on by itself (privacy rule)."""
    if kind not in KINDS:
        raise InvalidInput("unknown media kind", field="kind")
    scope, _room, me = await _moderator(principal, room_id)
    flag, permit = KINDS[kind]
    async with scope.tx(principal.user_id):
        target = await _target(scope, participant_id)
        if target["state"] != "admitted":
            raise InvalidInput("this person is not in the room", field="participantId")
        if not target[flag]:
            raise InvalidInput(
                "this participant is not muted" if kind == "audio" else "their video is on",
                field="participantId",
            )
        row = await repo.update_participant(scope.t, participant_id, **{permit: True})
        action = (
            "participant.unmute_requested" if kind == "audio" else "participant.video_requested"
        )
        await _log(scope, me, action, target)
    return row


async def lower_hands(
    principal: Principal, room_id: UUID, participant_id: UUID | None
) -> list[Row]:
    """A host lowers one participant's hand or, with ``None``, every raised hand."""
    scope, _room, me = await _moderator(principal, room_id)
    rows = []
    async with scope.tx(principal.user_id):
        if participant_id is not None:
            targets = [await _target(scope, participant_id)]
        else:
            targets = [p for p in await repo.participants(scope.t, room_id) if p["hand_raised"]]
        for target in targets:
            rows.append(await repo.update_participant(scope.t, target["id"], hand_raised=False))
            await _log(scope, me, "hand.lowered", target, byHost=True)
    return rows


async def set_controls(
    principal: Principal,
    room_id: UUID,
    *,
    participants_may_unmute: bool | None = None,
    participants_may_start_video: bool | None = None,
) -> Row:
    """The host's room settings: may participants unmute / start video by themselves?"""
    scope, room, me = await _moderator(principal, room_id)
    fields: dict[str, Any] = {}
    if participants_may_unmute is not None:
        fields["participants_may_unmute"] = participants_may_unmute
    if participants_may_start_video is not None:
        fields["participants_may_start_video"] = participants_may_start_video
    if not fields:
        return room
    async with scope.tx(principal.user_id):
        row = await repo.update_room(scope.t, room_id, **fields)
        assert row is not None
        await _log(
            scope,
            me,
            "room.controls_changed",
            participantsMayUnmute=row["participants_may_unmute"],
            participantsMayStartVideo=row["participants_may_start_video"],
        )
    return row


async def remove(principal: Principal, room_id: UUID, participant_id: UUID) -> Row:
    """Remove someone for good: state removed, epoch bumped (old join tokens die), media cut."""
    scope, room, me = await _moderator(principal, room_id)
    async with scope.tx(principal.user_id):
        target = await _target(scope, participant_id)
        if target["user_id"] == room["host_user_id"]:
            raise PermissionDenied("the host cannot be removed")
        row = await repo.bump_epoch(
            scope.t, participant_id, state="removed", online=False, published=[], hand_raised=False
        )
        await repo.close_presence(scope.t, participant_id)
        await _log(scope, me, "participant.removed", target)
    if target["online"]:
        with contextlib.suppress(DomainError):
            await _call(
                scope, "leave", {"participant_id": str(participant_id), "reason": "removed"}
            )
    return row


ROLE_RANK = {"viewer": 0, "participant": 1, "presenter": 2, "co_host": 3, "host": 4}


async def set_role(principal: Principal, room_id: UUID, participant_id: UUID, role: str) -> Row:
    """Change someone's role; a demotion bumps the epoch (their join tokens stop working)."""
    if role not in ROLE_RANK or role == "host":
        raise InvalidInput("unknown role", field="role")
    scope, room, me = await _moderator(principal, room_id)
    async with scope.tx(principal.user_id):
        target = await _target(scope, participant_id)
        if target["user_id"] == room["host_user_id"]:
            raise PermissionDenied("the host's role cannot change")
        if target["state"] not in ("admitted", "lobby"):
            raise InvalidInput("this person is not in the room", field="participantId")
        if role == "co_host" and me["role"] != "host":
            raise PermissionDenied("only the host appoints co-hosts")
        demoted = ROLE_RANK[role] < ROLE_RANK[target["role"]]
        if demoted:
            row = await repo.bump_epoch(scope.t, participant_id, role=role)
        else:
            row = await repo.update_participant(scope.t, participant_id, role=role)
        await _log(scope, me, "participant.demoted" if demoted else "participant.promoted", target)
    if demoted and target["role"] == "presenter" and target["online"]:
        with contextlib.suppress(DomainError):
            await _call(scope, "set_presenter", {"participant_id": None})
    return row


async def lock(principal: Principal, room_id: UUID, locked: bool) -> Row:
    scope, _room, me = await _moderator(principal, room_id)
    async with scope.tx(principal.user_id):
        row = await repo.update_room(scope.t, room_id, locked=locked)
        await _log(scope, me, "room.locked" if locked else "room.unlocked")
    assert row is not None
    return row


async def end(principal: Principal, room_id: UUID) -> Row:
    scope, _room, me = await _moderator(principal, room_id)
    async with scope.tx(principal.user_id):
        row = await repo.update_room(scope.t, room_id, status="ended", ended_at=datetime.now(UTC))
        await repo.end_all_presence(scope.t, room_id)
        await _log(scope, me, "room.ended")
    if scope.school_id is not None:  # class session: attendance from presence (see live_attendance)
        try:
            await live_attendance.sync_room(scope.school_id, room_id)
        except Exception:  # left unsynced: the worker's sync_pending_sessions retries
            log.exception("live attendance of room %s failed", room_id)
    from schoolhub.realtime import recordings  # (lazy) recordings imports this module

    try:  # a running recording is stopped and its files stored before the room closes
        await recordings.finish_running(scope, principal.require_user())
    except Exception:
        log.exception("stopping the recording of room %s failed", room_id)
    await _call(scope, "close", {})
    assert row is not None
    return row


# -- event stream authorisation -------------------------------------------------------------------
@dataclass(frozen=True)
class StreamGrant:
    scope: Scope
    participant_id: UUID
    user_id: UUID
    epoch: int


async def open_stream(principal: Principal, room_id: UUID, join_token: str) -> StreamGrant:
    """Check a join token for ``roomEvents``: signature, expiry, room, owner, user and epoch."""
    claims = tokens.decode(settings_mod.current().jwt_secret, join_token)
    user = principal.require_user()
    if claims.room_id != room_id or claims.user_id != user:
        raise Unauthenticated("invalid join token", code=Code.JOIN_TOKEN_INVALID.value)
    scope = await _locate(principal, room_id)
    if (scope.school_id, scope.org_unit_id) != (claims.school_id, claims.office_id):
        raise Unauthenticated("invalid join token", code=Code.JOIN_TOKEN_INVALID.value)
    grant = StreamGrant(scope, claims.participant_id, user, claims.epoch)
    if await stream_state(grant) is None:
        raise Unauthenticated("join token no longer valid", code=Code.JOIN_TOKEN_REVOKED.value)
    return grant


async def still_allowed(principal: Principal, grant: StreamGrant) -> bool:
    """The caller (freshly loaded) may still see the room of ``grant``."""
    if grant.scope.school_id is not None:
        return principal.is_member(grant.scope.school_id)
    try:
        await _locate(principal, grant.scope.room_id)
    except NotFound:
        return False
    return True


async def stream_end_event(grant: StreamGrant) -> str | None:
    """Why a grant stopped being valid, as the room event that says so (None: just revoked).

    The stream may notice before that event arrives (an SFU event about the removed participant
    can overtake the Redis one), so the subscription sends this as its final event.
    """
    scope = grant.scope
    async with scope.tx(grant.user_id):
        room = await repo.room(scope.t, scope.room_id)
        row = await repo.participant_state(scope.t, grant.participant_id, scope.room_id)
    if room is not None and room["status"] != "open":
        return "room.ended"
    if row is not None and row["user_id"] == grant.user_id and row["epoch"] >= grant.epoch:
        if row["state"] == "removed":
            return "participant.removed"
        if row["state"] == "denied":
            return "lobby.denied"
    return None


async def stream_state(grant: StreamGrant) -> str | None:
    """The participant's state if the grant is still valid (same epoch, room open), else None."""
    scope = grant.scope
    async with scope.tx(grant.user_id):
        room = await repo.room(scope.t, scope.room_id)
        row = await repo.participant_state(scope.t, grant.participant_id, scope.room_id)
    if room is None or row is None or room["status"] != "open":
        return None
    if row["epoch"] != grant.epoch or row["user_id"] != grant.user_id:
        return None
    if row["state"] in ("removed", "denied"):
        return None
    return str(row["state"])
