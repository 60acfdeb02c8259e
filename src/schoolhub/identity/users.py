"""Who may see whom. A user is visible to themselves, to the department, and to staff of a school
in which the user holds a membership (checked in that school's tenant scope)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from schoolhub.platform import db
from schoolhub.platform.principal import STAFF_ROLES, Principal

USER_COLUMNS = "id, login, full_name, phone, email, is_active, created_at"


async def visible_users(principal: Principal, ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    if principal.user_id is None or not ids:
        return {}
    allowed: set[UUID] = set()
    if principal.is_department_admin:
        allowed = set(ids)
    else:
        if principal.user_id in ids:
            allowed.add(principal.user_id)
        staff_schools = [s for s, roles in principal.school_roles.items() if roles & STAFF_ROLES]
        for school_id in staff_schools:
            pending = [i for i in ids if i not in allowed]
            if not pending:
                break
            async with db.tenant(school_id, principal.user_id):
                rows = await db.fetch(
                    "SELECT DISTINCT user_id FROM tenants_membership WHERE school_id = $1"
                    " AND user_id = ANY($2::uuid[]) AND revoked_at IS NULL",
                    school_id,
                    pending,
                )
            allowed.update(r["user_id"] for r in rows)
    if not allowed:
        return {}
    async with db.system():
        rows = await db.fetch(
            f"SELECT {USER_COLUMNS} FROM identity_user WHERE id = ANY($1::uuid[])",
            list(allowed),
        )
    return {r["id"]: r for r in rows}
