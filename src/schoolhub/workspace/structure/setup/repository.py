"""Queries of the school structure: years, terms, subjects, rooms, classes, teaching assignments.

Callers open the tenant transaction; RLS then shows one school, and every statement also filters on
``school_id`` so a plan never depends on the policy alone.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from schoolhub.platform import db

CLASS_COLUMNS = "c.id, c.school_id, c.school_year, c.name, c.grade, c.homeroom_teacher_id"


async def live_roles(school_id: UUID, user_id: UUID) -> set[str]:
    rows = await db.fetch(
        "SELECT role FROM tenants_membership WHERE school_id = $1 AND user_id = $2"
        " AND revoked_at IS NULL",
        school_id,
        user_id,
    )
    return {r["role"] for r in rows}


async def insert_school_year(
    school_id: UUID,
    name: str,
    periods_per_day: int,
    terms: list[tuple[str, date, date]],
) -> dict[str, Any] | None:
    year = await db.fetchrow(
        "INSERT INTO workspace_school_year (school_id, name, periods_per_day) VALUES ($1, $2, $3)"
        " ON CONFLICT (school_id, name) DO NOTHING RETURNING id, school_id, name, periods_per_day",
        school_id,
        name,
        periods_per_day,
    )
    if year is None:
        return None
    await db.execute(
        "INSERT INTO workspace_term (school_id, school_year_id, code, starts_on, ends_on)"
        " SELECT $1, $2, t.code, t.s, t.e FROM unnest($3::text[], $4::date[], $5::date[])"
        " AS t(code, s, e)",
        school_id,
        year["id"],
        [t[0] for t in terms],
        [t[1] for t in terms],
        [t[2] for t in terms],
    )
    return year


async def school_years(school_id: UUID) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT id, school_id, name, periods_per_day FROM workspace_school_year"
        " WHERE school_id = $1 ORDER BY name DESC",
        school_id,
    )


async def terms_of_school(school_id: UUID) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT t.id, t.school_id, t.school_year_id, y.name AS school_year, t.code, t.starts_on,"
        " t.ends_on, y.periods_per_day FROM workspace_term t JOIN workspace_school_year y"
        " ON y.school_id = t.school_id AND y.id = t.school_year_id WHERE t.school_id = $1"
        " ORDER BY y.name DESC, t.code",
        school_id,
    )


async def term(school_id: UUID, term_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        "SELECT t.id, t.school_id, t.school_year_id, y.name AS school_year, t.code, t.starts_on,"
        " t.ends_on, y.periods_per_day FROM workspace_term t JOIN workspace_school_year y"
        " ON y.school_id = t.school_id AND y.id = t.school_year_id"
        " WHERE t.school_id = $1 AND t.id = $2",
        school_id,
        term_id,
    )


async def insert_subject(
    school_id: UUID, code: str, name: str, kind: str, periods_per_year: int
) -> dict[str, Any] | None:
    return await db.fetchrow(
        "INSERT INTO workspace_subject (school_id, code, name, kind, periods_per_year)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (school_id, code) DO NOTHING"
        " RETURNING id, school_id, code, name, kind, periods_per_year",
        school_id,
        code,
        name,
        kind,
        periods_per_year,
    )


async def subjects(school_id: UUID) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT id, school_id, code, name, kind, periods_per_year FROM workspace_subject"
        " WHERE school_id = $1 ORDER BY code",
        school_id,
    )


async def subject(school_id: UUID, subject_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        "SELECT id, school_id, code, name, kind, periods_per_year FROM workspace_subject"
        " WHERE school_id = $1 AND id = $2",
        school_id,
        subject_id,
    )


async def insert_room(school_id: UUID, name: str, capacity: int | None) -> dict[str, Any] | None:
    return await db.fetchrow(
        "INSERT INTO workspace_room (school_id, name, capacity) VALUES ($1, $2, $3)"
        " ON CONFLICT (school_id, name) DO NOTHING RETURNING id, school_id, name, capacity",
        school_id,
        name,
        capacity,
    )


async def rooms(school_id: UUID) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT id, school_id, name, capacity FROM workspace_room WHERE school_id = $1"
        " ORDER BY name",
        school_id,
    )


async def room(school_id: UUID, room_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        "SELECT id, school_id, name, capacity FROM workspace_room WHERE school_id = $1 AND id = $2",
        school_id,
        room_id,
    )


async def insert_class(
    school_id: UUID, school_year: str, name: str, grade: int, homeroom: UUID | None
) -> dict[str, Any] | None:
    return await db.fetchrow(
        "INSERT INTO workspace_class AS c (school_id, school_year, name, grade,"
        " homeroom_teacher_id) VALUES ($1, $2, $3, $4, $5)"
        f" ON CONFLICT (school_id, school_year, name) DO NOTHING RETURNING {CLASS_COLUMNS}",
        school_id,
        school_year,
        name,
        grade,
        homeroom,
    )


async def update_class(
    school_id: UUID, class_id: UUID, name: str, homeroom: UUID | None
) -> dict[str, Any] | None:
    return await db.fetchrow(
        "UPDATE workspace_class AS c SET name = $3, homeroom_teacher_id = $4"
        f" WHERE c.school_id = $1 AND c.id = $2 RETURNING {CLASS_COLUMNS}",
        school_id,
        class_id,
        name,
        homeroom,
    )


async def class_name_taken(school_id: UUID, school_year: str, name: str, class_id: UUID) -> bool:
    row = await db.fetchrow(
        "SELECT 1 AS x FROM workspace_class WHERE school_id = $1 AND school_year = $2"
        " AND name = $3 AND id <> $4",
        school_id,
        school_year,
        name,
        class_id,
    )
    return row is not None


async def school_class(school_id: UUID, class_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        f"SELECT {CLASS_COLUMNS} FROM workspace_class c WHERE c.school_id = $1 AND c.id = $2",
        school_id,
        class_id,
    )


async def classes_with_sizes(school_id: UUID, school_year: str | None) -> list[dict[str, Any]]:
    return await db.fetch(
        f"SELECT {CLASS_COLUMNS}, (SELECT count(*) FROM workspace_student s"
        " WHERE s.school_id = c.school_id AND s.class_id = c.id) AS student_count"
        " FROM workspace_class c WHERE c.school_id = $1"
        " AND ($2::text IS NULL OR c.school_year = $2) ORDER BY c.school_year DESC, c.grade, c.name",
        school_id,
        school_year,
    )


async def class_size(school_id: UUID, class_id: UUID) -> int:
    row = await db.fetchrow(
        "SELECT count(*) AS n FROM workspace_student WHERE school_id = $1 AND class_id = $2",
        school_id,
        class_id,
    )
    return int(row["n"]) if row else 0


async def school_level(school_id: UUID) -> str:
    row = await db.fetchrow("SELECT level FROM tenants_school WHERE id = $1", school_id)
    return str(row["level"]) if row else ""


ASSIGNMENT_COLUMNS = "a.id, a.school_id, a.class_id, a.subject_id, a.term_id, a.teacher_user_id"


async def upsert_assignment(
    school_id: UUID, class_id: UUID, subject_id: UUID, term_id: UUID, teacher: UUID
) -> dict[str, Any]:
    row = await db.fetchrow(
        "INSERT INTO workspace_teaching_assignment AS a (school_id, class_id, subject_id, term_id,"
        " teacher_user_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (school_id, class_id,"
        " subject_id, term_id) DO UPDATE SET teacher_user_id = EXCLUDED.teacher_user_id"
        f" RETURNING {ASSIGNMENT_COLUMNS}",
        school_id,
        class_id,
        subject_id,
        term_id,
        teacher,
    )
    assert row is not None
    return row


async def assignments(
    school_id: UUID, term_id: UUID, class_id: UUID | None, teacher: UUID | None
) -> list[dict[str, Any]]:
    return await db.fetch(
        f"SELECT {ASSIGNMENT_COLUMNS} FROM workspace_teaching_assignment a"
        " JOIN workspace_subject s ON s.school_id = a.school_id AND s.id = a.subject_id"
        " WHERE a.school_id = $1 AND a.term_id = $2 AND ($3::uuid IS NULL OR a.class_id = $3)"
        " AND ($4::uuid IS NULL OR a.teacher_user_id = $4) ORDER BY a.class_id, s.code",
        school_id,
        term_id,
        class_id,
        teacher,
    )


async def assignment_teacher(
    school_id: UUID, class_id: UUID, subject_id: UUID, term_id: UUID
) -> UUID | None:
    row = await db.fetchrow(
        "SELECT teacher_user_id FROM workspace_teaching_assignment WHERE school_id = $1"
        " AND class_id = $2 AND subject_id = $3 AND term_id = $4",
        school_id,
        class_id,
        subject_id,
        term_id,
    )
    return row["teacher_user_id"] if row else None
