"""Authorization matrix of the attendance operations: every denied actor gets no data and changes
nothing; the allowed roles succeed. Actors: anonymous, another school's teacher/principal/guardian,
the guardian of another child, a custody-restricted guardian, members without the role."""

from __future__ import annotations

from typing import Any

from tests.support import workspace_attendance as wa
from tests.support.gql import GraphQLClient

TAKE = (
    "mutation($s: ID!, $c: ID!, $d: Date!, $e: [AttendanceEntryInput!]!) {"
    " takeAttendance(schoolId: $s, classId: $c, date: $d, entries: $e) {"
    " sheet { className records { studentId status } } errors { code } } }"
)
SHEET = (
    "query($s: ID!, $c: ID!, $d: Date!) { attendanceSheet(schoolId: $s, classId: $c, date: $d)"
    " { records { studentName status } } }"
)
STUDENT = (
    "query($s: ID!, $st: ID!, $f: Date!, $t: Date!) { studentAttendance(schoolId: $s,"
    " studentId: $st, fromDate: $f, toDate: $t) { status date } }"
)
REPORT = (
    "query($s: ID!, $c: ID!, $m: String!) { attendanceReport(schoolId: $s, classId: $c, month: $m)"
    " { studentName absentUnexcused } }"
)
REQUEST = (
    "mutation($s: ID!, $st: ID!, $f: Date!, $t: Date!) { requestLeave(schoolId: $s,"
    ' studentId: $st, fromDate: $f, toDate: $t, reason: "Ốm") { leaveRequest { id status }'
    " errors { code } } }"
)
DECIDE = (
    "mutation($s: ID!, $l: ID!) { decideLeaveRequest(schoolId: $s, leaveRequestId: $l,"
    " approve: true) { leaveRequest { status } errors { code } } }"
)
LEAVES = "query($s: ID!, $st: ID!) { leaveRequests(schoolId: $s, studentId: $st) { id status } }"

DENIED_ALWAYS = [
    "anonymous",
    "other_school_teacher",
    "other_school_principal",
    "other_school_guardian",
    "other_guardian",
    "restricted",
    "district_admin",
    "accountant",
]


def _denied_query(body: dict[str, Any], field: str) -> None:
    assert body.get("data") is None or body["data"].get(field) is None, body
    codes = {e["extensions"]["code"] for e in body["errors"]}
    assert codes <= {"UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND"}, body


def _denied_mutation(actor: str, body: dict[str, Any], field: str, key: str) -> None:
    if actor == "anonymous":
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
        assert body.get("data") is None, body
        return
    result = body["data"][field]
    assert result[key] is None, (actor, result)
    assert result["errors"][0]["code"] in {"FORBIDDEN", "NOT_FOUND"}, (actor, result)


async def test_roll_call_sheet_report_and_student_view_matrix(gql: GraphQLClient) -> None:
    w = await wa.attendance_world()
    day = wa.day().isoformat()
    base = {"s": w.school_gid, "c": w.class_gid, "d": day}
    take = {**base, "e": [{"studentId": w.student_gid, "status": "ABSENT_UNEXCUSED"}]}
    for actor in [*DENIED_ALWAYS, "guardian", "student"]:
        body = await gql.raw(TAKE, take, await w.token(gql, actor))
        _denied_mutation(actor, body, "takeAttendance", "sheet")
        _denied_query(await gql.raw(SHEET, base, await w.token(gql, actor)), "attendanceSheet")
        report = {"s": w.school_gid, "c": w.class_gid, "m": day[:7]}
        _denied_query(await gql.raw(REPORT, report, await w.token(gql, actor)), "attendanceReport")
    assert await wa.count_rows(w.a.school_id, "workspace_attendance_record") == 0
    assert await wa.outbox_events(w.a.school_id, "attendance.recorded") == []

    for actor in ("teacher", "vice_principal", "principal"):
        data = await gql.ok(TAKE, take, await w.token(gql, actor))
        sheet = data["takeAttendance"]["sheet"]
        assert data["takeAttendance"]["errors"] == []
        assert sorted(r["status"] for r in sheet["records"]) == ["ABSENT_UNEXCUSED", "PRESENT"]
        data = await gql.ok(SHEET, base, await w.token(gql, actor))
        assert len(data["attendanceSheet"]["records"]) == 2
    assert len(await wa.outbox_events(w.a.school_id, "attendance.recorded")) == 1
    data = await gql.ok(
        REPORT, {"s": w.school_gid, "c": w.class_gid, "m": day[:7]}, await w.token(gql, "teacher")
    )
    assert sorted(r["absentUnexcused"] for r in data["attendanceReport"]) == [0, 1]

    view = {"s": w.school_gid, "st": w.student_gid, "f": day, "t": day}
    for actor in [*DENIED_ALWAYS, "student"]:
        _denied_query(await gql.raw(STUDENT, view, await w.token(gql, actor)), "studentAttendance")
    for actor in ("guardian", "teacher", "principal"):
        data = await gql.ok(STUDENT, view, await w.token(gql, actor))
        assert data["studentAttendance"] == [{"status": "ABSENT_UNEXCUSED", "date": day}]


async def test_leave_request_matrix(gql: GraphQLClient) -> None:
    w = await wa.attendance_world()
    day = wa.day().isoformat()
    req = {"s": w.school_gid, "st": w.student_gid, "f": day, "t": day}
    for actor in [*DENIED_ALWAYS, "student", "teacher", "principal"]:
        body = await gql.raw(REQUEST, req, await w.token(gql, actor))
        _denied_mutation(actor, body, "requestLeave", "leaveRequest")
    assert await wa.count_rows(w.a.school_id, "workspace_leave_request") == 0

    data = await gql.ok(REQUEST, req, await w.token(gql, "guardian"))
    leave_id = data["requestLeave"]["leaveRequest"]["id"]
    assert data["requestLeave"]["leaveRequest"]["status"] == "PENDING"

    listing = {"s": w.school_gid, "st": w.student_gid}
    for actor in [*DENIED_ALWAYS, "student"]:
        _denied_query(await gql.raw(LEAVES, listing, await w.token(gql, actor)), "leaveRequests")
    for actor in ("guardian", "teacher"):
        data = await gql.ok(LEAVES, listing, await w.token(gql, actor))
        assert data["leaveRequests"] == [{"id": leave_id, "status": "PENDING"}]

    node = "query($id: ID!) { node(id: $id) { id } }"
    for actor in [*DENIED_ALWAYS, "student"]:
        body = await gql.raw(node, {"id": leave_id}, await w.token(gql, actor))
        assert (body.get("data") or {}).get("node") is None, (actor, body)
    for actor in ("guardian", "teacher"):
        data = await gql.ok(node, {"id": leave_id}, await w.token(gql, actor))
        assert data["node"] == {"id": leave_id}

    decide = {"s": w.school_gid, "l": leave_id}
    for actor in [*DENIED_ALWAYS, "guardian", "student"]:
        body = await gql.raw(DECIDE, decide, await w.token(gql, actor))
        _denied_mutation(actor, body, "decideLeaveRequest", "leaveRequest")
    assert await wa.count_rows(w.a.school_id, "workspace_leave_request", "status = 'pending'") == 1
    data = await gql.ok(DECIDE, decide, await w.token(gql, "teacher"))
    assert data["decideLeaveRequest"] == {"leaveRequest": {"status": "APPROVED"}, "errors": []}
