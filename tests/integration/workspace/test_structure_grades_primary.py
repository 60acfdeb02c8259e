"""Primary (TT27) assessment through the services, against the real database: validation with codes
and nothing written, who may write what, locking and corrections (audited), the computed education
result and award, the primary học bạ, and the class sheet's constant number of SQL statements."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import pytest

from schoolhub.platform import db
from schoolhub.platform.db import DB
from schoolhub.platform.errors import Conflict, DomainError, NotFound, PermissionDenied
from schoolhub.platform.principal import Principal, Role
from schoolhub.workspace.structure.grades import primary, primary_sheet, service, sheet
from tests.support import factories
from tests.support import workspace_primary as wp
from tests.support import workspace_structure as ws

PA = primary.PrimaryAssessment


def _teacher(pr: wp.Primary, user_id: UUID) -> Principal:
    return Principal(user_id=user_id, school_roles={pr.sid: frozenset({Role.TEACHER})})


def _homeroom(pr: wp.Primary) -> Principal:
    return _teacher(pr, pr.s.world.user_ids["teacher"])


async def _setup() -> wp.Primary:
    p = await factories.province()
    s = await ws.structure(p, await factories.school(p))
    return await wp.add_primary(p, s)


async def _rows(school_id: UUID) -> list[dict[str, Any]]:
    async with db.tenant(school_id):
        return [
            *await db.fetch(
                "SELECT student_id, subject_id, period, level, test_score, comment"
                " FROM workspace_primary_assessment ORDER BY student_id, subject_id, period"
            ),
            *await db.fetch(
                "SELECT student_id, period, code, level FROM workspace_primary_quality"
                " ORDER BY student_id, period, code"
            ),
            *await db.fetch(
                "SELECT student_id, outstanding_recognised, comment"
                " FROM workspace_primary_year_result ORDER BY student_id"
            ),
        ]


async def test_entries_show_on_the_sheet_by_who_may_see_them(app: httpx.AsyncClient) -> None:
    pr = await _setup()
    st = pr.student_ids[0]
    home = _homeroom(pr)
    specialist = _teacher(pr, pr.s.subject_teacher)
    saved = await primary.record_assessment(
        home, pr.sid, PA(st, pr.subjects["TOAN"], "GK1", "T", 8, "  Tính nhanh  ")
    )
    assert (saved["level"], saved["test_score"], saved["comment"]) == ("T", 8, "Tính nhanh")
    await primary.record_assessment(home, pr.sid, PA(st, pr.subjects["DAO_DUC"], "GK1", "H"))
    await primary.record_assessment(
        specialist, pr.sid, PA(st, pr.subjects["NGOAI_NGU_1"], "GK1", "C", None, "Cần luyện nói")
    )
    # Overwrite before the lock.
    await primary.record_assessment(home, pr.sid, PA(st, pr.subjects["TOAN"], "GK1", "H", 6))

    full = await primary_sheet.primary_sheet(home, pr.sid, class_id=pr.class_id, period="GK1")
    assert len(full.subjects) == 7 and len(full.rows) == 2
    row = next(r for r in full.rows if r.student["id"] == st)
    cells = {c.subject["code"]: c for c in row.cells}
    assert cells["TOAN"].entry is not None
    assert (cells["TOAN"].entry["level"], cells["TOAN"].entry["test_score"]) == ("H", 6)
    assert cells["DAO_DUC"].entry is not None and cells["DAO_DUC"].entry["test_score"] is None
    # Grade 4 at GK1: tests in Tiếng Việt and Toán only.
    assert {c for c, cell in cells.items() if cell.test_applicable} == {"TIENG_VIET", "TOAN"}
    assert cells["KHOA_HOC"].entry is None
    ck1 = await primary_sheet.primary_sheet(home, pr.sid, class_id=pr.class_id, period="CK1")
    tested = {c.subject["code"] for c in ck1.rows[0].cells if c.test_applicable}
    assert tested == set(wp.TESTED)

    mine = await primary_sheet.primary_sheet(specialist, pr.sid, class_id=pr.class_id, period="GK1")
    assert [x["code"] for x in mine.subjects] == ["NGOAI_NGU_1", "TIN_HOC_CONG_NGHE"]
    row = next(r for r in mine.rows if r.student["id"] == st)
    assert row.cells[0].entry is not None and row.cells[0].entry["comment"] == "Cần luyện nói"
    assert row.qualities == [] and row.year is None
    with pytest.raises(PermissionDenied):
        await primary_sheet.primary_sheet(
            _teacher(pr, pr.s.other_teacher), pr.sid, class_id=pr.class_id, period="GK1"
        )
    with pytest.raises(PermissionDenied):
        await primary_sheet.primary_sheet(
            ws.as_role(pr.s.world, "guardian"), pr.sid, class_id=pr.class_id, period="GK1"
        )


@pytest.mark.parametrize(
    ("subject", "period", "level", "score", "code"),
    [
        ("TOAN", "CN", "T", 11, "SCORE_OUT_OF_RANGE"),
        ("TOAN", "CN", "T", -1, "SCORE_OUT_OF_RANGE"),
        ("TOAN", "CN", "T", Decimal("7.5"), "SCORE_PRECISION"),
        ("DAO_DUC", "CN", "T", 8, "NO_PERIODIC_TEST"),  # no test in Đạo đức
        ("KHOA_HOC", "GK2", "T", 8, "NO_PERIODIC_TEST"),  # mid-term tests: TV and Toán only
        ("TOAN", "CN", "A", None, "INVALID_LEVEL"),
        ("TOAN", "HK1", "T", None, "INVALID_PERIOD"),
    ],
)
async def test_bad_entries_are_coded_and_write_nothing(
    app: httpx.AsyncClient,
    subject: str,
    period: str,
    level: str,
    score: int | Decimal | None,
    code: str,
) -> None:
    pr = await _setup()
    before = await _rows(pr.sid)
    with pytest.raises(DomainError) as err:
        await primary.record_assessment(
            _homeroom(pr),
            pr.sid,
            PA(pr.student_ids[0], pr.subjects[subject], period, level, score),
        )
    assert err.value.code == code
    assert await _rows(pr.sid) == before


async def test_bad_quality_levels_are_coded(app: httpx.AsyncClient) -> None:
    pr = await _setup()
    home, st = _homeroom(pr), pr.student_ids[0]
    for period, levels, code in (
        ("GK1", {"CHAM_CHI": "TOT"}, "INVALID_PERIOD"),  # qualities: CK1 and CN only
        ("CK1", {"CHAM_CHI": "GIOI"}, "INVALID_LEVEL"),
        ("CK1", {"CHAM_HOC": "TOT"}, "INVALID_QUALITY"),
        ("CK1", {}, "INVALID_QUALITY"),
    ):
        with pytest.raises(DomainError) as err:
            await primary.record_qualities(
                home, pr.sid, student_id=st, period=period, levels=levels
            )
        assert err.value.code == code, (period, levels)
    assert await _rows(pr.sid) == []


async def test_who_may_write(app: httpx.AsyncClient) -> None:
    pr = await _setup()
    st, before = pr.student_ids[0], await _rows(pr.sid)
    toan = PA(st, pr.subjects["TOAN"], "CN", "T", 9)
    for who in (
        _teacher(pr, pr.s.subject_teacher),  # teaches 4A, but not Toán
        _teacher(pr, pr.s.other_teacher),
        ws.as_role(pr.s.world, "guardian"),
        ws.as_role(pr.s.world, "vice_principal"),
    ):
        with pytest.raises(PermissionDenied):
            await primary.record_assessment(who, pr.sid, toan)
    for who in (_teacher(pr, pr.s.subject_teacher), ws.as_role(pr.s.world, "guardian")):
        with pytest.raises(PermissionDenied):
            await primary.record_qualities(
                who, pr.sid, student_id=st, period="CN", levels={"CHAM_CHI": "TOT"}
            )
        with pytest.raises(PermissionDenied):
            await primary.set_year_entry(
                who, pr.sid, student_id=st, outstanding_recognised=True, comment=None
            )
    assert await _rows(pr.sid) == before
    # The principal may, like under TT22; the homeroom teacher writes qualities and the year entry.
    await primary.record_assessment(ws.as_role(pr.s.world, "principal"), pr.sid, toan)
    rows = await primary.record_qualities(
        _homeroom(pr),
        pr.sid,
        student_id=st,
        period="CN",
        levels={"CHAM_CHI": "TOT", "TU_CHU_TU_HOC": "CAN_CO_GANG"},
    )
    assert [(r["code"], r["level"]) for r in rows] == [
        ("CHAM_CHI", "TOT"),
        ("TU_CHU_TU_HOC", "CAN_CO_GANG"),
    ]


async def test_other_schools_ids_are_not_found_and_schemes_do_not_mix(
    app: httpx.AsyncClient,
) -> None:
    p = await factories.province()
    pr = await wp.add_primary(p, await ws.structure(p, await factories.school(p)))
    other = await wp.add_primary(p, await ws.structure(p, await factories.school(p)))
    boss_b = ws.as_role(other.s.world, "principal")
    b_student, b_subject = other.student_ids[0], other.subjects["TOAN"]
    cases = [
        (pr.sid, PA(pr.student_ids[0], pr.subjects["TOAN"], "CN", "T", 9)),  # not a member
        (other.sid, PA(pr.student_ids[0], b_subject, "CN", "T", 9)),  # A's student under B
        (other.sid, PA(b_student, pr.subjects["TOAN"], "CN", "T", 9)),  # A's subject under B
    ]
    for school, entry in cases:
        with pytest.raises(NotFound):
            await primary.record_assessment(boss_b, school, entry)
    with pytest.raises(NotFound):
        await primary_sheet.primary_sheet(boss_b, other.sid, class_id=pr.class_id, period="CN")
    assert await _rows(pr.sid) == [] and await _rows(other.sid) == []

    boss = ws.as_role(pr.s.world, "principal")
    secondary = pr.s.world.student_ids[0]  # class 6A
    with pytest.raises(DomainError) as err:
        await primary.record_assessment(boss, pr.sid, PA(secondary, pr.s.math, "CN", "T"))
    assert err.value.code == "GRADING_NOT_SUPPORTED"
    with pytest.raises(DomainError) as err:
        await service.record_score(
            boss,
            pr.sid,
            service.Assessment(pr.student_ids[0], pr.s.math, pr.s.hk1, "GK", 1, Decimal(8), None),
        )
    assert err.value.code == "GRADING_NOT_SUPPORTED"
    # A secondary student's học bạ is still the TT22 one.
    record = await primary_sheet.any_student_record(boss, pr.sid, secondary)
    assert isinstance(record, sheet.StudentRecordData)


async def _audit(school_id: UUID) -> list[dict[str, Any]]:
    async with db.tenant(school_id):
        rows = await db.fetch(
            "SELECT actor_user_id, action, at, details FROM school_audit_log"
            " WHERE action LIKE 'grades.correction%' ORDER BY at"
        )
    return [
        {
            **r,
            "details": json.loads(r["details"]) if isinstance(r["details"], str) else r["details"],
        }
        for r in rows
    ]


async def test_lock_then_corrections_applied_with_audit(app: httpx.AsyncClient) -> None:
    pr = await _setup()
    st, home = pr.student_ids[0], _homeroom(pr)
    boss = ws.as_role(pr.s.world, "principal")
    toan = pr.subjects["TOAN"]
    await primary.record_assessment(home, pr.sid, PA(st, toan, "CN", "H", 6, "Khá"))
    await primary.record_qualities(
        home, pr.sid, student_id=st, period="CN", levels={"CHAM_CHI": "DAT"}
    )
    await primary.set_year_entry(
        home, pr.sid, student_id=st, outstanding_recognised=False, comment="Ngoan"
    )
    subject_fix = primary.PrimaryCorrection("SUBJECT", st, "CN", toan, level="T", test_score=9)
    with pytest.raises(Conflict) as err:  # not locked yet: record directly
        await primary.request_correction(home, pr.sid, subject_fix, reason="Chấm sót câu 5")
    assert err.value.code == "GRADES_NOT_LOCKED"

    await service.lock_grades(boss, pr.sid, class_id=pr.class_id, term_id=pr.s.hk2)
    before = await _rows(pr.sid)
    for write in (
        primary.record_assessment(home, pr.sid, PA(st, toan, "CN", "T", 9)),
        primary.record_qualities(
            home, pr.sid, student_id=st, period="CN", levels={"CHAM_CHI": "TOT"}
        ),
        primary.set_year_entry(
            home, pr.sid, student_id=st, outstanding_recognised=True, comment=None
        ),
    ):
        with pytest.raises(Conflict) as err:
            await write
        assert err.value.code == "GRADES_LOCKED"
    assert await _rows(pr.sid) == before
    # HK1 is not locked: a CK1 entry still goes in directly.
    await primary.record_assessment(home, pr.sid, PA(st, toan, "CK1", "T", 8))

    req = await primary.request_correction(home, pr.sid, subject_fix, reason="Chấm sót câu 5")
    assert (req["scheme"], req["kind"], req["old_value"], req["new_value"]) == (
        "TT27",
        "SUBJECT",
        "H/6",
        "T/9",
    )
    quality = await primary.request_correction(
        home,
        pr.sid,
        primary.PrimaryCorrection("QUALITY", st, "CN", item="CHAM_CHI", level="TOT"),
        reason="Nhầm mức",
    )
    year = await primary.request_correction(
        home,
        pr.sid,
        primary.PrimaryCorrection("YEAR", st, "CN", outstanding_recognised=True),
        reason="Lớp đã bình chọn",
    )
    with pytest.raises(PermissionDenied):  # qualities: the homeroom teacher's
        await primary.request_correction(
            _teacher(pr, pr.s.subject_teacher),
            pr.sid,
            primary.PrimaryCorrection("QUALITY", st, "CN", item="CHAM_CHI", level="TOT"),
            reason="Nhầm mức",
        )
    with pytest.raises(PermissionDenied):  # only the principal decides
        await primary.decide_correction(home, pr.sid, req["id"], approve=True)
    with pytest.raises(NotFound):  # the TT22 API never decides a TT27 request
        await service.decide_correction(boss, pr.sid, req["id"], approve=True)
    assert await service.list_corrections(boss, pr.sid, status=None) == []
    listed = await primary.list_corrections(boss, pr.sid, status="pending")
    assert {r["id"] for r in listed} == {req["id"], quality["id"], year["id"]}

    for r in (req, quality, year):
        decided = await primary.decide_correction(boss, pr.sid, r["id"], approve=True)
        assert decided["status"] == "applied"
    with pytest.raises(Conflict) as err:
        await primary.decide_correction(boss, pr.sid, req["id"], approve=False)
    assert err.value.code == "CORRECTION_NOT_PENDING"

    rows = await _rows(pr.sid)
    cn = next(r for r in rows if r.get("period") == "CN" and r.get("subject_id") == toan)
    assert (cn["level"], cn["test_score"], cn["comment"]) == ("T", 9, "Khá")  # comment kept
    assert next(r for r in rows if r.get("code") == "CHAM_CHI")["level"] == "TOT"
    entry = next(r for r in rows if "outstanding_recognised" in r)
    assert (entry["outstanding_recognised"], entry["comment"]) == (True, "Ngoan")

    audit = await _audit(pr.sid)
    assert [a["action"] for a in audit] == ["grades.correction_applied"] * 3
    first = audit[0]
    assert first["actor_user_id"] == pr.s.world.user_ids["principal"]
    assert first["details"]["scheme"] == "TT27"
    assert (first["details"]["old_value"], first["details"]["new_value"]) == ("H/6", "T/9")
    assert first["details"]["reason"] == "Chấm sót câu 5"
    assert first["details"]["requested_by"] == str(pr.s.world.user_ids["teacher"])
    assert first["details"]["assessment"] == "CN SUBJECT"
    assert audit[1]["details"]["assessment"] == "CN QUALITY CHAM_CHI"
    assert (audit[1]["details"]["old_value"], audit[2]["details"]["old_value"]) == ("DAT", "false")


async def _cn(pr: wp.Primary, level: str, score: int, quality: str = "TOT") -> None:
    await wp.bulk_primary(pr, pr.student_ids, level, score)
    if quality != "TOT":
        async with db.tenant(pr.sid):
            await db.execute(
                "UPDATE workspace_primary_quality SET level = $1 WHERE code = 'CHAM_CHI'", quality
            )


async def _year(pr: wp.Primary) -> primary_sheet.YearOutcome:
    data = await primary_sheet.primary_sheet(
        _homeroom(pr), pr.sid, class_id=pr.class_id, period="CN"
    )
    year = data.rows[0].year
    assert year is not None
    return year


async def test_year_result_excellent(app: httpx.AsyncClient) -> None:
    pr = await _setup()
    await _cn(pr, "T", 9)
    year = await _year(pr)
    assert (year.level, year.award, year.needs_legal_review, year.completes_grade) == (
        "HOAN_THANH_XUAT_SAC",
        "XUAT_SAC",
        False,
        True,
    )


async def test_year_result_good_and_the_class_recognition(app: httpx.AsyncClient) -> None:
    pr = await _setup()
    await _cn(pr, "T", 8)
    year = await _year(pr)
    assert (year.level, year.award, year.needs_legal_review) == ("HOAN_THANH_TOT", None, False)
    await primary.set_year_entry(
        _homeroom(pr),
        pr.sid,
        student_id=pr.student_ids[0],
        outstanding_recognised=True,
        comment=None,
    )
    assert (await _year(pr)).award == "TIEU_BIEU"


async def test_year_result_pass_row_is_flagged_for_legal_review(app: httpx.AsyncClient) -> None:
    pr = await _setup()
    await _cn(pr, "H", 5, quality="DAT")
    year = await _year(pr)
    assert (year.level, year.needs_legal_review, year.award) == ("HOAN_THANH", True, None)
    async with db.tenant(pr.sid):
        await db.execute(
            "UPDATE workspace_primary_assessment SET test_score = 4 WHERE test_score = 5"
        )
    year = await _year(pr)
    assert (year.level, year.needs_legal_review, year.completes_grade) == (
        "CHUA_HOAN_THANH",
        True,
        False,
    )


async def test_year_result_names_what_is_missing(app: httpx.AsyncClient) -> None:
    pr = await _setup()
    home, st = _homeroom(pr), pr.student_ids[0]
    await primary.record_assessment(home, pr.sid, PA(st, pr.subjects["TOAN"], "CN", "T"))
    year = await _year(pr)
    assert year.level is None and year.award is None
    assert "LEVEL:DAO_DUC" in year.missing and "TEST:TOAN" in year.missing
    assert "CHAM_CHI" in year.missing and "LEVEL:TOAN" not in year.missing


async def test_primary_record_and_who_sees_it(app: httpx.AsyncClient) -> None:
    pr = await _setup()
    st, other = pr.student_ids
    home = _homeroom(pr)
    await primary.record_assessment(home, pr.sid, PA(st, pr.subjects["TOAN"], "GK1", "T", 10))
    await primary.record_qualities(
        home, pr.sid, student_id=st, period="CK1", levels={"NHAN_AI": "TOT"}
    )
    guardian = ws.as_role(pr.s.world, "guardian")
    record = await primary_sheet.any_student_record(guardian, pr.sid, st)
    assert isinstance(record, primary_sheet.PrimaryRecordData)
    assert [p.period for p in record.periods] == ["GK1", "CK1", "GK2", "CN"]
    gk1 = {c.subject["code"]: c for c in record.periods[0].cells}
    assert gk1["TOAN"].entry is not None and gk1["TOAN"].entry["test_score"] == 10
    assert [q["code"] for q in record.periods[1].qualities] == ["NHAN_AI"]
    assert record.year is not None and record.year.level is None  # CN not entered yet
    with pytest.raises(PermissionDenied):  # not this guardian's child
        await primary_sheet.any_student_record(guardian, pr.sid, other)
    with pytest.raises(PermissionDenied):
        await primary_sheet.any_student_record(_teacher(pr, pr.s.subject_teacher), pr.sid, st)
    async with db.tenant(pr.sid):
        await db.execute(
            "UPDATE workspace_guardian_link SET custody_restricted = true WHERE student_id = $1", st
        )
    with pytest.raises(PermissionDenied):
        await primary_sheet.any_student_record(guardian, pr.sid, st)
    assert isinstance(
        await primary_sheet.any_student_record(home, pr.sid, st), primary_sheet.PrimaryRecordData
    )


async def _sheet_queries(pr: wp.Primary) -> tuple[int, int]:
    before = DB.query_count
    data = await primary_sheet.primary_sheet(
        ws.as_role(pr.s.world, "principal"), pr.sid, class_id=pr.class_id, period="CN"
    )
    assert all(r.year is not None and r.year.level == "HOAN_THANH_TOT" for r in data.rows)
    return DB.query_count - before, len(data.rows)


async def test_primary_sheet_runs_a_constant_number_of_queries(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    small = await wp.add_primary(p, await ws.structure(p, await factories.school(p)), 5)
    large = await wp.add_primary(p, await ws.structure(p, await factories.school(p)), 45)
    for pr in (small, large):
        await wp.bulk_primary(pr, pr.student_ids, "T", 8)
    q_small, n_small = await _sheet_queries(small)
    q_large, n_large = await _sheet_queries(large)
    assert (n_small, n_large) == (5, 45)
    assert q_small == q_large <= 7
