"""Test data of the people area: a school with the awkward cases, roster files, snapshots."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
from openpyxl import Workbook

from schoolhub.graphql import ids
from schoolhub.platform import db
from schoolhub.platform.principal import Principal, Role
from schoolhub.workspace import repository as ws_repo
from tests.support import factories
from tests.support.gql import GraphQLClient

HEADER = (
    "STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Số định danh cá nhân",
    "Họ tên phụ huynh", "Quan hệ", "SĐT phụ huynh", "Liên hệ chính",
)  # fmt: skip


def roster_row(i: int, *, klass: str = "6A", name: str | None = None) -> tuple[object, ...]:
    """A valid data row; guardian phone 09xxxxxxxx derived from ``i`` (one guardian per row)."""
    return (
        i,
        f"HS{i:08d}",
        name or f"Nguyễn Văn {i}",
        f"{(i % 27) + 1:02d}/0{(i % 9) + 1}/2014",
        "Nam" if i % 2 else "Nữ",
        klass,
        None,
        f"Phụ huynh {i}",
        "Mẹ",
        f"09{i:08d}",
        "x",
    )


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Danh sách"
    sheet.append(["SỞ GD&ĐT QUẢNG TRỊ - DANH SÁCH HỌC SINH"])  # title block above the table
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def csv_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if c is None else c for c in row])
    return out.getvalue().encode()


def manager(school_id: UUID, user_id: UUID, role: Role = Role.PRINCIPAL) -> Principal:
    return Principal(user_id=user_id, school_roles={school_id: frozenset({role})})


@dataclass
class PeopleWorld:
    """School A (the factory's, plus: class 6B with its own homeroom teacher and a child whose
    guardian has no child in 6A, and a custody-restricted guardian of student 0) and school B."""

    a: factories.SchoolWorld
    b: factories.SchoolWorld
    class_b_id: UUID
    other_child_id: UUID
    logins: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, UUID] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=dict)

    @property
    def school(self) -> str:
        return ids.encode("School", self.a.school_id)

    def student(self, i: int = 0) -> str:
        return ids.encode("Student", self.a.student_ids[i])


async def people_world(gql: GraphQLClient) -> PeopleWorld:
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    extra: dict[str, UUID] = {}
    logins: dict[str, str] = {}
    for key, role in (
        ("teacher_other", "teacher"),
        ("guardian_other", "guardian"),
        ("guardian_restricted", "guardian"),
    ):
        login = f"{key.replace('_', '')}{factories.n()}"
        extra[key] = await factories.user(login, f"Người {key}")
        logins[key] = login
        async with db.tenant(a.school_id):
            await db.execute(
                "INSERT INTO tenants_membership (school_id, user_id, role) VALUES ($1, $2, $3)",
                a.school_id,
                extra[key],
                role,
            )
    async with db.tenant(a.school_id):
        klass = await ws_repo.insert_class(
            a.school_id, "2026-2027", "6B", 6, extra["teacher_other"]
        )
        child = await ws_repo.insert_student(
            a.school_id, f"HS{factories.n()}", "Trần Thị Khác", None, "female", klass["id"]
        )
        await ws_repo.insert_guardian_link(
            a.school_id, child["id"], extra["guardian_other"], "father", True
        )
        await db.execute(
            "INSERT INTO workspace_guardian_link (school_id, student_id, guardian_user_id,"
            " relationship, custody_restricted) VALUES ($1, $2, $3, 'father', true)",
            a.school_id,
            a.student_ids[0],
            extra["guardian_restricted"],
        )
    world = PeopleWorld(a, b, klass["id"], child["id"], logins, extra)
    world.tokens["anonymous"] = None
    world.tokens["other_school"] = await gql.token(b.logins["principal"])
    for role in ("principal", "vice_principal", "teacher", "guardian", "accountant"):
        world.tokens[role] = await gql.token(a.logins[role])
    for key, login in logins.items():
        world.tokens[key] = await gql.token(login)
    return world


SNAPSHOT_TABLES = (
    "tenants_membership",
    "workspace_class",
    "workspace_student",
    "workspace_guardian_link",
    "workspace_enrolment",
    "workspace_import_job",
)


async def snapshot(database: str, school_id: UUID) -> str:
    """Every row of the school in the people tables, plus the school row and the user accounts
    (ignoring audit/outbox, which record refused attempts nowhere anyway)."""
    conn = await asyncpg.connect(database)
    try:
        parts = []
        for table in SNAPSHOT_TABLES:
            rows = await conn.fetch(
                f"SELECT * FROM {table} WHERE school_id = $1 ORDER BY id", school_id
            )
            parts.append(json.dumps([dict(r) for r in rows], default=str, sort_keys=True))
        school = await conn.fetchrow("SELECT * FROM tenants_school WHERE id = $1", school_id)
        parts.append(json.dumps(dict(school or {}), default=str, sort_keys=True))
        users = await conn.fetch(
            "SELECT id, login, full_name, phone, email, password_hash, is_active FROM identity_user"
            " ORDER BY id"
        )
        parts.append(json.dumps([dict(u) for u in users], default=str, sort_keys=True))
    finally:
        await conn.close()
    return "\n".join(parts)


def no_data(body: dict[str, Any], key: str) -> None:
    """A denied query: a top-level coded error and no data, or data that is null/empty."""
    data = body.get("data") or {}
    value = data.get(key)
    assert value in (None, [], {}) or body.get("errors"), body
    if body.get("errors"):
        codes = {e["extensions"]["code"] for e in body["errors"]}
        assert codes <= {"UNAUTHENTICATED", "NOT_FOUND", "FORBIDDEN"}, body
