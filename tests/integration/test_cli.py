"""The command line as a user runs it: real processes, real databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.support.redis_proc import free_port
from tests.support.services import with_database

ROOT = Path(__file__).resolve().parents[2]


def run(
    args: list[str], env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "schoolhub", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )


def test_bad_arguments_exit_non_zero() -> None:
    result = run(["frobnicate"])
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    result = run(
        ["migrate"],
        {
            "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere",
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "SCHOOLHUB_DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 1
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr


async def test_demo_data_json_lists_every_account(servers: tuple[str, str], tmp_path: Path) -> None:
    maintenance, redis_url = servers
    name = f"schoolhub_demo_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(maintenance)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        env = {
            "DATABASE_URL": with_database(maintenance, name),
            "REDIS_URL": redis_url,
            "SCHOOLHUB_DATA_DIR": str(tmp_path),
        }
        result = run(["demo-data", "--json"], env)
        assert result.returncode == 0, result.stderr
        accounts = json.loads(result.stdout)
        again = json.loads(run(["demo-data", "--json"], env).stdout)  # idempotent
        assert again == accounts
    finally:
        conn = await asyncpg.connect(maintenance)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()
    roles = {a["role"] for a in accounts}
    assert roles >= {
        "department_admin",
        "district_admin",
        "principal",
        "teacher",
        "accountant",
        "guardian",
    }
    assert all({"login", "password", "role"} <= set(a) for a in accounts)
    assert all("school_code" in a or "office_code" in a for a in accounts)
    districts = {a["office_name"] for a in accounts if a["role"] == "district_admin"}
    assert len(districts) == 9 and any("Đakrông" in d for d in districts)
    schools = {a["school_code"] for a in accounts if "school_code" in a}
    assert len(schools) >= 18
    guardian_schools: dict[str, set[str]] = {}
    teacher_schools: dict[str, set[str]] = {}
    for a in accounts:
        if a["role"] == "guardian":
            guardian_schools.setdefault(a["login"], set()).add(a["school_code"])
        if a["role"] == "teacher":
            teacher_schools.setdefault(a["login"], set()).add(a["school_code"])
    assert max(len(s) for s in guardian_schools.values()) >= 2  # a family across schools
    assert max(len(s) for s in teacher_schools.values()) >= 2  # a teacher in two schools


@pytest.mark.slow
def test_serve_starts_with_embedded_services(tmp_path: Path) -> None:
    """The quickstart: no DATABASE_URL, no REDIS_URL -> embedded PostgreSQL and Redis."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["SCHOOLHUB_DATA_DIR"] = str(tmp_path / "data")
    proc = subprocess.Popen(
        [sys.executable, "-m", "schoolhub", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2)
                status = response.status_code
                if status == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        assert status == 200, (
            proc.stdout.read() if proc.poll() is not None and proc.stdout else status
        )
        body = httpx.post(
            f"http://127.0.0.1:{port}/graphql", json={"query": "{ __typename }"}
        ).json()
        assert body == {"data": {"__typename": "Query"}}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def test_health_endpoints(app: httpx.AsyncClient) -> None:
    assert (await app.get("/health/live")).json() == {"status": "ok"}
    ready = await app.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_production_never_embeds_services(tmp_path: Path) -> None:
    env = {
        "SCHOOLHUB_ENV": "production",
        "DATABASE_URL": "",
        "DATABASE_APP_URL": "",
        "REDIS_URL": "",
        "SCHOOLHUB_JWT_SECRET": "p" * 40,
        "SCHOOLHUB_DATA_DIR": str(tmp_path),
    }
    result = run(["worker"], env)
    assert result.returncode == 1
    assert "production needs DATABASE_APP_URL" in result.stderr
    assert not (tmp_path / "pg").exists()


async def test_worker_command_processes_the_outbox(
    app: httpx.AsyncClient, database: str, tmp_path: Path
) -> None:
    """`schoolhub worker` relays pending outbox rows to SAQ and runs their handlers."""
    import asyncio

    from schoolhub.platform import db, jobs
    from tests.support import factories
    from tests.support.redis_proc import RedisProcess

    paused = jobs.running_relays()
    for relay in paused:  # leave the rows to the worker process under test
        await relay.stop()
    redis = RedisProcess(tmp_path)
    redis.start()
    proc = subprocess.Popen(
        [sys.executable, "-m", "schoolhub", "worker"],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database,
            "REDIS_URL": redis.url,
            "SCHOOLHUB_DATA_DIR": str(tmp_path),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        p = await factories.province()
        world = await factories.school(p)
        processed = 0
        for _ in range(300):
            async with db.tenant(world.school_id):
                row = await db.fetchrow(
                    "SELECT count(*) FILTER (WHERE processed_at IS NOT NULL) AS done,"
                    " count(*) AS total FROM platform_outbox"
                )
            assert row is not None
            processed = row["done"]
            if row["total"] and processed == row["total"]:
                break
            await asyncio.sleep(0.1)
        assert processed >= 7  # one membership.granted per role granted by the factory
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        redis.kill()
        for relay in paused:
            relay.start()


async def test_saq_dashboard_in_development_only(app: httpx.AsyncClient) -> None:
    """litestar-saq serves the job dashboard in development; production turns it off."""
    from litestar.testing import TestClient

    from schoolhub.app import create_app
    from schoolhub.platform import settings as settings_mod
    from schoolhub.platform.settings import Environment, Settings

    assert (await app.get("/saq/api/queues")).status_code == 200
    previous = settings_mod.current()
    try:
        prod = create_app(
            Settings(
                env=Environment.PRODUCTION,
                database_url="postgresql:///x",
                redis_url="redis://127.0.0.1:1/0",
                jwt_secret="z" * 40,
            )
        )
        assert TestClient(prod).get("/saq/api/queues").status_code == 404
    finally:
        settings_mod.set_current(previous)
