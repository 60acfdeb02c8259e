"""GraphQL types of grades and records: scores, computed results, grade sheets, corrections."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.graphql.workspace.structure.grades_primary_types import PrimaryRecord
from schoolhub.graphql.workspace.structure.types import (
    AssessmentKind,
    CorrectionStatus,
    Rating,
    Subject,
    TermCode,
)
from schoolhub.workspace.structure.grades import compute
from schoolhub.workspace.structure.grades.sheet import SheetCell, SubjectCell


@strawberry.type(description="One recorded assessment (TX1..n, GK, CK).")
class ScoreEntry:
    kind: AssessmentKind
    slot: int
    label: str
    score: Decimal | None
    rating: Rating | None
    recorded_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ScoreEntry:
        return cls(
            kind=AssessmentKind(row["kind"]),
            slot=row["slot"],
            label=f"TX{row['slot']}" if row["kind"] == "TX" else row["kind"],
            score=row["score"],
            rating=Rating(row["rating"]) if row["rating"] else None,
            recorded_at=row["recorded_at"],
        )


@strawberry.type(
    description="A computed result (never entered): average or Đạt/Chưa đạt, or what is missing."
)
class ComputedResult:
    average: Decimal | None
    rating: Rating | None
    missing: list[str]

    @classmethod
    def of(cls, outcome: compute.TermOutcome) -> ComputedResult:
        return cls(
            average=outcome.average,
            rating=Rating(outcome.result) if outcome.result else None,
            missing=list(outcome.missing),
        )


@strawberry.type(description="One subject of one student in one term: scores, comment, results.")
class SubjectResult:
    subject: Subject
    scores: list[ScoreEntry]
    comment: str | None
    term_result: ComputedResult
    year_result: ComputedResult | None = strawberry.field(
        description="ĐTBmcn / year result: on second-semester sheets only."
    )

    @classmethod
    def of(cls, cell: SubjectCell) -> SubjectResult:
        return cls(
            subject=Subject.from_row(cell.subject),
            scores=[ScoreEntry.from_row(s) for s in cell.scores],
            comment=cell.comment,
            term_result=ComputedResult.of(cell.outcome),
            year_result=ComputedResult.of(cell.year) if cell.year else None,
        )


@strawberry.type(
    description="One student x subject of a grade sheet, flat so a 45 x 12 sheet stays cheap: "
    "`regular[i]` is TXi+1 (a score, or DAT/CHUA_DAT for comment subjects; null = not recorded)."
)
class GradeSheetCell:
    subject_id: strawberry.ID
    regular: list[str | None]
    midterm: str | None
    final: str | None
    comment: str | None
    term_average: Decimal | None
    term_rating: Rating | None
    missing: list[str]
    year_average: Decimal | None
    year_rating: Rating | None

    @classmethod
    def of(cls, cell: SheetCell, subject_gid: strawberry.ID) -> GradeSheetCell:
        out, year = cell.outcome, cell.year
        return cls(
            subject_id=subject_gid,
            regular=list(cell.regular),
            midterm=cell.midterm,
            final=cell.final,
            comment=cell.comment,
            term_average=out.average,
            term_rating=Rating(out.result) if out.result else None,
            missing=list(out.missing),
            year_average=year.average if year else None,
            year_rating=Rating(year.result) if year and year.result else None,
        )


@strawberry.type(description="A student's row; `cells[j]` belongs to `GradeSheet.subjects[j]`.")
class GradeSheetRow:
    student_id: strawberry.ID
    student_code: str
    full_name: str
    cells: list[GradeSheetCell]


@strawberry.type(description="The class grade sheet (sổ điểm) of a term.")
class GradeSheet:
    class_id: strawberry.ID
    class_name: str
    grade: int
    school_year: str
    term: TermCode
    locked: bool
    subjects: list[Subject]
    rows: list[GradeSheetRow]


@strawberry.type
class RecordSubject:
    subject: Subject
    hk1: SubjectResult | None
    hk2: SubjectResult | None
    year: ComputedResult | None


@strawberry.type(description="A student's results for the year of their class (học bạ year page).")
class StudentRecord:
    student_id: strawberry.ID
    student_code: str
    full_name: str
    class_name: str
    school_year: str
    subjects: list[RecordSubject]
    primary: PrimaryRecord | None = strawberry.field(
        default=None, description="Grades 1-5 (TT27): the primary record; `subjects` is empty."
    )


@strawberry.type
class GradeLock:
    class_id: strawberry.ID
    term_id: strawberry.ID
    locked_at: datetime


@strawberry.type(description="A change to a locked grade, waiting for or decided by the principal.")
class CorrectionRequest(relay.Node):
    id: relay.NodeID[str]
    student_id: strawberry.ID
    subject_id: strawberry.ID
    term_id: strawberry.ID
    assessment: str
    old_value: str | None
    new_value: str
    reason: str
    status: CorrectionStatus
    requested_at: datetime
    decided_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CorrectionRequest:
        return cls(
            id=str(row["id"]),
            student_id=strawberry.ID(ids.encode("Student", row["student_id"])),
            subject_id=strawberry.ID(ids.encode("Subject", row["subject_id"])),
            term_id=strawberry.ID(ids.encode("Term", row["term_id"])),
            assessment=f"TX{row['slot']}" if row["kind"] == "TX" else row["kind"],
            old_value=row["old_value"],
            new_value=row["new_value"],
            reason=row["reason"],
            status=CorrectionStatus(row["status"]),
            requested_at=row["requested_at"],
            decided_at=row["decided_at"],
        )


@strawberry.type
class ScoreEntryPayload:
    score: ScoreEntry | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SubjectCommentPayload:
    comment: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class GradeLockPayload:
    lock: GradeLock | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CorrectionRequestPayload:
    correction: CorrectionRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
