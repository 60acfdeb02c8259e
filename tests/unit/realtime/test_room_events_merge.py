"""roomEvents merges the SFU's events with the room's Redis channel; a broken source ends it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from schoolhub.graphql.realtime.subscriptions import _merge
from schoolhub.platform.pubsub import SubscriptionLost


async def _sfu() -> AsyncIterator[dict[str, Any]]:
    yield {"type": "TrackPublished"}
    await asyncio.sleep(3600)  # a live room: more events may come much later
    yield {"type": "never"}


async def _app_then_redis_lost() -> AsyncIterator[dict[str, Any]]:
    yield {"type": "_ready"}
    await asyncio.sleep(0.01)
    raise SubscriptionLost("live updates interrupted; subscribe again")


async def test_a_failing_source_ends_the_merged_stream_with_its_error() -> None:
    seen = []

    async def consume() -> None:
        async for item in _merge(_sfu(), _app_then_redis_lost()):
            seen.append((item["type"], item["_origin"]))

    with pytest.raises(SubscriptionLost) as lost:
        await asyncio.wait_for(consume(), timeout=10)  # bound: the old code waited forever
    assert lost.value.code == "UNAVAILABLE"
    assert sorted(seen) == [("TrackPublished", "sfu"), ("_ready", "app")]
