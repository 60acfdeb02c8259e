"""Primary (tiểu học, TT27) assessment: entries, qualities, the year entry, the class sheet and
corrections. Locking is the shared ``lockGrades`` (a period belongs to its term); a primary
student's học bạ comes back from ``studentRecord`` in its ``primary`` field."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.graphql.workspace.structure.grades_primary_types import (
    PrimaryAssessment,
    PrimaryAssessmentPayload,
    PrimaryCorrectionRequest,
    PrimaryCorrectionRequestPayload,
    PrimaryCorrectionTarget,
    PrimaryGradeSheet,
    PrimaryLevel,
    PrimaryPeriod,
    PrimaryQualitiesPayload,
    PrimaryYearEntry,
    PrimaryYearEntryPayload,
    QualityAssessment,
    QualityLevel,
)
from schoolhub.graphql.workspace.structure.setup import school
from schoolhub.graphql.workspace.structure.types import CorrectionStatus
from schoolhub.platform.errors import DomainError
from schoolhub.workspace.structure.grades import primary, primary_sheet


@strawberry.input(
    description="A subject's periodic entry: level, the test score (integer 0..10, only where "
    "TT27 has a periodic test for the grade and period) and a comment. The whole entry is "
    "replaced: send the current test score and comment to keep them."
)
class PrimaryAssessmentInput:
    student_id: strawberry.ID
    subject_id: strawberry.ID
    period: PrimaryPeriod
    level: PrimaryLevel
    test_score: Decimal | None = None
    comment: str | None = None


@strawberry.input
class QualityLevelInput:
    code: str = strawberry.field(description="e.g. CHAM_CHI, TU_CHU_TU_HOC (TT27 rule set codes).")
    level: QualityLevel


@strawberry.input(
    description="SUBJECT: subjectId, level, testScore; QUALITY: item, qualityLevel (CK1/CN); "
    "YEAR: outstandingRecognised (CN)."
)
class PrimaryCorrectionInput:
    target: PrimaryCorrectionTarget
    student_id: strawberry.ID
    period: PrimaryPeriod
    subject_id: strawberry.ID | None = None
    level: PrimaryLevel | None = None
    test_score: Decimal | None = None
    item: str | None = None
    quality_level: QualityLevel | None = None
    outstanding_recognised: bool | None = None


def _correction(input: PrimaryCorrectionInput) -> primary.PrimaryCorrection:
    quality = input.target is PrimaryCorrectionTarget.QUALITY
    level = input.quality_level if quality else input.level
    return primary.PrimaryCorrection(
        target=input.target.value,
        student_id=ids.decode(input.student_id, "Student", "studentId"),
        period=input.period.value,
        subject_id=ids.decode(input.subject_id, "Subject", "subjectId")
        if input.subject_id
        else None,
        level=level.value if level else None,
        test_score=input.test_score,
        item=input.item,
        outstanding_recognised=input.outstanding_recognised,
    )


@strawberry.type
class PrimaryGradeQueries:
    @strawberry.field(
        description="A primary class at one period: students x subjects (level, test score, "
        "comment), qualities and the computed year result; a constant number of SQL statements."
    )
    async def primary_grade_sheet(
        self,
        info: Info,
        school_id: strawberry.ID,
        class_id: strawberry.ID,
        period: PrimaryPeriod,
    ) -> PrimaryGradeSheet:
        principal = info.context.require_principal()
        data = await primary_sheet.primary_sheet(
            principal,
            school(school_id),
            class_id=ids.decode(class_id, "SchoolClass", "classId"),
            period=period.value,
        )
        return PrimaryGradeSheet.of(data)

    @strawberry.field(
        description="Primary correction requests: all for management, own for teachers."
    )
    async def primary_grade_corrections(
        self, info: Info, school_id: strawberry.ID, status: CorrectionStatus | None = None
    ) -> list[PrimaryCorrectionRequest]:
        principal = info.context.require_principal()
        rows = await primary.list_corrections(
            principal, school(school_id), status=status.value if status else None
        )
        return [PrimaryCorrectionRequest.from_row(r) for r in rows]


@strawberry.type
class PrimaryGradeMutations:
    @strawberry.mutation(description="The assigned teacher (or principal) records a subject entry.")
    async def record_primary_assessment(
        self, info: Info, school_id: strawberry.ID, input: PrimaryAssessmentInput
    ) -> PrimaryAssessmentPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            row = await primary.record_assessment(
                principal,
                school(school_id),
                primary.PrimaryAssessment(
                    student_id=ids.decode(input.student_id, "Student", "studentId"),
                    subject_id=ids.decode(input.subject_id, "Subject", "subjectId"),
                    period=input.period.value,
                    level=input.level.value,
                    test_score=input.test_score,
                    comment=input.comment,
                ),
            )
        except DomainError as exc:
            return PrimaryAssessmentPayload(errors=[UserError.of(exc)])
        return PrimaryAssessmentPayload(assessment=PrimaryAssessment.from_row(row))

    @strawberry.mutation(
        description="The homeroom teacher (or principal) records quality/competency levels."
    )
    async def record_primary_qualities(
        self,
        info: Info,
        school_id: strawberry.ID,
        student_id: strawberry.ID,
        period: PrimaryPeriod,
        levels: list[QualityLevelInput],
    ) -> PrimaryQualitiesPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            rows = await primary.record_qualities(
                principal,
                school(school_id),
                student_id=ids.decode(student_id, "Student", "studentId"),
                period=period.value,
                levels={q.code: q.level.value for q in levels},
            )
        except DomainError as exc:
            return PrimaryQualitiesPayload(errors=[UserError.of(exc)])
        return PrimaryQualitiesPayload(qualities=[QualityAssessment.from_row(r) for r in rows])

    @strawberry.mutation(description="The homeroom teacher's (or principal's) end-of-year entry.")
    async def set_primary_year_result(
        self,
        info: Info,
        school_id: strawberry.ID,
        student_id: strawberry.ID,
        outstanding_recognised: bool,
        comment: str | None = None,
    ) -> PrimaryYearEntryPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            row = await primary.set_year_entry(
                principal,
                school(school_id),
                student_id=ids.decode(student_id, "Student", "studentId"),
                outstanding_recognised=outstanding_recognised,
                comment=comment,
            )
        except DomainError as exc:
            return PrimaryYearEntryPayload(errors=[UserError.of(exc)])
        return PrimaryYearEntryPayload(entry=PrimaryYearEntry.from_row(row))

    @strawberry.mutation(description="Ask the principal to change a locked primary entry.")
    async def request_primary_grade_correction(
        self, info: Info, school_id: strawberry.ID, input: PrimaryCorrectionInput, reason: str
    ) -> PrimaryCorrectionRequestPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            row = await primary.request_correction(
                principal, school(school_id), _correction(input), reason=reason
            )
        except DomainError as exc:
            return PrimaryCorrectionRequestPayload(errors=[UserError.of(exc)])
        return PrimaryCorrectionRequestPayload(correction=PrimaryCorrectionRequest.from_row(row))

    @strawberry.mutation(description="The principal approves (applies, audited) or rejects.")
    async def decide_primary_grade_correction(
        self, info: Info, school_id: strawberry.ID, request_id: strawberry.ID, approve: bool
    ) -> PrimaryCorrectionRequestPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            row = await primary.decide_correction(
                principal,
                school(school_id),
                ids.decode(request_id, "PrimaryCorrectionRequest", "requestId"),
                approve=approve,
            )
        except DomainError as exc:
            return PrimaryCorrectionRequestPayload(errors=[UserError.of(exc)])
        return PrimaryCorrectionRequestPayload(correction=PrimaryCorrectionRequest.from_row(row))
