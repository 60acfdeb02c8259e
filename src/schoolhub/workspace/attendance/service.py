"""Attendance: taking it for a whole class in one call, leave requests, the monthly report.

Who may do what:
* take and read a class's attendance: the class's homeroom teacher, a teacher with a teaching
  assignment in the class, the principal and vice-principals (a teacher with no link to the class
  gets FORBIDDEN);
* a student's attendance history and leave requests: management, and the teachers of the
  student's current class (homeroom or teaching assignment); other teachers get FORBIDDEN;
* a guardian sees the attendance of their own children only, and submits leave requests for them,
  unless the link is custody-restricted; a student sees their own attendance;
* the homeroom teacher (or management) approves or rejects leave requests; an approval turns the
  covered days' unexcused absences into excused ones, and later roll calls of those days too.
A caller without a membership in the school, or asking about a student who is not theirs, gets
NOT_FOUND; a member without the right role gets FORBIDDEN.

Every absence or late arrival that is new or changed emits ``attendance.recorded`` on the outbox in
the same transaction: the communication domain turns it into guardian alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from schoolhub.platform import audit, db, outbox
from schoolhub.platform.errors import InvalidInput, NotFound, PermissionDenied
from schoolhub.platform.principal import MANAGEMENT_ROLES, Principal, Role
from schoolhub.workspace.attendance import repository as repo
from schoolhub.workspace.attendance.errors import AttendanceErrorCode as E

TOPIC_RECORDED = "attendance.recorded"
STATUSES = ("present", "absent_excused", "absent_unexcused", "late")
ALERT_STATUSES = frozenset({"absent_excused", "absent_unexcused", "late"})
TAKERS = frozenset({Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.TEACHER})
MANAGEMENT = frozenset({Role.PRINCIPAL, Role.VICE_PRINCIPAL})
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_DAYS_BACK = 60
ABSENCE_LIMIT = 45  # TT22/2021 Điều 9: more than 45 sessions absent in a year -> repeats the year
NO_ABSENCE_RULE_LEVELS = frozenset({"preschool", "primary"})


@dataclass(frozen=True)
class Entry:
    student_id: UUID
    status: str
    note: str = ""


@dataclass(frozen=True)
class Sheet:
    school_id: UUID
    class_id: UUID
    class_name: str
    day: date
    period: int
    records: list[dict[str, Any]]


@dataclass(frozen=True)
class StudentReport:
    student_id: UUID
    student_name: str
    counts: dict[str, int]
    year_sessions_absent: int
    exceeds_absence_limit: bool


@dataclass(frozen=True)
class Report:
    school_id: UUID
    class_id: UUID
    class_name: str
    month: str
    absence_rule_applies: bool
    students: list[StudentReport]


def today() -> date:
    return datetime.now(TZ).date()


def _check_day(day: date) -> None:
    now = today()
    if day > now or day < now - timedelta(days=MAX_DAYS_BACK):
        raise InvalidInput(
            f"attendance can be taken for today and the last {MAX_DAYS_BACK} days",
            code=E.ATTENDANCE_INVALID_DATE,
            field="date",
        )


def _check_period(period: int) -> None:
    if not 0 <= period <= 15:
        raise InvalidInput(
            "period is 0 (whole day) or 1-15", code=E.ATTENDANCE_INVALID_PERIOD, field="period"
        )


def _require_member(principal: Principal, school_id: UUID, what: str) -> UUID:
    return principal.require_member(school_id, what)


async def _links_teacher(user_id: UUID, class_id: UUID, homeroom_teacher_id: UUID | None) -> bool:
    """The user is the class's homeroom teacher or has a teaching assignment in it."""
    return homeroom_teacher_id == user_id or await repo.teaches_class(class_id, user_id)


async def _class_for_staff(principal: Principal, school_id: UUID, class_id: UUID) -> dict[str, Any]:
    """The class, if the caller may take or read its attendance (inside the tenant transaction)."""
    klass = await repo.class_row(class_id)
    if klass is None:
        raise NotFound("class")
    user_id = principal.require_user()
    if principal.has_school_role(school_id, MANAGEMENT_ROLES):
        return klass
    if principal.has_school_role(school_id, {Role.TEACHER}) and await _links_teacher(
        user_id, class_id, klass["homeroom_teacher_id"]
    ):
        return klass
    raise PermissionDenied()


async def _student_for_staff(
    principal: Principal, school_id: UUID, student_id: UUID
) -> dict[str, Any]:
    """The student, if the caller may read their attendance as staff: management, or a teacher
    of the student's current class (its homeroom teacher or one with a teaching assignment in
    it). Other teachers of the school get PERMISSION_DENIED: attendance is personal data that a
    teacher needs only for the students they teach (Nghị định 13/2023, minimum necessary)."""
    student = await repo.student_row(student_id)
    if student is None:
        raise NotFound("student")
    if principal.has_school_role(school_id, MANAGEMENT_ROLES):
        return student
    user_id = principal.require_user()
    class_id = student["class_id"]
    if class_id is not None and await _links_teacher(
        user_id, class_id, student["homeroom_teacher_id"]
    ):
        return student
    raise PermissionDenied()


async def _student_for_family(
    principal: Principal, school_id: UUID, student_id: UUID, *, guardians_only: bool = False
) -> dict[str, Any]:
    """The student, if the caller is their (unrestricted) guardian or, unless guardians_only,
    the student themself. Anyone else: NOT_FOUND (no hint that the student exists)."""
    student = await repo.student_row(student_id)
    if student is None:
        raise NotFound("student")
    if principal.has_school_role(school_id, {Role.GUARDIAN}) and principal.user_id:
        link = await repo.guardian_link(student_id, principal.user_id)
        if link is not None and not link["custody_restricted"]:
            return student
    if not guardians_only and student["user_id"] == principal.user_id:
        return student
    raise NotFound("student")


async def _emit(
    school_id: UUID,
    record_id: UUID,
    class_id: UUID,
    student_id: UUID,
    day: date,
    period: int,
    status: str,
) -> None:
    await outbox.emit(
        TOPIC_RECORDED,
        {
            "record_id": str(record_id),
            "student_id": str(student_id),
            "class_id": str(class_id),
            "date": day.isoformat(),
            "period": period,
            "status": status,
        },
        school_id,
    )


async def take_attendance(
    principal: Principal,
    school_id: UUID,
    class_id: UUID,
    day: date,
    entries: list[Entry],
    *,
    period: int = 0,
) -> Sheet:
    """Record the whole class in one call: students not listed are present. Re-submitting the
    same day and period updates the records (each status change is kept with who made it)."""
    user = _require_member(principal, school_id, "class")
    _check_day(day)
    _check_period(period)
    for e in entries:
        if e.status not in STATUSES:
            raise InvalidInput(f"status must be one of {STATUSES}", field="entries")
        if len(e.note) > 500:
            raise InvalidInput("note is at most 500 characters", field="entries")
    if len({e.student_id for e in entries}) != len(entries):
        raise InvalidInput(
            "a student is listed twice", code=E.ATTENDANCE_DUPLICATE_STUDENT, field="entries"
        )
    async with db.tenant(school_id, user):
        klass = await _class_for_staff(principal, school_id, class_id)
        students = await repo.students_of_class(class_id)
        in_class = {s["id"] for s in students}
        if any(e.student_id not in in_class for e in entries):
            raise InvalidInput(
                "a student is not in this class",
                code=E.ATTENDANCE_STUDENT_NOT_IN_CLASS,
                field="entries",
            )
        given = {e.student_id: e for e in entries}
        on_leave = await repo.approved_leave_students(list(in_class), day)
        changed = 0
        for s in students:
            entry = given.get(s["id"], Entry(s["id"], "present"))
            status = entry.status
            if status == "absent_unexcused" and s["id"] in on_leave:
                status = "absent_excused"
            row = await repo.upsert_record(
                school_id, class_id, s["id"], day, period, status, entry.note.strip(), user
            )
            if not row:
                continue  # unchanged
            changed += 1
            if not row["created"] and row["old_status"] != status:
                await repo.insert_change(
                    school_id, row["id"], user, row["old_status"], status, "resubmitted"
                )
            if status in ALERT_STATUSES and (row["created"] or row["old_status"] != status):
                await _emit(school_id, row["id"], class_id, s["id"], day, period, status)
        await audit.record_school(
            school_id,
            "attendance.taken",
            actor_user_id=user,
            target_type="class",
            target_id=str(class_id),
            details={"date": day.isoformat(), "period": period, "changed": changed},
        )
        records = await repo.records_for(class_id, day, period)
    return Sheet(school_id, class_id, klass["name"], day, period, records)


async def attendance_sheet(
    principal: Principal, school_id: UUID, class_id: UUID, day: date, *, period: int = 0
) -> Sheet:
    user = _require_member(principal, school_id, "class")
    _check_period(period)
    async with db.tenant(school_id, user):
        klass = await _class_for_staff(principal, school_id, class_id)
        records = await repo.records_for(class_id, day, period)
    return Sheet(school_id, class_id, klass["name"], day, period, records)


async def student_attendance(
    principal: Principal, school_id: UUID, student_id: UUID, start: date, end: date
) -> list[dict[str, Any]]:
    """A student's records in [start, end] (at most 93 days): family, or the school's staff."""
    user = _require_member(principal, school_id, "student")
    if end < start or (end - start).days > 92:
        raise InvalidInput("the range is 1 to 93 days", code=E.LEAVE_INVALID_RANGE, field="to")
    async with db.tenant(school_id, user):
        if principal.has_school_role(school_id, TAKERS):
            await _student_for_staff(principal, school_id, student_id)
        else:
            await _student_for_family(principal, school_id, student_id)
        return await repo.records_of_student(student_id, start, end)


def _month(raw: str) -> tuple[date, date]:
    try:
        start = datetime.strptime(raw, "%Y-%m").date()
    except ValueError as exc:
        raise InvalidInput("month is YYYY-MM", code=E.REPORT_INVALID_MONTH, field="month") from exc
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return start, end


def _year_start(school_year: str, month_start: date) -> date:
    """1 August of the school year's first calendar year (the year runs Sep-May/Jun)."""
    try:
        first = int(school_year[:4])
    except ValueError:
        first = month_start.year if month_start.month >= 8 else month_start.year - 1
    return date(first, 8, 1)


async def monthly_report(
    principal: Principal, school_id: UUID, class_id: UUID, month: str
) -> Report:
    """Per student counts by status for the month, and the TT22 45-session flag computed over the
    school year up to the month's end (excused and unexcused absences both count, one per day)."""
    user = _require_member(principal, school_id, "class")
    start, end = _month(month)
    async with db.tenant(school_id, user):
        klass = await _class_for_staff(principal, school_id, class_id)
        students = await repo.students_of_class(class_id)
        counts = await repo.month_counts(class_id, start, end)
        year = await repo.sessions_absent(class_id, _year_start(klass["school_year"], start), end)
        level = await db.fetchrow("SELECT level FROM tenants_school WHERE id = $1", school_id)
    applies = (level or {}).get("level") not in NO_ABSENCE_RULE_LEVELS
    by_student: dict[UUID, dict[str, int]] = {}
    for row in counts:
        by_student.setdefault(row["student_id"], {})[row["status"]] = int(row["n"])
    items = [
        StudentReport(
            student_id=s["id"],
            student_name=s["full_name"],
            counts={st: by_student.get(s["id"], {}).get(st, 0) for st in STATUSES},
            year_sessions_absent=year.get(s["id"], 0),
            exceeds_absence_limit=applies and year.get(s["id"], 0) > ABSENCE_LIMIT,
        )
        for s in students
    ]
    return Report(school_id, class_id, klass["name"], month, applies, items)


async def visible_by_ids(
    principal: Principal, kind: str, object_ids: list[UUID]
) -> dict[UUID, dict[str, Any]]:
    """``node(id)`` lookups (kind: record | leave): one tenant transaction per school of the
    caller; management see the school's objects, teachers those of the classes they homeroom or
    teach, families only their own children's."""
    user = principal.require_user()
    fetch = repo.records_by_ids if kind == "record" else repo.leaves_by_ids
    found: dict[UUID, dict[str, Any]] = {}
    for school_id in sorted(principal.school_ids):
        family: UUID | None = None
        teacher: UUID | None = None
        if principal.has_school_role(school_id, MANAGEMENT_ROLES):
            pass
        elif principal.has_school_role(school_id, {Role.TEACHER}):
            teacher = user
        elif principal.has_school_role(school_id, {Role.GUARDIAN, Role.STUDENT}):
            family = user
        else:
            continue
        async with db.tenant(school_id, user):
            for row in await fetch([i for i in object_ids if i not in found], family, teacher):
                found[row["id"]] = row
        if len(found) == len(object_ids):
            break
    return found
