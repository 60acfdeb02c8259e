"""Organisation tree, school provisioning, memberships.

Who may do what:
* department admins provision districts (and later communes) and schools, move schools between
  org units (the 2025 reorganisation) and appoint district admins and principals;
* district admins see the schools of their subtree (read-only here; aggregates come later);
* a school's principal manages that school's memberships (except appointing principals);
* everyone authenticated can read the organisation tree (it is public information).
An object the caller may not see is reported as NOT_FOUND, never as FORBIDDEN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from schoolhub.platform import audit, db, outbox
from schoolhub.platform.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from schoolhub.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from schoolhub.platform.principal import MANAGEMENT_ROLES, SCHOOL_ROLES, Principal, Role
from schoolhub.tenants import repository as repo
from schoolhub.tenants.errors import TenantErrorCode as E

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{1,31}$")
LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,63}$")
LEVELS = ("preschool", "primary", "lower_secondary", "upper_secondary", "multi_level", "continuing")
OWNERSHIPS = ("public", "private")


@dataclass(frozen=True)
class SchoolsPage:
    items: list[dict[str, Any]]
    has_next: bool


def _check_code(code: str) -> str:
    code = code.strip().upper()
    if not CODE_RE.match(code):
        raise InvalidInput(
            "code must be 2-32 characters of A-Z, 0-9, '.', '_' or '-'",
            code=E.INVALID_CODE,
            field="code",
        )
    return code


def _check_name(name: str, field: str = "name") -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 200:
        raise InvalidInput("name must be 1-200 characters", code=E.INVALID_NAME, field=field)
    return name


async def visible_school_ids(principal: Principal) -> list[UUID] | None:
    """School ids the caller may see as a directory entry; None means every school."""
    principal.require_user()
    if principal.is_department_admin:
        return None
    ids = set(principal.school_ids)
    districts = list(principal.district_ids())
    if districts:
        async with db.system():
            units = await repo.org_subtree_ids(districts)
            rows = await repo.schools_page(
                org_unit_ids=units, school_ids=None, after_code=None, limit=10_000
            )
        ids.update(r["id"] for r in rows)
    return list(ids)


async def list_org_units(principal: Principal) -> list[dict[str, Any]]:
    principal.require_user()
    async with db.system():
        return await repo.org_units()


async def create_org_unit(
    principal: Principal, *, kind: str, code: str, name: str, parent_id: UUID | None
) -> dict[str, Any]:
    if not principal.is_department_admin:
        raise PermissionDenied("only the department can change the organisation tree")
    code, name = _check_code(code), _check_name(name)
    if kind not in ("district", "commune"):
        raise InvalidInput("kind must be district or commune", code=E.INVALID_PARENT, field="kind")
    async with db.system():
        parent = await repo.org_unit(parent_id) if parent_id else None
        if parent is None or (kind == "district" and parent["kind"] != "department"):
            raise InvalidInput(
                "parent must be an existing org unit of the right kind",
                code=E.INVALID_PARENT,
                field="parentId",
            )
        row = await repo.insert_org_unit(kind, code, name, parent_id)
        if not row:
            raise Conflict(
                f"org unit code {code} already exists", code=E.DUPLICATE_CODE, field="code"
            )
        await audit.record_global(
            "org.unit_created",
            actor_user_id=principal.user_id,
            target_type="org_unit",
            target_id=str(row["id"]),
            org_unit_id=row["id"],
            details={"code": code, "kind": kind},
        )
    return row


async def provision_school(
    principal: Principal,
    *,
    code: str,
    name: str,
    level: str,
    ownership: str,
    org_unit_id: UUID,
    address: str = "",
) -> dict[str, Any]:
    if not principal.is_department_admin:
        raise PermissionDenied("only the department provisions schools")
    code, name = _check_code(code), _check_name(name)
    if level not in LEVELS:
        raise InvalidInput(f"level must be one of {LEVELS}", field="level")
    if ownership not in OWNERSHIPS:
        raise InvalidInput(f"ownership must be one of {OWNERSHIPS}", field="ownership")
    async with db.system():
        unit = await repo.org_unit(org_unit_id)
        if unit is None:
            raise InvalidInput("unknown org unit", code=E.INVALID_PARENT, field="orgUnitId")
        row = await repo.insert_school(code, name, level, ownership, org_unit_id, address.strip())
        if not row:
            raise Conflict(
                f"school code {code} already exists", code=E.DUPLICATE_CODE, field="code"
            )
        await audit.record_global(
            "school.provisioned",
            actor_user_id=principal.user_id,
            target_type="school",
            target_id=str(row["id"]),
            org_unit_id=org_unit_id,
            details={"code": code},
        )
    return row


async def move_school(principal: Principal, school_id: UUID, org_unit_id: UUID) -> dict[str, Any]:
    """Re-parent a school (e.g. from a dissolved Phòng GDĐT to a commune). History is audited."""
    if not principal.is_department_admin:
        raise PermissionDenied("only the department changes the organisation tree")
    async with db.system():
        if await repo.org_unit(org_unit_id) is None:
            raise InvalidInput("unknown org unit", code=E.INVALID_PARENT, field="orgUnitId")
        before = await repo.schools_by_ids([school_id])
        row = await repo.move_school(school_id, org_unit_id)
        if row is None:
            raise NotFound("school")
        await audit.record_global(
            "school.moved",
            actor_user_id=principal.user_id,
            target_type="school",
            target_id=str(school_id),
            org_unit_id=org_unit_id,
            details={"from": str(before[0]["org_unit_id"]), "to": str(org_unit_id)},
        )
    return row


async def get_schools(principal: Principal, ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    """Schools by id that the caller may see (missing ids are simply absent)."""
    visible = await visible_school_ids(principal)
    wanted = ids if visible is None else [i for i in ids if i in set(visible)]
    if not wanted:
        return {}
    async with db.system():
        rows = await repo.schools_by_ids(wanted)
    return {r["id"]: r for r in rows}


async def list_schools(
    principal: Principal, *, org_unit_id: UUID | None, after_code: str | None, first: int
) -> SchoolsPage:
    visible = await visible_school_ids(principal)
    async with db.system():
        units = await repo.org_subtree_ids([org_unit_id]) if org_unit_id else None
        rows = await repo.schools_page(
            org_unit_ids=units, school_ids=visible, after_code=after_code, limit=first + 1
        )
    return SchoolsPage(items=rows[:first], has_next=len(rows) > first)


def _can_manage_members(principal: Principal, school_id: UUID, role: Role) -> bool:
    if principal.is_department_admin:
        return True
    if role in MANAGEMENT_ROLES:
        return False  # principals and vice-principals are appointed by the department
    return principal.has_school_role(school_id, {Role.PRINCIPAL})


async def create_user(
    principal: Principal, *, login: str, full_name: str, phone: str | None, password: str | None
) -> dict[str, Any]:
    """Create a province-wide account. Callers: department admins and school principals."""
    if not (
        principal.is_department_admin
        or any(Role.PRINCIPAL in roles for roles in principal.school_roles.values())
    ):
        raise PermissionDenied("only principals and the department create accounts")
    from schoolhub.identity.phone import normalise_phone

    login = login.strip().lower()
    if not LOGIN_RE.match(login):
        raise InvalidInput(
            "login must be 3-64 characters of a-z, 0-9, '.', '_', '@', '-'",
            code="INVALID_LOGIN",
            field="login",
        )
    full_name = _check_name(full_name, "fullName")
    norm_phone = None
    if phone:
        norm_phone = normalise_phone(phone)
        if norm_phone is None:
            raise InvalidInput(
                "not a Vietnamese mobile number", code=E.INVALID_PHONE, field="phone"
            )
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters",
            code=E.WEAK_PASSWORD,
            field="password",
        )
    async with db.system():
        if await repo.user_by_login(login) is not None:
            raise Conflict("login already taken", code=E.DUPLICATE_LOGIN, field="login")
        if norm_phone and await db.fetchrow(
            "SELECT 1 FROM identity_user WHERE phone = $1", norm_phone
        ):
            raise Conflict("phone number already registered", code=E.DUPLICATE_PHONE, field="phone")
        row = await repo.insert_user(
            login, full_name, norm_phone, hash_password(password) if password else None
        )
        await audit.record_global(
            "user.created",
            actor_user_id=principal.user_id,
            target_type="user",
            target_id=str(row["id"]),
            details={"login": login},
        )
    return row


async def grant_membership(
    principal: Principal, *, school_id: UUID, user_id: UUID, role: str
) -> dict[str, Any]:
    try:
        parsed = Role(role)
    except ValueError as exc:
        raise InvalidInput("unknown role", code=E.INVALID_ROLE, field="role") from exc
    if parsed not in SCHOOL_ROLES:
        raise InvalidInput("not a school role", code=E.INVALID_ROLE, field="role")
    if not (principal.is_department_admin or principal.is_member(school_id)):
        raise NotFound("school")
    if not _can_manage_members(principal, school_id, parsed):
        raise PermissionDenied("you cannot grant this role in this school")
    async with db.system():
        if not await repo.users_by_ids([user_id]):
            raise NotFound("user")
        if not await repo.schools_by_ids([school_id]):
            raise NotFound("school")
    async with db.tenant(school_id, principal.user_id):
        row = await repo.insert_membership(school_id, user_id, parsed.value)
        if row is None:
            raise Conflict(
                "the user already has this role here", code=E.ALREADY_MEMBER, field="role"
            )
        await audit.record_school(
            school_id,
            "membership.granted",
            actor_user_id=principal.user_id,
            target_type="user",
            target_id=str(user_id),
            details={"role": parsed.value},
        )
        await outbox.emit(
            "membership.granted",
            {"membership_id": str(row["id"]), "user_id": str(user_id), "role": parsed.value},
            school_id,
        )
    return row


async def revoke_membership(
    principal: Principal, *, school_id: UUID, membership_id: UUID
) -> dict[str, Any]:
    if not (principal.is_department_admin or principal.is_member(school_id)):
        raise NotFound("membership")
    async with db.tenant(school_id, principal.user_id):
        current = await db.fetchrow(
            "SELECT role FROM tenants_membership WHERE id = $1 AND revoked_at IS NULL",
            membership_id,
        )
        if current is None:
            raise NotFound("membership")
        if not _can_manage_members(principal, school_id, Role(current["role"])):
            raise PermissionDenied("you cannot revoke this role in this school")
        row = await repo.revoke_membership(membership_id)
        assert row is not None
        await audit.record_school(
            school_id,
            "membership.revoked",
            actor_user_id=principal.user_id,
            target_type="user",
            target_id=str(row["user_id"]),
            details={"role": row["role"]},
        )
        await outbox.emit(
            "membership.revoked",
            {"membership_id": str(row["id"]), "user_id": str(row["user_id"]), "role": row["role"]},
            school_id,
        )
    return row


async def school_members(principal: Principal, school_id: UUID) -> list[dict[str, Any]]:
    """Memberships of a school: visible to its staff and to the department."""
    if not (
        principal.is_department_admin
        or principal.has_school_role(
            school_id,
            {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.TEACHER, Role.ACCOUNTANT, Role.STAFF},
        )
    ):
        raise NotFound("school")
    async with db.tenant(school_id, principal.user_id):
        return await repo.live_memberships_of_school(school_id)


async def appoint_office_admin(
    principal: Principal, *, org_unit_id: UUID, user_id: UUID, role: str
) -> dict[str, Any]:
    if not principal.is_department_admin:
        raise PermissionDenied("only the department appoints office administrators")
    if role not in (Role.DEPARTMENT_ADMIN.value, Role.DISTRICT_ADMIN.value):
        raise InvalidInput("not an office role", code=E.INVALID_ROLE, field="role")
    async with db.system():
        unit = await repo.org_unit(org_unit_id)
        if unit is None:
            raise NotFound("org unit")
        if (role == Role.DEPARTMENT_ADMIN.value) != (unit["kind"] == "department"):
            raise InvalidInput(
                "role does not match the org unit kind", code=E.INVALID_ROLE, field="role"
            )
        row = await repo.insert_office_membership(org_unit_id, user_id, role)
        if row is None:
            raise Conflict("already appointed", code=E.ALREADY_MEMBER)
        await audit.record_global(
            "office.appointed",
            actor_user_id=principal.user_id,
            target_type="user",
            target_id=str(user_id),
            org_unit_id=org_unit_id,
            details={"role": role},
        )
    return row


async def memberships_by_ids(principal: Principal, ids: list[UUID]) -> list[dict[str, Any]]:
    """Memberships the caller may see: their own, and those of schools where they are staff (or
    any school for the department). One tenant-scoped read per school, never a cross-school query."""
    user_id = principal.require_user()
    wanted = set(ids)
    found: list[dict[str, Any]] = []
    own = [g.membership_id for g in principal.school_grants if g.membership_id in wanted]
    if own:
        async with db.identity(user_id):
            found += await db.fetch(
                "SELECT id, school_id, user_id, role, created_at FROM tenants_membership"
                " WHERE id = ANY($1::uuid[]) AND user_id = $2 AND revoked_at IS NULL",
                own,
                user_id,
            )
    staff_schools = [
        s
        for s, roles in principal.school_roles.items()
        if roles & {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.TEACHER, Role.ACCOUNTANT, Role.STAFF}
    ]
    remaining = wanted - {r["id"] for r in found}
    for school_id in staff_schools:
        if not remaining:
            break
        async with db.tenant(school_id, user_id):
            rows = await db.fetch(
                "SELECT id, school_id, user_id, role, created_at FROM tenants_membership"
                " WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL",
                list(remaining),
            )
        found += rows
        remaining -= {r["id"] for r in rows}
    return found
