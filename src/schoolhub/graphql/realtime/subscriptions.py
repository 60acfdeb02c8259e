"""``roomEvents``: one participant's live stream of a room, re-authorised before every event.

Sources: the SFU backend's events of the room (participants, tracks, the SFU offers addressed to
this participant) and the room's Redis channel (lobby, hands, chat, moderation). Before each event
the caller's access token is reloaded (membership still live) and the join token's participant is
re-read (same epoch, not removed or denied, room still open); otherwise the stream ends with
JOIN_TOKEN_REVOKED / FORBIDDEN. A lobby waiter only gets events about itself until admitted.
The first event is ``subscribed``: from then on no event of the room's channel is missed (SFU
offers made before subscribing are replayed by the backend).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.realtime.types import RoomEvent
from schoolhub.identity import service as identity
from schoolhub.platform import pubsub
from schoolhub.platform.errors import Unauthenticated
from schoolhub.realtime import service
from schoolhub.realtime.backend import get_backend
from schoolhub.realtime.errors import RealtimeErrorCode

RECHECK_IDLE_S = 5.0
SELF_EVENTS = frozenset({"NegotiationNeeded", "TrackRouted", "SubscriptionAdapted"})
DROPPED = frozenset({"KeyframeRequested"})
FINAL = frozenset({"participant.removed", "lobby.denied", "room.ended"})
# app events for the participant they are about only (a host's request to that participant)
PRIVATE = frozenset({"participant.unmute_requested", "participant.video_requested"})


async def _merge(*sources: AsyncIterator[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(2048)

    async def pump(source: AsyncIterator[dict[str, Any]], origin: str) -> None:
        try:
            async for item in source:
                await queue.put({**item, "_origin": origin})
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await queue.put({"type": "_failed", "_error": exc, "_origin": origin})

    tasks = [
        asyncio.create_task(pump(src, "sfu" if i == 0 else "app")) for i, src in enumerate(sources)
    ]
    try:
        while True:
            item = await queue.get()
            if item.get("type") == "_failed":  # a source broke (e.g. Redis lost): end the stream
                raise item["_error"]
            yield item
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task


def _app_events(channel: str) -> AsyncIterator[dict[str, Any]]:
    """The room's Redis channel through the process's shared subscription (platform.pubsub);
    yields ``_ready`` once subscribed, ``_tick`` when idle."""
    return pubsub.subscribe(channel, ready=True)


def _pid(raw: Any) -> strawberry.ID | None:
    if not raw:
        return None
    try:
        from uuid import UUID

        return strawberry.ID(ids.encode("LiveParticipant", UUID(str(raw))))
    except ValueError:
        return None


@strawberry.type
class RealtimeSubscriptions:
    @strawberry.subscription(description="Live events of a room for the holder of a join token.")
    async def room_events(
        self, info: Info, room_id: strawberry.ID, join_token: str
    ) -> AsyncGenerator[RoomEvent, None]:
        room = ids.decode(room_id, "LiveRoom", "roomId")
        principal = info.context.require_principal()
        grant = await service.open_stream(principal, room, join_token)
        access = info.context.connection_params and info.context.connection_params.get("token")
        own = str(grant.participant_id)

        async def state_now() -> str | None:
            try:
                current = await identity.load_principal(str(access or ""))
            except Unauthenticated:
                return None
            if not await service.still_allowed(current, grant):
                return None
            return await service.stream_state(grant)

        async def end_event() -> str | None:
            try:
                current = await identity.load_principal(str(access or ""))
            except Unauthenticated:
                return None
            if not await service.still_allowed(current, grant):
                return None
            return await service.stream_end_event(grant)

        sfu_events = get_backend().events(grant.scope.sfu_id)
        app_events = _app_events(grant.scope.channel)
        checked = time.monotonic()
        async for message in _merge(sfu_events, app_events):
            kind = str(message.pop("type", "event"))
            origin = message.pop("_origin")
            if kind == "_ready":  # from now on no room event is missed
                yield RoomEvent(type="subscribed", payload=cast(JSON, {}))
                continue
            if kind == "_tick":
                if time.monotonic() - checked < RECHECK_IDLE_S:
                    continue
            elif kind in DROPPED:
                continue
            target = str(message.get("participant_id") or message.get("participantId") or "")
            about_me = target == own
            # shielded: a client closing mid-check must not cancel inside the DB transaction
            # (that left the connection idle in transaction and the server unable to stop)
            state = await asyncio.shield(state_now())
            checked = time.monotonic()
            if state is None:
                if kind in FINAL and (about_me or kind == "room.ended"):
                    yield RoomEvent(
                        type=kind, payload=cast(JSON, message), participant_id=_pid(target)
                    )
                    return
                final = await asyncio.shield(end_event())  # its event may not be here yet
                if final is not None:
                    data = {} if final == "room.ended" else {"participantId": own}
                    yield RoomEvent(
                        type=final,
                        payload=cast(JSON, data),
                        participant_id=None if final == "room.ended" else _pid(own),
                    )
                    return
                raise Unauthenticated(
                    "access to this room ended", code=RealtimeErrorCode.JOIN_TOKEN_REVOKED.value
                )
            if kind == "_tick":
                continue
            if origin == "sfu" and kind in SELF_EVENTS and not about_me:
                continue
            if kind in PRIVATE and not about_me:
                continue
            if state != "admitted" and not about_me:
                continue
            sdp = message.pop("sdp", None) if kind == "NegotiationNeeded" else None
            yield RoomEvent(
                type=kind, payload=cast(JSON, message), participant_id=_pid(target), sdp=sdp
            )
