"""Read models: the class grade sheet (sổ điểm) and a student's record for the year (học bạ).

Both load in a constant number of statements whatever the class size: the class, its subjects, its
students, the year's terms, then every score and comment of those students in one statement each;
results are computed in Python (``compute``), never stored.

The class sheet caches its computed cells per process, keyed by everything they are computed from:
the school, class and term, the school's grade *generation* (bumped by a trigger in the same
transaction as any score or comment write, migration m0013), the grading rules (year, grade), the
class's subjects with their kind and periods, and its students. The generation is read in the same
statement as the header, before the scores, so a cached entry is never older than its key. What
the caller may see (subjects, lock state, permission) is decided on every call from fresh rows;
the cache only saves loading and recomputing ~8,000 scores. A hit costs 4 statements (with the
transaction's tenant setting), a miss 7.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict, defaultdict
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

ASSESSMENT_ORDER = {"TX": 0, "GK": 1, "CK": 2}


@dataclass(frozen=True)
class SubjectCell:
    subject: dict[str, Any]
    scores: list[dict[str, Any]]
    comment: str | None
    outcome: compute.TermOutcome
    year: compute.TermOutcome | None  # HK2 sheets and records only


@dataclass(frozen=True, slots=True)
class SheetCell:
    """One student x subject of the class sheet: the recorded values as shown, and the results."""

    subject: dict[str, Any]
    regular: tuple[str | None, ...]  # TX1..TXn, None where not recorded
    midterm: str | None
    final: str | None
    comment: str | None
    outcome: compute.TermOutcome
    year: compute.TermOutcome | None  # HK2 sheets only


@dataclass(frozen=True)
class SheetRow:
    student: dict[str, Any]
    cells: list[SheetCell]


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
                sorted(mine, key=lambda s: (ASSESSMENT_ORDER[s["kind"]], s["slot"])),
                note[0]["body"] if note else None,
                outcome,
                year,
            )
        )
    return cells


def _shown(score: Any, rating: str | None) -> str:
    # interned: a sheet shows a few dozen distinct values thousands of times (cache memory)
    return sys.intern(compute.display(score, rating))


def _sheet_cell(cell: SubjectCell) -> SheetCell:
    values = {(s["kind"], s["slot"]): _shown(s["score"], s["rating"]) for s in cell.scores}
    n = cell.subject["regular_assessments"]
    return SheetCell(
        cell.subject,
        tuple(values.get(("TX", i)) for i in range(1, n + 1)),
        values.get(("GK", 1)),
        values.get(("CK", 1)),
        cell.comment,
        cell.outcome,
        cell.year,
    )


CellKey = tuple[UUID, UUID]  # (student, subject)


class SheetCache:
    """A small LRU of computed sheets (all subjects of the class); see the module docstring."""

    def __init__(self, capacity: int = 128) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[Any, ...], dict[CellKey, SheetCell]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple[Any, ...]) -> dict[CellKey, SheetCell] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: tuple[Any, ...], cells: dict[CellKey, SheetCell]) -> None:
        with self._lock:
            self._entries[key] = cells
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


CACHE = SheetCache()


def _cache_key(
    school_id: UUID,
    header: dict[str, Any],
    subjects: list[dict[str, Any]],
    students: list[dict[str, Any]],
) -> tuple[Any, ...]:
    return (
        school_id,
        header["class_id"],
        header["term_id"],
        header["grade_generation"],
        header["school_year"],
        header["grade"],
        tuple((s["id"], s["kind"], s["periods_per_year"]) for s in subjects),
        tuple(st["id"] for st in students),
    )


async def _compute_cells(
    school_id: UUID,
    header: dict[str, Any],
    subjects: list[dict[str, Any]],
    students: list[dict[str, Any]],
    rules: Any,
) -> dict[CellKey, SheetCell]:
    """Load the scores and comments of the class (3 statements) and compute every cell."""
    terms = {t["code"]: t["id"] for t in await repo.year_terms(school_id, header["school_year_id"])}
    term_id = header["term_id"]
    hk1_id = terms.get("HK1") if header["term_code"] == "HK2" else None
    term_ids = [term_id] + ([hk1_id] if hk1_id else [])
    student_ids = [s["id"] for s in students]
    scores = _index(await repo.sheet_scores_of(school_id, student_ids, term_ids))
    comments = _index(await repo.comments_of(school_id, student_ids, term_ids))
    return {
        (st["id"], cell.subject["id"]): _sheet_cell(cell)
        for st in students
        for cell in _cells(st["id"], subjects, term_id, hk1_id, scores, comments, rules)
    }


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
        visible = subjects
        if not (access.is_manager(principal, school_id) or header["homeroom_teacher_id"] == actor):
            visible = [s for s in subjects if s["teacher_user_id"] == actor]
            if not visible or not principal.has_school_role(school_id, {Role.TEACHER}):
                raise PermissionDenied("not a teacher of this class")
        rules = compute.rules_for(header["school_year"], header["grade"])  # unsupported: fail first
        students = await repo.class_students(school_id, class_id)
        for s in subjects:
            s["regular_assessments"] = regular_assessments(s)
        key = _cache_key(school_id, header, subjects, students)
        cells = CACHE.get(key)
        if cells is None:
            cells = await _compute_cells(school_id, header, subjects, students, rules)
            CACHE.put(key, cells)
    rows = [SheetRow(st, [cells[(st["id"], s["id"])] for s in visible]) for st in students]
    return GradeSheetData(header, visible, rows)


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
