"""Primary read models: the class sheet of one periodic point and a student's year (học bạ).

Both load in a constant number of statements whatever the class size (the class and term, its
subjects, its students, then every assessment, quality level and year entry of those students in one
statement each). The end-of-year education result (Điều 9 khoản 2) and award (Điều 13) are computed
here from the CN entries each time, never stored, so a correction never leaves a stale result; a
result decided by the [unconfirmed] Hoàn thành row carries ``needs_legal_review``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from schoolhub.platform import db
from schoolhub.platform.errors import InvalidInput, NotFound, PermissionDenied
from schoolhub.platform.principal import Principal, Role
from schoolhub.workspace.grading_primary import (
    EducationResult,
    PrimaryLevel,
    PrimaryPeriod,
    QualityLevel,
    completes_grade,
    education_result,
    periodic_test_subjects,
    primary_award,
)
from schoolhub.workspace.grading_rules import Tt27RuleSet
from schoolhub.workspace.structure import access
from schoolhub.workspace.structure.errors import WorkspaceStructureErrorCode as E
from schoolhub.workspace.structure.grades import primary_repository as prepo
from schoolhub.workspace.structure.grades import repository as repo
from schoolhub.workspace.structure.grades import sheet
from schoolhub.workspace.structure.grades.primary import (
    QUALITY_PERIODS,
    TERM_OF_PERIOD,
    check_period,
    rules_for,
)


@dataclass(frozen=True)
class YearOutcome:
    """The computed end-of-year result: ``level`` (an ``EducationResultLevel`` name) or what is
    ``missing`` (``LEVEL:<subject>``, ``TEST:<subject>``, a quality/competency code)."""

    level: str | None
    needs_legal_review: bool
    award: str | None  # a ``PrimaryAward`` name
    completes_grade: bool | None
    missing: tuple[str, ...]


def year_outcome(
    grade: int,
    subjects: Iterable[dict[str, Any]],
    cn_entries: dict[UUID, dict[str, Any]],
    quality_rows: Iterable[dict[str, Any]],
    entry: dict[str, Any] | None,
    rules: Tt27RuleSet,
) -> YearOutcome:
    """From CN levels/tests of every subject taught, CN qualities and the year entry."""
    missing: list[str] = []
    levels: dict[str, PrimaryLevel] = {}
    scores: dict[str, int] = {}
    for s in subjects:
        row = cn_entries.get(s["id"])
        if row is None:
            missing.append(f"LEVEL:{s['code']}")
            continue
        levels[s["code"]] = PrimaryLevel(row["level"])
        if row["test_score"] is not None:
            scores[s["code"]] = row["test_score"]
    qualities = {q["code"]: QualityLevel[q["level"]] for q in quality_rows}
    result = education_result(grade, levels, qualities, scores, rules)
    if not isinstance(result, EducationResult):
        missing += [m for m in result.missing if m != "SUBJECT_LEVELS" or not missing]
    if missing or not isinstance(result, EducationResult):
        return YearOutcome(None, False, None, None, tuple(missing))
    outstanding = bool(entry and entry["outstanding_recognised"])
    award = primary_award(result, outstanding_recognised=outstanding)
    return YearOutcome(
        result.level.name,
        result.needs_legal_review,
        award.name if award else None,
        completes_grade(result),
        (),
    )


@dataclass(frozen=True)
class PrimaryCell:
    subject: dict[str, Any]
    entry: dict[str, Any] | None  # level, test_score, comment; None = not recorded
    test_applicable: bool  # TT27 has a periodic test for this subject, grade and period


@dataclass(frozen=True)
class PrimarySheetRow:
    student: dict[str, Any]
    cells: list[PrimaryCell]
    qualities: list[dict[str, Any]]  # CK1/CN, homeroom teacher and management only
    year_entry: dict[str, Any] | None
    year: YearOutcome | None  # CN sheets, homeroom teacher and management only


@dataclass(frozen=True)
class PrimarySheetData:
    header: dict[str, Any]
    period: str
    subjects: list[dict[str, Any]]
    rows: list[PrimarySheetRow]


def _cells(
    student_id: UUID,
    subjects: list[dict[str, Any]],
    term_id: UUID,
    period: str,
    entries: dict[tuple[UUID, UUID, UUID, str], dict[str, Any]],
    tested: frozenset[str],
) -> list[PrimaryCell]:
    return [
        PrimaryCell(s, entries.get((student_id, s["id"], term_id, period)), s["code"] in tested)
        for s in subjects
    ]


def _by_key(rows: list[dict[str, Any]]) -> dict[tuple[UUID, UUID, UUID, str], dict[str, Any]]:
    return {(r["student_id"], r["subject_id"], r["term_id"], r["period"]): r for r in rows}


def _qualities_by(rows: list[dict[str, Any]]) -> dict[tuple[UUID, str], list[dict[str, Any]]]:
    out: dict[tuple[UUID, str], list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault((r["student_id"], r["period"]), []).append(r)
    return out


async def primary_sheet(
    principal: Principal, school_id: UUID, *, class_id: UUID, period: str
) -> PrimarySheetData:
    """Students x subjects of a primary class at one periodic point.

    Principals, vice-principals and the homeroom teacher see every subject, the quality/competency
    levels (CK1, CN) and the computed year result (CN); a subject teacher sees the subjects they
    teach to the class that term; anyone else is refused.
    """
    actor = access.require_member(principal, school_id)
    period = check_period(period)
    async with db.tenant(school_id, actor):
        header = await prepo.class_in_term(school_id, class_id, TERM_OF_PERIOD[period])
        if header is None:
            raise NotFound("class")
        if header["term_id"] is None:
            raise NotFound("term")
        term_id = header["term_id"]
        subjects = await repo.class_subjects(school_id, class_id, term_id)
        full = access.is_manager(principal, school_id) or header["homeroom_teacher_id"] == actor
        if not full:
            subjects = [s for s in subjects if s["teacher_user_id"] == actor]
            if not subjects or not principal.has_school_role(school_id, {Role.TEACHER}):
                raise PermissionDenied("not a teacher of this class")
        rules = rules_for(header["school_year"], header["grade"])
        students = await repo.class_students(school_id, class_id)
        ids = [s["id"] for s in students]
        entries = _by_key(await prepo.assessments_of(school_id, ids, [term_id], [period]))
        qualities: dict[tuple[UUID, str], list[dict[str, Any]]] = {}
        if full and period in QUALITY_PERIODS:
            rows = await prepo.qualities_of(school_id, ids, [term_id], [period])
            qualities = _qualities_by(rows)
        years: dict[UUID, dict[str, Any]] = {}
        if full and period == "CN":
            years = {
                r["student_id"]: r for r in await prepo.year_entries_of(school_id, ids, term_id)
            }
    tested = periodic_test_subjects(header["grade"], PrimaryPeriod(period), rules)
    out = []
    for st in students:
        cells = _cells(st["id"], subjects, term_id, period, entries, tested)
        mine = qualities.get((st["id"], period), [])
        year = None
        if full and period == "CN":
            cn = {c.subject["id"]: c.entry for c in cells if c.entry is not None}
            year = year_outcome(header["grade"], subjects, cn, mine, years.get(st["id"]), rules)
        out.append(PrimarySheetRow(st, cells, mine, years.get(st["id"]), year))
    return PrimarySheetData(header, period, subjects, out)


@dataclass(frozen=True)
class PrimaryRecordPeriod:
    period: str
    cells: list[PrimaryCell]
    qualities: list[dict[str, Any]]


@dataclass(frozen=True)
class PrimaryRecordData:
    student: dict[str, Any]
    subjects: list[dict[str, Any]]
    periods: list[PrimaryRecordPeriod]  # the periods whose term is set up, in order
    year_entry: dict[str, Any] | None
    year: YearOutcome | None


async def student_record(
    principal: Principal, school_id: UUID, student_id: UUID
) -> PrimaryRecordData:
    """A primary student's year (học bạ): every period's subject entries, the qualities and
    competencies, and the computed result. Visible to management, the homeroom teacher, the
    student themself and a guardian linked to the student unless custody-restricted (as TT22)."""
    actor = access.require_member(principal, school_id)
    async with db.tenant(school_id, actor):
        student = await repo.student(school_id, student_id)
        if student is None or student["class_id"] is None:
            raise NotFound("student")
        allowed = (
            access.is_manager(principal, school_id)
            or (
                student["homeroom_teacher_id"] == actor
                and principal.has_school_role(school_id, {Role.TEACHER})
            )
            or (
                student["user_id"] == actor and principal.has_school_role(school_id, {Role.STUDENT})
            )
            or (
                principal.has_school_role(school_id, {Role.GUARDIAN})
                and await repo.guardian_may_see(school_id, student_id, actor)
            )
        )
        if not allowed:
            raise PermissionDenied("not your student")
        rules = rules_for(student["school_year"], student["grade"])
        terms = {
            t["code"]: t["id"] for t in await repo.student_year(school_id, student["school_year"])
        }
        term_ids = list(terms.values())
        subjects = await repo.subjects_taught(school_id, student["class_id"], term_ids)
        periods = [p for p, t in TERM_OF_PERIOD.items() if t in terms]
        entries = _by_key(await prepo.assessments_of(school_id, [student_id], term_ids, periods))
        qualities = _qualities_by(
            await prepo.qualities_of(school_id, [student_id], term_ids, list(QUALITY_PERIODS))
        )
        entry = None
        if "HK2" in terms:
            found = await prepo.year_entries_of(school_id, [student_id], terms["HK2"])
            entry = found[0] if found else None
    grade = student["grade"]
    record = []
    for p in periods:
        tested = periodic_test_subjects(grade, PrimaryPeriod(p), rules)
        term_id = terms[TERM_OF_PERIOD[p]]
        cells = _cells(student_id, subjects, term_id, p, entries, tested)
        record.append(PrimaryRecordPeriod(p, cells, qualities.get((student_id, p), [])))
    year = None
    if "HK2" in terms:
        cn_cells = next(r.cells for r in record if r.period == "CN")
        cn = {c.subject["id"]: c.entry for c in cn_cells if c.entry is not None}
        year = year_outcome(
            grade, subjects, cn, qualities.get((student_id, "CN"), []), entry, rules
        )
    return PrimaryRecordData(student, subjects, record, entry, year)


async def any_student_record(
    principal: Principal, school_id: UUID, student_id: UUID
) -> sheet.StudentRecordData | PrimaryRecordData:
    """The học bạ of any student: TT22 (``sheet.student_record``) for grades 6-12, TT27 for a
    primary student (the TT22 read refuses grades 1-5 with ``GRADING_NOT_SUPPORTED`` after its own
    permission check, so a secondary record costs nothing extra)."""
    try:
        return await sheet.student_record(principal, school_id, student_id)
    except InvalidInput as exc:
        if exc.code != E.GRADING_NOT_SUPPORTED:
            raise
    return await student_record(principal, school_id, student_id)
