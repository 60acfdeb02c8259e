"""GraphQL types of primary (tiểu học, TT27) assessment: entries, sheets, records, corrections."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.graphql.workspace.structure.types import CorrectionStatus, Subject
from schoolhub.workspace.structure.grades import primary_sheet as ps


@strawberry.enum(
    description="TT27 periodic points: mid/end of semester I, mid semester II, end of year."
)
class PrimaryPeriod(Enum):
    GK1 = "GK1"
    CK1 = "CK1"
    GK2 = "GK2"
    CN = "CN"


@strawberry.enum(description="T = Hoàn thành tốt, H = Hoàn thành, C = Chưa hoàn thành.")
class PrimaryLevel(Enum):
    T = "T"
    H = "H"
    C = "C"


@strawberry.enum(
    description="Level of a quality or competency: Tốt / Đạt / Cần cố gắng (wording unconfirmed)."
)
class QualityLevel(Enum):
    TOT = "TOT"
    DAT = "DAT"
    CAN_CO_GANG = "CAN_CO_GANG"


@strawberry.enum(description="End-of-year education result (TT27 Điều 9 khoản 2).")
class EducationResultLevel(Enum):
    HOAN_THANH_XUAT_SAC = "HOAN_THANH_XUAT_SAC"
    HOAN_THANH_TOT = "HOAN_THANH_TOT"
    HOAN_THANH = "HOAN_THANH"
    CHUA_HOAN_THANH = "CHUA_HOAN_THANH"


@strawberry.enum(
    description="TT27 Điều 13: Học sinh Xuất sắc; Học sinh Tiêu biểu hoàn thành tốt trong học "
    "tập và rèn luyện (title wording unconfirmed)."
)
class PrimaryAward(Enum):
    XUAT_SAC = "XUAT_SAC"
    TIEU_BIEU = "TIEU_BIEU"


@strawberry.enum(description="What a primary correction changes.")
class PrimaryCorrectionTarget(Enum):
    SUBJECT = "SUBJECT"
    QUALITY = "QUALITY"
    YEAR = "YEAR"


def _gid(type_name: str, value: Any) -> strawberry.ID:
    return strawberry.ID(ids.encode(type_name, value))


@strawberry.type(description="One subject/activity of one student at one periodic point.")
class PrimaryAssessment:
    student_id: strawberry.ID
    subject_id: strawberry.ID
    period: PrimaryPeriod
    level: PrimaryLevel
    test_score: int | None
    comment: str | None
    recorded_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PrimaryAssessment:
        return cls(
            student_id=_gid("Student", row["student_id"]),
            subject_id=_gid("Subject", row["subject_id"]),
            period=PrimaryPeriod(row["period"]),
            level=PrimaryLevel(row["level"]),
            test_score=row["test_score"],
            comment=row["comment"],
            recorded_at=row["recorded_at"],
        )


@strawberry.type(description="The level of one quality or competency at CK1 or CN.")
class QualityAssessment:
    code: str
    period: PrimaryPeriod
    level: QualityLevel

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> QualityAssessment:
        return cls(
            code=row["code"], period=PrimaryPeriod(row["period"]), level=QualityLevel(row["level"])
        )


@strawberry.type(description="The homeroom teacher's end-of-year entry.")
class PrimaryYearEntry:
    outstanding_recognised: bool = strawberry.field(
        description="The class recognised an outstanding result or clear progress (Tiêu biểu)."
    )
    comment: str | None
    recorded_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PrimaryYearEntry:
        return cls(
            outstanding_recognised=row["outstanding_recognised"],
            comment=row["comment"],
            recorded_at=row["recorded_at"],
        )


@strawberry.type(
    description="The computed end-of-year result (never entered), or what is missing. "
    "`needsLegalReview`: decided by the Hoàn thành row of Điều 9, not confirmed in the official "
    "text: check before issuing the học bạ."
)
class PrimaryYearResult:
    level: EducationResultLevel | None
    needs_legal_review: bool
    award: PrimaryAward | None
    completes_grade: bool | None
    missing: list[str]

    @classmethod
    def of(cls, y: ps.YearOutcome) -> PrimaryYearResult:
        return cls(
            level=EducationResultLevel(y.level) if y.level else None,
            needs_legal_review=y.needs_legal_review,
            award=PrimaryAward(y.award) if y.award else None,
            completes_grade=y.completes_grade,
            missing=list(y.missing),
        )


@strawberry.type(description="One student x subject at one period; null values = not recorded.")
class PrimarySheetCell:
    subject_id: strawberry.ID
    level: PrimaryLevel | None
    test_score: int | None
    comment: str | None
    test_applicable: bool = strawberry.field(
        description="TT27 has a periodic test for this subject, grade and period."
    )

    @classmethod
    def of(cls, cell: ps.PrimaryCell) -> PrimarySheetCell:
        e = cell.entry
        return cls(
            subject_id=_gid("Subject", cell.subject["id"]),
            level=PrimaryLevel(e["level"]) if e else None,
            test_score=e["test_score"] if e else None,
            comment=e["comment"] if e else None,
            test_applicable=cell.test_applicable,
        )


@strawberry.type(description="A student's row; `cells[j]` belongs to `subjects[j]`.")
class PrimarySheetRow:
    student_id: strawberry.ID
    student_code: str
    full_name: str
    cells: list[PrimarySheetCell]
    qualities: list[QualityAssessment] = strawberry.field(
        description="CK1 and CN, for the homeroom teacher and management; empty otherwise."
    )
    year_entry: PrimaryYearEntry | None
    year_result: PrimaryYearResult | None = strawberry.field(
        description="CN sheets, for the homeroom teacher and management."
    )


@strawberry.type(description="The class sheet of a primary class at one periodic point.")
class PrimaryGradeSheet:
    class_id: strawberry.ID
    class_name: str
    grade: int
    school_year: str
    period: PrimaryPeriod
    locked: bool
    subjects: list[Subject]
    rows: list[PrimarySheetRow]

    @classmethod
    def of(cls, data: ps.PrimarySheetData) -> PrimaryGradeSheet:
        h = data.header
        return cls(
            class_id=_gid("SchoolClass", h["class_id"]),
            class_name=h["class_name"],
            grade=h["grade"],
            school_year=h["school_year"],
            period=PrimaryPeriod(data.period),
            locked=h["locked"],
            subjects=[Subject.from_row(s) for s in data.subjects],
            rows=[
                PrimarySheetRow(
                    student_id=_gid("Student", r.student["id"]),
                    student_code=r.student["student_code"],
                    full_name=r.student["full_name"],
                    cells=[PrimarySheetCell.of(c) for c in r.cells],
                    qualities=[QualityAssessment.from_row(q) for q in r.qualities],
                    year_entry=PrimaryYearEntry.from_row(r.year_entry) if r.year_entry else None,
                    year_result=PrimaryYearResult.of(r.year) if r.year else None,
                )
                for r in data.rows
            ],
        )


@strawberry.type
class PrimaryRecordPeriod:
    period: PrimaryPeriod
    cells: list[PrimarySheetCell]
    qualities: list[QualityAssessment]


@strawberry.type(
    description="A primary student's year (học bạ, TT27); `cells[j]` is `subjects[j]`."
)
class PrimaryRecord:
    subjects: list[Subject]
    periods: list[PrimaryRecordPeriod]
    year_entry: PrimaryYearEntry | None
    year_result: PrimaryYearResult | None

    @classmethod
    def of(cls, data: ps.PrimaryRecordData) -> PrimaryRecord:
        return cls(
            subjects=[Subject.from_row(s) for s in data.subjects],
            periods=[
                PrimaryRecordPeriod(
                    period=PrimaryPeriod(p.period),
                    cells=[PrimarySheetCell.of(c) for c in p.cells],
                    qualities=[QualityAssessment.from_row(q) for q in p.qualities],
                )
                for p in data.periods
            ],
            year_entry=PrimaryYearEntry.from_row(data.year_entry) if data.year_entry else None,
            year_result=PrimaryYearResult.of(data.year) if data.year else None,
        )


@strawberry.type(description="A change to a locked primary entry, waiting for or decided.")
class PrimaryCorrectionRequest(relay.Node):
    id: relay.NodeID[str]
    student_id: strawberry.ID
    target: PrimaryCorrectionTarget
    period: PrimaryPeriod
    subject_id: strawberry.ID | None
    item: str | None = strawberry.field(description="The quality or competency (QUALITY).")
    old_value: str | None = strawberry.field(
        description="SUBJECT: `T` or `T/9` (level/test score); QUALITY: TOT/DAT/CAN_CO_GANG; "
        "YEAR: true/false (outstanding recognised)."
    )
    new_value: str
    reason: str
    status: CorrectionStatus
    requested_at: datetime
    decided_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PrimaryCorrectionRequest:
        return cls(
            id=str(row["id"]),
            student_id=_gid("Student", row["student_id"]),
            target=PrimaryCorrectionTarget(row["kind"]),
            period=PrimaryPeriod(row["period"]),
            subject_id=_gid("Subject", row["subject_id"]) if row["subject_id"] else None,
            item=row["item"],
            old_value=row["old_value"],
            new_value=row["new_value"],
            reason=row["reason"],
            status=CorrectionStatus(row["status"]),
            requested_at=row["requested_at"],
            decided_at=row["decided_at"],
        )


@strawberry.type
class PrimaryAssessmentPayload:
    assessment: PrimaryAssessment | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PrimaryQualitiesPayload:
    qualities: list[QualityAssessment] | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PrimaryYearEntryPayload:
    entry: PrimaryYearEntry | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PrimaryCorrectionRequestPayload:
    correction: PrimaryCorrectionRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
