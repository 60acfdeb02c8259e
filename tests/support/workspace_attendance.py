"""Attendance and documents test data: a school world plus the guardians the matrices need."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from schoolhub.graphql import ids
from schoolhub.platform import db
from schoolhub.platform.principal import Principal, Role
from schoolhub.tenants import service as tenants
from schoolhub.workspace.attendance.service import today
from tests.support import factories
from tests.support.gql import GraphQLClient


@dataclass
class AttendanceWorld:
    """School A (the target) and school B (another school), with, in A:
    ``other_guardian`` (guardian of student 1 only) and ``restricted`` (custody-restricted guardian
    of student 0). Student 0 is the one the family operations target."""

    province: factories.Province
    a: factories.SchoolWorld
    b: factories.SchoolWorld
    logins: dict[str, str] = field(default_factory=dict)
    _tokens: dict[str, str | None] = field(default_factory=dict)

    @property
    def student(self) -> UUID:
        return self.a.student_ids[0]

    def gid(self, kind: str, value: UUID) -> str:
        return ids.encode(kind, value)

    @property
    def school_gid(self) -> str:
        return ids.encode("School", self.a.school_id)

    @property
    def class_gid(self) -> str:
        assert self.a.class_id is not None
        return ids.encode("SchoolClass", self.a.class_id)

    @property
    def student_gid(self) -> str:
        return ids.encode("Student", self.student)

    async def token(self, gql: GraphQLClient, actor: str) -> str | None:
        if actor not in self._tokens:
            self._tokens[actor] = (
                None if actor == "anonymous" else await gql.token(self.logins[actor])
            )
        return self._tokens[actor]


async def _guardian(
    world: factories.SchoolWorld, p: factories.Province, student: UUID, restricted: bool
) -> str:
    login = f"guardian{factories.n()}x"
    uid = await factories.user(login, "Phụ huynh khác")
    await tenants.grant_membership(p.admin, school_id=world.school_id, user_id=uid, role="guardian")
    async with db.tenant(world.school_id):
        await db.execute(
            "INSERT INTO workspace_guardian_link (school_id, student_id, guardian_user_id,"
            " relationship, custody_restricted) VALUES ($1, $2, $3, 'father', $4)",
            world.school_id,
            student,
            uid,
            restricted,
        )
    return login


async def attendance_world() -> AttendanceWorld:
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    w = AttendanceWorld(p, a, b)
    w.logins = {
        "teacher": a.logins["teacher"],
        "principal": a.logins["principal"],
        "vice_principal": a.logins["vice_principal"],
        "accountant": a.logins["accountant"],
        "staff": a.logins["staff"],
        "guardian": a.logins["guardian"],
        "student": a.logins["student"],
        "district_admin": a.logins["district_admin"],
        "other_school_teacher": b.logins["teacher"],
        "other_school_principal": b.logins["principal"],
        "other_school_guardian": b.logins["guardian"],
        "department_admin": p.admin_login,
        "other_guardian": await _guardian(a, p, a.student_ids[1], False),
        "restricted": await _guardian(a, p, a.student_ids[0], True),
    }
    return w


def principal_of(world: factories.SchoolWorld, role: str) -> Principal:
    return Principal(
        user_id=world.user_ids[role], school_roles={world.school_id: frozenset({Role(role)})}
    )


async def count_rows(school_id: UUID, table: str, where: str = "true", *args: Any) -> int:
    async with db.tenant(school_id):
        row = await db.fetchrow(f"SELECT count(*) AS n FROM {table} WHERE {where}", *args)
    assert row is not None
    return int(row["n"])


async def outbox_events(school_id: UUID, topic: str) -> list[dict[str, Any]]:
    async with db.tenant(school_id):
        rows = await db.fetch(
            "SELECT payload FROM platform_outbox WHERE topic = $1 ORDER BY id", topic
        )
    import json

    return [
        json.loads(r["payload"]) if isinstance(r["payload"], str) else r["payload"] for r in rows
    ]


def day() -> date:
    return today()
