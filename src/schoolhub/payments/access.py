"""Who may touch payments data in a school, and finding an object by id across the caller's schools.

A caller with no membership in the school gets NOT_FOUND; a member without the role FORBIDDEN.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from schoolhub.platform import db
from schoolhub.platform.errors import NotFound, PermissionDenied
from schoolhub.platform.principal import Principal, Role

FEE_ADMINS = frozenset({Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ACCOUNTANT})
APPROVERS = frozenset({Role.PRINCIPAL, Role.VICE_PRINCIPAL})
TABLES = {
    "invoice": "payments_invoice",
    "intent": "payments_intent",
    "refund": "payments_refund",
    "fee_item": "payments_fee_item",
}


def require(principal: Principal, school_id: UUID, roles: Iterable[Role], what: str) -> UUID:
    return principal.require_role(school_id, roles, what=what)


async def locate(
    principal: Principal, kind: str, object_id: UUID, roles: Iterable[Role]
) -> tuple[UUID, dict[str, Any]]:
    """(school_id, row) of an object in one of the caller's schools; one tenant read per school."""
    principal.require_user()
    table = TABLES[kind]
    allowed = frozenset(roles)
    for school_id in sorted(principal.school_ids):
        async with db.tenant(school_id, principal.user_id):
            row = await db.fetchrow(f"SELECT * FROM {table} WHERE id = $1", object_id)  # noqa: S608
        if row is None:
            continue
        if not principal.has_school_role(school_id, allowed):
            raise PermissionDenied()
        return school_id, row
    raise NotFound(kind.replace("_", " "))
