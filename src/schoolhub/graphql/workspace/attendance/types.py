"""GraphQL types of attendance: records, a class's sheet, leave requests, the monthly report."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.workspace.attendance.service import Report, Sheet

# Global-id type names of the structure and people areas' objects (kept in one place).
CLASS_TYPE = "SchoolClass"
STUDENT_TYPE = "Student"


@strawberry.enum(description="Trạng thái điểm danh.")
class AttendanceStatus(Enum):
    PRESENT = "present"
    ABSENT_EXCUSED = "absent_excused"
    ABSENT_UNEXCUSED = "absent_unexcused"
    LATE = "late"


@strawberry.enum
class LeaveStatus(Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@strawberry.type(description="One student's attendance for one day (period 0) or one period.")
class AttendanceRecord(relay.Node):
    id: relay.NodeID[str]
    student_id: strawberry.ID
    student_name: str
    class_id: strawberry.ID
    date: date
    period: int
    status: AttendanceStatus
    note: str
    recorded_at: datetime
    updated_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AttendanceRecord:
        return cls(
            id=str(row["id"]),
            student_id=strawberry.ID(ids.encode(STUDENT_TYPE, row["student_id"])),
            student_name=row["student_name"],
            class_id=strawberry.ID(ids.encode(CLASS_TYPE, row["class_id"])),
            date=row["day"],
            period=row["period"],
            status=AttendanceStatus(row["status"]),
            note=row["note"],
            recorded_at=row["recorded_at"],
            updated_at=row["updated_at"],
        )


@strawberry.type(description="A class's roll call for one day or period.")
class AttendanceSheet:
    class_id: strawberry.ID
    class_name: str
    date: date
    period: int
    records: list[AttendanceRecord]

    @classmethod
    def of(cls, sheet: Sheet) -> AttendanceSheet:
        return cls(
            class_id=strawberry.ID(ids.encode(CLASS_TYPE, sheet.class_id)),
            class_name=sheet.class_name,
            date=sheet.day,
            period=sheet.period,
            records=[AttendanceRecord.from_row(r) for r in sheet.records],
        )


@strawberry.type(description="Đơn xin phép: a guardian's leave request for their child.")
class LeaveRequest(relay.Node):
    id: relay.NodeID[str]
    student_id: strawberry.ID
    student_name: str
    from_date: date
    to_date: date
    reason: str
    status: LeaveStatus
    created_at: datetime
    decided_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> LeaveRequest:
        return cls(
            id=str(row["id"]),
            student_id=strawberry.ID(ids.encode(STUDENT_TYPE, row["student_id"])),
            student_name=row["student_name"],
            from_date=row["from_day"],
            to_date=row["to_day"],
            reason=row["reason"],
            status=LeaveStatus(row["status"]),
            created_at=row["created_at"],
            decided_at=row["decided_at"],
        )


@strawberry.type(
    description="One student's line of a class's monthly attendance report. yearSessionsAbsent"
    " counts absent days (excused or not) from the school year's start to the month's end;"
    " exceedsAbsenceLimit flags more than 45 (TT22/2021; not applied at primary level)."
)
class AttendanceReport:
    month: str
    student_id: strawberry.ID
    student_name: str
    present: int
    absent_excused: int
    absent_unexcused: int
    late: int
    year_sessions_absent: int
    absence_rule_applies: bool
    exceeds_absence_limit: bool

    @classmethod
    def rows(cls, report: Report) -> list[AttendanceReport]:
        return [
            cls(
                month=report.month,
                student_id=strawberry.ID(ids.encode(STUDENT_TYPE, s.student_id)),
                student_name=s.student_name,
                present=s.counts["present"],
                absent_excused=s.counts["absent_excused"],
                absent_unexcused=s.counts["absent_unexcused"],
                late=s.counts["late"],
                year_sessions_absent=s.year_sessions_absent,
                absence_rule_applies=report.absence_rule_applies,
                exceeds_absence_limit=s.exceeds_absence_limit,
            )
            for s in report.students
        ]


@strawberry.type
class AttendanceSheetPayload:
    sheet: AttendanceSheet | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LeaveRequestPayload:
    leave_request: LeaveRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AttendanceEntryInput:
    student_id: strawberry.ID
    status: AttendanceStatus
    note: str = ""
