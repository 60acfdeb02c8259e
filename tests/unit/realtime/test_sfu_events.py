"""EventBus: callbacks plus bounded async-iterator subscriptions."""

from __future__ import annotations

import asyncio

from schoolhub.realtime.sfu.events import EventBus, ParticipantJoined, ParticipantLeft


async def test_subscription_receives_events_emitted_after_subscribe() -> None:
    bus = EventBus()
    subscription = bus.subscribe()  # registered immediately, before iteration starts
    bus.emit(ParticipantJoined("r", "a"))
    bus.emit(ParticipantLeft("r", "a", "left"))
    bus.close()
    received = [event async for event in subscription]
    assert received == [ParticipantJoined("r", "a"), ParticipantLeft("r", "a", "left")]


async def test_stalled_subscriber_drops_oldest_instead_of_growing() -> None:
    bus = EventBus(queue_size=3)
    subscription = bus.subscribe()
    for i in range(10):
        bus.emit(ParticipantJoined("r", str(i)))
    assert bus.dropped == 7
    first = await asyncio.wait_for(subscription.__anext__(), 1)
    assert first == ParticipantJoined("r", "7")


def test_callbacks_and_removal() -> None:
    bus = EventBus()
    seen: list[object] = []
    remove = bus.add_listener(seen.append)
    bus.add_listener(lambda event: 1 / 0)  # a failing listener does not break delivery
    bus.emit(ParticipantJoined("r", "a"))
    remove()
    remove()  # idempotent
    bus.emit(ParticipantJoined("r", "b"))
    assert seen == [ParticipantJoined("r", "a")]
