"""Grades through the services: validation, computed averages, locking, corrections with audit,
who sees a student's record, and the grade sheet's constant number of SQL statements."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from schoolhub.platform import db
from schoolhub.platform.db import DB
from schoolhub.platform.errors import Conflict, DomainError, NotFound, PermissionDenied
from schoolhub.platform.principal import Principal, Role
from schoolhub.workspace.structure.grades import service, sheet
from tests.support import factories
from tests.support import workspace_structure as ws

D = Decimal


async def _scores(school_id: Any) -> list[dict[str, Any]]:
    async with db.tenant(school_id):
        return await db.fetch(
            "SELECT student_id, subject_id, kind, slot, score, rating FROM workspace_score"
            " ORDER BY student_id, subject_id, kind, slot"
        )


def _teacher(s: ws.Structure, user_id: Any) -> Principal:
    return Principal(user_id=user_id, school_roles={s.world.school_id: frozenset({Role.TEACHER})})


async def test_sheet_computes_averages_from_recorded_scores(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    s = await ws.structure(p, await factories.school(p))
    student = s.world.student_ids[0]
    teacher = _teacher(s, s.subject_teacher)  # teaches literature (2 TX) and PE (comment)
    sid = s.world.school_id
    for kind, slot, value in (("TX", 1, "7"), ("TX", 2, "8"), ("GK", 1, "6"), ("CK", 1, "9")):
        a = service.Assessment(student, s.literature, s.hk1, kind, slot, D(value), None)
        await service.record_score(teacher, sid, a)
    for kind, slot in (("TX", 1), ("TX", 2), ("GK", 1), ("CK", 1)):
        a = service.Assessment(student, s.pe, s.hk1, kind, slot, None, "DAT")
        await service.record_score(teacher, sid, a)
    await service.set_comment(
        teacher, sid, student_id=student, subject_id=s.literature, term_id=s.hk1, body="Tiến bộ"
    )
    data = await sheet.grade_sheet(teacher, sid, class_id=s.world.class_id, term_id=s.hk1)  # type: ignore[arg-type]
    assert [x["code"] for x in data.subjects] == ["GDTC", "NGU_VAN"]  # only what they teach
    row = next(r for r in data.rows if r.student["id"] == student)
    by_code = {c.subject["code"]: c for c in row.cells}
    # (7 + 8 + 2*6 + 3*9) / (2 + 5) = 54 / 7 = 7.714... -> 7.7
    assert by_code["NGU_VAN"].outcome.average == D("7.7")
    assert by_code["NGU_VAN"].comment == "Tiến bộ"
    assert by_code["GDTC"].outcome.result == "DAT"
    other = next(r for r in data.rows if r.student["id"] != student)
    assert other.cells[1].outcome.missing == ("TX1", "TX2", "GK", "CK")


@pytest.mark.parametrize(
    ("kind", "slot", "score", "rating", "code"),
    [
        ("CK", 1, "10.5", None, "SCORE_OUT_OF_RANGE"),
        ("CK", 1, "-1", None, "SCORE_OUT_OF_RANGE"),
        ("GK", 1, "8.25", None, "SCORE_PRECISION"),
        ("TX", 5, "8", None, "INVALID_ASSESSMENT"),  # math has 4 regular assessments
        ("GK", 1, None, "DAT", "INVALID_ASSESSMENT"),  # a rating on a scored subject
    ],
)
async def test_bad_scores_are_coded_and_write_nothing(
    app: httpx.AsyncClient, kind: str, slot: int, score: str | None, rating: str | None, code: str
) -> None:
    p = await factories.province()
    s = await ws.structure(p, await factories.school(p))
    teacher = _teacher(s, s.world.user_ids["teacher"])
    a = service.Assessment(
        s.world.student_ids[0], s.math, s.hk1, kind, slot, D(score) if score else None, rating
    )
    with pytest.raises(DomainError) as exc:
        await service.record_score(teacher, s.world.school_id, a)
    assert exc.value.code == code
    assert await _scores(s.world.school_id) == []


async def test_only_the_assigned_teacher_or_principal_records(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    s = await ws.structure(p, await factories.school(p))
    other = await ws.structure(p, await factories.school(p))
    a = service.Assessment(s.world.student_ids[0], s.math, s.hk1, "GK", 1, D(8), None)
    with pytest.raises(PermissionDenied):
        await service.record_score(_teacher(s, s.subject_teacher), s.world.school_id, a)
    with pytest.raises(NotFound):  # a principal of another school: not even a permission hint
        await service.record_score(ws.as_role(other.world, "principal"), s.world.school_id, a)
    assert await _scores(s.world.school_id) == []
    await service.record_score(ws.as_role(s.world, "principal"), s.world.school_id, a)
    assert len(await _scores(s.world.school_id)) == 1


async def test_locked_grades_change_only_through_an_approved_correction(
    app: httpx.AsyncClient, database: str
) -> None:
    p = await factories.province()
    s = await ws.structure(p, await factories.school(p))
    sid, student = s.world.school_id, s.world.student_ids[0]
    teacher, boss = _teacher(s, s.world.user_ids["teacher"]), ws.as_role(s.world, "principal")
    a = service.Assessment(student, s.math, s.hk1, "CK", 1, D("6.5"), None)
    await service.record_score(teacher, sid, a)
    await service.lock_grades(boss, sid, class_id=s.world.class_id, term_id=s.hk1)  # type: ignore[arg-type]
    fix = service.Assessment(student, s.math, s.hk1, "CK", 1, D("7.5"), None)
    with pytest.raises(Conflict) as locked:
        await service.record_score(teacher, sid, fix)
    assert locked.value.code == "GRADES_LOCKED"
    with pytest.raises(PermissionDenied):  # only the principal decides
        await service.lock_grades(teacher, sid, class_id=s.world.class_id, term_id=s.hk1)  # type: ignore[arg-type]

    request = await service.request_correction(teacher, sid, fix, reason="Chấm sót câu 3")
    assert (request["old_value"], request["new_value"], request["status"]) == (
        "6.5",
        "7.5",
        "pending",
    )
    assert [r["score"] for r in await _scores(sid)] == [D("6.5")]  # nothing applied yet
    with pytest.raises(PermissionDenied):
        await service.decide_correction(teacher, sid, request["id"], approve=True)

    decided = await service.decide_correction(boss, sid, request["id"], approve=True)
    assert decided["status"] == "applied"
    assert [r["score"] for r in await _scores(sid)] == [D("7.5")]
    with pytest.raises(Conflict):
        await service.decide_correction(boss, sid, request["id"], approve=True)
    async with db.tenant(sid):
        audit = await db.fetch(
            "SELECT actor_user_id, action, at, details FROM school_audit_log"
            " WHERE action = 'grades.correction_applied'"
        )
    assert len(audit) == 1
    details = (
        json.loads(audit[0]["details"])
        if isinstance(audit[0]["details"], str)
        else audit[0]["details"]
    )
    assert audit[0]["actor_user_id"] == s.world.user_ids["principal"]
    assert details["old_value"] == "6.5" and details["new_value"] == "7.5"
    assert details["reason"] == "Chấm sót câu 3"
    assert details["requested_by"] == str(s.world.user_ids["teacher"])
    assert details["assessment"] == "CK1"


async def test_record_visibility_guardian_custody_and_student(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    s = await ws.structure(p, await factories.school(p))
    sid, child = s.world.school_id, s.world.student_ids[0]
    guardian = ws.as_role(s.world, "guardian")
    record = await sheet.student_record(guardian, sid, child)
    assert [x.subject["code"] for x in record.subjects] == ["GDTC", "NGU_VAN", "TOAN"]
    async with db.tenant(sid):
        await db.execute(
            "UPDATE workspace_guardian_link SET custody_restricted = true WHERE student_id = $1",
            child,
        )
        await db.execute(
            "UPDATE workspace_student SET user_id = $1 WHERE id = $2",
            s.world.user_ids["student"],
            s.world.student_ids[1],
        )
    with pytest.raises(PermissionDenied):
        await sheet.student_record(guardian, sid, child)
    pupil = ws.as_role(s.world, "student")
    assert (await sheet.student_record(pupil, sid, s.world.student_ids[1])).student["id"] == (
        s.world.student_ids[1]
    )
    with pytest.raises(PermissionDenied):
        await sheet.student_record(pupil, sid, child)
    with pytest.raises(PermissionDenied):
        await sheet.student_record(_teacher(s, s.other_teacher), sid, child)


async def _sheet_queries(s: ws.Structure) -> tuple[int, int]:
    boss = ws.as_role(s.world, "principal")
    before = DB.query_count
    data = await sheet.grade_sheet(
        boss, s.world.school_id, class_id=s.world.class_id, term_id=s.hk2
    )  # type: ignore[arg-type]
    return DB.query_count - before, len(data.rows)


async def test_grade_sheet_runs_a_constant_number_of_queries(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    small = await ws.structure(p, await factories.school(p))
    large = await ws.structure(p, await factories.school(p))
    small_ids = small.world.student_ids + await ws.add_students(small, 3)
    large_ids = large.world.student_ids + await ws.add_students(large, 43)
    for s, students in ((small, small_ids), (large, large_ids)):
        await ws.bulk_scores(s, students, s.hk1)
        await ws.bulk_scores(s, students, s.hk2)
    q_small, n_small = await _sheet_queries(small)
    q_large, n_large = await _sheet_queries(large)
    assert (n_small, n_large) == (5, 45)
    assert q_small == q_large <= 8
    data = await sheet.grade_sheet(
        ws.as_role(large.world, "principal"),
        large.world.school_id,
        class_id=large.world.class_id,
        term_id=large.hk2,  # type: ignore[arg-type]
    )
    cell = {c.subject["code"]: c for c in data.rows[0].cells}
    # math: (4 * 8.5 + 2*7 + 3*7) / (4 + 5) = 69 / 9 = 7.666 -> 7.7 both terms, year 7.7
    assert cell["TOAN"].outcome.average == D("7.7") and cell["TOAN"].year is not None
    assert cell["TOAN"].year.average == D("7.7")
    assert cell["GDTC"].year is not None and cell["GDTC"].year.result == "DAT"
