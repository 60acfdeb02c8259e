"""Live room mutations: creation, signaling (join / publish / answer) and host controls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar
from uuid import UUID

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.graphql.realtime.types import (
    IceServer,
    JoinRoomPayload,
    LiveMediaKind,
    LiveOkPayload,
    LiveParticipant,
    LiveParticipantPayload,
    LiveRole,
    LiveRoom,
    LiveRoomPayload,
    LiveSubscriptionMode,
    SdpAnswerPayload,
    TrackSourceInput,
    sources_dict,
)
from schoolhub.platform.errors import DomainError
from schoolhub.realtime import meetings, service
from schoolhub.realtime.sfu import SubscriptionMode

T = TypeVar("T")
MAX_SDP = 64_000


def _room(raw: strawberry.ID) -> UUID:
    return ids.decode(raw, "LiveRoom", "roomId")


def _participant(raw: strawberry.ID) -> UUID:
    return ids.decode(raw, "LiveParticipant", "participantId")


def _sdp(value: str | None, field: str) -> str | None:
    if value is not None and len(value) > MAX_SDP:
        raise DomainError("SDP too large", code="BAD_USER_INPUT", field=field)
    return value


async def _run(make: Callable[[], Awaitable[T]], fail: Callable[[UserError], T]) -> T:
    try:
        return await make()
    except DomainError as exc:
        return fail(UserError.of(exc))


def _ok_fail(error: UserError) -> LiveOkPayload:
    return LiveOkPayload(errors=[error])


def _participant_fail(error: UserError) -> LiveParticipantPayload:
    return LiveParticipantPayload(errors=[error])


def _room_fail(error: UserError) -> LiveRoomPayload:
    return LiveRoomPayload(errors=[error])


@strawberry.type
class RealtimeMutations:
    @strawberry.mutation(description="A class's teacher or management: open a live class session.")
    async def create_class_session(
        self,
        info: Info,
        class_id: strawberry.ID,
        title: str,
        timetable_slot_id: strawberry.ID | None = None,
        max_participants: int = 50,
    ) -> LiveRoomPayload:
        principal = info.context.require_principal()

        async def make() -> LiveRoomPayload:
            klass = ids.decode_any(class_id, "classId")[1]
            slot = (
                ids.decode_any(timetable_slot_id, "timetableSlotId")[1]
                if timetable_slot_id
                else None
            )
            row = await service.create_class_session(
                principal,
                class_id=klass,
                title=title,
                timetable_slot_id=slot,
                max_participants=max_participants,
            )
            return LiveRoomPayload(room=LiveRoom.from_row(row))

        return await _run(make, _room_fail)

    @strawberry.mutation(
        description="Office admins: open a meeting of your office with invited schools (their"
        " staff attend) and child offices (their admins attend)."
    )
    async def create_meeting(
        self,
        info: Info,
        org_unit_id: strawberry.ID,
        title: str,
        school_ids: list[strawberry.ID] | None = None,
        office_ids: list[strawberry.ID] | None = None,
        max_participants: int = 50,
    ) -> LiveRoomPayload:
        principal = info.context.require_principal()

        async def make() -> LiveRoomPayload:
            row = await meetings.create_meeting(
                principal,
                org_unit_id=ids.decode(org_unit_id, "OrgUnit", "orgUnitId"),
                title=title,
                school_ids=[ids.decode(s, "School", "schoolIds") for s in school_ids or []],
                office_ids=[ids.decode(o, "OrgUnit", "officeIds") for o in office_ids or []],
                max_participants=max_participants,
            )
            return LiveRoomPayload(room=LiveRoom.from_row(row))

        return await _run(make, _room_fail)

    @strawberry.mutation(
        description="Join a live room with an SDP offer of what you publish (no simulcast; VP8/H.264"
        " video, Opus audio). The roster is admitted at once; others wait in the lobby"
        " (waitingInLobby, no answer) and call joinRoom again once admitted. Subscriptions to"
        " others' tracks arrive as SFU offers (roomEvents type NegotiationNeeded)."
    )
    async def join_room(
        self,
        info: Info,
        room_id: strawberry.ID,
        offer: str | None = None,
        sources: list[TrackSourceInput] | None = None,
        mode: LiveSubscriptionMode = LiveSubscriptionMode.ALL,
    ) -> JoinRoomPayload:
        principal = info.context.require_principal()

        async def make() -> JoinRoomPayload:
            result = await service.join_room(
                principal,
                _room(room_id),
                _sdp(offer, "offer"),
                sources=sources_dict(sources),
                mode=SubscriptionMode(mode.value),
            )
            return JoinRoomPayload(
                room=LiveRoom.from_row(result.room),
                participant=LiveParticipant.from_row(result.participant),
                waiting_in_lobby=result.participant["state"] == "lobby",
                answer_sdp=result.answer_sdp,
                ice_servers=[IceServer.of(s) for s in result.ice_servers],
                join_token=result.join_token,
                join_token_expires_at=result.expires_at,
            )

        return await _run(make, lambda e: JoinRoomPayload(errors=[e]))

    @strawberry.mutation(
        description="Re-offer what you publish (add a screen share, stop a track)."
    )
    async def publish_tracks(
        self,
        info: Info,
        room_id: strawberry.ID,
        offer: str,
        sources: list[TrackSourceInput] | None = None,
    ) -> SdpAnswerPayload:
        principal = info.context.require_principal()

        async def make() -> SdpAnswerPayload:
            answer = await service.publish_tracks(
                principal, _room(room_id), _sdp(offer, "offer") or "", sources_dict(sources)
            )
            return SdpAnswerPayload(answer_sdp=answer)

        return await _run(make, lambda e: SdpAnswerPayload(errors=[e]))

    @strawberry.mutation(description="Answer the SFU's offer (roomEvents NegotiationNeeded).")
    async def answer_room_offer(
        self, info: Info, room_id: strawberry.ID, answer: str
    ) -> LiveOkPayload:
        principal = info.context.require_principal()

        async def make() -> LiveOkPayload:
            await service.answer_offer(principal, _room(room_id), _sdp(answer, "answer") or "")
            return LiveOkPayload(ok=True)

        return await _run(make, _ok_fail)

    @strawberry.mutation(description="Choose what you receive (data saver: AUDIO_ONLY).")
    async def set_subscription_mode(
        self, info: Info, room_id: strawberry.ID, mode: LiveSubscriptionMode
    ) -> LiveOkPayload:
        principal = info.context.require_principal()

        async def make() -> LiveOkPayload:
            await service.set_mode(principal, _room(room_id), SubscriptionMode(mode.value))
            return LiveOkPayload(ok=True)

        return await _run(make, _ok_fail)

    @strawberry.mutation(description="Leave a live room (you may join again).")
    async def leave_room(self, info: Info, room_id: strawberry.ID) -> LiveOkPayload:
        principal = info.context.require_principal()

        async def make() -> LiveOkPayload:
            await service.leave_room(principal, _room(room_id))
            return LiveOkPayload(ok=True)

        return await _run(make, _ok_fail)

    @strawberry.mutation(description="Raise (or lower, raised: false) your hand.")
    async def raise_hand(
        self, info: Info, room_id: strawberry.ID, raised: bool = True
    ) -> LiveParticipantPayload:
        principal = info.context.require_principal()

        async def make() -> LiveParticipantPayload:
            row = await service.raise_hand(principal, _room(room_id), raised)
            return LiveParticipantPayload(participant=LiveParticipant.from_row(row))

        return await _run(make, _participant_fail)

    @strawberry.mutation(description="Send a chat message to everyone in the room.")
    async def send_room_chat(self, info: Info, room_id: strawberry.ID, text: str) -> LiveOkPayload:
        principal = info.context.require_principal()

        async def make() -> LiveOkPayload:
            await service.send_chat(principal, _room(room_id), text)
            return LiveOkPayload(ok=True)

        return await _run(make, _ok_fail)

    @strawberry.mutation(description="Host/co-host: admit (or deny, admit: false) a lobby waiter.")
    async def admit_participant(
        self, info: Info, room_id: strawberry.ID, participant_id: strawberry.ID, admit: bool = True
    ) -> LiveParticipantPayload:
        principal = info.context.require_principal()

        async def make() -> LiveParticipantPayload:
            row = await service.admit(
                principal, _room(room_id), _participant(participant_id), admit
            )
            return LiveParticipantPayload(participant=LiveParticipant.from_row(row))

        return await _run(make, _participant_fail)

    @strawberry.mutation(
        description="Mute (muted: false: unmute) yourself. Unmuting fails with"
        " SELF_UNMUTE_DISALLOWED where the host does not let participants unmute themselves and"
        " has not asked you to (askToUnmute): raise your hand instead."
    )
    async def set_my_microphone(
        self, info: Info, room_id: strawberry.ID, muted: bool
    ) -> LiveParticipantPayload:
        principal = info.context.require_principal()

        async def make() -> LiveParticipantPayload:
            row = await service.set_my_audio(principal, _room(room_id), muted)
            return LiveParticipantPayload(participant=LiveParticipant.from_row(row))

        return await _run(make, _participant_fail)

    @strawberry.mutation(
        description="Stop (stopped: false: start) your video. Starting fails with"
        " SELF_VIDEO_DISALLOWED where the host does not allow it and has not asked you to."
    )
    async def set_my_camera(
        self, info: Info, room_id: strawberry.ID, stopped: bool
    ) -> LiveParticipantPayload:
        principal = info.context.require_principal()

        async def make() -> LiveParticipantPayload:
            row = await service.set_my_video(principal, _room(room_id), stopped)
            return LiveParticipantPayload(participant=LiveParticipant.from_row(row))

        return await _run(make, _participant_fail)

    @strawberry.mutation(
        description="Host/co-host: ask a muted participant to unmute (kind VIDEO: to start their"
        " video). Only they get the event (participant.unmute_requested /"
        " participant.video_requested) and may then turn it on themselves; hosts never can."
    )
    async def ask_to_unmute(
        self,
        info: Info,
        room_id: strawberry.ID,
        participant_id: strawberry.ID,
        kind: LiveMediaKind = LiveMediaKind.AUDIO,
    ) -> LiveParticipantPayload:
        principal = info.context.require_principal()

        async def make() -> LiveParticipantPayload:
            row = await service.ask_to_unmute(
                principal, _room(room_id), _participant(participant_id), kind.value
            )
            return LiveParticipantPayload(participant=LiveParticipant.from_row(row))

        return await _run(make, _participant_fail)

    @strawberry.mutation(description="Host/co-host: lower a participant's raised hand.")
    async def lower_hand(
        self, info: Info, room_id: strawberry.ID, participant_id: strawberry.ID
    ) -> LiveParticipantPayload:
        principal = info.context.require_principal()

        async def make() -> LiveParticipantPayload:
            rows = await service.lower_hands(
                principal, _room(room_id), _participant(participant_id)
            )
            return LiveParticipantPayload(participant=LiveParticipant.from_row(rows[0]))

        return await _run(make, _participant_fail)

    @strawberry.mutation(description="Host/co-host: lower every raised hand (count: how many).")
    async def lower_all_hands(self, info: Info, room_id: strawberry.ID) -> LiveOkPayload:
        principal = info.context.require_principal()

        async def make() -> LiveOkPayload:
            rows = await service.lower_hands(principal, _room(room_id), None)
            return LiveOkPayload(ok=True, count=len(rows))

        return await _run(make, _ok_fail)

    @strawberry.mutation(
        description="Host/co-host: may participants unmute / start their video by themselves?"
        " (A class session teacher typically turns unmuting off.) Omitted settings stay."
    )
    async def set_room_controls(
        self,
        info: Info,
        room_id: strawberry.ID,
        participants_may_unmute: bool | None = None,
        participants_may_start_video: bool | None = None,
    ) -> LiveRoomPayload:
        principal = info.context.require_principal()

        async def make() -> LiveRoomPayload:
            row = await service.set_controls(
                principal,
                _room(room_id),
                participants_may_unmute=participants_may_unmute,
                participants_may_start_video=participants_may_start_video,
            )
            return LiveRoomPayload(room=LiveRoom.from_row(row))

        return await _run(make, _room_fail)

    @strawberry.mutation(
        description="Host/co-host: mute one participant. Their audio stays published but is no"
        " longer forwarded; they may unmute themselves unless the room does not allow it."
    )
    async def mute_participant(
        self, info: Info, room_id: strawberry.ID, participant_id: strawberry.ID
    ) -> LiveOkPayload:
        principal = info.context.require_principal()

        async def make() -> LiveOkPayload:
            count = await service.mute(principal, _room(room_id), _participant(participant_id))
            return LiveOkPayload(ok=True, count=count)

        return await _run(make, _ok_fail)

    @strawberry.mutation(description="Host/co-host: mute everyone but the hosts (count: how many).")
    async def mute_all(self, info: Info, room_id: strawberry.ID) -> LiveOkPayload:
        principal = info.context.require_principal()

        async def make() -> LiveOkPayload:
            count = await service.mute(principal, _room(room_id), None)
            return LiveOkPayload(ok=True, count=count)

        return await _run(make, _ok_fail)

    @strawberry.mutation(
        description="Host/co-host: stop forwarding a participant's video (camera and screen);"
        " they may start it again unless the room does not allow it."
    )
    async def stop_video(
        self, info: Info, room_id: strawberry.ID, participant_id: strawberry.ID
    ) -> LiveParticipantPayload:
        principal = info.context.require_principal()

        async def make() -> LiveParticipantPayload:
            row = await service.stop_video(principal, _room(room_id), _participant(participant_id))
            return LiveParticipantPayload(participant=LiveParticipant.from_row(row))

        return await _run(make, _participant_fail)

    @strawberry.mutation(description="Host/co-host: remove a participant (they cannot rejoin).")
    async def remove_participant(
        self, info: Info, room_id: strawberry.ID, participant_id: strawberry.ID
    ) -> LiveParticipantPayload:
        principal = info.context.require_principal()

        async def make() -> LiveParticipantPayload:
            row = await service.remove(principal, _room(room_id), _participant(participant_id))
            return LiveParticipantPayload(participant=LiveParticipant.from_row(row))

        return await _run(make, _participant_fail)

    @strawberry.mutation(
        description="Host/co-host: change a participant's role (only the host names co-hosts)."
        " A demotion ends the participant's join tokens: they join again with the new role."
    )
    async def set_participant_role(
        self,
        info: Info,
        room_id: strawberry.ID,
        participant_id: strawberry.ID,
        role: LiveRole,
    ) -> LiveParticipantPayload:
        principal = info.context.require_principal()

        async def make() -> LiveParticipantPayload:
            row = await service.set_role(
                principal, _room(room_id), _participant(participant_id), role.value
            )
            return LiveParticipantPayload(participant=LiveParticipant.from_row(row))

        return await _run(make, _participant_fail)

    @strawberry.mutation(description="Host/co-host: lock (or unlock) the room to newcomers.")
    async def lock_room(
        self, info: Info, room_id: strawberry.ID, locked: bool = True
    ) -> LiveRoomPayload:
        principal = info.context.require_principal()

        async def make() -> LiveRoomPayload:
            return LiveRoomPayload(
                room=LiveRoom.from_row(await service.lock(principal, _room(room_id), locked))
            )

        return await _run(make, _room_fail)

    @strawberry.mutation(description="Host/co-host: end the session for everyone.")
    async def end_room(self, info: Info, room_id: strawberry.ID) -> LiveRoomPayload:
        principal = info.context.require_principal()

        async def make() -> LiveRoomPayload:
            return LiveRoomPayload(
                room=LiveRoom.from_row(await service.end(principal, _room(room_id)))
            )

        return await _run(make, _room_fail)
