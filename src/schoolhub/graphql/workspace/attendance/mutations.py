"""Attendance mutations: take a class's attendance in one call, leave requests and decisions."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.graphql.workspace.attendance.types import (
    CLASS_TYPE,
    STUDENT_TYPE,
    AttendanceEntryInput,
    AttendanceSheet,
    AttendanceSheetPayload,
    LeaveRequest,
    LeaveRequestPayload,
)
from schoolhub.platform.errors import DomainError, InvalidInput
from schoolhub.workspace.attendance import leave as leaves
from schoolhub.workspace.attendance import service

MAX_ENTRIES = 100


@strawberry.type
class AttendanceMutations:
    @strawberry.mutation(
        description="Take (or correct) a class's attendance for a day or period in one call."
        " Students not listed are present; re-submitting updates and keeps the history."
    )
    async def take_attendance(
        self,
        info: Info,
        school_id: strawberry.ID,
        class_id: strawberry.ID,
        date: date,
        entries: list[AttendanceEntryInput],
        period: int = 0,
    ) -> AttendanceSheetPayload:
        principal = info.context.require_principal()
        try:
            if len(entries) > MAX_ENTRIES:
                raise InvalidInput(f"at most {MAX_ENTRIES} entries", field="entries")
            parsed = [
                service.Entry(
                    ids.decode(e.student_id, STUDENT_TYPE, "entries"), e.status.value, e.note
                )
                for e in entries
            ]
            sheet = await service.take_attendance(
                principal,
                ids.decode(school_id, "School", "schoolId"),
                ids.decode(class_id, CLASS_TYPE, "classId"),
                date,
                parsed,
                period=period,
            )
        except DomainError as exc:
            return AttendanceSheetPayload(errors=[UserError.of(exc)])
        return AttendanceSheetPayload(sheet=AttendanceSheet.of(sheet))

    @strawberry.mutation(description="Guardians: ask for leave (xin phép) for their own child.")
    async def request_leave(
        self,
        info: Info,
        school_id: strawberry.ID,
        student_id: strawberry.ID,
        from_date: date,
        to_date: date,
        reason: str,
    ) -> LeaveRequestPayload:
        principal = info.context.require_principal()
        try:
            row = await leaves.request_leave(
                principal,
                ids.decode(school_id, "School", "schoolId"),
                ids.decode(student_id, STUDENT_TYPE, "studentId"),
                from_date,
                to_date,
                reason,
            )
        except DomainError as exc:
            return LeaveRequestPayload(errors=[UserError.of(exc)])
        return LeaveRequestPayload(leave_request=LeaveRequest.from_row(row))

    @strawberry.mutation(
        description="Homeroom teacher or management: approve (absences become excused) or reject."
    )
    async def decide_leave_request(
        self, info: Info, school_id: strawberry.ID, leave_request_id: strawberry.ID, approve: bool
    ) -> LeaveRequestPayload:
        principal = info.context.require_principal()
        try:
            row = await leaves.decide_leave(
                principal,
                ids.decode(school_id, "School", "schoolId"),
                ids.decode(leave_request_id, "LeaveRequest", "leaveRequestId"),
                approve=approve,
            )
        except DomainError as exc:
            return LeaveRequestPayload(errors=[UserError.of(exc)])
        return LeaveRequestPayload(leave_request=LeaveRequest.from_row(row))
