"""Scores, comments, the class grade sheet, student records, locking and corrections."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.graphql.workspace.structure.grade_types import (
    ComputedResult,
    CorrectionRequest,
    CorrectionRequestPayload,
    GradeLock,
    GradeLockPayload,
    GradeSheet,
    GradeSheetCell,
    GradeSheetRow,
    RecordSubject,
    ScoreEntry,
    ScoreEntryPayload,
    StudentRecord,
    SubjectCommentPayload,
    SubjectResult,
)
from schoolhub.graphql.workspace.structure.grades_primary_types import PrimaryRecord
from schoolhub.graphql.workspace.structure.setup import school
from schoolhub.graphql.workspace.structure.types import (
    AssessmentKind,
    CorrectionStatus,
    Rating,
    Subject,
    TermCode,
)
from schoolhub.platform.errors import DomainError
from schoolhub.workspace.structure.grades import primary_sheet, service, sheet


@strawberry.input(
    description="One assessment: a score for scored subjects, a rating for comment ones."
)
class ScoreInput:
    student_id: strawberry.ID
    subject_id: strawberry.ID
    term_id: strawberry.ID
    kind: AssessmentKind
    slot: int = 1
    score: Decimal | None = None
    rating: Rating | None = None


def _assessment(input: ScoreInput) -> service.Assessment:
    return service.Assessment(
        student_id=ids.decode(input.student_id, "Student", "studentId"),
        subject_id=ids.decode(input.subject_id, "Subject", "subjectId"),
        term_id=ids.decode(input.term_id, "Term", "termId"),
        kind=input.kind.value,
        slot=input.slot,
        score=input.score,
        rating=input.rating.value if input.rating else None,
    )


@strawberry.type
class GradeQueries:
    @strawberry.field(
        description="Students x subjects x scores with computed averages (a constant number of "
        "SQL statements whatever the class size)."
    )
    async def grade_sheet(
        self, info: Info, school_id: strawberry.ID, class_id: strawberry.ID, term_id: strawberry.ID
    ) -> GradeSheet:
        principal = info.context.require_principal()
        data = await sheet.grade_sheet(
            principal,
            school(school_id),
            class_id=ids.decode(class_id, "SchoolClass", "classId"),
            term_id=ids.decode(term_id, "Term", "termId"),
        )
        h = data.header
        subject_ids = [strawberry.ID(ids.encode("Subject", x["id"])) for x in data.subjects]
        return GradeSheet(
            class_id=strawberry.ID(ids.encode("SchoolClass", h["class_id"])),
            class_name=h["class_name"],
            grade=h["grade"],
            school_year=h["school_year"],
            term=TermCode(h["term_code"]),
            locked=h["locked"],
            subjects=[Subject.from_row(s) for s in data.subjects],
            rows=[
                GradeSheetRow(
                    student_id=strawberry.ID(ids.encode("Student", r.student["id"])),
                    student_code=r.student["student_code"],
                    full_name=r.student["full_name"],
                    cells=[
                        GradeSheetCell.of(c, g) for c, g in zip(r.cells, subject_ids, strict=True)
                    ],
                )
                for r in data.rows
            ],
        )

    @strawberry.field(
        description="A student's year results (học bạ): the student, their guardians (unless "
        "custody-restricted), the homeroom teacher and school management."
    )
    async def student_record(
        self, info: Info, school_id: strawberry.ID, student_id: strawberry.ID
    ) -> StudentRecord:
        principal = info.context.require_principal()
        data = await primary_sheet.any_student_record(
            principal, school(school_id), ids.decode(student_id, "Student", "studentId")
        )
        st = data.student
        if isinstance(data, primary_sheet.PrimaryRecordData):  # grades 1-5 (TT27)
            return StudentRecord(
                student_id=strawberry.ID(ids.encode("Student", st["id"])),
                student_code=st["student_code"],
                full_name=st["full_name"],
                class_name=st["class_name"],
                school_year=st["school_year"],
                subjects=[],
                primary=PrimaryRecord.of(data),
            )
        return StudentRecord(
            student_id=strawberry.ID(ids.encode("Student", st["id"])),
            student_code=st["student_code"],
            full_name=st["full_name"],
            class_name=st["class_name"],
            school_year=st["school_year"],
            subjects=[
                RecordSubject(
                    subject=Subject.from_row(s.subject),
                    hk1=SubjectResult.of(s.hk1) if s.hk1 else None,
                    hk2=SubjectResult.of(s.hk2) if s.hk2 else None,
                    year=ComputedResult.of(s.year) if s.year else None,
                )
                for s in data.subjects
            ],
        )

    @strawberry.field(description="Correction requests: all for management, own for teachers.")
    async def grade_corrections(
        self, info: Info, school_id: strawberry.ID, status: CorrectionStatus | None = None
    ) -> list[CorrectionRequest]:
        principal = info.context.require_principal()
        rows = await service.list_corrections(
            principal, school(school_id), status=status.value if status else None
        )
        return [CorrectionRequest.from_row(r) for r in rows]


@strawberry.type
class GradeMutations:
    @strawberry.mutation(description="The assigned teacher (or principal) records an assessment.")
    async def record_score(
        self, info: Info, school_id: strawberry.ID, input: ScoreInput
    ) -> ScoreEntryPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            row = await service.record_score(principal, school(school_id), _assessment(input))
        except DomainError as exc:
            return ScoreEntryPayload(errors=[UserError.of(exc)])
        return ScoreEntryPayload(score=ScoreEntry.from_row(row))

    @strawberry.mutation(description="The assigned teacher's comment on a student for the term.")
    async def set_subject_comment(
        self,
        info: Info,
        school_id: strawberry.ID,
        student_id: strawberry.ID,
        subject_id: strawberry.ID,
        term_id: strawberry.ID,
        body: str,
    ) -> SubjectCommentPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            saved = await service.set_comment(
                principal,
                school(school_id),
                student_id=ids.decode(student_id, "Student", "studentId"),
                subject_id=ids.decode(subject_id, "Subject", "subjectId"),
                term_id=ids.decode(term_id, "Term", "termId"),
                body=body,
            )
        except DomainError as exc:
            return SubjectCommentPayload(errors=[UserError.of(exc)])
        return SubjectCommentPayload(comment=saved)

    @strawberry.mutation(description="The principal locks a class's grades for a term.")
    async def lock_grades(
        self, info: Info, school_id: strawberry.ID, class_id: strawberry.ID, term_id: strawberry.ID
    ) -> GradeLockPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            row = await service.lock_grades(
                principal,
                school(school_id),
                class_id=ids.decode(class_id, "SchoolClass", "classId"),
                term_id=ids.decode(term_id, "Term", "termId"),
            )
        except DomainError as exc:
            return GradeLockPayload(errors=[UserError.of(exc)])
        return GradeLockPayload(
            lock=GradeLock(
                class_id=strawberry.ID(ids.encode("SchoolClass", row["class_id"])),
                term_id=strawberry.ID(ids.encode("Term", row["term_id"])),
                locked_at=row["locked_at"],
            )
        )

    @strawberry.mutation(description="Ask the principal to change a locked assessment.")
    async def request_grade_correction(
        self, info: Info, school_id: strawberry.ID, input: ScoreInput, reason: str
    ) -> CorrectionRequestPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            row = await service.request_correction(
                principal, school(school_id), _assessment(input), reason=reason
            )
        except DomainError as exc:
            return CorrectionRequestPayload(errors=[UserError.of(exc)])
        return CorrectionRequestPayload(correction=CorrectionRequest.from_row(row))

    @strawberry.mutation(description="The principal approves (applies, audited) or rejects.")
    async def decide_grade_correction(
        self, info: Info, school_id: strawberry.ID, request_id: strawberry.ID, approve: bool
    ) -> CorrectionRequestPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            row = await service.decide_correction(
                principal,
                school(school_id),
                ids.decode(request_id, "CorrectionRequest", "requestId"),
                approve=approve,
            )
        except DomainError as exc:
            return CorrectionRequestPayload(errors=[UserError.of(exc)])
        return CorrectionRequestPayload(correction=CorrectionRequest.from_row(row))
