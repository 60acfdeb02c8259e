"""Room events for the signaling layer: callbacks and async iterators.

Delivery is in-process and ordered per room. Callbacks run synchronously in the emitting
task (keep them cheap, never block). Each async-iterator subscription has a bounded queue;
if a consumer stalls, its oldest events are dropped (and counted) rather than growing memory.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


class TrackSource(enum.StrEnum):
    MICROPHONE = "microphone"
    CAMERA = "camera"
    SCREEN = "screen"


@dataclass(frozen=True, slots=True)
class ParticipantJoined:
    room_id: str
    participant_id: str


@dataclass(frozen=True, slots=True)
class ParticipantLeft:
    room_id: str
    participant_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class TrackPublished:
    room_id: str
    participant_id: str
    track_id: str
    kind: str
    source: TrackSource
    codec: str


@dataclass(frozen=True, slots=True)
class TrackUnpublished:
    room_id: str
    participant_id: str
    track_id: str
    reason: str  # "ended" (publisher vanished), "unpublished", "left"


@dataclass(frozen=True, slots=True)
class KeyframeRequested:
    room_id: str
    track_id: str
    reason: str  # "join", "resume", "overflow", "subscriber_pli"
    outcome: str  # "sent" (PLI went upstream) or "deferred" (coalesced, will be sent)


@dataclass(frozen=True, slots=True)
class NegotiationNeeded:
    """The SFU made an offer to ``participant_id``; answer via ``SfuRoom.accept_answer``.

    Deliver in order after the ``join``/``publish`` answer: the client must have applied that
    answer before it can accept this offer.
    """

    room_id: str
    participant_id: str
    sdp: str


@dataclass(frozen=True, slots=True)
class TrackRouted:
    """Subscriber slot ``mid`` now carries ``track_id`` (``None``: slot idle)."""

    room_id: str
    participant_id: str
    mid: str
    track_id: str | None
    active: bool


# -- subscription adaptation (sfu/adaptation.py) ----------------------------------------------
@dataclass(frozen=True, slots=True)
class SubscriptionAdapted:
    """The SFU changed what it forwards to ``participant_id`` because of its link.

    ``mode`` is the effective ``SubscriptionMode`` value now forwarded (never richer than
    ``chosen_mode``, the participant's own choice); ``reason`` is ``packet_loss`` or
    ``low_bandwidth`` (stepped down), ``recovered`` (stepped back up) or ``link_limited`` (a
    mode the participant chose is capped by the link); ``loss`` is the smoothed fraction lost.
    """

    room_id: str
    participant_id: str
    mode: str
    chosen_mode: str
    reason: str
    loss: float


# -- end subscription adaptation ---------------------------------------------------------------


RoomEvent = (
    ParticipantJoined
    | ParticipantLeft
    | TrackPublished
    | TrackUnpublished
    | KeyframeRequested
    | NegotiationNeeded
    | TrackRouted
    | SubscriptionAdapted
)
EventCallback = Callable[[RoomEvent], None]


class EventBus:
    """Fan-out of :data:`RoomEvent` to callbacks and bounded async-iterator subscriptions."""

    def __init__(self, queue_size: int = 1024) -> None:
        self._callbacks: list[EventCallback] = []
        self._queues: set[asyncio.Queue[RoomEvent | None]] = set()
        self._queue_size = queue_size
        self.dropped = 0

    def add_listener(self, callback: EventCallback) -> Callable[[], None]:
        """Register a callback; returns a function that unregisters it."""
        self._callbacks.append(callback)

        def remove() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return remove

    def emit(self, event: RoomEvent) -> None:
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:
                logger.exception("SFU event callback failed for %r", event)
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()
                self.dropped += 1
            queue.put_nowait(event)

    def subscribe(self) -> EventSubscription:
        """Async iterator over events emitted from now on (registered immediately)."""
        subscription = EventSubscription(self, asyncio.Queue(self._queue_size))
        self._queues.add(subscription.queue)
        return subscription

    def close(self) -> None:
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(None)


class EventSubscription:
    """``async for event in subscription``; ``close()`` (or bus close) ends the iteration."""

    def __init__(self, bus: EventBus, queue: asyncio.Queue[RoomEvent | None]) -> None:
        self._bus = bus
        self.queue = queue

    def __aiter__(self) -> AsyncIterator[RoomEvent]:
        return self

    async def __anext__(self) -> RoomEvent:
        event = await self.queue.get()
        if event is None:
            self.close()
            raise StopAsyncIteration
        return event

    def close(self) -> None:
        self._bus._queues.discard(self.queue)
