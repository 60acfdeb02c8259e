"""Queries of scores, comments, locks and correction requests. Callers open the tenant transaction."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from schoolhub.platform import db

SCORE_COLUMNS = (
    "student_id, subject_id, term_id, kind, slot, score, rating, recorded_by, recorded_at"
)
CORRECTION_COLUMNS = (
    "id, school_id, student_id, subject_id, term_id, kind, slot, old_value, new_value, reason,"
    " status, requested_by, requested_at, decided_by, decided_at, scheme, period, item"
)


async def student(school_id: UUID, student_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        "SELECT s.id, s.school_id, s.student_code, s.full_name, s.class_id, s.user_id,"
        " c.name AS class_name, c.grade, c.school_year, c.homeroom_teacher_id"
        " FROM workspace_student s LEFT JOIN workspace_class c"
        " ON c.school_id = s.school_id AND c.id = s.class_id"
        " WHERE s.school_id = $1 AND s.id = $2",
        school_id,
        student_id,
    )


async def guardian_may_see(school_id: UUID, student_id: UUID, user_id: UUID) -> bool:
    row = await db.fetchrow(
        "SELECT 1 AS x FROM workspace_guardian_link WHERE school_id = $1 AND student_id = $2"
        " AND guardian_user_id = $3 AND NOT custody_restricted",
        school_id,
        student_id,
        user_id,
    )
    return row is not None


async def is_locked(school_id: UUID, class_id: UUID, term_id: UUID) -> bool:
    row = await db.fetchrow(
        "SELECT 1 AS x FROM workspace_grade_lock WHERE school_id = $1 AND class_id = $2"
        " AND term_id = $3",
        school_id,
        class_id,
        term_id,
    )
    return row is not None


async def insert_lock(
    school_id: UUID, class_id: UUID, term_id: UUID, actor: UUID
) -> dict[str, Any]:
    await db.execute(
        "INSERT INTO workspace_grade_lock (school_id, class_id, term_id, locked_by)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (school_id, class_id, term_id) DO NOTHING",
        school_id,
        class_id,
        term_id,
        actor,
    )
    row = await db.fetchrow(
        "SELECT id, class_id, term_id, locked_by, locked_at FROM workspace_grade_lock"
        " WHERE school_id = $1 AND class_id = $2 AND term_id = $3",
        school_id,
        class_id,
        term_id,
    )
    assert row is not None
    return row


async def score(
    school_id: UUID, student_id: UUID, subject_id: UUID, term_id: UUID, kind: str, slot: int
) -> dict[str, Any] | None:
    return await db.fetchrow(
        f"SELECT {SCORE_COLUMNS} FROM workspace_score WHERE school_id = $1 AND student_id = $2"
        " AND subject_id = $3 AND term_id = $4 AND kind = $5 AND slot = $6",
        school_id,
        student_id,
        subject_id,
        term_id,
        kind,
        slot,
    )


async def upsert_score(
    school_id: UUID,
    key: tuple[UUID, UUID, UUID, str, int],
    value: Decimal | None,
    rating: str | None,
    actor: UUID,
) -> dict[str, Any]:
    student_id, subject_id, term_id, kind, slot = key
    row = await db.fetchrow(
        "INSERT INTO workspace_score (school_id, student_id, subject_id, term_id, kind, slot,"
        " score, rating, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (school_id, student_id, subject_id, term_id, kind, slot) DO UPDATE"
        " SET score = EXCLUDED.score, rating = EXCLUDED.rating,"
        " recorded_by = EXCLUDED.recorded_by, recorded_at = now()"
        f" RETURNING {SCORE_COLUMNS}",
        school_id,
        student_id,
        subject_id,
        term_id,
        kind,
        slot,
        value,
        rating,
        actor,
    )
    assert row is not None
    return row


async def upsert_comment(
    school_id: UUID, student_id: UUID, subject_id: UUID, term_id: UUID, body: str, actor: UUID
) -> None:
    await db.execute(
        "INSERT INTO workspace_subject_comment (school_id, student_id, subject_id, term_id, body,"
        " recorded_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (school_id, student_id,"
        " subject_id, term_id) DO UPDATE SET body = EXCLUDED.body,"
        " recorded_by = EXCLUDED.recorded_by, recorded_at = now()",
        school_id,
        student_id,
        subject_id,
        term_id,
        body,
        actor,
    )


async def insert_correction(school_id: UUID, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` of any grading scheme: TT27 rows add ``scheme``, ``period`` and ``item``."""
    row = await db.fetchrow(
        "INSERT INTO workspace_correction_request (school_id, student_id, subject_id, term_id,"
        " kind, slot, old_value, new_value, reason, requested_by, scheme, period, item)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        f" RETURNING {CORRECTION_COLUMNS}",
        school_id,
        values["student_id"],
        values["subject_id"],
        values["term_id"],
        values["kind"],
        values["slot"],
        values["old_value"],
        values["new_value"],
        values["reason"],
        values["requested_by"],
        values.get("scheme", "TT22"),
        values.get("period"),
        values.get("item"),
    )
    assert row is not None
    return row


async def correction_for_update(school_id: UUID, request_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        f"SELECT {CORRECTION_COLUMNS} FROM workspace_correction_request"
        " WHERE school_id = $1 AND id = $2 FOR UPDATE",
        school_id,
        request_id,
    )


async def decide_correction(
    school_id: UUID, request_id: UUID, status: str, actor: UUID
) -> dict[str, Any]:
    row = await db.fetchrow(
        "UPDATE workspace_correction_request SET status = $3, decided_by = $4, decided_at = now()"
        f" WHERE school_id = $1 AND id = $2 RETURNING {CORRECTION_COLUMNS}",
        school_id,
        request_id,
        status,
        actor,
    )
    assert row is not None
    return row


async def corrections(
    school_id: UUID, status: str | None, requested_by: UUID | None, scheme: str = "TT22"
) -> list[dict[str, Any]]:
    return await db.fetch(
        f"SELECT {CORRECTION_COLUMNS} FROM workspace_correction_request WHERE school_id = $1"
        " AND ($2::text IS NULL OR status = $2) AND ($3::uuid IS NULL OR requested_by = $3)"
        " AND scheme = $4 ORDER BY requested_at DESC LIMIT 500",
        school_id,
        status,
        requested_by,
        scheme,
    )


# --- Bulk reads of a grade sheet or a student record: a constant number of statements. ---


async def class_and_term(school_id: UUID, class_id: UUID, term_id: UUID) -> dict[str, Any] | None:
    """The class, the term and whether it is locked, in one statement."""
    return await db.fetchrow(
        "SELECT c.id AS class_id, c.name AS class_name, c.grade, c.school_year,"
        " c.homeroom_teacher_id, t.id AS term_id, t.code AS term_code, t.school_year_id,"
        " y.name AS term_year, EXISTS (SELECT 1 FROM workspace_grade_lock l"
        " WHERE l.school_id = c.school_id AND l.class_id = c.id AND l.term_id = t.id) AS locked,"
        " COALESCE((SELECT g.generation FROM workspace_grade_generation g"
        " WHERE g.school_id = c.school_id), 0) AS grade_generation"
        " FROM workspace_class c JOIN workspace_term t ON t.school_id = c.school_id AND t.id = $3"
        " JOIN workspace_school_year y ON y.school_id = t.school_id AND y.id = t.school_year_id"
        " WHERE c.school_id = $1 AND c.id = $2",
        school_id,
        class_id,
        term_id,
    )


async def class_subjects(school_id: UUID, class_id: UUID, term_id: UUID) -> list[dict[str, Any]]:
    """Subjects taught to the class this term, with their teacher."""
    return await db.fetch(
        "SELECT s.id, s.code, s.name, s.kind, s.periods_per_year, a.teacher_user_id"
        " FROM workspace_teaching_assignment a JOIN workspace_subject s"
        " ON s.school_id = a.school_id AND s.id = a.subject_id"
        " WHERE a.school_id = $1 AND a.class_id = $2 AND a.term_id = $3 ORDER BY s.code",
        school_id,
        class_id,
        term_id,
    )


async def class_students(school_id: UUID, class_id: UUID) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT id, student_code, full_name FROM workspace_student"
        " WHERE school_id = $1 AND class_id = $2 ORDER BY full_name, student_code",
        school_id,
        class_id,
    )


async def year_terms(school_id: UUID, school_year_id: UUID) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT id, code FROM workspace_term WHERE school_id = $1 AND school_year_id = $2",
        school_id,
        school_year_id,
    )


async def scores_of(
    school_id: UUID, student_ids: list[UUID], term_ids: list[UUID]
) -> list[dict[str, Any]]:
    return await db.fetch(
        f"SELECT {SCORE_COLUMNS} FROM workspace_score WHERE school_id = $1"
        " AND student_id = ANY($2::uuid[]) AND term_id = ANY($3::uuid[])",
        school_id,
        student_ids,
        term_ids,
    )


async def sheet_scores_of(
    school_id: UUID, student_ids: list[UUID], term_ids: list[UUID]
) -> list[dict[str, Any]]:
    """``scores_of`` without who/when recorded: the class sheet shows values only, and decoding
    two fewer columns of ~8,000 rows is a measurable share of a sheet."""
    return await db.fetch(
        "SELECT student_id, subject_id, term_id, kind, slot, score, rating FROM workspace_score"
        " WHERE school_id = $1 AND student_id = ANY($2::uuid[]) AND term_id = ANY($3::uuid[])",
        school_id,
        student_ids,
        term_ids,
    )


async def comments_of(
    school_id: UUID, student_ids: list[UUID], term_ids: list[UUID]
) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT student_id, subject_id, term_id, body FROM workspace_subject_comment"
        " WHERE school_id = $1 AND student_id = ANY($2::uuid[]) AND term_id = ANY($3::uuid[])",
        school_id,
        student_ids,
        term_ids,
    )


async def student_year(school_id: UUID, school_year: str) -> list[dict[str, Any]]:
    """The terms of a school year by name."""
    return await db.fetch(
        "SELECT t.id, t.code, t.school_year_id FROM workspace_term t JOIN workspace_school_year y"
        " ON y.school_id = t.school_id AND y.id = t.school_year_id"
        " WHERE t.school_id = $1 AND y.name = $2 ORDER BY t.code",
        school_id,
        school_year,
    )


async def subjects_taught(
    school_id: UUID, class_id: UUID, term_ids: list[UUID]
) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT DISTINCT s.id, s.code, s.name, s.kind, s.periods_per_year"
        " FROM workspace_teaching_assignment a JOIN workspace_subject s"
        " ON s.school_id = a.school_id AND s.id = a.subject_id"
        " WHERE a.school_id = $1 AND a.class_id = $2 AND a.term_id = ANY($3::uuid[])"
        " ORDER BY s.code",
        school_id,
        class_id,
        term_ids,
    )
