"""Only teachers linked to the class (homeroom or a teaching assignment) take its attendance."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from schoolhub.graphql import ids
from schoolhub.platform import db
from tests.support import factories
from tests.support import workspace_structure as ws_structure
from tests.support.gql import GraphQLClient

TAKE = """mutation($s: ID!, $c: ID!, $d: Date!, $e: [AttendanceEntryInput!]!) {
  takeAttendance(schoolId: $s, classId: $c, date: $d, entries: $e) {
    sheet { records { status } } errors { code } } }"""


async def test_unlinked_teacher_is_refused_and_nothing_is_written(gql: GraphQLClient) -> None:
    p = await factories.province()
    world = await factories.school(p)
    s = await ws_structure.structure(p, world)
    assert world.class_id is not None
    today = datetime.now(timezone(timedelta(hours=7))).date().isoformat()
    variables = {
        "s": ids.encode("School", world.school_id),
        "c": ids.encode("SchoolClass", world.class_id),
        "d": today,
        "e": [{"studentId": ids.encode("Student", world.student_ids[0]), "status": "LATE"}],
    }
    refused = await gql.ok(TAKE, variables, await gql.token(s.other_teacher_login))
    assert refused["takeAttendance"] == {"sheet": None, "errors": [{"code": "FORBIDDEN"}]}
    async with db.tenant(world.school_id):
        count = await db.fetchrow("SELECT count(*) AS n FROM workspace_attendance_record")
    assert count is not None and count["n"] == 0
    allowed = await gql.ok(TAKE, variables, await gql.token(s.subject_teacher_login))
    assert allowed["takeAttendance"]["errors"] == []
    statuses = sorted(r["status"] for r in allowed["takeAttendance"]["sheet"]["records"])
    assert statuses == ["LATE", "PRESENT"]


STUDENT = (
    "query($s: ID!, $st: ID!, $f: Date!, $t: Date!) { studentAttendance(schoolId: $s,"
    " studentId: $st, fromDate: $f, toDate: $t) { id status } }"
)
LEAVES = "query($s: ID!, $st: ID!) { leaveRequests(schoolId: $s, studentId: $st) { id } }"
REQUEST = (
    "mutation($s: ID!, $st: ID!, $f: Date!, $t: Date!) { requestLeave(schoolId: $s,"
    ' studentId: $st, fromDate: $f, toDate: $t, reason: "Ốm") { leaveRequest { id } } }'
)
NODE = "query($id: ID!) { node(id: $id) { id } }"


async def test_only_the_class_teachers_read_a_students_history(gql: GraphQLClient) -> None:
    """A teacher with no link to the student's class reads neither their attendance history,
    nor their leave requests, nor a record or a leave request by id; linked teachers and the
    principal do."""
    p = await factories.province()
    world = await factories.school(p)
    s = await ws_structure.structure(p, world)
    assert world.class_id is not None
    today = datetime.now(timezone(timedelta(hours=7))).date().isoformat()
    school, student = ids.encode("School", world.school_id), world.student_ids[0]
    take = {
        "s": school,
        "c": ids.encode("SchoolClass", world.class_id),
        "d": today,
        "e": [{"studentId": ids.encode("Student", student), "status": "ABSENT_UNEXCUSED"}],
    }
    await gql.ok(TAKE, take, await gql.token(s.subject_teacher_login))
    view = {"s": school, "st": ids.encode("Student", student), "f": today, "t": today}
    leave = await gql.ok(REQUEST, view, await gql.token(world.logins["guardian"]))
    leave_id = leave["requestLeave"]["leaveRequest"]["id"]

    outsider = await gql.token(s.other_teacher_login)
    for query, variables, field in (
        (STUDENT, view, "studentAttendance"),
        (LEAVES, {"s": school, "st": view["st"]}, "leaveRequests"),
    ):
        body = await gql.raw(query, variables, outsider)
        assert (body.get("data") or {}).get(field) is None, body
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body

    linked = await gql.ok(STUDENT, view, await gql.token(s.subject_teacher_login))
    record_id = linked["studentAttendance"][0]["id"]
    assert [r["status"] for r in linked["studentAttendance"]] == ["ABSENT_UNEXCUSED"]
    for login in (s.subject_teacher_login, world.logins["teacher"], world.logins["principal"]):
        token = await gql.token(login)
        data = await gql.ok(LEAVES, {"s": school, "st": view["st"]}, token)
        assert data["leaveRequests"] == [{"id": leave_id}]
        for object_id in (record_id, leave_id):
            assert (await gql.ok(NODE, {"id": object_id}, token))["node"] == {"id": object_id}
    for object_id in (record_id, leave_id):
        assert (await gql.ok(NODE, {"id": object_id}, outsider))["node"] is None
