"""Outbox durability: writes succeed with Redis down, and their work runs once Redis is back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from schoolhub.platform import db, jobs, ratelimit
from schoolhub.platform import redis as redis_mod
from schoolhub.platform.settings import Settings
from schoolhub.tenants import service as tenants
from tests.support import factories
from tests.support.redis_proc import RedisProcess


async def _pending() -> int:
    async with db.system():
        row = await db.fetchrow("SELECT platform_outbox_pending_count() AS n")
    assert row is not None
    return int(row["n"])


async def _processed(school_id: object, user_id: object) -> bool:
    async with db.tenant(school_id):  # type: ignore[arg-type]
        row = await db.fetchrow(
            "SELECT processed_at FROM platform_outbox WHERE payload->>'user_id' = $1", str(user_id)
        )
    return row is not None and row["processed_at"] is not None


async def test_write_survives_redis_outage_and_work_runs_after(
    app: httpx.AsyncClient, tmp_path: Path
) -> None:
    server_relays = jobs.running_relays()
    for relay in server_relays:  # only this test's relay may move rows
        await relay.stop()
    try:
        await _outage_scenario(tmp_path)
    finally:
        for relay in server_relays:
            relay.start()


async def _outage_scenario(tmp_path: Path) -> None:
    p = await factories.province()
    world = await factories.school(p)
    redis = RedisProcess(tmp_path)
    redis.start()
    queue = jobs.make_queue(redis.url)
    relay = jobs.OutboxRelay(queue)
    assert await relay.relay_once() > 0  # drain what the factories emitted
    redis.kill()

    newcomer = await factories.user()
    row = await tenants.grant_membership(
        p.admin, school_id=world.school_id, user_id=newcomer, role="staff"
    )
    assert row["role"] == "staff"  # the write committed without Redis
    failed = False
    try:
        await relay.relay_once()
    except Exception:
        failed = True
    assert failed
    assert await _pending() == 1  # still waiting, nothing lost

    redis.start()
    await queue.disconnect()
    queue = jobs.make_queue(redis.url)
    relay = jobs.OutboxRelay(queue)
    assert await relay.relay_once() == 1
    assert await _pending() == 0
    worker = jobs.make_worker(queue, concurrency=2)
    task = asyncio.create_task(worker.start())
    try:
        for _ in range(200):
            if await _processed(world.school_id, newcomer):
                break
            await asyncio.sleep(0.05)
        assert await _processed(world.school_id, newcomer)
    finally:
        await worker.stop()
        task.cancel()
        await queue.disconnect()
        redis.kill()


async def test_rate_limiter_fails_open_when_redis_is_down(
    app: httpx.AsyncClient, tmp_path: Path, settings: Settings
) -> None:
    """Sign-in keeps working during a Redis outage (counting resumes when Redis returns)."""
    redis = RedisProcess(tmp_path)
    saved = redis_mod.client()
    redis_mod.connect(redis.url)  # nothing listens there: every Redis call fails fast
    try:
        assert await ratelimit.hit("rl:test", 60) == 0
        await factories.user("redisdown.user")
        from schoolhub.identity import service as identity

        pair = await identity.login_with_password("redisdown.user", factories.PASSWORD)
        assert pair.access_token
    finally:
        await redis_mod.close()
        redis_mod._client = saved
