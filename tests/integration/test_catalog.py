"""Catalog audit: no tenant table ships without forced RLS; the app role cannot bypass it."""

from __future__ import annotations

import asyncpg

from schoolhub.platform.settings import APP_ROLE, SYSTEM_ROLE

# Functions that run with their owner's rights. Each was reviewed: they only claim/mark outbox rows.
REVIEWED_SECURITY_DEFINER = {
    "platform_outbox_claim",
    "platform_outbox_mark_relayed",
    "platform_outbox_pending_count",
    # payments: maps a VNPay terminal code to its school for the IPN (returns the school id only).
    "payments_terminal_school",
}


async def _conn(database: str) -> asyncpg.Connection:
    return await asyncpg.connect(database)


async def test_every_table_with_school_id_has_forced_rls_and_a_policy(database: str) -> None:
    conn = await _conn(database)
    try:
        rows = await conn.fetch(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid
                      AND p.polname = 'tenant_isolation') AS policies
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'school_id' AND NOT a.attisdropped
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            """
        )
    finally:
        await conn.close()
    assert len(rows) >= 6
    bad = [
        r["relname"]
        for r in rows
        if not (r["relrowsecurity"] and r["relforcerowsecurity"] and r["policies"] == 1)
    ]
    assert bad == []


async def test_app_role_is_not_owner_superuser_or_bypassrls(database: str) -> None:
    conn = await _conn(database)
    try:
        role = await conn.fetchrow(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = $1",
            APP_ROLE,
        )
        owned = await conn.fetchval(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner"
            " WHERE r.rolname = $1",
            APP_ROLE,
        )
        system = await conn.fetchrow(
            "SELECT rolcanlogin, rolbypassrls FROM pg_roles WHERE rolname = $1", SYSTEM_ROLE
        )
    finally:
        await conn.close()
    assert role is not None
    assert dict(role) == {
        "rolsuper": False,
        "rolbypassrls": False,
        "rolcreaterole": False,
        "rolcreatedb": False,
    }
    assert owned == 0
    assert system is not None and dict(system) == {"rolcanlogin": False, "rolbypassrls": False}


async def test_views_are_security_invoker_and_definer_functions_reviewed(database: str) -> None:
    conn = await _conn(database)
    try:
        views = await conn.fetch(
            "SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind = 'v'"
        )
        definers = await conn.fetch(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'public' AND p.prosecdef"
        )
    finally:
        await conn.close()
    assert [
        v["relname"] for v in views if "security_invoker=true" not in (v["reloptions"] or [])
    ] == []
    assert {d["proname"] for d in definers} == REVIEWED_SECURITY_DEFINER


async def test_app_role_cannot_read_migrations_or_write_other_school(database: str) -> None:
    """As the app role, with school A set, inserting a row for school B fails WITH CHECK."""
    from uuid import uuid4

    from schoolhub.platform.settings import derive_app_dsn

    conn = await asyncpg.connect(derive_app_dsn(database))
    try:
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.school_id', $1, true)", str(uuid4()))
            try:
                await conn.execute(
                    "INSERT INTO school_audit_log (school_id, action) VALUES ($1, 'x')", uuid4()
                )
                raised = False
            except asyncpg.InsufficientPrivilegeError:
                raised = True
        assert raised
        try:
            await conn.fetch("SELECT * FROM schoolhub_meta.migration")
            meta_readable = True
        except asyncpg.InsufficientPrivilegeError:
            meta_readable = False
        assert not meta_readable
    finally:
        await conn.close()
