"""Live updates over Redis pub/sub on hash-tagged channels ``school:{<id>}:<topic>``.

The braces make Redis Cluster hash only the school id, so every channel of one school lives on one
slot (SPUBLISH/SSUBSCRIBE-ready). Publishing is best effort and happens after commit: live updates
are a convenience on top of data the client can always re-read.

Subscribing goes through one Redis pub/sub connection per process (:class:`Hub`): the first local
subscriber of a channel SUBSCRIBEs it, the last one to leave UNSUBSCRIBEs it, and one reader task
fans every message out to the local subscribers' bounded queues (each decodes its own copy). A
process holding 10,000 GraphQL subscriptions therefore holds one Redis connection, not 10,000.
When that connection fails, or a subscriber falls ``QUEUE_LIMIT`` messages behind, the affected
subscribers' iterators raise :class:`SubscriptionLost` (their GraphQL subscription ends with an
error, the client resubscribes and re-reads), rather than silently missing events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import UUID

from redis.exceptions import RedisError

from schoolhub.platform import db
from schoolhub.platform import redis as redis_mod
from schoolhub.platform.errors import DomainError

log = logging.getLogger(__name__)


def school_channel(school_id: UUID, *parts: str) -> str:
    suffix = ":".join(parts)
    return f"school:{{{school_id}}}:{suffix}" if suffix else f"school:{{{school_id}}}"


def user_channel(user_id: UUID, *parts: str) -> str:
    suffix = ":".join(parts)
    return f"user:{{{user_id}}}:{suffix}" if suffix else f"user:{{{user_id}}}"


async def publish(channel: str, message: dict[str, Any]) -> bool:
    try:
        await redis_mod.client().publish(channel, json.dumps(message, default=str))
    except (RedisError, OSError, RuntimeError):
        log.warning("publish to %s failed (Redis down)", channel)
        return False
    return True


def publish_after_commit(channel: str, message: dict[str, Any]) -> None:
    async def _send() -> None:
        await publish(channel, message)

    db.after_commit(_send)


QUEUE_LIMIT = 1000  # messages a subscriber may fall behind before it is dropped
_LOST = object()  # queue sentinel: the subscription's stream broke


class SubscriptionLost(DomainError):
    """Live updates stopped or cannot start (Redis unreachable or lost, or the consumer fell too
    far behind): ``UNAVAILABLE``; the client subscribes again and re-reads what it shows."""

    code = "UNAVAILABLE"


class Hub:
    """One Redis pub/sub connection shared by all subscribers of this process (one event loop)."""

    def __init__(self, client: Callable[[], Any] = redis_mod.client) -> None:
        self._client = client
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._queues: dict[str, set[asyncio.Queue[Any]]] = {}
        self._lock = asyncio.Lock()

    @property
    def channels(self) -> int:
        return len(self._queues)

    async def add(self, channels: tuple[str, ...], queue: asyncio.Queue[Any]) -> None:
        async with self._lock:
            if self._pubsub is None:
                self._pubsub = self._client().pubsub(ignore_subscribe_messages=True)
            new = [c for c in dict.fromkeys(channels) if c not in self._queues]
            for channel in channels:
                self._queues.setdefault(channel, set()).add(queue)
            try:
                if new:
                    await self._pubsub.subscribe(*new)
            except BaseException:
                self._discard(channels, queue)
                if not self._queues:
                    await self._close()
                raise
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._read(), name="pubsub-hub")

    async def remove(self, channels: tuple[str, ...], queue: asyncio.Queue[Any]) -> None:
        async with self._lock:
            gone = self._discard(channels, queue)
            if not self._queues:
                await self._close()
            elif gone and self._pubsub is not None:
                with contextlib.suppress(RedisError, OSError):
                    await self._pubsub.unsubscribe(*gone)

    def _discard(self, channels: tuple[str, ...], queue: asyncio.Queue[Any]) -> list[str]:
        gone = []
        for channel in dict.fromkeys(channels):
            members = self._queues.get(channel)
            if members is None:
                continue
            members.discard(queue)
            if not members:
                del self._queues[channel]
                gone.append(channel)
        return gone

    async def _close(self) -> None:
        reader, pubsub = self._reader, self._pubsub
        self._reader, self._pubsub = None, None
        if reader is not None and reader is not asyncio.current_task():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, RedisError, OSError):
                await reader
        if pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()

    async def _read(self) -> None:
        pubsub = self._pubsub
        while pubsub is not None and pubsub is self._pubsub:
            try:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except Exception as exc:  # Redis lost, or anything else: never leave streams hanging
                log.warning("pub/sub connection lost (%s); ending live subscriptions", exc)
                async with self._lock:
                    for members in self._queues.values():
                        for queue in members:
                            _offer(queue, _LOST)
                    self._queues.clear()
                    await self._close()
                return
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"]
            if isinstance(channel, bytes):
                channel = channel.decode()
            for queue in tuple(self._queues.get(channel, ())):
                if queue.qsize() >= QUEUE_LIMIT:
                    _offer(queue, _LOST)  # too far behind: end it rather than skip events
                else:
                    queue.put_nowait(message["data"])

    async def stream(
        self, channels: tuple[str, ...], *, ready: bool = False
    ) -> AsyncIterator[dict[str, Any]]:
        """See :func:`subscribe`."""
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=QUEUE_LIMIT + 1)
        try:
            await self.add(channels, queue)
        except (RedisError, OSError, RuntimeError) as exc:
            log.warning("cannot subscribe to %s: %s", channels, exc)
            raise SubscriptionLost("live updates are unavailable; try again shortly") from exc
        try:
            if ready:
                yield {"type": "_ready"}
            while True:
                try:
                    data = await asyncio.wait_for(queue.get(), timeout=1.0)
                except TimeoutError:
                    yield {"type": "_tick"}
                    continue
                if data is _LOST:
                    raise SubscriptionLost("live updates interrupted; subscribe again")
                try:
                    yield json.loads(data)
                except (ValueError, TypeError):
                    log.warning("dropping an undecodable message on %s", channels)
        finally:
            await self.remove(channels, queue)


def _offer(queue: asyncio.Queue[Any], item: Any) -> None:
    with contextlib.suppress(asyncio.QueueFull):
        queue.put_nowait(item)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """This event loop's hub (production runs one loop per process)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
    return found


def subscribe(*channels: str, ready: bool = False) -> AsyncIterator[dict[str, Any]]:
    """Yield decoded messages from ``channels`` until the consumer stops iterating; a
    ``{"type": "_tick"}`` after each idle second (callers re-check permissions on it); with
    ``ready``, first a ``{"type": "_ready"}`` once Redis confirmed the subscription (from then on
    nothing published on the channels is missed).

    Raises :class:`SubscriptionLost` when the stream cannot start or broke (module docstring)."""
    return hub().stream(channels, ready=ready)
