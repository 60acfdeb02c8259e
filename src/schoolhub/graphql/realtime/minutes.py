"""``roomMinutes``: who attended a live room, when, and for how long."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.realtime.types import LiveRole
from schoolhub.platform.errors import NotFound
from schoolhub.realtime import minutes


@strawberry.type(description="One attendee of a live room (participants who never joined: none).")
class LiveAttendee:
    user_id: strawberry.ID
    full_name: str
    role: LiveRole
    first_joined_at: datetime
    last_left_at: datetime | None = strawberry.field(description="None while still in the room.")
    total_seconds: int = strawberry.field(description="Presence intervals, overlaps merged.")
    total_minutes: int = strawberry.field(description="totalSeconds rounded to whole minutes.")


@strawberry.type
class LiveRoomMinutes:
    room_id: strawberry.ID
    title: str
    started_at: datetime
    ended_at: datetime | None
    attendees: list[LiveAttendee]


@strawberry.type
class RealtimeMinutesQueries:
    @strawberry.field(
        description="Minutes of a live room: the host and co-hosts, the school's principal (class"
        " sessions) or the owning office (meetings). Null when the room is not visible."
    )
    async def room_minutes(self, info: Info, room_id: strawberry.ID) -> LiveRoomMinutes | None:
        principal = info.context.require_principal()
        try:
            result = await minutes.room_minutes(
                principal, ids.decode(room_id, "LiveRoom", "roomId")
            )
        except NotFound:
            return None
        room = result.room
        return LiveRoomMinutes(
            room_id=strawberry.ID(ids.encode("LiveRoom", room["id"])),
            title=room["title"],
            started_at=room["created_at"],
            ended_at=room["ended_at"],
            attendees=[
                LiveAttendee(
                    user_id=strawberry.ID(ids.encode("User", a.user_id)),
                    full_name=a.full_name,
                    role=LiveRole(a.role),
                    first_joined_at=a.first_joined_at,
                    last_left_at=a.last_left_at,
                    total_seconds=a.total_seconds,
                    total_minutes=round(a.total_seconds / 60),
                )
                for a in result.attendees
            ],
        )
