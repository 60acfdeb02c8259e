"""A live class through the GraphQL signaling with real aiortc peers (teacher + student).

join (offer -> answer), SFU offers over ``roomEvents`` answered with ``answerRoomOffer``, frames
decoded on the other side, AUDIO_ONLY mode, mute / remove moderation, typed SDP rejections.
Small synthetic video (320x240) for the shared CI box.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiortc.mediastreams import AudioStreamTrack

from schoolhub.graphql import ids
from schoolhub.platform import db
from schoolhub.realtime.sfu.loopback import SyntheticVideoTrack
from tests.support import factories
from tests.support import realtime as rt
from tests.support.gql import GraphQLClient

pytestmark = [pytest.mark.timeout(90)]

MUTE = (
    "mutation($r: ID!, $p: ID!) { muteParticipant(roomId: $r, participantId: $p)"
    " { ok count errors { code } } }"
)
REMOVE = (
    "mutation($r: ID!, $p: ID!) { removeParticipant(roomId: $r, participantId: $p)"
    " { participant { state } errors { code } } }"
)
MODE = (
    "mutation($r: ID!, $m: LiveSubscriptionMode!) { setSubscriptionMode(roomId: $r, mode: $m)"
    " { ok errors { code } } }"
)
ROOM = (
    "query($r: ID!) { liveRoom(roomId: $r) { status participants { id role state online"
    " audioMuted tracks { trackId kind source } } } }"
)
SIMULCAST_OFFER = (
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 97\r\na=mid:0\r\na=rtpmap:97 VP8/90000\r\na=simulcast:send h;l\r\n"
)
VP9_OFFER = (
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 100\r\na=mid:0\r\na=rtpmap:100 VP9/90000\r\n"
)


async def test_live_class_through_graphql(gql: GraphQLClient, server: str) -> None:
    p = await factories.province()
    world = await factories.school(p)
    await rt.enrol_student(world)
    room_id = await rt.class_session(gql, world)
    teacher_token = await gql.token(world.logins["teacher"])
    student_token = await gql.token(world.logins["student"])
    teacher = rt.GqlLiveClient(gql, server, teacher_token, room_id)
    student = rt.GqlLiveClient(gql, server, student_token, room_id)
    try:
        joined = await teacher.join_room([SyntheticVideoTrack(320, 240), AudioStreamTrack()])
        assert not joined["errors"], joined
        assert joined["answerSdp"] and "a=group:BUNDLE" in joined["answerSdp"]
        assert joined["bundlePolicy"] == "max-bundle"
        assert joined["participant"]["role"] == "HOST"
        assert joined["iceServers"] == []  # no SCHOOLHUB_TURN_URLS in tests

        s_joined = await student.join_room([SyntheticVideoTrack(320, 240), AudioStreamTrack()])
        assert not s_joined["errors"], s_joined
        assert s_joined["participant"]["role"] == "PARTICIPANT"
        student_pid = s_joined["participant"]["id"]

        # Both receive the other's video through SFU offers delivered over roomEvents.
        await rt.wait_until(lambda: student.frames("video") >= 15 and teacher.frames("video") >= 15)
        assert "NegotiationNeeded" in student.types()
        assert student.negotiations >= 1

        room = await gql.ok(ROOM, {"r": room_id}, teacher_token)
        parts = {x["id"]: x for x in room["liveRoom"]["participants"]}
        assert parts[student_pid]["online"]
        assert {t["kind"] for t in parts[student_pid]["tracks"]} == {"audio", "video"}

        # Data saver: audio only -> the student's video slot is paused (TrackRouted inactive).
        data = await gql.ok(MODE, {"r": room_id, "m": "AUDIO_ONLY"}, student_token)
        assert data["setSubscriptionMode"]["ok"], data
        await rt.wait_until(
            lambda: any(
                e["type"] == "TrackRouted" and e["payload"].get("active") is False
                for e in student.events
            )
        )
        sfu = rt.local_room(room_id)
        assert sfu is not None
        slots = sfu.participant(str(ids.decode(student_pid, "LiveParticipant"))).slots
        assert all(s.track.paused for s in slots if s.kind == "video")
        assert not any(s.track.paused for s in slots if s.kind == "audio")

        # Moderation: a student cannot mute; the host mutes the student (audio still published,
        # no longer forwarded: see test_rooms_controls for unmuting).
        denied = await gql.ok(MUTE, {"r": room_id, "p": joined["participant"]["id"]}, student_token)
        assert denied["muteParticipant"]["errors"][0]["code"] == "FORBIDDEN"
        muted = await gql.ok(MUTE, {"r": room_id, "p": student_pid}, teacher_token)
        assert muted["muteParticipant"]["count"] == 1, muted
        await rt.wait_until(
            lambda: any(
                e["type"] == "participant.muted" and e["participantId"] == student_pid
                for e in teacher.events
            )
        )
        room = await gql.ok(ROOM, {"r": room_id}, teacher_token)
        me = next(x for x in room["liveRoom"]["participants"] if x["id"] == student_pid)
        assert me["audioMuted"] and {t["kind"] for t in me["tracks"]} == {"audio", "video"}
        published = sfu.participant(str(ids.decode(student_pid, "LiveParticipant"))).published
        assert [t.forwarder.gated for t in published.values() if t.kind == "audio"] == [True]
        assert not any(t.forwarder.gated for t in published.values() if t.kind == "video")

        # Remove: the student's stream ends, rejoining and the old join token are refused.
        old_token = s_joined["joinToken"]
        removed = await gql.ok(REMOVE, {"r": room_id, "p": student_pid}, teacher_token)
        assert removed["removeParticipant"]["participant"]["state"] == "REMOVED"
        await rt.wait_until(lambda: "participant.removed" in student.types())
        again = await gql.ok(rt.JOIN, {"r": room_id, "o": None}, student_token)
        assert again["joinRoom"]["errors"][0]["code"] == "REMOVED_FROM_ROOM"
        late = rt.GqlLiveClient(gql, server, student_token, room_id)
        try:
            await late.subscribe(old_token)
            await rt.wait_until(lambda: bool(late.events))
            assert late.events[0]["type"] in ("_error", "_complete"), late.events
            assert "JOIN_TOKEN_REVOKED" in str(late.events[0]), late.events
        finally:
            await late.close()
        async with db.tenant(world.school_id):
            log = await db.fetch(
                "SELECT action FROM realtime_moderation_log ORDER BY id",
            )
            presence = await db.fetch("SELECT left_at FROM realtime_presence")
        actions = [r["action"] for r in log]
        assert "participant.muted" in actions and "participant.removed" in actions
        assert len(presence) == 2 and sum(r["left_at"] is not None for r in presence) == 1
    finally:
        await teacher.close()
        await student.close()
        await rt.close_rooms()


async def test_sdp_rejections_are_typed_payload_errors(gql: GraphQLClient) -> None:
    p = await factories.province()
    world = await factories.school(p)
    room_id = await rt.class_session(gql, world)
    token = await gql.token(world.logins["teacher"])
    for offer, code in (
        (SIMULCAST_OFFER, "SFU_SIMULCAST_NOT_SUPPORTED"),
        (VP9_OFFER, "SFU_UNSUPPORTED_CODEC"),
        ("garbage", "SFU_INVALID_SDP"),
    ):
        data: dict[str, Any] = await gql.ok(rt.JOIN, {"r": room_id, "o": offer}, token)
        assert [e["code"] for e in data["joinRoom"]["errors"]] == [code], data
        assert data["joinRoom"]["answerSdp"] is None


async def test_demotion_revokes_join_tokens(gql: GraphQLClient, server: str) -> None:
    p = await factories.province()
    world = await factories.school(p)
    await rt.enrol_student(world)
    room_id = await rt.class_session(gql, world)
    teacher_token = await gql.token(world.logins["teacher"])
    principal_token = await gql.token(world.logins["principal"])
    await gql.ok(rt.JOIN, {"r": room_id, "o": None}, teacher_token)
    principal = rt.GqlLiveClient(gql, server, principal_token, room_id)
    try:
        joined = await principal.join_room([])
        assert joined["participant"]["role"] == "CO_HOST", joined
        demote = (
            "mutation($r: ID!, $p: ID!) { setParticipantRole(roomId: $r, participantId: $p,"
            " role: PARTICIPANT) { participant { role } errors { code } } }"
        )
        data = await gql.ok(demote, {"r": room_id, "p": joined["participant"]["id"]}, teacher_token)
        assert data["setParticipantRole"]["participant"]["role"] == "PARTICIPANT", data
        # the open stream ends at the next event; the old token cannot open a new one
        await rt.wait_until(lambda: any(e["type"] == "_error" for e in principal.events))
        late = rt.GqlLiveClient(gql, server, principal_token, room_id)
        try:
            await late.subscribe(joined["joinToken"])
            assert "JOIN_TOKEN_REVOKED" in str(late.events[0]), late.events
        finally:
            await late.close()
        rejoined = await gql.ok(rt.JOIN, {"r": room_id, "o": None}, principal_token)
        assert rejoined["joinRoom"]["participant"]["role"] == "PARTICIPANT"
        assert rejoined["joinRoom"]["joinToken"] != joined["joinToken"]
    finally:
        await principal.close()
        await rt.close_rooms()
