"""``RedisSfuBackend``: any API process terminates signaling for any room.

``call`` places the room on ``join`` (:meth:`Placement.place_room`; other ops go to the room's
current live worker), publishes the request on the room's rpc channel (where its worker
listens once the room is open) or, if nobody listens there yet, on the owning worker's control
channel (the worker then opens the room), and waits for the reply with the same correlation id
on this backend's reply channel. SFU rule violations come back as the same ``SfuError`` (same
code) the in-process backend raises; transport and placement failures raise
``PlacementError`` (``SFU_UNAVAILABLE``, ``SFU_TIMEOUT``, ``SFU_BAD_REQUEST``, ...).

``events(room_id)`` streams ``sfu:{<room>}:events``: it replays the room's pending SFU offers
once subscribed and ends when the room is closed. One API process uses ONE Redis pub/sub
connection for all its replies and event streams (a class of 45 students is 45 streams, not
45 connections). ``RedisSfuBackend()`` without arguments reads ``REDIS_URL``
(``realtime.backend.get_backend``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import uuid
from typing import Any, Self

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from schoolhub.realtime.placement.protocol import (
    OPS,
    RECORDING_OPS,
    ROOM_CLOSED,
    PlacementError,
    PlacementErrorCode,
    error_from_dict,
    events_channel,
    not_running,
    offers_key,
    reply_channel,
    rpc_channel,
    worker_channel,
)
from schoolhub.realtime.placement.recording_store import RecordingLedger
from schoolhub.realtime.placement.registry import Placement

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 15.0  # join/publish include ICE gathering on the worker
STREAM_QUEUE = 1024  # per stream; a stalled consumer loses its oldest events, like locally
_END = ""


class RoomEventStream:
    """Async iterator of one room's events (dicts); ends when the room closes or ``aclose()``.

    ``await stream.subscribe()`` (or the first iteration) subscribes and then loads the room's
    pending SFU offers (``NegotiationNeeded`` not answered yet), yielded first: subscribing
    after ``join`` misses no offer.
    """

    def __init__(self, backend: RedisSfuBackend, room_id: str) -> None:
        self.room_id = room_id
        self.channel = events_channel(room_id)
        self._backend = backend
        self._queue: asyncio.Queue[str] = asyncio.Queue(STREAM_QUEUE)
        self._subscribed = False
        self._closed = False
        self._replay: list[dict[str, Any]] = []
        self._replayed: set[str] = set()
        self.dropped = 0

    async def subscribe(self) -> Self:
        if not self._subscribed and not self._closed:
            self._subscribed = True
            await self._backend._add_stream(self)
            pending = await self._backend._redis.hgetall(offers_key(self.room_id))  # type: ignore[misc]
            for raw in pending.values():
                with contextlib.suppress(ValueError):
                    self._replay.append(json.loads(raw))
                    self._replayed.add(str(raw))
        return self

    def _push(self, raw: str) -> None:
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(raw)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> dict[str, Any]:
        await self.subscribe()
        if self._replay:
            return self._replay.pop(0)
        while not self._closed:
            raw = await self._queue.get()
            if raw is _END or self._closed:
                break
            if raw in self._replayed:  # published while we loaded the pending offers
                self._replayed.discard(raw)
                continue
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(data, dict):
                continue
            if data.get("type") == ROOM_CLOSED:
                break
            return data
        await self.aclose()
        raise StopAsyncIteration

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._push(_END)
            if self._subscribed:
                await self._backend._remove_stream(self)

    async def __aenter__(self) -> Self:
        return await self.subscribe()

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()


class RedisSfuBackend:
    """The ``SfuBackend`` protocol over Redis; one per API process (``aclose()`` on exit)."""

    def __init__(self, redis_url: str | None = None, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        url = redis_url or os.environ.get("REDIS_URL")
        if not url:
            raise RuntimeError("RedisSfuBackend needs REDIS_URL")
        self.backend_id = uuid.uuid4().hex
        self.timeout = timeout
        self._redis = Redis.from_url(url, decode_responses=True)
        self.placement = Placement(self._redis)
        self._reply_channel = reply_channel(self.backend_id)
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._streams: dict[str, set[RoomEventStream]] = {}
        self._confirmed: dict[str, asyncio.Future[None]] = {}
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._start_lock = asyncio.Lock()

    # -- the shared subscription ------------------------------------------------------------
    async def _ensure_started(self) -> PubSub:
        async with self._start_lock:
            if self._pubsub is None:
                self._pubsub = self._redis.pubsub()
                # the reply channel stays subscribed for the backend's life: the reader never idles out
                await self._subscribe(self._reply_channel)
                self._reader = asyncio.create_task(self._read(), name="sfu-backend-reader")
        return self._pubsub

    async def _subscribe(self, channel: str) -> asyncio.Future[None]:
        assert self._pubsub is not None
        future = self._confirmed.get(channel)
        if future is None:
            future = self._confirmed[channel] = asyncio.get_running_loop().create_future()
            await self._pubsub.subscribe(channel)
        return future

    async def _read(self) -> None:
        assert self._pubsub is not None
        while True:
            try:
                async for message in self._pubsub.listen():
                    self._dispatch(message)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError):  # redis-py reconnects and re-subscribes
                logger.warning("SFU backend lost its Redis subscription; retrying")
                await asyncio.sleep(0.5)

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind, channel = message.get("type"), message.get("channel")
        if kind == "subscribe":
            future = self._confirmed.get(str(channel))
            if future is not None and not future.done():
                future.set_result(None)
        elif kind != "message":
            return
        elif channel == self._reply_channel:
            try:
                reply = json.loads(message["data"])
                future_reply = self._pending.pop(str(reply.get("id")), None)
            except (ValueError, AttributeError):
                return
            if future_reply is not None and not future_reply.done():
                future_reply.set_result(reply)
        else:
            for stream in list(self._streams.get(str(channel), ())):
                stream._push(message["data"])

    async def _add_stream(self, stream: RoomEventStream) -> None:
        await self._ensure_started()
        self._streams.setdefault(stream.channel, set()).add(stream)
        confirmed = await self._subscribe(stream.channel)
        # wait until Redis delivers to us, so the pending-offer read that follows misses nothing
        await asyncio.wait_for(asyncio.shield(confirmed), self.timeout)

    async def _remove_stream(self, stream: RoomEventStream) -> None:
        streams = self._streams.get(stream.channel)
        if streams is None:
            return
        streams.discard(stream)
        if not streams:
            del self._streams[stream.channel]
            self._confirmed.pop(stream.channel, None)
            if self._pubsub is not None:
                with contextlib.suppress(RedisError, OSError):
                    await self._pubsub.unsubscribe(stream.channel)

    # -- the protocol -------------------------------------------------------------------------
    async def call(self, room_id: str, op: str, args: dict[str, Any]) -> dict[str, Any]:
        if op not in OPS and op not in RECORDING_OPS:
            raise PlacementError(PlacementErrorCode.BAD_REQUEST, f"unknown SFU op {op!r}")
        await self._ensure_started()
        if op == "join":  # only a join creates (or re-creates) a room
            worker_id = await self.placement.place_room(room_id)
        else:
            owner = await self.placement.room_worker(room_id)
            if owner is None or not await self.placement.alive([owner]):
                if op == "stop_recording":
                    return await self._recording_without_worker(room_id, owner)
                if op == "close":
                    if owner is not None:
                        await self.placement.release_room(room_id, owner)
                    return {}
                if owner is None:
                    raise not_running(room_id)
                raise PlacementError(
                    PlacementErrorCode.UNAVAILABLE, f"the SFU worker of room {room_id} is gone"
                )
            worker_id = owner
        request_id = uuid.uuid4().hex
        payload = json.dumps(
            {
                "id": request_id,
                "room_id": room_id,
                "op": op,
                "args": args,
                "reply_to": self._reply_channel,
            }
        )
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            receivers = await self._redis.publish(rpc_channel(room_id), payload)
            if not receivers:  # room not open on its worker yet: ask the worker itself
                receivers = await self._redis.publish(worker_channel(worker_id), payload)
            if not receivers:
                raise PlacementError(
                    PlacementErrorCode.UNAVAILABLE, f"SFU worker {worker_id} is not listening"
                )
            try:
                reply = await asyncio.wait_for(future, self.timeout)
            except TimeoutError as exc:
                raise PlacementError(
                    PlacementErrorCode.TIMEOUT,
                    f"{op} on room {room_id}: no reply from {worker_id} in {self.timeout}s",
                ) from exc
        finally:
            self._pending.pop(request_id, None)
        if reply.get("ok"):
            return dict(reply.get("result") or {})
        raise error_from_dict(dict(reply.get("error") or {}))

    async def _recording_without_worker(self, room_id: str, owner: str | None) -> dict[str, Any]:
        """``stop_recording`` when no live worker hosts the room: what the ledger says was
        stored (see :mod:`~schoolhub.realtime.placement.recording_store`)."""
        entry = await RecordingLedger(self._redis).collect(room_id)
        if entry is None:
            if owner is None:
                raise not_running(room_id)
            raise PlacementError(
                PlacementErrorCode.UNAVAILABLE, f"the SFU worker of room {room_id} is gone"
            )
        outcome = entry.outcome
        lost = entry.worker_id or owner
        if lost:
            outcome.errors.append(
                f"SFU worker {lost} was lost while recording; the segment it was writing is missing"
            )
        else:
            outcome.errors.append("the room was not running any more when the recording ended")
        return outcome.to_result()

    def events(self, room_id: str) -> RoomEventStream:
        return RoomEventStream(self, room_id)

    async def aclose(self) -> None:
        for streams in list(self._streams.values()):
            for stream in list(streams):
                stream._closed = True
                stream._push(_END)
        self._streams.clear()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        for future in self._pending.values():
            future.cancel()
        await self._redis.aclose()
