"""Real PostgreSQL and Redis for every test that touches them (embedded ones if none are running).

One throw-away database per test run, migrated with the real migrations; tables truncated before
each test that asks for ``app``/``db_clean``. The app runs its real lifespan (pool, Redis, relay).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio

from schoolhub.platform.settings import Environment, Settings, set_current
from tests.support.firebase_fake import FirebaseCerts
from tests.support.gql import GraphQLClient
from tests.support.services import resolve, with_database

DATA_DIR = Path(os.environ.get("SCHOOLHUB_TEST_DATA_DIR", ".data/test")).resolve()


@pytest.fixture(scope="session")
def servers() -> Iterator[tuple[str, str]]:
    pg, redis_url, handles = resolve(DATA_DIR)
    yield pg, redis_url
    handles.stop()


@pytest_asyncio.fixture(scope="session")
async def database(servers: tuple[str, str]) -> AsyncIterator[str]:
    """Owner DSN of a fresh, migrated database for this run."""
    from schoolhub.migrations.runner import apply_all

    maintenance, _ = servers
    name = f"schoolhub_test_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(maintenance)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    dsn = with_database(maintenance, name)
    await apply_all(dsn)
    yield dsn
    conn = await asyncpg.connect(maintenance)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


@pytest.fixture(scope="session")
def firebase_certs() -> Iterator[FirebaseCerts]:
    certs = FirebaseCerts()
    yield certs
    certs.close()


@pytest.fixture(scope="session")
def settings(database: str, servers: tuple[str, str], firebase_certs: FirebaseCerts) -> Settings:
    _, redis_url = servers
    test_redis = redis_url
    if redis_url.startswith("redis://") and redis_url.rstrip("/").endswith("/0"):
        test_redis = redis_url.rstrip("/")[:-2] + "/13"
    cfg = Settings(
        env=Environment.TEST,
        data_dir=DATA_DIR,
        database_url=database,
        redis_url=test_redis,
        jwt_secret="test-secret-" + "x" * 40,
        firebase_project_id="schoolhub-test",
        firebase_cert_url=firebase_certs.url,
        login_rate_per_minute=1000,
        db_pool_max=6,
    )
    set_current(cfg)
    return cfg


@pytest_asyncio.fixture(scope="session")
async def server(settings: Settings) -> AsyncIterator[str]:
    """The real app under uvicorn on a free loopback port, in the test loop. Yields its base URL."""
    import socket

    import uvicorn

    from schoolhub.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings, run_worker=False),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="websockets-sansio",
        lifespan="on",
    )
    uv_server = uvicorn.Server(config)
    task = asyncio.create_task(uv_server.serve())
    while not uv_server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    uv_server.should_exit = True
    await task


@pytest_asyncio.fixture(scope="session")
async def client(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        yield http


async def truncate(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        names = ", ".join(f'"{t["tablename"]}"' for t in tables)
        await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest_asyncio.fixture
async def app(client: httpx.AsyncClient, database: str, settings: Settings) -> httpx.AsyncClient:
    """The running app over a clean database and a clean Redis test db."""
    from schoolhub.platform import redis as redis_mod

    await truncate(database)
    await redis_mod.client().flushdb()
    set_current(settings)
    return client


@pytest.fixture
def gql(app: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(app)
