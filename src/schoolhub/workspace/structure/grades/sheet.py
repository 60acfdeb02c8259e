"""Read models: the class grade sheet (sổ điểm) and a student's record for the year (học bạ).

Both load in a constant number of statements whatever the class size: the class, its subjects, its
students, the year's terms, then every score and comment of those students in one statement each;
results are computed in Python (``compute``), never stored.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from schoolhub.platform import db
from schoolhub.platform.errors import NotFound, PermissionDenied
from schoolhub.platform.principal import Principal, Role
from schoolhub.workspace.structure import access
from schoolhub.workspace.structure.grades import compute
from schoolhub.workspace.structure.grades import repository as repo
from schoolhub.workspace.structure.setup.service import regular_assessments


@dataclass(frozen=True)
class SubjectCell:
    subject: dict[str, Any]
    scores: list[dict[str, Any]]
    comment: str | None
    outcome: compute.TermOutcome
    year: compute.TermOutcome | None  # HK2 sheets and records only


@dataclass(frozen=True)
class SheetRow:
    student: dict[str, Any]
    cells: list[SubjectCell]


@dataclass(frozen=True)
class GradeSheetData:
    header: dict[str, Any]
    subjects: list[dict[str, Any]]
    rows: list[SheetRow]


def _index(
    rows: list[dict[str, Any]],
) -> dict[tuple[UUID, UUID, UUID], list[dict[str, Any]]]:
    out: dict[tuple[UUID, UUID, UUID], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[(r["student_id"], r["subject_id"], r["term_id"])].append(r)
    return out


def _cells(
    student_id: UUID,
    subjects: list[dict[str, Any]],
    term_id: UUID,
    hk1_id: UUID | None,
    scores: dict[tuple[UUID, UUID, UUID], list[dict[str, Any]]],
    comments: dict[tuple[UUID, UUID, UUID], list[dict[str, Any]]],
    rules: Any,
) -> list[SubjectCell]:
    cells = []
    for subject in subjects:
        mine = scores.get((student_id, subject["id"], term_id), [])
        outcome = compute.term_outcome(subject, mine, rules)
        year = None
        if hk1_id is not None:
            first = compute.term_outcome(
                subject, scores.get((student_id, subject["id"], hk1_id), []), rules
            )
            year = compute.year_outcome(subject, first, outcome, rules)
        note = comments.get((student_id, subject["id"], term_id))
        cells.append(
            SubjectCell(
                subject,
                sorted(mine, key=lambda s: ({"TX": 0, "GK": 1, "CK": 2}[s["kind"]], s["slot"])),
                note[0]["body"] if note else None,
                outcome,
                year,
            )
        )
    return cells


async def grade_sheet(
    principal: Principal, school_id: UUID, *, class_id: UUID, term_id: UUID
) -> GradeSheetData:
    """Students x subjects x scores with computed averages.

    Principals, vice-principals and the homeroom teacher see every subject; a subject teacher sees
    the subjects they teach to the class this term; anyone else is refused.
    """
    actor = access.require_member(principal, school_id)
    async with db.tenant(school_id, actor):
        header = await repo.class_and_term(school_id, class_id, term_id)
        if header is None or header["term_year"] != header["school_year"]:
            raise NotFound("class")
        subjects = await repo.class_subjects(school_id, class_id, term_id)
        if not (access.is_manager(principal, school_id) or header["homeroom_teacher_id"] == actor):
            subjects = [s for s in subjects if s["teacher_user_id"] == actor]
            if not subjects or not principal.has_school_role(school_id, {Role.TEACHER}):
                raise PermissionDenied("not a teacher of this class")
        rules = compute.rules_for(header["school_year"], header["grade"])
        students = await repo.class_students(school_id, class_id)
        terms = {
            t["code"]: t["id"] for t in await repo.year_terms(school_id, header["school_year_id"])
        }
        hk1_id = terms.get("HK1") if header["term_code"] == "HK2" else None
        term_ids = [term_id] + ([hk1_id] if hk1_id else [])
        student_ids = [s["id"] for s in students]
        scores = _index(await repo.scores_of(school_id, student_ids, term_ids))
        comments = _index(await repo.comments_of(school_id, student_ids, term_ids))
    for s in subjects:
        s["regular_assessments"] = regular_assessments(s)
    rows = [
        SheetRow(st, _cells(st["id"], subjects, term_id, hk1_id, scores, comments, rules))
        for st in students
    ]
    return GradeSheetData(header, subjects, rows)


@dataclass(frozen=True)
class RecordSubject:
    subject: dict[str, Any]
    hk1: SubjectCell | None
    hk2: SubjectCell | None
    year: compute.TermOutcome | None


@dataclass(frozen=True)
class StudentRecordData:
    student: dict[str, Any]
    subjects: list[RecordSubject]


async def student_record(
    principal: Principal, school_id: UUID, student_id: UUID
) -> StudentRecordData:
    """A student's subject results for the year of their class (the học bạ year page).

    Visible to the principal and vice-principals, the homeroom teacher, the student themself, and a
    guardian linked to the student, unless that link is custody-restricted.
    """
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
        rules = compute.rules_for(student["school_year"], student["grade"])
        terms = {
            t["code"]: t["id"] for t in await repo.student_year(school_id, student["school_year"])
        }
        term_ids = list(terms.values())
        subjects = await repo.subjects_taught(school_id, student["class_id"], term_ids)
        scores = _index(await repo.scores_of(school_id, [student_id], term_ids))
        comments = _index(await repo.comments_of(school_id, [student_id], term_ids))
    result = []
    for subject in subjects:
        hk1 = hk2 = None
        if "HK1" in terms:
            hk1 = _cells(student_id, [subject], terms["HK1"], None, scores, comments, rules)[0]
        if "HK2" in terms:
            hk2 = _cells(
                student_id, [subject], terms["HK2"], terms.get("HK1"), scores, comments, rules
            )[0]
        result.append(RecordSubject(subject, hk1, hk2, hk2.year if hk2 else None))
    return StudentRecordData(student, result)
