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
