"""Every query of attendance and leave requests. Callers open the school's tenant transaction."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from schoolhub.platform import db

RECORD_COLUMNS = (
    "r.id, r.school_id, r.class_id, r.student_id, r.day, r.period, r.status, r.note,"
    " r.recorded_by, r.recorded_at, r.updated_by, r.updated_at, s.full_name AS student_name"
)
LEAVE_COLUMNS = (
    "l.id, l.school_id, l.student_id, l.requested_by, l.from_day, l.to_day, l.reason, l.status,"
    " l.decided_by, l.decided_at, l.created_at, s.full_name AS student_name, s.class_id"
)


async def class_row(class_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        "SELECT id, school_id, school_year, name, homeroom_teacher_id FROM workspace_class"
        " WHERE id = $1",
        class_id,
    )


async def teaches_class(class_id: UUID, teacher_id: UUID) -> bool:
    """True when the teacher holds a teaching assignment (any subject, any term) in the class."""
    row = await db.fetchrow(
        "SELECT 1 FROM workspace_teaching_assignment WHERE class_id = $1 AND teacher_user_id = $2"
        " LIMIT 1",
        class_id,
        teacher_id,
    )
    return row is not None


async def students_of_class(class_id: UUID) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT id, full_name, class_id, user_id FROM workspace_student WHERE class_id = $1"
        " ORDER BY full_name, id",
        class_id,
    )


async def student_row(student_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        "SELECT s.id, s.full_name, s.class_id, s.user_id, c.homeroom_teacher_id"
        " FROM workspace_student s LEFT JOIN workspace_class c ON c.id = s.class_id"
        " WHERE s.id = $1",
        student_id,
    )


async def guardian_link(student_id: UUID, user_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        "SELECT custody_restricted FROM workspace_guardian_link"
        " WHERE student_id = $1 AND guardian_user_id = $2",
        student_id,
        user_id,
    )


async def records_for(class_id: UUID, day: date, period: int) -> list[dict[str, Any]]:
    return await db.fetch(
        f"SELECT {RECORD_COLUMNS} FROM workspace_attendance_record r"
        " JOIN workspace_student s ON s.id = r.student_id"
        " WHERE r.class_id = $1 AND r.day = $2 AND r.period = $3 ORDER BY s.full_name, s.id",
        class_id,
        day,
        period,
    )


async def records_of_student(student_id: UUID, start: date, end: date) -> list[dict[str, Any]]:
    return await db.fetch(
        f"SELECT {RECORD_COLUMNS} FROM workspace_attendance_record r"
        " JOIN workspace_student s ON s.id = r.student_id"
        " WHERE r.student_id = $1 AND r.day BETWEEN $2 AND $3 ORDER BY r.day, r.period",
        student_id,
        start,
        end,
    )


async def upsert_record(
    school_id: UUID,
    class_id: UUID,
    student_id: UUID,
    day: date,
    period: int,
    status: str,
    note: str,
    user_id: UUID,
) -> dict[str, Any]:
    """Insert or update; returns the row plus ``old_status`` (NULL when it was new)."""
    row = await db.fetchrow(
        "WITH old AS (SELECT id, status FROM workspace_attendance_record"
        "  WHERE student_id = $3 AND day = $4 AND period = $5)"
        " INSERT INTO workspace_attendance_record AS r"
        " (school_id, class_id, student_id, day, period, status, note, recorded_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (school_id, student_id, day, period) DO UPDATE SET"
        "  status = EXCLUDED.status, note = EXCLUDED.note, class_id = EXCLUDED.class_id,"
        "  updated_by = $8, updated_at = now()"
        "  WHERE (r.status, r.note, r.class_id) IS DISTINCT FROM"
        "   (EXCLUDED.status, EXCLUDED.note, EXCLUDED.class_id)"
        " RETURNING r.id, r.status, (SELECT status FROM old) AS old_status,"
        "  (SELECT id FROM old) IS NULL AS created",
        school_id,
        class_id,
        student_id,
        day,
        period,
        status,
        note,
        user_id,
    )
    return row or {}


async def insert_change(
    school_id: UUID, record_id: UUID, user_id: UUID, old: str, new: str, reason: str
) -> None:
    await db.execute(
        "INSERT INTO workspace_attendance_change"
        " (school_id, record_id, changed_by, old_status, new_status, reason)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        school_id,
        record_id,
        user_id,
        old,
        new,
        reason,
    )


async def approved_leave_students(student_ids: list[UUID], day: date) -> set[UUID]:
    rows = await db.fetch(
        "SELECT DISTINCT student_id FROM workspace_leave_request WHERE status = 'approved'"
        " AND student_id = ANY($1::uuid[]) AND $2 BETWEEN from_day AND to_day",
        student_ids,
        day,
    )
    return {r["student_id"] for r in rows}


async def excuse_absences(
    student_id: UUID, start: date, end: date, user_id: UUID
) -> list[dict[str, Any]]:
    return await db.fetch(
        "UPDATE workspace_attendance_record SET status = 'absent_excused', updated_by = $4,"
        " updated_at = now() WHERE student_id = $1 AND day BETWEEN $2 AND $3"
        " AND status = 'absent_unexcused' RETURNING id, class_id, student_id, day, period",
        student_id,
        start,
        end,
        user_id,
    )


async def insert_leave(
    school_id: UUID, student_id: UUID, user_id: UUID, start: date, end: date, reason: str
) -> dict[str, Any]:
    row = await db.fetchrow(
        "WITH l AS (INSERT INTO workspace_leave_request"
        " (school_id, student_id, requested_by, from_day, to_day, reason)"
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING *)"
        f" SELECT {LEAVE_COLUMNS} FROM l JOIN workspace_student s ON s.id = l.student_id",
        school_id,
        student_id,
        user_id,
        start,
        end,
        reason,
    )
    assert row is not None
    return row


async def leave_row(leave_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        f"SELECT {LEAVE_COLUMNS} FROM workspace_leave_request l"
        " JOIN workspace_student s ON s.id = l.student_id WHERE l.id = $1",
        leave_id,
    )


async def decide_leave(leave_id: UUID, status: str, user_id: UUID) -> bool:
    done = await db.execute(
        "UPDATE workspace_leave_request SET status = $2, decided_by = $3, decided_at = now()"
        " WHERE id = $1 AND status = 'pending'",
        leave_id,
        status,
        user_id,
    )
    return done.endswith(" 1")


async def leaves_of_class(class_id: UUID, limit: int) -> list[dict[str, Any]]:
    return await db.fetch(
        f"SELECT {LEAVE_COLUMNS} FROM workspace_leave_request l"
        " JOIN workspace_student s ON s.id = l.student_id WHERE s.class_id = $1"
        " ORDER BY l.created_at DESC, l.id LIMIT $2",
        class_id,
        limit,
    )


async def leaves_of_student(student_id: UUID, limit: int) -> list[dict[str, Any]]:
    return await db.fetch(
        f"SELECT {LEAVE_COLUMNS} FROM workspace_leave_request l"
        " JOIN workspace_student s ON s.id = l.student_id WHERE l.student_id = $1"
        " ORDER BY l.created_at DESC, l.id LIMIT $2",
        student_id,
        limit,
    )


async def month_counts(class_id: UUID, start: date, end: date) -> list[dict[str, Any]]:
    """Per student of the class: records by status in [start, end]."""
    return await db.fetch(
        "SELECT r.student_id, r.status, count(*) AS n FROM workspace_attendance_record r"
        " JOIN workspace_student s ON s.id = r.student_id"
        " WHERE s.class_id = $1 AND r.day BETWEEN $2 AND $3 GROUP BY r.student_id, r.status",
        class_id,
        start,
        end,
    )


async def sessions_absent(class_id: UUID, start: date, end: date) -> dict[UUID, int]:
    """TT22: one session (buổi) per day; a day with any absence record counts once."""
    rows = await db.fetch(
        "SELECT r.student_id, count(DISTINCT r.day) AS n FROM workspace_attendance_record r"
        " JOIN workspace_student s ON s.id = r.student_id"
        " WHERE s.class_id = $1 AND r.day BETWEEN $2 AND $3"
        " AND r.status IN ('absent_excused', 'absent_unexcused') GROUP BY r.student_id",
        class_id,
        start,
        end,
    )
    return {r["student_id"]: int(r["n"]) for r in rows}


_FAMILY_FILTER = (
    " AND ($2::uuid IS NULL OR s.user_id = $2 OR EXISTS (SELECT 1 FROM workspace_guardian_link g"
    "  WHERE g.student_id = s.id AND g.guardian_user_id = $2 AND NOT g.custody_restricted))"
)


def _teacher_filter(class_column: str) -> str:
    """With ``$3`` set (a teacher, not management): only rows of classes they homeroom or teach."""
    return (
        f" AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM workspace_class c"
        f"  WHERE c.id = {class_column} AND c.homeroom_teacher_id = $3)"
        f" OR EXISTS (SELECT 1 FROM workspace_teaching_assignment a"
        f"  WHERE a.class_id = {class_column} AND a.teacher_user_id = $3))"
    )


async def records_by_ids(
    record_ids: list[UUID], family: UUID | None, teacher: UUID | None = None
) -> list[dict[str, Any]]:
    """Records by id; with ``family`` set, only those of that user's (unrestricted) children;
    with ``teacher`` set, only those taken in a class the teacher homerooms or teaches."""
    return await db.fetch(
        f"SELECT {RECORD_COLUMNS} FROM workspace_attendance_record r"
        " JOIN workspace_student s ON s.id = r.student_id WHERE r.id = ANY($1::uuid[])"
        + _FAMILY_FILTER
        + _teacher_filter("r.class_id"),
        record_ids,
        family,
        teacher,
    )


async def leaves_by_ids(
    leave_ids: list[UUID], family: UUID | None, teacher: UUID | None = None
) -> list[dict[str, Any]]:
    """Leave requests by id, filtered like ``records_by_ids`` (by the student's current class)."""
    return await db.fetch(
        f"SELECT {LEAVE_COLUMNS} FROM workspace_leave_request l"
        " JOIN workspace_student s ON s.id = l.student_id WHERE l.id = ANY($1::uuid[])"
        + _FAMILY_FILTER
        + _teacher_filter("s.class_id"),
        leave_ids,
        family,
        teacher,
    )
