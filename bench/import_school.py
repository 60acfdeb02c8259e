"""Benchmark: import a generated 2,000-student school roster (XLSX, two guardians per student)
end to end into PostgreSQL: parse + validate, then one tenant transaction writing classes,
students, enrolments, 4,000 guardian accounts, links and memberships. Then the same file again
(idempotent: everything unchanged).

Run: ``uv run python bench/import_school.py [--students N]``. Uses ``DATABASE_URL`` (owner DSN) or
the local server on 127.0.0.1:5432, else an embedded PostgreSQL; creates a throw-away database and
drops it afterwards. Prints wall times, the process's peak resident memory (``ru_maxrss``, which includes
generating the workbook) and the peak Python heap of one import under tracemalloc.
Redis is not needed (live progress is best effort).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import socket
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from import_parse import rows as roster_rows
from import_parse import write_xlsx
from schoolhub.migrations.runner import apply_all
from schoolhub.platform import db
from schoolhub.platform.embedded import EmbeddedServices, start_postgres
from schoolhub.platform.principal import Principal, Role
from schoolhub.platform.settings import derive_app_dsn
from schoolhub.workspace.people import jobs


def _servers() -> tuple[str, EmbeddedServices]:
    services = EmbeddedServices()
    dsn = os.environ.get("DATABASE_URL")
    if not dsn:
        try:
            socket.create_connection(("127.0.0.1", 5432), timeout=0.5).close()
            dsn = "postgresql://postgres@127.0.0.1:5432/postgres"
        except OSError:
            dsn = start_postgres(Path(".data/bench"), services)
    return dsn, services


def with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(students: int) -> None:
    maintenance, handles = _servers()
    name = f"schoolhub_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(maintenance)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    owner = with_database(maintenance, name)
    try:
        await apply_all(owner)
        conn = await asyncpg.connect(owner)
        unit = await conn.fetchval(
            "INSERT INTO tenants_org_unit (kind, code, name) VALUES ('department', 'SGD', 'Sở')"
            " RETURNING id"
        )
        school = await conn.fetchval(
            "INSERT INTO tenants_school (code, name, level, ownership, org_unit_id)"
            " VALUES ('THCS1', 'THCS Bench', 'lower_secondary', 'public', $1) RETURNING id",
            unit,
        )
        school2 = await conn.fetchval(
            "INSERT INTO tenants_school (code, name, level, ownership, org_unit_id)"
            " VALUES ('THCS2', 'THCS Bench 2', 'lower_secondary', 'public', $1) RETURNING id",
            unit,
        )
        actor = await conn.fetchval(
            "INSERT INTO identity_user (login, full_name) VALUES ('hieutruong', 'Hiệu trưởng')"
            " RETURNING id"
        )
        await conn.close()
        db.DB.configure(derive_app_dsn(owner))
        await db.DB.start(min_size=1, max_size=4, statement_timeout_ms=30_000)
        principal = Principal(user_id=actor, school_roles={school: frozenset({Role.PRINCIPAL})})
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "roster.xlsx"
            write_xlsx(path, roster_rows(students, random.Random(7)))
            content = path.read_bytes()
        print(f"file: {students} students, {len(content) / 1024:.0f} KiB XLSX")
        print(f"peak RSS before import: {peak_rss_mb():.0f} MiB")
        for label in ("first import", "re-import (same file)"):
            started = time.perf_counter()
            job: dict[str, Any] = await jobs.start_import(
                principal,
                school,
                content=content,
                filename="roster.xlsx",
                dry_run=False,
                school_year="2026-2027",
                background=False,
            )
            elapsed = time.perf_counter() - started
            print(
                f"{label}: {elapsed:.2f} s, status={job['status']} created={job['created_count']}"
                f" updated={job['updated_count']} unchanged={job['unchanged_count']}"
                f" guardian accounts created={job['guardians_created']}"
                f" | peak RSS {peak_rss_mb():.0f} MiB"
            )
        # Peak Python heap of a full import (parse + apply) into a second school, under
        # tracemalloc (slower; its time is not the figure to quote). Guardians already exist.
        both = Principal(
            user_id=actor,
            school_roles={s: frozenset({Role.PRINCIPAL}) for s in (school, school2)},
        )
        tracemalloc.start()
        traced = await jobs.start_import(
            both,
            school2,
            content=content,
            filename="roster.xlsx",
            dry_run=False,
            school_year="2026-2027",
            background=False,
        )
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"traced import into a 2nd school: created={traced['created_count']},"
            f" peak Python heap {peak / 2**20:.1f} MiB"
        )
        async with db.tenant(school):
            counts = await db.fetchrow(
                "SELECT (SELECT count(*) FROM workspace_student) AS students,"
                " (SELECT count(*) FROM workspace_guardian_link) AS links,"
                " (SELECT count(*) FROM workspace_enrolment) AS enrolments,"
                " (SELECT count(*) FROM tenants_membership WHERE role = 'guardian') AS guardians"
            )
        print(f"rows in the school: {dict(counts or {})}")
        await db.DB.stop()
    finally:
        conn = await asyncpg.connect(maintenance)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()
        handles.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(run(args.students))


if __name__ == "__main__":
    main()
