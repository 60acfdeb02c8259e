"""Tenant isolation of attendance (RELIABILITY.md §3.4): school B's members, and B's district admin,
run every attendance operation against school A's class, student and leave request, naming A's
school or their own. Nothing of A comes back and A's attendance rows are unchanged."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from schoolhub.graphql import ids
from schoolhub.platform.principal import Principal, Role
from schoolhub.workspace.attendance import leave as leaves
from schoolhub.workspace.attendance import service
from tests.support import factories
from tests.support.gql import GraphQLClient

ISOLATION_COVERS = {
    "takeAttendance": "test_other_school_gets_no_attendance",
    "attendanceSheet": "test_other_school_gets_no_attendance",
    "studentAttendance": "test_other_school_gets_no_attendance",
    "attendanceReport": "test_other_school_gets_no_attendance",
    "requestLeave": "test_other_school_gets_no_attendance",
    "decideLeaveRequest": "test_other_school_gets_no_attendance",
    "leaveRequests": "test_other_school_gets_no_attendance",
}
ROLES = ["principal", "teacher", "guardian", "student", "district_admin"]
TABLES = ("workspace_attendance_record", "workspace_attendance_change", "workspace_leave_request")


async def _snapshot(database: str, school_id: Any) -> str:
    conn = await asyncpg.connect(database)
    try:
        parts = []
        for table in (*TABLES, "platform_outbox"):
            rows = await conn.fetch(
                f"SELECT * FROM {table} WHERE school_id = $1 ORDER BY id", school_id
            )
            parts.append(json.dumps([dict(r) for r in rows], default=str, sort_keys=True))
    finally:
        await conn.close()
    return "\n".join(parts)


def _empty(body: dict[str, Any], field: str, key: str | None = None) -> None:
    data = body.get("data") or {}
    result = data.get(field)
    if key is None:
        assert result is None, body
    elif result is not None:
        assert result[key] is None and result["errors"], body
    else:
        assert body["errors"], body


async def test_other_school_gets_no_attendance(gql: GraphQLClient, database: str) -> None:
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    assert a.class_id is not None
    day = service.today()
    teacher = Principal(
        user_id=a.user_ids["teacher"], school_roles={a.school_id: frozenset({Role.TEACHER})}
    )
    guardian = Principal(
        user_id=a.user_ids["guardian"], school_roles={a.school_id: frozenset({Role.GUARDIAN})}
    )
    await service.take_attendance(
        teacher, a.school_id, a.class_id, day, [service.Entry(a.student_ids[0], "late")]
    )
    leave = await leaves.request_leave(guardian, a.school_id, a.student_ids[0], day, day, "Ốm")
    before = await _snapshot(database, a.school_id)
    klass, student = ids.encode("SchoolClass", a.class_id), ids.encode("Student", a.student_ids[0])
    leave_gid = ids.encode("LeaveRequest", leave["id"])
    d = day.isoformat()
    for role in ROLES:
        token = await gql.token(b.logins[role])
        for school in (ids.encode("School", a.school_id), ids.encode("School", b.school_id)):
            body = await gql.raw(
                "mutation($s: ID!, $c: ID!, $d: Date!, $e: [AttendanceEntryInput!]!) {"
                " takeAttendance(schoolId: $s, classId: $c, date: $d, entries: $e)"
                " { sheet { className } errors { code } } }",
                {
                    "s": school,
                    "c": klass,
                    "d": d,
                    "e": [{"studentId": student, "status": "PRESENT"}],
                },
                token,
            )
            _empty(body, "takeAttendance", "sheet")
            body = await gql.raw(
                "query($s: ID!, $c: ID!, $d: Date!) { attendanceSheet(schoolId: $s, classId: $c,"
                " date: $d) { records { studentName } } }",
                {"s": school, "c": klass, "d": d},
                token,
            )
            _empty(body, "attendanceSheet")
            body = await gql.raw(
                "query($s: ID!, $st: ID!, $d: Date!) { studentAttendance(schoolId: $s,"
                " studentId: $st, fromDate: $d, toDate: $d) { status } }",
                {"s": school, "st": student, "d": d},
                token,
            )
            _empty(body, "studentAttendance")
            body = await gql.raw(
                "query($s: ID!, $c: ID!, $m: String!) { attendanceReport(schoolId: $s,"
                " classId: $c, month: $m) { studentName } }",
                {"s": school, "c": klass, "m": d[:7]},
                token,
            )
            _empty(body, "attendanceReport")
            body = await gql.raw(
                "mutation($s: ID!, $st: ID!, $d: Date!) { requestLeave(schoolId: $s,"
                ' studentId: $st, fromDate: $d, toDate: $d, reason: "x") { leaveRequest { id }'
                " errors { code } } }",
                {"s": school, "st": student, "d": d},
                token,
            )
            _empty(body, "requestLeave", "leaveRequest")
            body = await gql.raw(
                "mutation($s: ID!, $l: ID!) { decideLeaveRequest(schoolId: $s, leaveRequestId: $l,"
                " approve: true) { leaveRequest { id } errors { code } } }",
                {"s": school, "l": leave_gid},
                token,
            )
            _empty(body, "decideLeaveRequest", "leaveRequest")
            for args in ({"st": student}, {"c": klass}):
                var = "$st: ID!" if "st" in args else "$c: ID!"
                arg = "studentId: $st" if "st" in args else "classId: $c"
                body = await gql.raw(
                    f"query($s: ID!, {var}) {{ leaveRequests(schoolId: $s, {arg}) {{ id }} }}",
                    {"s": school, **args},
                    token,
                )
                _empty(body, "leaveRequests")
            node = await gql.raw(
                "query($id: ID!) { node(id: $id) { id } }", {"id": leave_gid}, token
            )
            assert (node.get("data") or {}).get("node") is None
    assert await _snapshot(database, a.school_id) == before
