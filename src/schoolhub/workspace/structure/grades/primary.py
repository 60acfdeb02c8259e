"""Primary-school (tiểu học, grades 1-5) assessment under Thông tư 27/2020: recording and corrections.

What is recorded (DOMAIN §1.2; pure rules in ``workspace.grading_primary``):
* per student x subject/activity x periodic point (GK1, CK1 in HK1; GK2, CN in HK2): the level
  T/H/C, the periodic test score (an integer 0..10, only where ``periodic_test_subjects`` says the
  grade has a test at that point) and the teacher's comment. Only the teacher assigned to the class x
  subject x term, or the principal, writes it (as under TT22);
* per student at CK1 and CN: the level (Tốt / Đạt / Cần cố gắng) of each of the 5 qualities and 10
  competencies, and at CN the year entry (the class's recognition of an outstanding result, a
  comment), written by the class's homeroom teacher or the principal.

The education result and award are computed from these (``primary_sheet``), never stored.
A period belongs to its term (GK1, CK1 -> HK1; GK2, CN -> HK2), so the principal's per-class-and-term
lock of ``grades.service`` covers it; after the lock a change goes through the shared correction
requests (scheme ``TT27``), approved by the principal and audit-logged by ``service.decide``.
A bad value is a coded error and nothing is written; another school's id is ``NotFound``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from schoolhub.platform import db
from schoolhub.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from schoolhub.platform.principal import Principal, Role
from schoolhub.workspace.grading_primary import (
    PrimaryLevel,
    PrimaryPeriod,
    periodic_test_subjects,
    validate_primary_score,
)
from schoolhub.workspace.grading_rules import (
    GradingError,
    RuleSetNotFound,
    SchoolYearInvalid,
    Tt27RuleSet,
    tt27_rules,
)
from schoolhub.workspace.structure import access
from schoolhub.workspace.structure.errors import WorkspaceStructureErrorCode as E
from schoolhub.workspace.structure.grades import primary_repository as prepo
from schoolhub.workspace.structure.grades import repository as repo
from schoolhub.workspace.structure.grades import service

TERM_OF_PERIOD = {"GK1": "HK1", "CK1": "HK1", "GK2": "HK2", "CN": "HK2"}
QUALITY_PERIODS = ("CK1", "CN")  # qualities and competencies: end of HK1 and end of year
QUALITY_LEVELS = ("TOT", "DAT", "CAN_CO_GANG")  # stored names of ``QualityLevel``
LEVELS = tuple(level.value for level in PrimaryLevel)  # T, H, C


def rules_for(school_year: str, grade: int) -> Tt27RuleSet:
    """TT27 rules for grades 1-5; a secondary class is ``GRADING_NOT_SUPPORTED`` here."""
    try:
        return tt27_rules(school_year, grade)
    except (RuleSetNotFound, SchoolYearInvalid) as exc:
        raise InvalidInput(
            f"no primary grading rules for grade {grade} in {school_year}",
            code=E.GRADING_NOT_SUPPORTED,
        ) from exc


def check_period(period: str, allowed: tuple[str, ...] = tuple(TERM_OF_PERIOD)) -> str:
    if period not in allowed:
        raise InvalidInput(
            f"period must be one of {', '.join(allowed)}", code=E.INVALID_PERIOD, field="period"
        )
    return period


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise InvalidInput("level must be T, H or C", code=E.INVALID_LEVEL, field="level")
    return level


def check_test_score(
    subject: dict[str, Any],
    grade: int,
    period: str,
    value: int | Decimal | None,
    rules: Tt27RuleSet,
) -> int | None:
    """A test score only where TT27 has a periodic test for this subject, grade and period."""
    if value is None:
        return None
    if subject["code"] not in periodic_test_subjects(grade, PrimaryPeriod(period), rules):
        raise InvalidInput(
            f"{subject['code']} has no periodic test in grade {grade} at {period}",
            code=E.NO_PERIODIC_TEST,
            field="testScore",
        )
    try:
        return validate_primary_score(value, rules)
    except GradingError as exc:
        code = E.SCORE_PRECISION if exc.code == "SCORE_PRECISION" else E.SCORE_OUT_OF_RANGE
        raise InvalidInput(str(exc), code=code, field="testScore") from exc


def _comment(body: str | None) -> str | None:
    if body is None:
        return None
    body = body.strip()
    if not 1 <= len(body) <= 2000:
        raise InvalidInput("comment must be 1-2000 characters", field="comment")
    return body


@dataclass(frozen=True)
class PrimaryAssessment:
    student_id: UUID
    subject_id: UUID
    period: str  # GK1 | CK1 | GK2 | CN
    level: str  # T | H | C
    test_score: int | Decimal | None = None
    comment: str | None = None


@dataclass(frozen=True)
class _Student:
    row: dict[str, Any]
    rules: Tt27RuleSet

    @property
    def term_id(self) -> UUID:
        return UUID(str(self.row["term_id"]))


async def _student(school_id: UUID, student_id: UUID, period: str) -> _Student:
    row = await prepo.student_in_term(school_id, student_id, TERM_OF_PERIOD[period])
    if row is None or row["class_id"] is None:
        raise NotFound("student")
    if row["term_id"] is None:
        raise NotFound("term")
    return _Student(row, rules_for(row["school_year"], row["grade"]))


async def _subject_context(
    principal: Principal,
    school_id: UUID,
    actor: UUID,
    student_id: UUID,
    subject_id: UUID,
    period: str,
) -> tuple[_Student, dict[str, Any]]:
    """Load and authorise: the caller teaches this subject to the student's class this term."""
    student = await _student(school_id, student_id, period)
    subject = await prepo.subject_for_class(
        school_id, subject_id, student.row["class_id"], student.term_id
    )
    if subject is None:
        raise NotFound("subject")
    if not access.is_principal(principal, school_id) and subject["teacher_user_id"] != actor:
        raise PermissionDenied("only the teacher assigned to this class and subject")
    return student, subject


async def _homeroom_context(
    principal: Principal, school_id: UUID, actor: UUID, student_id: UUID, period: str
) -> _Student:
    """Load and authorise: the caller is the homeroom teacher of the student's class."""
    student = await _student(school_id, student_id, period)
    homeroom = student.row["homeroom_teacher_id"] == actor and principal.has_school_role(
        school_id, {Role.TEACHER}
    )
    if not (access.is_principal(principal, school_id) or homeroom):
        raise PermissionDenied("only the homeroom teacher of this class")
    return student


def _locked() -> Conflict:
    return Conflict(
        "grades of this class and term are locked: request a correction", code=E.GRADES_LOCKED
    )


async def record_assessment(
    principal: Principal, school_id: UUID, a: PrimaryAssessment
) -> dict[str, Any]:
    """Record (or overwrite, before the lock) one subject's level, test score and comment."""
    actor = access.require_member(principal, school_id)
    period, level, comment = check_period(a.period), check_level(a.level), _comment(a.comment)
    async with db.tenant(school_id, actor):
        st, subject = await _subject_context(
            principal, school_id, actor, a.student_id, a.subject_id, period
        )
        score = check_test_score(subject, st.row["grade"], period, a.test_score, st.rules)
        if st.row["locked"]:
            raise _locked()
        key = (a.student_id, a.subject_id, st.term_id, period)
        return await prepo.upsert_assessment(school_id, key, level, score, comment, actor)


def _check_qualities(levels: Mapping[str, str], rules: Tt27RuleSet) -> dict[str, str]:
    known = (*rules.qualities, *rules.competencies)
    if not levels:
        raise InvalidInput("no levels given", code=E.INVALID_QUALITY, field="levels")
    for code, level in levels.items():
        if code not in known:
            raise InvalidInput(f"unknown quality {code}", code=E.INVALID_QUALITY, field="levels")
        if level not in QUALITY_LEVELS:
            raise InvalidInput(
                "level must be TOT, DAT or CAN_CO_GANG", code=E.INVALID_LEVEL, field="levels"
            )
    return dict(levels)


async def record_qualities(
    principal: Principal,
    school_id: UUID,
    *,
    student_id: UUID,
    period: str,
    levels: Mapping[str, str],
) -> list[dict[str, Any]]:
    """The homeroom teacher's quality/competency levels of a student at CK1 or CN (some or all);
    returns every level recorded for that student and period."""
    actor = access.require_member(principal, school_id)
    period = check_period(period, QUALITY_PERIODS)
    async with db.tenant(school_id, actor):
        st = await _homeroom_context(principal, school_id, actor, student_id, period)
        checked = _check_qualities(levels, st.rules)
        if st.row["locked"]:
            raise _locked()
        await prepo.upsert_qualities(school_id, student_id, st.term_id, period, checked, actor)
        return await prepo.qualities(school_id, student_id, st.term_id, period)


async def set_year_entry(
    principal: Principal,
    school_id: UUID,
    *,
    student_id: UUID,
    outstanding_recognised: bool,
    comment: str | None,
) -> dict[str, Any]:
    """The homeroom teacher's end-of-year entry: whether the class recognised an outstanding result
    (a condition of the Tiêu biểu award, Điều 13) and a general comment."""
    actor = access.require_member(principal, school_id)
    body = _comment(comment)
    async with db.tenant(school_id, actor):
        st = await _homeroom_context(principal, school_id, actor, student_id, "CN")
        if st.row["locked"]:
            raise _locked()
        return await prepo.upsert_year_entry(
            school_id, student_id, st.term_id, outstanding_recognised, body, actor
        )


# --- Corrections after the lock (the shared machinery of ``grades.service``, scheme TT27). ---


@dataclass(frozen=True)
class PrimaryCorrection:
    """What to change: ``SUBJECT`` (level and test score of a subject at a period), ``QUALITY``
    (``item``'s level at CK1/CN) or ``YEAR`` (the outstanding-recognised flag, CN)."""

    target: str
    student_id: UUID
    period: str
    subject_id: UUID | None = None
    level: str | None = None
    test_score: int | Decimal | None = None
    item: str | None = None
    outstanding_recognised: bool | None = None


def subject_value(level: str, score: int | None) -> str:
    """Display form of a subject entry in a correction: ``T`` or ``T/9``."""
    return level if score is None else f"{level}/{score}"


def _parse_subject_value(value: str) -> tuple[str, int | None]:
    level, _, score = value.partition("/")
    return level, int(score) if score else None


def _invalid(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, code=E.INVALID_ASSESSMENT, field=field)


async def _correction_values(
    principal: Principal, school_id: UUID, actor: UUID, c: PrimaryCorrection
) -> tuple[_Student, dict[str, Any]]:
    """Authorise and validate like a direct entry; return the row values (old one captured now)."""
    values: dict[str, Any] = {"kind": c.target, "period": c.period, "item": None}
    if c.target == "SUBJECT":
        if c.subject_id is None or c.level is None:
            raise _invalid("a subject correction names the subject and level", "subjectId")
        check_period(c.period)
        level = check_level(c.level)
        st, subject = await _subject_context(
            principal, school_id, actor, c.student_id, c.subject_id, c.period
        )
        score = check_test_score(subject, st.row["grade"], c.period, c.test_score, st.rules)
        old = await prepo.assessment(school_id, c.student_id, c.subject_id, st.term_id, c.period)
        values |= {
            "subject_id": c.subject_id,
            "old_value": subject_value(old["level"], old["test_score"]) if old else None,
            "new_value": subject_value(level, score),
        }
        return st, values
    if c.target == "QUALITY":
        if c.item is None or c.level is None:
            raise _invalid("a quality correction names the quality and level", "item")
        check_period(c.period, QUALITY_PERIODS)
        st = await _homeroom_context(principal, school_id, actor, c.student_id, c.period)
        _check_qualities({c.item: c.level}, st.rules)
        rows = await prepo.qualities(school_id, c.student_id, st.term_id, c.period)
        old_q = next((r["level"] for r in rows if r["code"] == c.item), None)
        values |= {"subject_id": None, "item": c.item, "old_value": old_q, "new_value": c.level}
        return st, values
    if c.target == "YEAR":
        if c.outstanding_recognised is None:
            raise _invalid("a year correction gives outstandingRecognised", "outstandingRecognised")
        check_period(c.period, ("CN",))
        st = await _homeroom_context(principal, school_id, actor, c.student_id, c.period)
        entry = await prepo.year_entry(school_id, c.student_id, st.term_id)
        values |= {
            "subject_id": None,
            "old_value": str(entry["outstanding_recognised"]).lower() if entry else None,
            "new_value": str(c.outstanding_recognised).lower(),
        }
        return st, values
    raise _invalid("target must be SUBJECT, QUALITY or YEAR", "target")


async def request_correction(
    principal: Principal, school_id: UUID, c: PrimaryCorrection, *, reason: str
) -> dict[str, Any]:
    """Ask to change a locked primary entry. The old value is captured now, the change waits."""
    actor = access.require_member(principal, school_id)
    reason = " ".join(reason.split())
    if not 5 <= len(reason) <= 1000:
        raise InvalidInput("a reason of 5-1000 characters", code=E.INVALID_REASON, field="reason")
    async with db.tenant(school_id, actor):
        st, values = await _correction_values(principal, school_id, actor, c)
        if not st.row["locked"]:
            raise Conflict("not locked: record the change directly", code=E.GRADES_NOT_LOCKED)
        return await repo.insert_correction(
            school_id,
            values
            | {
                "scheme": "TT27",
                "student_id": c.student_id,
                "term_id": st.term_id,
                "slot": 1,
                "reason": reason,
                "requested_by": actor,
            },
        )


async def _apply_tt27(school_id: UUID, request: dict[str, Any], actor: UUID) -> str | None:
    student_id, term_id, period = request["student_id"], request["term_id"], request["period"]
    new = request["new_value"]
    if request["kind"] == "SUBJECT":
        old = await prepo.assessment(school_id, student_id, request["subject_id"], term_id, period)
        level, score = _parse_subject_value(new)
        key = (student_id, request["subject_id"], term_id, period)
        await prepo.correct_assessment(school_id, key, level, score, actor)
        return subject_value(old["level"], old["test_score"]) if old else None
    if request["kind"] == "QUALITY":
        rows = await prepo.qualities(school_id, student_id, term_id, period)
        old_q = next((r["level"] for r in rows if r["code"] == request["item"]), None)
        await prepo.upsert_qualities(
            school_id, student_id, term_id, period, {request["item"]: new}, actor
        )
        return old_q
    entry = await prepo.year_entry(school_id, student_id, term_id)
    await prepo.upsert_year_entry(
        school_id, student_id, term_id, new == "true", None, actor, keep_comment=True
    )
    return str(entry["outstanding_recognised"]).lower() if entry else None


async def decide_correction(
    principal: Principal, school_id: UUID, request_id: UUID, *, approve: bool
) -> dict[str, Any]:
    """The principal approves (applied and audited with who/when/old/new/why) or rejects."""
    return await service.decide(
        principal, school_id, request_id, approve=approve, scheme="TT27", apply=_apply_tt27
    )


async def list_corrections(
    principal: Principal, school_id: UUID, *, status: str | None
) -> list[dict[str, Any]]:
    """Primary correction requests: all for management, a teacher's own, nothing for others."""
    return await service.list_corrections(principal, school_id, status=status, scheme="TT27")
