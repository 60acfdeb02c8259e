"""One Redis pub/sub connection per process, fanned out to local subscribers (real Redis)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from schoolhub.platform import pubsub
from schoolhub.platform import redis as redis_mod
from tests.support.redis_proc import RedisProcess


async def _numsub(channel: str) -> int:
    [(_, count)] = await redis_mod.client().pubsub_numsub(channel)
    return int(count)


async def _next(stream: AsyncIterator[dict[str, Any]]) -> dict[str, Any]:
    """The next real message (ticks skipped), within a generous bound so a bug cannot hang CI."""
    while True:
        message = await asyncio.wait_for(anext(stream), timeout=10)
        if message.get("type") != "_tick":
            return message


async def _publish(client: Redis, channel: str, message: dict[str, Any]) -> None:
    await client.publish(channel, json.dumps(message))


async def test_many_local_subscribers_share_one_redis_subscription(app: httpx.AsyncClient) -> None:
    hub = pubsub.Hub()
    channel, other = "school:{hub-a}:events", "school:{hub-b}:events"
    streams = [hub.stream((channel,)) for _ in range(50)]
    bystander = hub.stream((other,))
    first = [asyncio.create_task(_next(s)) for s in streams]
    second = asyncio.create_task(_next(bystander))
    for _ in range(200):  # wait until every stream registered (readiness, not a timing assertion)
        if hub.channels == 2 and await _numsub(channel) == 1:
            break
        await asyncio.sleep(0.02)
    assert await _numsub(channel) == 1  # 50 local subscribers, one Redis subscription
    await _publish(redis_mod.client(), channel, {"type": "notice", "n": 1})
    received = await asyncio.gather(*first)
    assert received == [{"type": "notice", "n": 1}] * 50
    assert not second.done()  # the other channel's subscriber got nothing
    received[0]["n"] = 99  # each subscriber decodes its own copy
    await _publish(redis_mod.client(), other, {"type": "x"})
    assert await second == {"type": "x"}
    for stream in [*streams, bystander]:
        await stream.aclose()
    assert hub.channels == 0
    assert await _numsub(channel) == 0 and await _numsub(other) == 0


async def test_the_last_subscriber_leaving_unsubscribes(app: httpx.AsyncClient) -> None:
    hub = pubsub.Hub()
    channel = "school:{hub-c}:events"
    a, b = hub.stream((channel,)), hub.stream((channel,))
    ta, tb = asyncio.create_task(_next(a)), asyncio.create_task(_next(b))
    for _ in range(200):
        if await _numsub(channel) == 1 and hub.channels == 1:
            break
        await asyncio.sleep(0.02)
    ta.cancel()
    with pytest.raises(asyncio.CancelledError):
        await ta
    await a.aclose()
    assert await _numsub(channel) == 1  # b still listens
    await _publish(redis_mod.client(), channel, {"type": "still"})
    assert await tb == {"type": "still"}
    await b.aclose()
    assert await _numsub(channel) == 0


async def test_a_lost_connection_ends_every_subscription_with_unavailable(
    app: httpx.AsyncClient, tmp_path: Path
) -> None:
    redis = RedisProcess(tmp_path)
    redis.start()
    private = Redis.from_url(redis.url, socket_timeout=1.0, socket_connect_timeout=1.0)
    hub = pubsub.Hub(lambda: private)
    try:
        streams = [hub.stream(("school:{hub-d}:events",)) for _ in range(3)]
        waiting = [asyncio.create_task(_next(s)) for s in streams]
        for _ in range(200):
            if hub.channels == 1:
                break
            await asyncio.sleep(0.02)
        redis.kill()
        for task in waiting:
            with pytest.raises(pubsub.SubscriptionLost) as lost:
                await asyncio.wait_for(task, timeout=15)
            assert lost.value.code == "UNAVAILABLE"
        assert hub.channels == 0
        # Redis down: a new subscription fails the same coded way, at once
        with pytest.raises(pubsub.SubscriptionLost):
            await anext(hub.stream(("school:{hub-d}:events",)))
        # and works again once Redis is back
        redis.start()
        private2 = Redis.from_url(redis.url, socket_timeout=1.0)
        hub2 = pubsub.Hub(lambda: private2)
        stream = hub2.stream(("school:{hub-d}:events",))
        task = asyncio.create_task(_next(stream))
        for _ in range(200):
            if hub2.channels == 1:
                break
            await asyncio.sleep(0.02)
        await _publish(private2, "school:{hub-d}:events", {"type": "back"})
        assert await task == {"type": "back"}
        await stream.aclose()
        await private2.aclose()
    finally:
        await private.aclose()
        redis.kill()


async def test_a_consumer_too_far_behind_is_ended_not_silently_skipped(
    app: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pubsub, "QUEUE_LIMIT", 5)
    hub = pubsub.Hub()
    channel = "school:{hub-e}:events"
    slow, fast = hub.stream((channel,)), hub.stream((channel,))
    got: list[dict[str, Any]] = []

    async def keep_up() -> None:
        while len(got) < 20:
            got.append(await _next(fast))

    first_slow = asyncio.create_task(_next(slow))
    fast_task = asyncio.create_task(keep_up())
    for _ in range(200):
        if await _numsub(channel) == 1 and hub.channels == 1:
            break
        await asyncio.sleep(0.02)
    await _publish(redis_mod.client(), channel, {"n": 0})
    assert await first_slow == {"n": 0}  # then the slow consumer stops reading
    for n in range(1, 20):
        await _publish(redis_mod.client(), channel, {"n": n})
        for _ in range(500):  # the fast consumer keeps up: wait until it has read n
            if len(got) > n:
                break
            await asyncio.sleep(0.01)
    await asyncio.wait_for(fast_task, timeout=10)
    assert [m["n"] for m in got] == list(range(20))  # the fast one missed nothing
    seen = [(await _next(slow))["n"] for _ in range(5)]
    assert seen == [1, 2, 3, 4, 5]  # what fitted in its queue...
    with pytest.raises(pubsub.SubscriptionLost):
        await _next(slow)  # ...then the end, not message 6 after a silent gap
    await fast.aclose()
