"""Authorization matrix of every live-room operation.

Callers: anonymous, a principal of another school, a student of another class of the same school,
a guardian of the school, and the host. Denied callers get no room data back and change nothing
(the realtime rows of the school are identical before and after); joinRoom by a same-school
non-roster member only puts them in the lobby (no media, no answer).
"""

from __future__ import annotations

from typing import Any

import pytest

from schoolhub.platform import db
from tests.support import factories
from tests.support import realtime as rt
from tests.support.gql import GraphQLClient, error_codes

OPS: dict[str, str] = {
    "liveRoom": "query($r: ID!) { liveRoom(roomId: $r) { id participants { id } } }",
    "joinRoom": rt.JOIN,
    "publishTracks": 'mutation($r: ID!) { publishTracks(roomId: $r, offer: "v=0") { answerSdp errors { code } } }',
    "answerRoomOffer": 'mutation($r: ID!) { answerRoomOffer(roomId: $r, answer: "v=0") { ok errors { code } } }',
    "setSubscriptionMode": "mutation($r: ID!) { setSubscriptionMode(roomId: $r, mode: AUDIO_ONLY) { ok errors { code } } }",
    "leaveRoom": "mutation($r: ID!) { leaveRoom(roomId: $r) { ok errors { code } } }",
    "raiseHand": "mutation($r: ID!) { raiseHand(roomId: $r) { participant { id } errors { code } } }",
    "sendRoomChat": 'mutation($r: ID!) { sendRoomChat(roomId: $r, text: "xin chào") { ok errors { code } } }',
    "admitParticipant": "mutation($r: ID!, $p: ID!) { admitParticipant(roomId: $r, participantId: $p) { participant { id } errors { code } } }",
    "muteParticipant": "mutation($r: ID!, $p: ID!) { muteParticipant(roomId: $r, participantId: $p) { ok errors { code } } }",
    "muteAll": "mutation($r: ID!) { muteAll(roomId: $r) { ok errors { code } } }",
    "stopVideo": "mutation($r: ID!, $p: ID!) { stopVideo(roomId: $r, participantId: $p) { participant { id } errors { code } } }",
    "setMyMicrophone": "mutation($r: ID!) { setMyMicrophone(roomId: $r, muted: true) { participant { id } errors { code } } }",
    "setMyCamera": "mutation($r: ID!) { setMyCamera(roomId: $r, stopped: true) { participant { id } errors { code } } }",
    "askToUnmute": "mutation($r: ID!, $p: ID!) { askToUnmute(roomId: $r, participantId: $p) { participant { id } errors { code } } }",
    "lowerHand": "mutation($r: ID!, $p: ID!) { lowerHand(roomId: $r, participantId: $p) { participant { id } errors { code } } }",
    "lowerAllHands": "mutation($r: ID!) { lowerAllHands(roomId: $r) { ok errors { code } } }",
    "setRoomControls": "mutation($r: ID!) { setRoomControls(roomId: $r, participantsMayUnmute: false) { room { id } errors { code } } }",
    "setParticipantRole": "mutation($r: ID!, $p: ID!) { setParticipantRole(roomId: $r,"
    " participantId: $p, role: VIEWER) { participant { id } errors { code } } }",
    "removeParticipant": "mutation($r: ID!, $p: ID!) { removeParticipant(roomId: $r, participantId: $p) { participant { id } errors { code } } }",
    "lockRoom": "mutation($r: ID!) { lockRoom(roomId: $r) { room { id } errors { code } } }",
    "endRoom": "mutation($r: ID!) { endRoom(roomId: $r) { room { id } errors { code } } }",
    "createClassSession": 'mutation($c: ID!) { createClassSession(classId: $c, title: "Lớp ngoài") { room { id } errors { code } } }',
}
SIGNALING = {
    "publishTracks",
    "answerRoomOffer",
    "setSubscriptionMode",
    "leaveRoom",
    "raiseHand",
    "sendRoomChat",
    "setMyMicrophone",
    "setMyCamera",
}
CONTROL = {
    "admitParticipant",
    "muteParticipant",
    "muteAll",
    "stopVideo",
    "askToUnmute",
    "lowerHand",
    "lowerAllHands",
    "setRoomControls",
    "removeParticipant",
    "setParticipantRole",
    "lockRoom",
    "endRoom",
}


async def snapshot(school_id: Any) -> list[Any]:
    async with db.tenant(school_id):
        rows = []
        for table in (
            "realtime_room",
            "realtime_participant",
            "realtime_presence",
            "realtime_moderation_log",
        ):
            rows.append(await db.fetch(f"SELECT * FROM {table} ORDER BY 1"))
    return rows


async def _world(gql: GraphQLClient) -> dict[str, Any]:
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    await rt.enrol_student(a)
    room = await rt.class_session(gql, a)
    host = await gql.token(a.logins["teacher"])
    student = await gql.token(a.logins["student"])
    joined = await gql.ok(rt.JOIN, {"r": room, "o": None}, student)
    assert not joined["joinRoom"]["errors"], joined
    from schoolhub.graphql import ids

    assert a.class_id is not None
    return {
        "p": p,
        "a": a,
        "b": b,
        "room": room,
        "host": host,
        "student": student,
        "target": joined["joinRoom"]["participant"]["id"],
        "class": ids.encode("SchoolClass", a.class_id),
    }


def _vars(op: str, w: dict[str, Any]) -> dict[str, Any]:
    if op == "createClassSession":
        return {"c": w["class"]}
    variables: dict[str, Any] = {"r": w["room"]}
    if "$p" in OPS[op]:
        variables["p"] = w["target"]
    if op == "joinRoom":
        variables["o"] = None
    return variables


def _payload_codes(data: dict[str, Any], op: str) -> list[str]:
    return [e["code"] for e in (data[op] or {}).get("errors", [])]


@pytest.mark.parametrize("caller", ["anonymous", "other_school", "other_class_student", "guardian"])
async def test_denied_callers_get_nothing(gql: GraphQLClient, caller: str) -> None:
    w = await _world(gql)
    token: str | None = None
    if caller == "other_school":
        token = await gql.token(w["b"].logins["principal"])
    elif caller == "other_class_student":
        token = await gql.token(await rt.other_class_student(w["p"], w["a"]))
    elif caller == "guardian":
        token = await gql.token(w["a"].logins["guardian"])
    before = await snapshot(w["a"].school_id)
    for op, query in OPS.items():
        if op == "joinRoom":
            continue  # checked last: a same-school member may enter the lobby
        body = await gql.raw(query, _vars(op, w), token)
        if caller == "anonymous":
            assert error_codes(body) == ["UNAUTHENTICATED"], (op, body)
            continue
        assert not body.get("errors"), (op, body)
        data = body["data"]
        if op == "liveRoom":
            assert data["liveRoom"] is None, (caller, data)
            continue
        codes = _payload_codes(data, op)
        if caller == "other_school" or (op == "createClassSession" and caller != "guardian"):
            expected = {"NOT_FOUND"} if caller == "other_school" else {"FORBIDDEN"}
        elif op in SIGNALING:
            expected = {"NOT_IN_ROOM"}
        elif op in CONTROL:
            expected = {"FORBIDDEN"}
        else:  # guardian creating a session
            expected = {"FORBIDDEN", "NOT_FOUND"}
        assert codes and set(codes) <= expected, (caller, op, data)
        payload = data[op]
        assert all(v in (None, False, 0, []) for k, v in payload.items() if k != "errors"), payload
    assert await snapshot(w["a"].school_id) == before
    body = await gql.raw(OPS["joinRoom"], _vars("joinRoom", w), token)
    if caller == "anonymous":
        assert error_codes(body) == ["UNAUTHENTICATED"]
    elif caller == "other_school":
        assert _payload_codes(body["data"], "joinRoom") == ["NOT_FOUND"]
        assert body["data"]["joinRoom"]["joinToken"] is None
    else:
        result = body["data"]["joinRoom"]
        assert result["waitingInLobby"] and result["answerSdp"] is None, result
        assert result["participant"]["state"] == "LOBBY"
        # the lobby shows the waiter only itself
        seen = await gql.ok(OPS["liveRoom"], {"r": w["room"]}, token)
        assert [p["id"] for p in seen["liveRoom"]["participants"]] == [result["participant"]["id"]]
    if caller in ("anonymous", "other_school"):
        assert await snapshot(w["a"].school_id) == before


async def test_host_can_do_everything(gql: GraphQLClient) -> None:
    w = await _world(gql)
    host = w["host"]
    guardian = await gql.token(w["a"].logins["guardian"])
    waiting = await gql.ok(rt.JOIN, {"r": w["room"], "o": None}, guardian)
    lobby_pid = waiting["joinRoom"]["participant"]["id"]
    joined = await gql.ok(rt.JOIN, {"r": w["room"], "o": None}, host)
    assert not joined["joinRoom"]["errors"] and joined["joinRoom"]["participant"]["role"] == "HOST"
    data = await gql.ok(OPS["liveRoom"], {"r": w["room"]}, host)
    assert len(data["liveRoom"]["participants"]) == 3
    for op, query in OPS.items():
        if op in ("joinRoom", "liveRoom", "endRoom", "leaveRoom"):
            continue
        variables = _vars(op, w)
        if op == "admitParticipant":
            variables["p"] = lobby_pid
        data = await gql.ok(query, variables, host)
        codes = _payload_codes(data, op)
        if op in ("publishTracks", "answerRoomOffer"):
            # authorised; the SFU judges the SDP
            assert codes and codes[0].startswith("SFU_"), (op, data)
        else:
            assert codes == [], (op, data)
    left = await gql.ok(OPS["leaveRoom"], {"r": w["room"]}, host)
    assert left["leaveRoom"]["ok"], left
    admitted = await gql.ok(rt.JOIN, {"r": w["room"], "o": None}, guardian)
    assert admitted["joinRoom"]["participant"]["state"] == "ADMITTED"
    ended = await gql.ok(OPS["endRoom"], {"r": w["room"]}, host)
    assert ended["endRoom"]["room"]["id"] == w["room"]
    late = await gql.ok(rt.JOIN, {"r": w["room"], "o": None}, host)
    assert _payload_codes(late, "joinRoom") == ["ROOM_ENDED"]
    async with db.tenant(w["a"].school_id):
        actions = [
            r["action"]
            for r in await db.fetch("SELECT action FROM realtime_moderation_log ORDER BY id")
        ]
    for action in (
        "room.created",
        "lobby.admitted",
        "participant.muted",
        "participant.video_stopped",
        "participant.unmute_requested",
        "hand.lowered",
        "room.controls_changed",
        "participant.removed",
        "room.locked",
        "room.ended",
    ):
        assert action in actions, actions


async def test_participant_who_is_not_host_cannot_moderate(gql: GraphQLClient) -> None:
    """The admitted student of the class: every host control is FORBIDDEN and changes nothing;
    their own microphone and camera are theirs to turn off."""
    w = await _world(gql)
    student = w["student"]
    host_join = await gql.ok(rt.JOIN, {"r": w["room"], "o": None}, w["host"])
    host_pid = host_join["joinRoom"]["participant"]["id"]
    await gql.ok(OPS["muteParticipant"], {"r": w["room"], "p": host_pid}, w["host"])
    before = await snapshot(w["a"].school_id)
    for op in sorted(CONTROL):
        variables = _vars(op, w)
        if "p" in variables:
            variables["p"] = host_pid  # even on the host (muted, so askToUnmute would apply)
        data = await gql.ok(OPS[op], variables, student)
        assert _payload_codes(data, op) == ["FORBIDDEN"], (op, data)
    assert await snapshot(w["a"].school_id) == before
    for op in ("setMyMicrophone", "setMyCamera"):
        data = await gql.ok(OPS[op], _vars(op, w), student)
        assert _payload_codes(data, op) == [], (op, data)
    room = await gql.ok(
        "query($r: ID!) { liveRoom(roomId: $r) { participants { id audioMuted videoStopped } } }",
        {"r": w["room"]},
        student,
    )
    states = {p["id"]: p for p in room["liveRoom"]["participants"]}
    assert states[w["target"]]["audioMuted"] and states[w["target"]]["videoStopped"]
