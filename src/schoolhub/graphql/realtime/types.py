"""GraphQL types of live rooms (no type is named ``Room``: that is the timetable's classroom)."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.realtime.turn import IceServerConfig

CLASS_TYPE = "SchoolClass"  # global-id type name of workspace classes (input accepts any)


@strawberry.enum
class LiveRole(Enum):
    HOST = "host"
    CO_HOST = "co_host"
    PRESENTER = "presenter"
    PARTICIPANT = "participant"
    VIEWER = "viewer"


@strawberry.enum
class LiveParticipantState(Enum):
    LOBBY = "lobby"
    ADMITTED = "admitted"
    DENIED = "denied"
    REMOVED = "removed"


@strawberry.enum
class LiveRoomStatus(Enum):
    OPEN = "open"
    ENDED = "ended"


@strawberry.enum(description="A class session (school) or an office meeting.")
class LiveRoomKind(Enum):
    CLASS_SESSION = "class_session"
    MEETING = "meeting"


@strawberry.enum(description="What a participant receives (SFU subscription mode).")
class LiveSubscriptionMode(Enum):
    ALL = "ALL"
    AUDIO_AND_PRESENTER = "AUDIO_AND_PRESENTER"
    AUDIO_ONLY = "AUDIO_ONLY"


@strawberry.enum
class TrackSourceKind(Enum):
    MICROPHONE = "microphone"
    CAMERA = "camera"
    SCREEN = "screen"


@strawberry.enum(description="Audio (microphone) or video (camera and screen).")
class LiveMediaKind(Enum):
    AUDIO = "audio"
    VIDEO = "video"


@strawberry.input(description="The source of one published track, by its SDP mid.")
class TrackSourceInput:
    mid: str
    source: TrackSourceKind


def sources_dict(sources: list[TrackSourceInput] | None) -> dict[str, str] | None:
    return {s.mid: s.source.value for s in sources} if sources else None


@strawberry.type
class PublishedTrack:
    track_id: str
    kind: str
    source: str


@strawberry.type
class LiveParticipant(relay.Node):
    id: relay.NodeID[str]
    user_id: strawberry.ID
    full_name: str
    role: LiveRole
    state: LiveParticipantState
    hand_raised: bool
    audio_muted: bool
    video_stopped: bool
    unmute_requested: bool = strawberry.field(
        description="A host asked this participant to unmute: they may, even where the room"
        " does not let participants unmute themselves (once)."
    )
    video_requested: bool = strawberry.field(
        description="A host asked this participant to start their video (see unmuteRequested)."
    )
    online: bool
    tracks: list[PublishedTrack]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> LiveParticipant:
        published = row.get("published") or []
        if isinstance(published, str):
            published = json.loads(published)
        return cls(
            id=str(row["id"]),
            user_id=strawberry.ID(ids.encode("User", row["user_id"])),
            full_name=str(row.get("full_name") or ""),
            role=LiveRole(row["role"]),
            state=LiveParticipantState(row["state"]),
            hand_raised=bool(row["hand_raised"]),
            audio_muted=bool(row["audio_muted"]),
            video_stopped=bool(row["video_stopped"]),
            unmute_requested=bool(row.get("unmute_permitted")),
            video_requested=bool(row.get("video_permitted")),
            online=bool(row["online"]),
            tracks=[PublishedTrack(**t) for t in published],
        )


@strawberry.type
class LiveRoom(relay.Node):
    id: relay.NodeID[str]
    title: str
    status: LiveRoomStatus
    locked: bool
    participants_may_unmute: bool = strawberry.field(
        description="May participants a host muted (or who muted themselves) unmute on their own?"
        " Off: they get SELF_UNMUTE_DISALLOWED and raise a hand; a host may askToUnmute."
    )
    participants_may_start_video: bool = strawberry.field(
        description="The same for video (SELF_VIDEO_DISALLOWED)."
    )
    max_participants: int
    kind: LiveRoomKind
    class_id: strawberry.ID | None
    timetable_slot_id: strawberry.ID | None
    org_unit_id: strawberry.ID | None
    participants: list[LiveParticipant]

    @classmethod
    def from_row(
        cls, row: dict[str, Any], participants: list[dict[str, Any]] | None = None
    ) -> LiveRoom:
        slot = row.get("timetable_slot_id")
        klass = row.get("class_id")
        office = row.get("org_unit_id")
        return cls(
            id=str(row["id"]),
            title=row["title"],
            status=LiveRoomStatus(row["status"]),
            locked=bool(row["locked"]),
            participants_may_unmute=bool(row.get("participants_may_unmute", True)),
            participants_may_start_video=bool(row.get("participants_may_start_video", True)),
            max_participants=int(row["max_participants"]),
            kind=LiveRoomKind.MEETING if office else LiveRoomKind.CLASS_SESSION,
            class_id=strawberry.ID(ids.encode(CLASS_TYPE, klass)) if klass else None,
            timetable_slot_id=strawberry.ID(str(slot)) if slot else None,
            org_unit_id=strawberry.ID(ids.encode("OrgUnit", office)) if office else None,
            participants=[LiveParticipant.from_row(p) for p in participants or []],
        )


@strawberry.type(description="A STUN/TURN server for RTCPeerConnection's iceServers.")
class IceServer:
    urls: list[str]
    username: str | None = None
    credential: str | None = None

    @classmethod
    def of(cls, config: IceServerConfig) -> IceServer:
        return cls(urls=list(config.urls), username=config.username, credential=config.credential)


@strawberry.type
class JoinRoomPayload:
    room: LiveRoom | None = None
    participant: LiveParticipant | None = None
    waiting_in_lobby: bool = False
    answer_sdp: str | None = None
    ice_servers: list[IceServer] = strawberry.field(default_factory=list)
    bundle_policy: str = "max-bundle"
    join_token: str | None = None
    join_token_expires_at: int | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SdpAnswerPayload:
    answer_sdp: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LiveRoomPayload:
    room: LiveRoom | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LiveParticipantPayload:
    participant: LiveParticipant | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LiveOkPayload:
    ok: bool = False
    count: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="One event of a live room (participants, tracks, chat, SFU offers).")
class RoomEvent:
    type: str
    payload: JSON
    participant_id: strawberry.ID | None = None
    sdp: str | None = None
