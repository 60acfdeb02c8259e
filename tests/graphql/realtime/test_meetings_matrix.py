"""Office meetings: who may create them, who may attend, and that invitations keep RLS."""

from __future__ import annotations

from typing import Any

from schoolhub.graphql import ids
from schoolhub.platform import db
from tests.support import factories
from tests.support import realtime as rt
from tests.support.gql import GraphQLClient, error_codes

CREATE = (
    'mutation($o: ID!, $s: [ID!], $f: [ID!]) { createMeeting(orgUnitId: $o, title: "Giao ban",'
    " schoolIds: $s, officeIds: $f) { room { id kind orgUnitId } errors { code } } }"
)
CHAT = (
    'mutation($r: ID!) { sendRoomChat(roomId: $r, text: "Chào các trường") { ok errors { code } } }'
)
REMOVE = (
    "mutation($r: ID!, $p: ID!) { removeParticipant(roomId: $r, participantId: $p)"
    " { participant { state } errors { code } } }"
)


async def _setup(gql: GraphQLClient) -> dict[str, Any]:
    p = await factories.province()
    district = await factories.district(p)
    a = await factories.school(p, district, tag="A")  # invited
    c = await factories.school(p, district, tag="C")  # same district, not invited
    b = await factories.school(p, tag="B")  # another district
    host = await gql.token(a.logins["district_admin"])
    return {"p": p, "district": district, "a": a, "b": b, "c": c, "host": host}


async def test_create_meeting_matrix(gql: GraphQLClient) -> None:
    w = await _setup(gql)
    a, b = w["a"], w["b"]
    office = ids.encode("OrgUnit", w["district"])
    school_a = ids.encode("School", a.school_id)
    variables = {"o": office, "s": [school_a]}
    assert error_codes(await gql.raw(CREATE, variables)) == ["UNAUTHENTICATED"]
    for login in (a.logins["principal"], a.logins["guardian"], b.logins["district_admin"]):
        data = await gql.ok(CREATE, variables, await gql.token(login))
        assert data["createMeeting"]["room"] is None
        assert [e["code"] for e in data["createMeeting"]["errors"]] == ["NOT_FOUND"], login
    outside = {"o": office, "s": [ids.encode("School", b.school_id)]}
    data = await gql.ok(CREATE, outside, w["host"])
    assert [e["code"] for e in data["createMeeting"]["errors"]] == ["BAD_USER_INPUT"]
    async with db.system():
        assert await db.fetch("SELECT id FROM realtime_meeting") == []
    data = await gql.ok(CREATE, variables, w["host"])
    room = data["createMeeting"]["room"]
    assert room["kind"] == "MEETING" and room["orgUnitId"] == office
    # Department: invites a district office and a school of any district.
    dept = await gql.token(w["p"].admin_login)
    data = await gql.ok(
        CREATE,
        {
            "o": ids.encode("OrgUnit", w["p"].department_id),
            "s": [ids.encode("School", b.school_id)],
            "f": [office],
        },
        dept,
    )
    assert not data["createMeeting"]["errors"], data
    dept_room = data["createMeeting"]["room"]["id"]
    joined = await gql.ok(rt.JOIN, {"r": dept_room, "o": None}, w["host"])  # invited office
    assert joined["joinRoom"]["participant"]["role"] == "PARTICIPANT", joined
    # Invitations are tenant rows: each school sees only its own.
    async with db.tenant(a.school_id):
        assert len(await db.fetch("SELECT 1 FROM realtime_meeting_school_invite")) == 1
    async with db.tenant(w["c"].school_id):
        assert await db.fetch("SELECT 1 FROM realtime_meeting_school_invite") == []
    async with db.system():
        assert await db.fetch("SELECT 1 FROM realtime_meeting_school_invite") == []


async def test_meeting_attendance_matrix(gql: GraphQLClient, server: str) -> None:
    w = await _setup(gql)
    a, b, c = w["a"], w["b"], w["c"]
    data = await gql.ok(
        CREATE,
        {"o": ids.encode("OrgUnit", w["district"]), "s": [ids.encode("School", a.school_id)]},
        w["host"],
    )
    room = data["createMeeting"]["room"]["id"]
    assert error_codes(await gql.raw(rt.JOIN, {"r": room, "o": None})) == ["UNAUTHENTICATED"]
    for login in (
        a.logins["student"],
        a.logins["guardian"],
        c.logins["principal"],
        b.logins["principal"],
        b.logins["district_admin"],
    ):
        token = await gql.token(login)
        data = await gql.ok(rt.JOIN, {"r": room, "o": None}, token)
        assert [e["code"] for e in data["joinRoom"]["errors"]] == ["NOT_FOUND"], login
        assert data["joinRoom"]["joinToken"] is None
        seen = await gql.ok("query($r: ID!) { liveRoom(roomId: $r) { id } }", {"r": room}, token)
        assert seen["liveRoom"] is None
    host = await gql.ok(rt.JOIN, {"r": room, "o": None}, w["host"])
    assert host["joinRoom"]["participant"]["role"] == "HOST"
    principal_token = await gql.token(a.logins["principal"])
    client = rt.GqlLiveClient(gql, server, principal_token, room)
    try:
        joined = await client.join_room([])
        assert joined["participant"]["role"] == "PARTICIPANT", joined
        assert joined["participant"]["state"] == "ADMITTED"
        sent = await gql.ok(CHAT, {"r": room}, w["host"])
        assert sent["sendRoomChat"]["ok"], sent
        try:
            await rt.wait_until(lambda: "chat.message" in client.types(), limit=5)
        except AssertionError:
            raise AssertionError(client.events) from None
        removed = await gql.ok(REMOVE, {"r": room, "p": joined["participant"]["id"]}, w["host"])
        assert removed["removeParticipant"]["participant"]["state"] == "REMOVED"
        await rt.wait_until(lambda: "participant.removed" in client.types())
        again = await gql.ok(rt.JOIN, {"r": room, "o": None}, principal_token)
        assert [e["code"] for e in again["joinRoom"]["errors"]] == ["REMOVED_FROM_ROOM"]
    finally:
        await client.close()
        await rt.close_rooms()
    async with db.system():
        actions = [
            r["action"]
            for r in await db.fetch(
                "SELECT action FROM realtime_meeting_moderation_log ORDER BY id"
            )
        ]
    assert actions == ["room.created", "participant.removed"]
