"""Leave requests (đơn xin phép): a guardian asks for their own child, the homeroom teacher (or
management) decides; an approval turns the covered days' unexcused absences into excused ones,
with a history row and an ``attendance.recorded`` event each."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from schoolhub.platform import audit, db
from schoolhub.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from schoolhub.platform.principal import Principal
from schoolhub.workspace.attendance import repository as repo
from schoolhub.workspace.attendance.errors import AttendanceErrorCode as E
from schoolhub.workspace.attendance.service import (
    MANAGEMENT,
    MAX_DAYS_BACK,
    TAKERS,
    _class_for_staff,
    _emit,
    _require_member,
    _student_for_family,
    _student_for_staff,
    today,
)


async def request_leave(
    principal: Principal, school_id: UUID, student_id: UUID, start: date, end: date, reason: str
) -> dict[str, Any]:
    """A guardian asks for leave (xin phép) for their own child; the homeroom teacher decides."""
    user = _require_member(principal, school_id, "student")
    reason = " ".join(reason.split())
    if not 1 <= len(reason) <= 500:
        raise InvalidInput(
            "reason is 1-500 characters", code=E.LEAVE_INVALID_REASON, field="reason"
        )
    if end < start or (end - start).days > 30 or end < today() - timedelta(days=MAX_DAYS_BACK):
        raise InvalidInput(
            "a leave covers 1-31 days, not long past", code=E.LEAVE_INVALID_RANGE, field="to"
        )
    async with db.tenant(school_id, user):
        await _student_for_family(principal, school_id, student_id, guardians_only=True)
        row = await repo.insert_leave(school_id, student_id, user, start, end, reason)
        await audit.record_school(
            school_id,
            "attendance.leave_requested",
            actor_user_id=user,
            target_type="leave_request",
            target_id=str(row["id"]),
        )
    return row


async def decide_leave(
    principal: Principal, school_id: UUID, leave_id: UUID, *, approve: bool
) -> dict[str, Any]:
    user = _require_member(principal, school_id, "leave request")
    async with db.tenant(school_id, user):
        leave = await repo.leave_row(leave_id)
        if leave is None:
            raise NotFound("leave request")
        klass = await repo.class_row(leave["class_id"]) if leave["class_id"] else None
        is_homeroom = klass is not None and klass["homeroom_teacher_id"] == user
        if not (is_homeroom or principal.has_school_role(school_id, MANAGEMENT)):
            raise PermissionDenied("only the homeroom teacher or management decides")
        status = "approved" if approve else "rejected"
        if not await repo.decide_leave(leave_id, status, user):
            raise Conflict("this leave request was already decided", code=E.LEAVE_ALREADY_DECIDED)
        if approve:
            for rec in await repo.excuse_absences(
                leave["student_id"], leave["from_day"], leave["to_day"], user
            ):
                await repo.insert_change(
                    school_id,
                    rec["id"],
                    user,
                    "absent_unexcused",
                    "absent_excused",
                    "leave approved",
                )
                await _emit(
                    school_id,
                    rec["id"],
                    rec["class_id"],
                    rec["student_id"],
                    rec["day"],
                    rec["period"],
                    "absent_excused",
                )
        await audit.record_school(
            school_id,
            f"attendance.leave_{status}",
            actor_user_id=user,
            target_type="leave_request",
            target_id=str(leave_id),
        )
        row = await repo.leave_row(leave_id)
    assert row is not None
    return row


async def leave_requests(
    principal: Principal,
    school_id: UUID,
    *,
    class_id: UUID | None = None,
    student_id: UUID | None = None,
    first: int = 50,
) -> list[dict[str, Any]]:
    """Of a class (its staff) or of one student (family or staff)."""
    user = _require_member(principal, school_id, "class" if class_id else "student")
    if (class_id is None) == (student_id is None):
        raise InvalidInput("give exactly one of classId and studentId", field="classId")
    first = max(1, min(first, 100))
    async with db.tenant(school_id, user):
        if class_id is not None:
            await _class_for_staff(principal, school_id, class_id)
            return await repo.leaves_of_class(class_id, first)
        assert student_id is not None
        if principal.has_school_role(school_id, TAKERS):
            await _student_for_staff(principal, school_id, student_id)
        else:
            await _student_for_family(principal, school_id, student_id)
        return await repo.leaves_of_student(student_id, first)
