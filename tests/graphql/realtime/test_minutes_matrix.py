"""Authorization matrix of ``roomMinutes`` (a class session): anonymous, another school's
principal, a guardian of the school, a teacher not assigned to the class, a student of the roster
get nothing; the host, a co-host and the school's principal read the minutes."""

from __future__ import annotations

import json

from schoolhub.graphql import ids
from schoolhub.tenants import service as tenants
from tests.graphql.realtime.test_rooms_matrix import snapshot
from tests.support import factories
from tests.support import realtime as rt
from tests.support.gql import GraphQLClient, error_codes

MINUTES = "query($r: ID!) { roomMinutes(roomId: $r) { roomId attendees { userId totalSeconds } } }"
PROMOTE = (
    "mutation($r: ID!, $p: ID!) { setParticipantRole(roomId: $r, participantId: $p,"
    " role: CO_HOST) { participant { role } errors { code } } }"
)


async def test_room_minutes_matrix(gql: GraphQLClient) -> None:
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    await rt.enrol_student(a)
    room = await rt.class_session(gql, a)
    student = await gql.token(a.logins["student"])
    joined = await gql.ok(rt.JOIN, {"r": room, "o": None}, student)
    assert not joined["joinRoom"]["errors"], joined
    student_gid = ids.encode("User", a.user_ids["student"])
    other_teacher = f"gv{factories.n()}"
    uid = await factories.user(other_teacher, "Giáo viên khác")
    await tenants.grant_membership(p.admin, school_id=a.school_id, user_id=uid, role="teacher")
    before = await snapshot(a.school_id)

    body = await gql.raw(MINUTES, {"r": room})
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert (body.get("data") or {}).get("roomMinutes") is None
    denied = {
        b.logins["principal"]: [],  # another school: null, like a room that does not exist
        b.logins["district_admin"]: [],
        a.logins["guardian"]: ["FORBIDDEN"],
        other_teacher: ["FORBIDDEN"],
        a.logins["student"]: ["FORBIDDEN"],  # the roster attends but does not read minutes
    }
    for login, codes in denied.items():
        body = await gql.raw(MINUTES, {"r": room}, await gql.token(login))
        assert error_codes(body) == codes, (login, body)
        assert (body.get("data") or {}).get("roomMinutes") is None, (login, body)
        assert student_gid not in json.dumps(body), login
    assert await snapshot(a.school_id) == before

    host = await gql.token(a.logins["teacher"])
    for token in (host, await gql.token(a.logins["principal"])):
        data = await gql.ok(MINUTES, {"r": room}, token)
        assert student_gid in {x["userId"] for x in data["roomMinutes"]["attendees"]}
    promoted = await gql.ok(
        PROMOTE, {"r": room, "p": joined["joinRoom"]["participant"]["id"]}, host
    )
    assert not promoted["setParticipantRole"]["errors"], promoted
    data = await gql.ok(MINUTES, {"r": room}, student)
    assert data["roomMinutes"]["roomId"] == room
