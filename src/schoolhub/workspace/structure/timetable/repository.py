"""Queries of the weekly timetable. Callers open the tenant transaction."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from schoolhub.platform import db

ENTRY_COLUMNS = (
    "e.id, e.school_id, e.term_id, e.class_id, e.subject_id, e.teacher_user_id, e.room_id,"
    " e.weekday, e.period"
)
# Names for display, joined so a timetable is one query whatever its size.
ENTRY_VIEW = (
    f"SELECT {ENTRY_COLUMNS}, c.name AS class_name, s.code AS subject_code,"
    " s.name AS subject_name, r.name AS room_name, u.full_name AS teacher_name,"
    " y.name AS school_year, t.code AS term_code"
    " FROM workspace_timetable_entry e"
    " JOIN workspace_class c ON c.school_id = e.school_id AND c.id = e.class_id"
    " JOIN workspace_subject s ON s.school_id = e.school_id AND s.id = e.subject_id"
    " JOIN workspace_term t ON t.school_id = e.school_id AND t.id = e.term_id"
    " JOIN workspace_school_year y ON y.school_id = t.school_id AND y.id = t.school_year_id"
    " LEFT JOIN workspace_room r ON r.school_id = e.school_id AND r.id = e.room_id"
    " LEFT JOIN identity_user u ON u.id = e.teacher_user_id"
)


async def lock_term(term_id: UUID) -> None:
    """Serialise timetable writes of one term, so two concurrent edits cannot both pass the clash
    check (the check reads the whole term, then writes)."""
    await db.execute("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7))", str(term_id))


async def entries_of_term(school_id: UUID, term_id: UUID) -> list[dict[str, Any]]:
    return await db.fetch(
        f"{ENTRY_VIEW} WHERE e.school_id = $1 AND e.term_id = $2",
        school_id,
        term_id,
    )


async def entries_of_class(school_id: UUID, term_id: UUID, class_id: UUID) -> list[dict[str, Any]]:
    return await db.fetch(
        f"{ENTRY_VIEW} WHERE e.school_id = $1 AND e.term_id = $2 AND e.class_id = $3"
        " ORDER BY e.weekday, e.period",
        school_id,
        term_id,
        class_id,
    )


async def entries_of_teacher(
    school_id: UUID, teacher: UUID, school_year: str, term_code: str
) -> list[dict[str, Any]]:
    return await db.fetch(
        f"{ENTRY_VIEW} WHERE e.school_id = $1 AND e.teacher_user_id = $2 AND y.name = $3"
        " AND t.code = $4",
        school_id,
        teacher,
        school_year,
        term_code,
    )


async def entry(school_id: UUID, entry_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        f"{ENTRY_VIEW} WHERE e.school_id = $1 AND e.id = $2", school_id, entry_id
    )


async def upsert_entry(school_id: UUID, entry_id: UUID, values: dict[str, Any]) -> None:
    await db.execute(
        "INSERT INTO workspace_timetable_entry (id, school_id, term_id, class_id, subject_id,"
        " teacher_user_id, room_id, weekday, period) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (id) DO UPDATE SET class_id = EXCLUDED.class_id,"
        " subject_id = EXCLUDED.subject_id, teacher_user_id = EXCLUDED.teacher_user_id,"
        " room_id = EXCLUDED.room_id, weekday = EXCLUDED.weekday, period = EXCLUDED.period",
        entry_id,
        school_id,
        values["term_id"],
        values["class_id"],
        values["subject_id"],
        values["teacher_user_id"],
        values["room_id"],
        values["weekday"],
        values["period"],
    )


async def delete_entry(school_id: UUID, entry_id: UUID) -> bool:
    status = await db.execute(
        "DELETE FROM workspace_timetable_entry WHERE school_id = $1 AND id = $2",
        school_id,
        entry_id,
    )
    return status.endswith(" 1")


async def student_in_class(school_id: UUID, class_id: UUID, user_id: UUID) -> bool:
    """The caller is a student of the class, or an (unrestricted) guardian of one."""
    row = await db.fetchrow(
        "SELECT 1 AS x FROM workspace_student s WHERE s.school_id = $1 AND s.class_id = $2"
        " AND (s.user_id = $3 OR EXISTS (SELECT 1 FROM workspace_guardian_link g"
        " WHERE g.school_id = s.school_id AND g.student_id = s.id AND g.guardian_user_id = $3"
        " AND NOT g.custody_restricted)) LIMIT 1",
        school_id,
        class_id,
        user_id,
    )
    return row is not None
