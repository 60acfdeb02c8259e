"""Queries of primary (TT27) assessments, qualities and year entries. Callers open the tenant
transaction. Locks and correction requests are the shared ones of ``grades.repository``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from schoolhub.platform import db


async def student_in_term(
    school_id: UUID, student_id: UUID, term_code: str
) -> dict[str, Any] | None:
    """The student, their class, the term ``term_code`` of the class's school year (``term_id`` is
    NULL when that year or term is not set up) and whether the class is locked for it."""
    return await db.fetchrow(
        "SELECT s.id, s.school_id, s.student_code, s.full_name, s.class_id, s.user_id,"
        " c.name AS class_name, c.grade, c.school_year, c.homeroom_teacher_id, t.id AS term_id,"
        " EXISTS (SELECT 1 FROM workspace_grade_lock l WHERE l.school_id = s.school_id"
        " AND l.class_id = c.id AND l.term_id = t.id) AS locked"
        " FROM workspace_student s JOIN workspace_class c"
        " ON c.school_id = s.school_id AND c.id = s.class_id"
        " LEFT JOIN workspace_school_year y ON y.school_id = c.school_id AND y.name = c.school_year"
        " LEFT JOIN workspace_term t ON t.school_id = y.school_id AND t.school_year_id = y.id"
        " AND t.code = $3"
        " WHERE s.school_id = $1 AND s.id = $2",
        school_id,
        student_id,
        term_code,
    )


async def subject_for_class(
    school_id: UUID, subject_id: UUID, class_id: UUID, term_id: UUID
) -> dict[str, Any] | None:
    """The subject and the teacher assigned to teach it to the class this term (or NULL)."""
    return await db.fetchrow(
        "SELECT sub.id, sub.code, sub.name, sub.kind, sub.periods_per_year,"
        " (SELECT a.teacher_user_id FROM workspace_teaching_assignment a"
        " WHERE a.school_id = sub.school_id AND a.class_id = $3 AND a.subject_id = sub.id"
        " AND a.term_id = $4) AS teacher_user_id"
        " FROM workspace_subject sub WHERE sub.school_id = $1 AND sub.id = $2",
        school_id,
        subject_id,
        class_id,
        term_id,
    )


async def assessment(
    school_id: UUID, student_id: UUID, subject_id: UUID, term_id: UUID, period: str
) -> dict[str, Any] | None:
    return await db.fetchrow(
        "SELECT student_id, subject_id, term_id, period, level, test_score, comment,"
        " recorded_by, recorded_at FROM workspace_primary_assessment WHERE school_id = $1"
        " AND student_id = $2 AND subject_id = $3 AND term_id = $4 AND period = $5",
        school_id,
        student_id,
        subject_id,
        term_id,
        period,
    )


async def upsert_assessment(
    school_id: UUID,
    key: tuple[UUID, UUID, UUID, str],
    level: str,
    test_score: int | None,
    comment: str | None,
    actor: UUID,
) -> dict[str, Any]:
    """Write the whole entry (level, test score, comment) of one student x subject x period."""
    student_id, subject_id, term_id, period = key
    row = await db.fetchrow(
        "INSERT INTO workspace_primary_assessment (school_id, student_id, subject_id, term_id,"
        " period, level, test_score, comment, recorded_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (school_id, student_id, subject_id, term_id, period) DO UPDATE"
        " SET level = EXCLUDED.level, test_score = EXCLUDED.test_score,"
        " comment = EXCLUDED.comment, recorded_by = EXCLUDED.recorded_by, recorded_at = now()"
        " RETURNING student_id, subject_id, term_id, period, level, test_score, comment,"
        " recorded_by, recorded_at",
        school_id,
        student_id,
        subject_id,
        term_id,
        period,
        level,
        test_score,
        comment,
        actor,
    )
    assert row is not None
    return row


async def correct_assessment(
    school_id: UUID,
    key: tuple[UUID, UUID, UUID, str],
    level: str,
    test_score: int | None,
    actor: UUID,
) -> None:
    """An approved correction: level and test score change, the comment stays."""
    student_id, subject_id, term_id, period = key
    await db.execute(
        "INSERT INTO workspace_primary_assessment (school_id, student_id, subject_id, term_id,"
        " period, level, test_score, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (school_id, student_id, subject_id, term_id, period) DO UPDATE"
        " SET level = EXCLUDED.level, test_score = EXCLUDED.test_score,"
        " recorded_by = EXCLUDED.recorded_by, recorded_at = now()",
        school_id,
        student_id,
        subject_id,
        term_id,
        period,
        level,
        test_score,
        actor,
    )


async def qualities(
    school_id: UUID, student_id: UUID, term_id: UUID, period: str
) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT student_id, term_id, period, code, level, recorded_by, recorded_at"
        " FROM workspace_primary_quality WHERE school_id = $1"
        " AND student_id = $2 AND term_id = $3 AND period = $4 ORDER BY code",
        school_id,
        student_id,
        term_id,
        period,
    )


async def upsert_qualities(
    school_id: UUID,
    student_id: UUID,
    term_id: UUID,
    period: str,
    levels: dict[str, str],
    actor: UUID,
) -> None:
    """Every given quality/competency level of one student at one period, in one statement."""
    codes = sorted(levels)
    await db.execute(
        "INSERT INTO workspace_primary_quality (school_id, student_id, term_id, period, code,"
        " level, recorded_by) SELECT $1, $2, $3, $4, q.code, q.level, $5"
        " FROM unnest($6::text[], $7::text[]) AS q(code, level)"
        " ON CONFLICT (school_id, student_id, term_id, period, code) DO UPDATE"
        " SET level = EXCLUDED.level, recorded_by = EXCLUDED.recorded_by, recorded_at = now()",
        school_id,
        student_id,
        term_id,
        period,
        actor,
        codes,
        [levels[c] for c in codes],
    )


async def year_entry(school_id: UUID, student_id: UUID, term_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        "SELECT student_id, term_id, outstanding_recognised, comment, recorded_by,"
        " recorded_at FROM workspace_primary_year_result WHERE school_id = $1"
        " AND student_id = $2 AND term_id = $3",
        school_id,
        student_id,
        term_id,
    )


async def upsert_year_entry(
    school_id: UUID,
    student_id: UUID,
    term_id: UUID,
    outstanding: bool,
    comment: str | None,
    actor: UUID,
    *,
    keep_comment: bool = False,
) -> dict[str, Any]:
    """The homeroom teacher's year entry; ``keep_comment`` for a correction of the flag only."""
    row = await db.fetchrow(
        "INSERT INTO workspace_primary_year_result (school_id, student_id, term_id,"
        " outstanding_recognised, comment, recorded_by) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (school_id, student_id, term_id) DO UPDATE"
        " SET outstanding_recognised = EXCLUDED.outstanding_recognised,"
        " comment = CASE WHEN $7 THEN workspace_primary_year_result.comment"
        " ELSE EXCLUDED.comment END,"
        " recorded_by = EXCLUDED.recorded_by, recorded_at = now()"
        " RETURNING student_id, term_id, outstanding_recognised, comment, recorded_by,"
        " recorded_at",
        school_id,
        student_id,
        term_id,
        outstanding,
        comment,
        actor,
        keep_comment,
    )
    assert row is not None
    return row


# --- Bulk reads of a primary sheet or record: a constant number of statements. ---


async def class_in_term(school_id: UUID, class_id: UUID, term_code: str) -> dict[str, Any] | None:
    """The class, the term ``term_code`` of its school year and whether it is locked."""
    return await db.fetchrow(
        "SELECT c.id AS class_id, c.name AS class_name, c.grade, c.school_year,"
        " c.homeroom_teacher_id, t.id AS term_id, EXISTS (SELECT 1 FROM workspace_grade_lock l"
        " WHERE l.school_id = c.school_id AND l.class_id = c.id AND l.term_id = t.id) AS locked"
        " FROM workspace_class c"
        " LEFT JOIN workspace_school_year y ON y.school_id = c.school_id AND y.name = c.school_year"
        " LEFT JOIN workspace_term t ON t.school_id = y.school_id AND t.school_year_id = y.id"
        " AND t.code = $3"
        " WHERE c.school_id = $1 AND c.id = $2",
        school_id,
        class_id,
        term_code,
    )


async def assessments_of(
    school_id: UUID, student_ids: list[UUID], term_ids: list[UUID], periods: list[str]
) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT student_id, subject_id, term_id, period, level, test_score, comment,"
        " recorded_by, recorded_at FROM workspace_primary_assessment WHERE school_id = $1"
        " AND student_id = ANY($2::uuid[]) AND term_id = ANY($3::uuid[])"
        " AND period = ANY($4::text[])",
        school_id,
        student_ids,
        term_ids,
        periods,
    )


async def qualities_of(
    school_id: UUID, student_ids: list[UUID], term_ids: list[UUID], periods: list[str]
) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT student_id, term_id, period, code, level, recorded_by, recorded_at"
        " FROM workspace_primary_quality WHERE school_id = $1"
        " AND student_id = ANY($2::uuid[]) AND term_id = ANY($3::uuid[])"
        " AND period = ANY($4::text[]) ORDER BY code",
        school_id,
        student_ids,
        term_ids,
        periods,
    )


async def year_entries_of(
    school_id: UUID, student_ids: list[UUID], term_id: UUID
) -> list[dict[str, Any]]:
    return await db.fetch(
        "SELECT student_id, term_id, outstanding_recognised, comment, recorded_by,"
        " recorded_at FROM workspace_primary_year_result WHERE school_id = $1"
        " AND student_id = ANY($2::uuid[]) AND term_id = $3",
        school_id,
        student_ids,
        term_id,
    )
