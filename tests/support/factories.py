"""Test data through the real services (the same code paths as the API)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from uuid import UUID

from schoolhub.platform import db
from schoolhub.platform.auth.passwords import hash_password
from schoolhub.platform.principal import OfficeGrant, Principal, Role
from schoolhub.tenants import repository as tenants_repo
from schoolhub.tenants import service as tenants
from schoolhub.workspace import repository as ws_repo

PASSWORD = "Secret@123"
_seq = itertools.count(1)
_HASH = hash_password(PASSWORD)


def n() -> int:
    return next(_seq)


async def user(
    login: str | None = None, full_name: str = "Nguyễn Văn Test", phone: str | None = None
) -> UUID:
    async with db.system():
        row = await tenants_repo.insert_user(login or f"user{n()}", full_name, phone, _HASH)
    return UUID(str(row["id"]))


@dataclass
class Province:
    department_id: UUID
    admin: Principal
    admin_login: str


async def province() -> Province:
    async with db.system():
        dept = await tenants_repo.insert_org_unit("department", f"SGD{n()}", "Sở GDĐT Test", None)
    login = f"admin{n()}"
    admin_id = await user(login, "Quản trị Sở")
    async with db.system():
        await tenants_repo.insert_office_membership(
            dept["id"], admin_id, Role.DEPARTMENT_ADMIN.value
        )
    principal = Principal(
        user_id=admin_id,
        office_grants=(OfficeGrant(dept["id"], "department", Role.DEPARTMENT_ADMIN),),
    )
    return Province(dept["id"], principal, login)


@dataclass
class SchoolWorld:
    """One school with a user per role, a class, two students and their guardians."""

    school_id: UUID
    code: str
    district_id: UUID
    logins: dict[str, str] = field(default_factory=dict)  # role -> login
    user_ids: dict[str, UUID] = field(default_factory=dict)
    class_id: UUID | None = None
    student_ids: list[UUID] = field(default_factory=list)


async def district(p: Province, code: str | None = None) -> UUID:
    row = await tenants.create_org_unit(
        p.admin,
        kind="district",
        code=code or f"PGD{n()}",
        name="Phòng GDĐT Test",
        parent_id=p.department_id,
    )
    return UUID(str(row["id"]))


async def school(p: Province, district_id: UUID | None = None, tag: str = "") -> SchoolWorld:
    district_id = district_id or await district(p)
    code = f"SCH{n()}{tag}"
    row = await tenants.provision_school(
        p.admin,
        code=code,
        name=f"Trường {code}",
        level="lower_secondary",
        ownership="public",
        org_unit_id=district_id,
    )
    world = SchoolWorld(UUID(str(row["id"])), code, district_id)
    for role in (
        "principal",
        "vice_principal",
        "teacher",
        "accountant",
        "staff",
        "guardian",
        "student",
    ):
        login = f"{role.replace('_', '')}{n()}{tag.lower()}"
        uid = await user(login, f"Người {role}")
        await tenants.grant_membership(p.admin, school_id=world.school_id, user_id=uid, role=role)
        world.logins[role] = login
        world.user_ids[role] = uid
    district_login = f"pgd{n()}"
    district_admin = await user(district_login, "Cán bộ Phòng")
    await tenants.appoint_office_admin(
        p.admin, org_unit_id=district_id, user_id=district_admin, role="district_admin"
    )
    world.logins["district_admin"] = district_login
    world.user_ids["district_admin"] = district_admin
    async with db.tenant(world.school_id):
        klass = await ws_repo.insert_class(
            world.school_id, "2026-2027", "6A", 6, world.user_ids["teacher"]
        )
        world.class_id = klass["id"]
        for i in range(2):
            st = await ws_repo.insert_student(
                world.school_id, f"HS{n()}", f"Học sinh {i}", None, "female", klass["id"]
            )
            world.student_ids.append(st["id"])
            await ws_repo.insert_guardian_link(
                world.school_id, st["id"], world.user_ids["guardian"], "mother", True
            )
    return world
