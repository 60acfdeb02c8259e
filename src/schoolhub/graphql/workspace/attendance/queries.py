"""Attendance queries: a class's sheet, a student's records, leave requests, the monthly report.

Queries raise their domain errors (NOT_FOUND, FORBIDDEN...) as GraphQL errors with codes; the data
is then null."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.workspace.attendance.types import (
    CLASS_TYPE,
    STUDENT_TYPE,
    AttendanceRecord,
    AttendanceReport,
    AttendanceSheet,
    LeaveRequest,
)
from schoolhub.workspace.attendance import leave as leaves
from schoolhub.workspace.attendance import service


@strawberry.type
class AttendanceQueries:
    @strawberry.field(description="Staff: a class's roll call for a day (period 0) or a period.")
    async def attendance_sheet(
        self,
        info: Info,
        school_id: strawberry.ID,
        class_id: strawberry.ID,
        date: date,
        period: int = 0,
    ) -> AttendanceSheet:
        principal = info.context.require_principal()
        sheet = await service.attendance_sheet(
            principal,
            ids.decode(school_id, "School", "schoolId"),
            ids.decode(class_id, CLASS_TYPE, "classId"),
            date,
            period=period,
        )
        return AttendanceSheet.of(sheet)

    @strawberry.field(description="A student's attendance: their guardians, themself, the staff.")
    async def student_attendance(
        self,
        info: Info,
        school_id: strawberry.ID,
        student_id: strawberry.ID,
        from_date: date,
        to_date: date,
    ) -> list[AttendanceRecord]:
        principal = info.context.require_principal()
        rows = await service.student_attendance(
            principal,
            ids.decode(school_id, "School", "schoolId"),
            ids.decode(student_id, STUDENT_TYPE, "studentId"),
            from_date,
            to_date,
        )
        return [AttendanceRecord.from_row(r) for r in rows]

    @strawberry.field(description="Leave requests of a class (staff) or of one student (family).")
    async def leave_requests(
        self,
        info: Info,
        school_id: strawberry.ID,
        class_id: strawberry.ID | None = None,
        student_id: strawberry.ID | None = None,
        first: int = 50,
    ) -> list[LeaveRequest]:
        principal = info.context.require_principal()
        rows = await leaves.leave_requests(
            principal,
            ids.decode(school_id, "School", "schoolId"),
            class_id=ids.decode(class_id, CLASS_TYPE, "classId") if class_id else None,
            student_id=ids.decode(student_id, STUDENT_TYPE, "studentId") if student_id else None,
            first=first,
        )
        return [LeaveRequest.from_row(r) for r in rows]

    @strawberry.field(description="Staff: a class's attendance for a month (YYYY-MM), per student.")
    async def attendance_report(
        self, info: Info, school_id: strawberry.ID, class_id: strawberry.ID, month: str
    ) -> list[AttendanceReport]:
        principal = info.context.require_principal()
        report = await service.monthly_report(
            principal,
            ids.decode(school_id, "School", "schoolId"),
            ids.decode(class_id, CLASS_TYPE, "classId"),
            month,
        )
        return AttendanceReport.rows(report)
