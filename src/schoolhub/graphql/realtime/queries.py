"""Live room queries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids, node
from schoolhub.graphql.realtime.types import LiveRoom
from schoolhub.platform.errors import NotFound
from schoolhub.realtime import service


@strawberry.type
class RealtimeQueries:
    @strawberry.field(description="A live room of one of your schools, with its participants.")
    async def live_room(self, info: Info, room_id: strawberry.ID) -> LiveRoom | None:
        principal = info.context.require_principal()
        try:
            room, participants = await service.get_room(
                principal, ids.decode(room_id, "LiveRoom", "roomId")
            )
        except NotFound:
            return None
        return LiveRoom.from_row(room, participants)


async def _rooms(info: Info, keys: list[UUID]) -> dict[UUID, Any]:
    principal = info.context.require_principal()
    found: dict[UUID, Any] = {}
    for key in keys:
        try:
            room, participants = await service.get_room(principal, key)
        except NotFound:
            continue
        found[key] = LiveRoom.from_row(room, participants)
    return found


node.register("LiveRoom", _rooms)
