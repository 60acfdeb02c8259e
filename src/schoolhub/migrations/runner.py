"""Apply pending migrations as the owner role, then (re)apply row-level security and grants.

Each migration runs in its own transaction under an advisory lock, so two processes starting at once
(API replicas, the test suite and a developer's server) never apply the same migration twice.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from dataclasses import dataclass

import asyncpg

import schoolhub.migrations as migrations_pkg
from schoolhub.platform.settings import APP_ROLE, SYSTEM_ROLE

log = logging.getLogger(__name__)

LOCK_KEY = 0x5C400_1  # any constant; identifies "schoolhub migrations"


@dataclass(frozen=True)
class Migration:
    id: str
    sql: str
    tenant_tables: tuple[str, ...]


def discover() -> list[Migration]:
    found = []
    for info in pkgutil.iter_modules(migrations_pkg.__path__):
        if not info.name.startswith("m0"):
            continue
        module = importlib.import_module(f"schoolhub.migrations.{info.name}")
        found.append(Migration(info.name, module.SQL, tuple(getattr(module, "TENANT_TABLES", ()))))
    return sorted(found, key=lambda m: m.id)


def rls_sql(table: str) -> str:
    """Enable + force RLS and the one tenant policy: rows of the transaction's school only.

    ``IS NOT DISTINCT FROM`` lets a transaction without a tenant see (and write) only rows whose
    ``school_id`` is NULL, which only the outbox allows; with a tenant, exactly that school.
    """
    return f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON {table};
CREATE POLICY tenant_isolation ON {table} TO {APP_ROLE}
  USING (school_id IS NOT DISTINCT FROM app_school_id())
  WITH CHECK (school_id IS NOT DISTINCT FROM app_school_id());
"""


GRANTS = f"""
GRANT USAGE ON SCHEMA public TO {APP_ROLE}, {SYSTEM_ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE};
REVOKE ALL ON SCHEMA schoolhub_meta FROM {APP_ROLE};
"""


async def apply_all(owner_dsn: str) -> list[str]:
    """Apply every pending migration; return the ids applied now."""
    conn = await asyncpg.connect(owner_dsn)
    applied_now: list[str] = []
    try:
        await conn.execute(
            "CREATE SCHEMA IF NOT EXISTS schoolhub_meta;"
            "CREATE TABLE IF NOT EXISTS schoolhub_meta.migration ("
            " id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for migration in discover():
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", LOCK_KEY)
                done = await conn.fetchval(
                    "SELECT 1 FROM schoolhub_meta.migration WHERE id = $1", migration.id
                )
                if done:
                    continue
                log.info("applying migration %s", migration.id)
                await conn.execute(migration.sql)
                for table in migration.tenant_tables:
                    await conn.execute(rls_sql(table))
                await conn.execute(
                    "INSERT INTO schoolhub_meta.migration (id) VALUES ($1)", migration.id
                )
                applied_now.append(migration.id)
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", LOCK_KEY)
            await conn.execute(GRANTS)
    finally:
        await conn.close()
    return applied_now
