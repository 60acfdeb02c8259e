"""Subscriptions: live events of one school, for its members.

Authorisation is checked when the subscription starts *and* before every event is delivered, so a
revoked membership or a logged-out session stops the stream (RELIABILITY.md §3.4 item 2).
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from typing import cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.identity import service as identity
from schoolhub.platform import pubsub
from schoolhub.platform.errors import NotFound, Unauthenticated

RECHECK_EVERY_S = 5.0


@strawberry.type
class SchoolEvent:
    type: str
    payload: JSON


@strawberry.type
class TenantSubscriptions:
    @strawberry.subscription(description="Live events of a school (membership changes, ...).")
    async def school_events(
        self, info: Info, school_id: strawberry.ID
    ) -> AsyncGenerator[SchoolEvent, None]:
        school = ids.decode(school_id, "School", "schoolId")
        principal = info.context.require_principal()
        if not principal.is_member(school):
            raise NotFound("school")
        assert principal.user_id is not None and principal.session_id is not None

        async def still_allowed() -> bool:
            try:
                current = await identity.principal_for_session(
                    principal.user_id,
                    principal.session_id,  # type: ignore[arg-type]
                )
            except Unauthenticated:
                return False
            return current.is_member(school)

        checked = time.monotonic()
        async for message in pubsub.subscribe(pubsub.school_channel(school, "events")):
            is_tick = message.get("type") == "_tick"
            now = time.monotonic()
            if is_tick and now - checked < RECHECK_EVERY_S:
                continue
            if not await still_allowed():
                raise Unauthenticated("access to this school ended", code="FORBIDDEN")
            checked = now
            if is_tick:
                continue
            event_type = str(message.pop("type", "event"))
            yield SchoolEvent(type=event_type, payload=cast(JSON, message))
