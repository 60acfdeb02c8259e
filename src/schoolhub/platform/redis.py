"""The shared Redis client, with short timeouts so a dead Redis never hangs a request."""

from __future__ import annotations

from redis.asyncio import Redis

_client: Redis | None = None


def connect(url: str) -> Redis:
    global _client
    _client = Redis.from_url(
        url,
        socket_timeout=1.0,
        socket_connect_timeout=1.0,
        health_check_interval=15,
        decode_responses=False,
    )
    return _client


def client() -> Redis:
    if _client is None:
        raise RuntimeError("Redis is not configured")
    return _client


async def close() -> None:
    global _client
    if _client is not None:
        await _client.aclose()
        _client = None
