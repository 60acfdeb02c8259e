"""Staff directory, school profile and the principal's management of staff accounts.

* The directory lists the school's members holding a staff role. Every member of the school may
  see names and roles; phone and e-mail are shown to the school's staff only.
* The school profile (name, address, phone, e-mail) is read by members and edited by the
  principal; every edit is audit-logged with the fields that changed.
* Staff accounts: the principal creates an account and grants a (non-management) staff role in one
  call (reusing ``tenants.service``), resets a staff member's password (which also ends their
  sessions) and deactivates a staff membership. Principals and vice-principals are appointed by
  the department, so they are out of reach here.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from schoolhub.platform import audit, db
from schoolhub.platform.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from schoolhub.platform.errors import InvalidInput, NotFound, PermissionDenied
from schoolhub.platform.principal import MANAGEMENT_ROLES, STAFF_ROLES, Principal, Role
from schoolhub.tenants import service as tenants
from schoolhub.workspace.people import access
from schoolhub.workspace.people.errors import WorkspacePeopleErrorCode as E
from schoolhub.workspace.people.service import check_email, check_name

MANAGEABLE_ROLES = STAFF_ROLES - MANAGEMENT_ROLES
SCHOOL_PHONE_RE = re.compile(r"^\+?[0-9 .-]{6,20}$")  # landlines too (same CHECK as the table)
_STAFF_ROLE_VALUES = sorted(r.value for r in STAFF_ROLES)


def _require_principal(principal: Principal, school_id: UUID) -> UUID:
    actor = access.require_member(principal, school_id)
    if not principal.has_school_role(school_id, {Role.PRINCIPAL}):
        raise PermissionDenied("only the principal may do this")
    return actor


async def staff_directory(principal: Principal, school_id: UUID) -> list[dict[str, Any]]:
    actor = access.require_member(principal, school_id)
    show_contacts = principal.has_school_role(school_id, STAFF_ROLES)
    async with db.tenant(school_id, actor):
        rows = await db.fetch(
            "SELECT u.id AS user_id, u.full_name, u.phone, u.email, u.login,"
            " array_agg(m.role ORDER BY m.role) AS roles,"
            " array_agg(m.id ORDER BY m.role) AS membership_ids, vn_fold(u.full_name) AS folded"
            " FROM tenants_membership m JOIN identity_user u ON u.id = m.user_id"
            " WHERE m.school_id = $1 AND m.revoked_at IS NULL AND m.role = ANY($2::text[])"
            "   AND u.is_active GROUP BY u.id ORDER BY folded, u.id",
            school_id,
            _STAFF_ROLE_VALUES,
        )
    if not show_contacts:
        rows = [{**r, "phone": None, "email": None} for r in rows]
    return rows


async def school_profile(principal: Principal, school_id: UUID) -> dict[str, Any]:
    actor = access.require_member(principal, school_id)
    async with db.tenant(school_id, actor):
        row = await db.fetchrow(
            "SELECT id, code, name, address, phone, email FROM tenants_school WHERE id = $1",
            school_id,
        )
    if row is None:
        raise NotFound("school")
    return row


async def update_school_profile(
    principal: Principal,
    school_id: UUID,
    *,
    name: str | None = None,
    address: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> dict[str, Any]:
    actor = _require_principal(principal, school_id)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = check_name(name, "name")
    if address is not None:
        address = " ".join(address.split())
        if len(address) > 300:
            raise InvalidInput("address too long", field="address")
        changes["address"] = address
    if phone is not None:
        phone = phone.strip() or None
        if phone is not None and not SCHOOL_PHONE_RE.match(phone):
            raise InvalidInput("not a phone number", code="INVALID_PHONE", field="phone")
        changes["phone"] = phone
    if email is not None:
        changes["email"] = check_email(email)
    async with db.tenant(school_id, actor):
        current = await db.fetchrow(
            "SELECT name, address, phone, email FROM tenants_school WHERE id = $1 FOR UPDATE",
            school_id,
        )
        if current is None:
            raise NotFound("school")
        changes = {k: v for k, v in changes.items() if current[k] != v}
        if changes:
            sets = ", ".join(f"{k} = ${i + 2}" for i, k in enumerate(changes))
            await db.execute(
                f"UPDATE tenants_school SET {sets} WHERE id = $1",  # noqa: S608 (constant SQL)
                school_id,
                *changes.values(),
            )
            await audit.record_school(
                school_id,
                "school.profile_updated",
                actor_user_id=actor,
                target_type="school",
                target_id=str(school_id),
                details={"before": {k: current[k] for k in changes}, "after": changes},
            )
    return await school_profile(principal, school_id)


async def create_staff_account(
    principal: Principal,
    school_id: UUID,
    *,
    login: str,
    full_name: str,
    phone: str | None,
    password: str,
    role: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Create the account and grant the role. Every check that can fail is done before the account
    is created, so a refused grant does not leave an orphan account behind."""
    _require_principal(principal, school_id)
    if role not in {r.value for r in MANAGEABLE_ROLES}:
        raise InvalidInput(
            "role must be teacher, accountant or staff", code=E.NOT_A_STAFF_ROLE, field="role"
        )
    user = await tenants.create_user(
        principal, login=login, full_name=full_name, phone=phone, password=password
    )
    membership = await tenants.grant_membership(
        principal, school_id=school_id, user_id=user["id"], role=role
    )
    return user, membership


async def _staff_target(school_id: UUID, user_id: UUID) -> set[str]:
    rows = await db.fetch(
        "SELECT role FROM tenants_membership WHERE school_id = $1 AND user_id = $2"
        " AND revoked_at IS NULL",
        school_id,
        user_id,
    )
    return {r["role"] for r in rows}


async def reset_staff_password(
    principal: Principal, school_id: UUID, user_id: UUID, new_password: str
) -> None:
    """Set a new password for a teacher, accountant or staff member of this school and end all of
    their sessions (they sign in again with the new password)."""
    actor = _require_principal(principal, school_id)
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters",
            code="WEAK_PASSWORD",
            field="newPassword",
        )
    digest = hash_password(new_password)
    async with db.tenant(school_id, actor):
        roles = await _staff_target(school_id, user_id)
        if not roles & {r.value for r in STAFF_ROLES}:
            raise NotFound("staff member")
        if roles & {r.value for r in MANAGEMENT_ROLES}:
            raise PermissionDenied("management accounts are handled by the department")
        await db.execute(
            "UPDATE identity_user SET password_hash = $2 WHERE id = $1", user_id, digest
        )
        await db.execute(
            "UPDATE identity_session SET revoked_at = now(), revoked_reason = 'password_reset'"
            " WHERE user_id = $1 AND revoked_at IS NULL",
            user_id,
        )
        await audit.record_school(
            school_id,
            "staff.password_reset",
            actor_user_id=actor,
            target_type="user",
            target_id=str(user_id),
        )


async def deactivate_staff_membership(
    principal: Principal, school_id: UUID, membership_id: UUID
) -> dict[str, Any]:
    """Revoke a staff role (teacher, accountant, staff) in this school; audited by tenants."""
    actor = _require_principal(principal, school_id)
    async with db.tenant(school_id, actor):
        row = await db.fetchrow(
            "SELECT role FROM tenants_membership WHERE id = $1 AND revoked_at IS NULL",
            membership_id,
        )
    if row is None or row["role"] not in {r.value for r in MANAGEABLE_ROLES}:
        raise NotFound("staff membership")
    return await tenants.revoke_membership(
        principal, school_id=school_id, membership_id=membership_id
    )
