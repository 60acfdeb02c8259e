"""Queries of the workspace domain (classes, students, guardian links). Tenant scope required."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from schoolhub.platform import db


async def insert_class(
    school_id: UUID, school_year: str, name: str, grade: int, homeroom_teacher_id: UUID | None
) -> dict[str, Any]:
    row = await db.fetchrow(
        "INSERT INTO workspace_class (school_id, school_year, name, grade, homeroom_teacher_id)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING id, school_id, school_year, name, grade,"
        " homeroom_teacher_id",
        school_id,
        school_year,
        name,
        grade,
        homeroom_teacher_id,
    )
    assert row is not None
    return row


async def insert_student(
    school_id: UUID,
    student_code: str,
    full_name: str,
    date_of_birth: date | None,
    gender: str,
    class_id: UUID | None,
) -> dict[str, Any]:
    row = await db.fetchrow(
        "INSERT INTO workspace_student (school_id, student_code, full_name, date_of_birth, gender,"
        " class_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, school_id, student_code, full_name",
        school_id,
        student_code,
        full_name,
        date_of_birth,
        gender,
        class_id,
    )
    assert row is not None
    return row


async def insert_guardian_link(
    school_id: UUID, student_id: UUID, guardian_user_id: UUID, relationship: str, is_primary: bool
) -> None:
    await db.execute(
        "INSERT INTO workspace_guardian_link (school_id, student_id, guardian_user_id, relationship,"
        " is_primary) VALUES ($1, $2, $3, $4, $5)",
        school_id,
        student_id,
        guardian_user_id,
        relationship,
        is_primary,
    )


async def counts(school_id: UUID) -> dict[str, int]:
    row = await db.fetchrow(
        "SELECT (SELECT count(*) FROM workspace_class WHERE school_id = $1) AS classes,"
        " (SELECT count(*) FROM workspace_student WHERE school_id = $1) AS students,"
        " (SELECT count(*) FROM workspace_guardian_link WHERE school_id = $1) AS guardian_links",
        school_id,
    )
    assert row is not None
    return {k: int(v) for k, v in row.items()}
