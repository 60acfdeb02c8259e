"""Live updates over Redis pub/sub on hash-tagged channels ``school:{<id>}:<topic>``.

The braces make Redis Cluster hash only the school id, so every channel of one school lives on one
slot (SPUBLISH/SSUBSCRIBE-ready). Publishing is best effort and happens after commit: live updates
are a convenience on top of data the client can always re-read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from redis.exceptions import RedisError

from schoolhub.platform import db
from schoolhub.platform import redis as redis_mod

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


async def subscribe(*channels: str) -> AsyncIterator[dict[str, Any]]:
    """Yield decoded messages from ``channels`` until the consumer stops iterating."""
    pubsub = redis_mod.client().pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(*channels)
    try:
        while True:
            message = await pubsub.get_message(timeout=1.0)
            if message is None:
                yield {"type": "_tick"}
                continue
            try:
                yield json.loads(message["data"])
            except (ValueError, TypeError):
                log.warning("dropping undecodable message on %s", message.get("channel"))
    finally:
        try:
            await pubsub.unsubscribe()
            await pubsub.aclose()  # type: ignore[no-untyped-call]
        except (RedisError, OSError):
            pass
