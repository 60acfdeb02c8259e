"""Tenant isolation of live rooms: school B (every role + its district admin) against school A.

Every realtime query/mutation is run against A's room, participant and class: nothing of A comes
back and A's realtime rows are unchanged. Join tokens are bound to their school's room: a token of
B's room is refused for A's room, and A's token is useless to a B user.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from schoolhub.graphql import ids
from tests.graphql.realtime.test_rooms_matrix import OPS, snapshot
from tests.support import factories
from tests.support import realtime as rt
from tests.support.gql import GraphQLClient

ISOLATION_COVERS = {
    **dict.fromkeys(OPS, "test_other_school_gets_nothing_from_live_rooms"),
    "createMeeting": "test_other_district_gets_nothing_from_meetings",
    "roomEvents": "test_join_tokens_do_not_cross_schools",
    "roomMinutes": "test_other_school_gets_no_minutes",
    "startRecording": "test_other_school_gets_nothing_from_recordings",
    "stopRecording": "test_other_school_gets_nothing_from_recordings",
    "roomRecordings": "test_other_school_gets_nothing_from_recordings",
}
ROLES = ["principal", "teacher", "student", "guardian", "district_admin"]


async def test_other_school_gets_nothing_from_live_rooms(gql: GraphQLClient) -> None:
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    await rt.enrol_student(a)
    room = await rt.class_session(gql, a)
    student = await gql.token(a.logins["student"])
    joined = await gql.ok(rt.JOIN, {"r": room, "o": None}, student)
    target = joined["joinRoom"]["participant"]["id"]
    assert a.class_id is not None
    variables = {"r": room, "p": target, "c": ids.encode("SchoolClass", a.class_id), "o": None}
    before = await snapshot(a.school_id)
    for role in ROLES:
        token = await gql.token(b.logins[role])
        for op, query in OPS.items():
            used = {k: v for k, v in variables.items() if f"${k}" in query}
            body = await gql.raw(query, used, token)
            text = json.dumps(body)
            assert room not in text and target not in text, (role, op, body)
            data = body.get("data") or {}
            result: Any = data.get(op)
            if op == "liveRoom":
                assert result is None, (role, body)
            elif result is not None:
                codes = {e["code"] for e in result["errors"]}
                assert codes and codes <= {"NOT_FOUND", "FORBIDDEN"}, (role, op, body)
    assert await snapshot(a.school_id) == before


async def test_other_district_gets_nothing_from_meetings(gql: GraphQLClient) -> None:
    """B (another district) against a meeting of A's district that invited A."""
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    office_a = ids.encode("OrgUnit", a.district_id)
    create = (
        'mutation($o: ID!, $s: [ID!]) { createMeeting(orgUnitId: $o, title: "Họp",'
        " schoolIds: $s) { room { id } errors { code } } }"
    )
    host = await gql.token(a.logins["district_admin"])
    data = await gql.ok(create, {"o": office_a, "s": [ids.encode("School", a.school_id)]}, host)
    room = data["createMeeting"]["room"]["id"]
    principal = await gql.token(a.logins["principal"])
    joined = await gql.ok(rt.JOIN, {"r": room, "o": None}, principal)
    target = joined["joinRoom"]["participant"]["id"]
    variables = {"r": room, "p": target, "o": None}
    for role in ROLES:
        token = await gql.token(b.logins[role])
        data = await gql.ok(
            create, {"o": office_a, "s": [ids.encode("School", b.school_id)]}, token
        )
        assert data["createMeeting"]["room"] is None
        assert {e["code"] for e in data["createMeeting"]["errors"]} <= {"NOT_FOUND"}, (role, data)
        for op, query in OPS.items():
            if op == "createClassSession":
                continue
            used = {k: v for k, v in variables.items() if f"${k}" in query}
            body = await gql.raw(query, used, token)
            text = json.dumps(body)
            assert room not in text and target not in text, (role, op, body)
    from schoolhub.platform import db

    async with db.system():
        count = await db.fetchrow("SELECT count(*) AS n FROM realtime_meeting")
        parts = await db.fetchrow("SELECT count(*) AS n FROM realtime_meeting_participant")
    assert count is not None and count["n"] == 1
    assert parts is not None and parts["n"] == 2  # host + A's principal only


async def test_join_tokens_do_not_cross_schools(gql: GraphQLClient, server: str) -> None:
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    room_a = await rt.class_session(gql, a)
    room_b = await rt.class_session(gql, b)
    token_a = await gql.token(a.logins["teacher"])
    token_b = await gql.token(b.logins["teacher"])
    join_a = (await gql.ok(rt.JOIN, {"r": room_a, "o": None}, token_a))["joinRoom"]["joinToken"]
    join_b = (await gql.ok(rt.JOIN, {"r": room_b, "o": None}, token_b))["joinRoom"]["joinToken"]
    attempts = [
        (token_b, room_a, join_b),  # B's token for A's room
        (token_b, room_a, join_a),  # A's token used by a B user
        (token_b, room_b, join_a),  # A's token presented for B's room
    ]
    for access, room, join in attempts:
        client = rt.GqlLiveClient(gql, server, access, room)
        try:
            await client.subscribe(join)
            await rt.wait_until(lambda c=client: bool(c.events))  # type: ignore[misc]
            first = client.events[0]
            assert first["type"] in ("_error", "_complete"), first
            codes = {
                e.get("extensions", {}).get("code")
                for e in (
                    first["raw"]
                    if isinstance(first["raw"], list)
                    else first["raw"].get("payload", [])
                )
            }
            assert codes & {"JOIN_TOKEN_INVALID", "NOT_FOUND"}, first
        finally:
            await client.close()
    await asyncio.sleep(0)


async def test_other_school_gets_no_minutes(gql: GraphQLClient) -> None:
    """B's roles (and B's district admin) against A's class session and A's district meeting."""
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    await rt.enrol_student(a)
    room = await rt.class_session(gql, a)
    student = await gql.token(a.logins["student"])
    await gql.ok(rt.JOIN, {"r": room, "o": None}, student)
    create = (
        'mutation($o: ID!, $s: [ID!]) { createMeeting(orgUnitId: $o, title: "Họp",'
        " schoolIds: $s) { room { id } errors { code } } }"
    )
    host = await gql.token(a.logins["district_admin"])
    data = await gql.ok(
        create,
        {"o": ids.encode("OrgUnit", a.district_id), "s": [ids.encode("School", a.school_id)]},
        host,
    )
    meeting = data["createMeeting"]["room"]["id"]
    await gql.ok(rt.JOIN, {"r": meeting, "o": None}, await gql.token(a.logins["principal"]))
    query = "query($r: ID!) { roomMinutes(roomId: $r) { roomId title attendees { userId } } }"
    secrets = [
        ids.encode("User", a.user_ids["student"]),
        ids.encode("User", a.user_ids["principal"]),
    ]
    for role in ROLES:
        token = await gql.token(b.logins[role])
        for target in (room, meeting):
            body = await gql.raw(query, {"r": target}, token)
            assert (body.get("data") or {}).get("roomMinutes") is None, (role, body)
            assert not any(x in json.dumps(body) for x in secrets), (role, body)
            assert {e.get("extensions", {}).get("code") for e in body.get("errors") or []} <= {
                "NOT_FOUND"
            }, (role, body)


async def test_other_school_gets_nothing_from_recordings(gql: GraphQLClient) -> None:
    """B's every role against A's class session, idle and while it is being recorded."""
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    room = await rt.class_session(gql, a)
    host = await gql.token(a.logins["teacher"])
    try:
        assert not (await gql.ok(rt.JOIN, {"r": room, "o": None}, host))["joinRoom"]["errors"]
        for recording in (False, True):
            if recording:
                started = await gql.ok(rt.START_RECORDING, {"r": room, "c": True}, host)
                assert not started["startRecording"]["errors"], started
            before = [*await snapshot(a.school_id), await rt.recording_rows(a.school_id)]
            for role in ROLES:
                token = await gql.token(b.logins[role])
                for op, query, variables in (
                    ("startRecording", rt.START_RECORDING, {"r": room, "c": True}),
                    ("stopRecording", rt.STOP_RECORDING, {"r": room}),
                    ("roomRecordings", rt.RECORDINGS, {"r": room}),
                ):
                    body = await gql.raw(query, variables, token)
                    assert room not in json.dumps(body), (role, op, body)
                    result: Any = (body.get("data") or {}).get(op)
                    if op == "roomRecordings":
                        assert result is None and not body.get("errors"), (role, body)
                    else:
                        assert result["recording"] is None, (role, op, body)
                        assert [e["code"] for e in result["errors"]] == ["NOT_FOUND"], body
            after = [*await snapshot(a.school_id), await rt.recording_rows(a.school_id)]
            assert after == before
    finally:
        await rt.close_rooms()
