"""Every query of the tenants domain. Callers open the transaction with the right scope."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from schoolhub.platform import db

SCHOOL_COLUMNS = (
    "s.id, s.code, s.name, s.level, s.ownership, s.org_unit_id, s.address, s.active, s.created_at"
)


async def org_units() -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT id, kind, code, name, parent_id, valid_from, valid_to FROM tenants_org_unit"
        " ORDER BY kind, code"
    )


async def org_unit(org_unit_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        "SELECT id, kind, code, name, parent_id, valid_from, valid_to FROM tenants_org_unit"
        " WHERE id = $1",
        org_unit_id,
    )


async def org_subtree_ids(roots: list[UUID]) -> list[UUID]:
    rows = await db.fetch(
        "WITH RECURSIVE t AS (SELECT id FROM tenants_org_unit WHERE id = ANY($1::uuid[])"
        " UNION SELECT o.id FROM tenants_org_unit o JOIN t ON o.parent_id = t.id) SELECT id FROM t",
        roots,
    )
    return [r["id"] for r in rows]


async def schools_by_ids(ids: list[UUID]) -> list[dict[str, Any]]:
    return await db.fetch(
        f"SELECT {SCHOOL_COLUMNS} FROM tenants_school s WHERE s.id = ANY($1::uuid[])",
        ids,
    )


async def schools_page(
    *,
    org_unit_ids: list[UUID] | None,
    school_ids: list[UUID] | None,
    after_code: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Keyset page of schools ordered by code, filtered by org units and/or explicit ids."""
    return await db.fetch(
        f"SELECT {SCHOOL_COLUMNS} FROM tenants_school s"
        " WHERE ($1::uuid[] IS NULL OR s.org_unit_id = ANY($1::uuid[]))"
        "   AND ($2::uuid[] IS NULL OR s.id = ANY($2::uuid[]))"
        "   AND ($3::text IS NULL OR s.code > $3)"
        " ORDER BY s.code LIMIT $4",
        org_unit_ids,
        school_ids,
        after_code,
        limit,
    )


async def insert_org_unit(
    kind: str, code: str, name: str, parent_id: UUID | None
) -> dict[str, Any]:
    row = await db.fetchrow(
        "INSERT INTO tenants_org_unit (kind, code, name, parent_id) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (code) DO NOTHING"
        " RETURNING id, kind, code, name, parent_id, valid_from, valid_to",
        kind,
        code,
        name,
        parent_id,
    )
    return row or {}


async def insert_school(
    code: str, name: str, level: str, ownership: str, org_unit_id: UUID, address: str
) -> dict[str, Any]:
    row = await db.fetchrow(
        "INSERT INTO tenants_school AS s (code, name, level, ownership, org_unit_id, address)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING"
        f" RETURNING {SCHOOL_COLUMNS}",
        code,
        name,
        level,
        ownership,
        org_unit_id,
        address,
    )
    return row or {}


async def move_school(school_id: UUID, org_unit_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        f"UPDATE tenants_school AS s SET org_unit_id = $2 WHERE s.id = $1 RETURNING {SCHOOL_COLUMNS}",
        school_id,
        org_unit_id,
    )


async def user_by_login(login: str) -> dict[str, Any] | None:
    return await db.fetchrow(
        "SELECT id, login, full_name, phone, email, is_active FROM identity_user WHERE login = $1",
        login,
    )


async def users_by_ids(ids: list[UUID]) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT id, login, full_name, phone, email, is_active, created_at FROM identity_user"
        " WHERE id = ANY($1::uuid[])",
        ids,
    )


async def insert_user(
    login: str, full_name: str, phone: str | None, password_hash: str | None
) -> dict[str, Any]:
    row = await db.fetchrow(
        "INSERT INTO identity_user (login, full_name, phone, password_hash) VALUES ($1, $2, $3, $4)"
        " RETURNING id, login, full_name, phone, email, is_active, created_at",
        login,
        full_name,
        phone,
        password_hash,
    )
    assert row is not None
    return row


async def live_memberships_of_school(school_id: UUID) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT id, school_id, user_id, role, created_at FROM tenants_membership"
        " WHERE school_id = $1 AND revoked_at IS NULL ORDER BY created_at",
        school_id,
    )


async def insert_membership(school_id: UUID, user_id: UUID, role: str) -> dict[str, Any] | None:
    return await db.fetchrow(
        "INSERT INTO tenants_membership (school_id, user_id, role) VALUES ($1, $2, $3)"
        " ON CONFLICT (school_id, user_id, role) WHERE revoked_at IS NULL DO NOTHING"
        " RETURNING id, school_id, user_id, role, created_at",
        school_id,
        user_id,
        role,
    )


async def revoke_membership(membership_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        "UPDATE tenants_membership SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL"
        " RETURNING id, school_id, user_id, role, created_at",
        membership_id,
    )


async def insert_office_membership(
    org_unit_id: UUID, user_id: UUID, role: str
) -> dict[str, Any] | None:
    return await db.fetchrow(
        "INSERT INTO tenants_office_membership (org_unit_id, user_id, role) VALUES ($1, $2, $3)"
        " ON CONFLICT (org_unit_id, user_id, role) WHERE revoked_at IS NULL DO NOTHING"
        " RETURNING id, org_unit_id, user_id, role, created_at",
        org_unit_id,
        user_id,
        role,
    )


async def my_memberships(user_id: UUID) -> list[dict[str, Any]]:
    """The caller's school memberships (visible through the membership_self RLS policy)."""
    return await db.fetch(
        "SELECT m.id, m.school_id, m.user_id, m.role, m.created_at FROM tenants_membership m"
        " WHERE m.user_id = $1 AND m.revoked_at IS NULL ORDER BY m.created_at",
        user_id,
    )


async def my_office_memberships(user_id: UUID) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT id, org_unit_id, user_id, role, created_at FROM tenants_office_membership"
        " WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at",
        user_id,
    )
