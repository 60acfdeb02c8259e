"""Raise hand, screen share and audio/video controls with real aiortc peers over GraphQL.

Teacher (host) and student are aiortc clients signaling through joinRoom / roomEvents /
answerRoomOffer / publishTracks. What is checked is what reaches the other side: room events on the
other participant's subscription, the participant list, the SFU's forwarding state and frames
decoded by the receiving client. Small synthetic video (320x240) for the shared CI box.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiortc import MediaStreamTrack, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack

from schoolhub.graphql import ids
from schoolhub.platform import db
from schoolhub.realtime.sfu import SfuRoom, TrackSource
from schoolhub.realtime.sfu.loopback import SyntheticVideoTrack
from tests.support import factories
from tests.support import realtime as rt
from tests.support.gql import GraphQLClient

pytestmark = [pytest.mark.timeout(120)]

ROOM = (
    "query($r: ID!) { liveRoom(roomId: $r) { participantsMayUnmute participantsMayStartVideo"
    " participants { id role handRaised audioMuted videoStopped unmuteRequested videoRequested"
    " tracks { trackId kind source } } } }"
)
HAND = (
    "mutation($r: ID!, $v: Boolean!) { raiseHand(roomId: $r, raised: $v)"
    " { participant { handRaised } errors { code } } }"
)
LOWER = (
    "mutation($r: ID!, $p: ID!) { lowerHand(roomId: $r, participantId: $p)"
    " { participant { handRaised } errors { code } } }"
)
LOWER_ALL = "mutation($r: ID!) { lowerAllHands(roomId: $r) { ok count errors { code } } }"
PUBLISH = (
    "mutation($r: ID!, $o: String!, $s: [TrackSourceInput!]) { publishTracks(roomId: $r,"
    " offer: $o, sources: $s) { answerSdp errors { code message } } }"
)
MODE = (
    "mutation($r: ID!, $m: LiveSubscriptionMode!) { setSubscriptionMode(roomId: $r, mode: $m)"
    " { ok errors { code } } }"
)
MUTE = (
    "mutation($r: ID!, $p: ID!) { muteParticipant(roomId: $r, participantId: $p)"
    " { ok count errors { code } } }"
)
MUTE_ALL = "mutation($r: ID!) { muteAll(roomId: $r) { ok count errors { code } } }"
STOP_VIDEO = (
    "mutation($r: ID!, $p: ID!) { stopVideo(roomId: $r, participantId: $p)"
    " { participant { videoStopped } errors { code } } }"
)
MY_MIC = (
    "mutation($r: ID!, $m: Boolean!) { setMyMicrophone(roomId: $r, muted: $m)"
    " { participant { audioMuted unmuteRequested } errors { code message } } }"
)
MY_CAMERA = (
    "mutation($r: ID!, $s: Boolean!) { setMyCamera(roomId: $r, stopped: $s)"
    " { participant { videoStopped } errors { code message } } }"
)
ASK = (
    "mutation($r: ID!, $p: ID!, $k: LiveMediaKind! = AUDIO) { askToUnmute(roomId: $r,"
    " participantId: $p, kind: $k) { participant { unmuteRequested videoRequested }"
    " errors { code } } }"
)
CONTROLS = (
    "mutation($r: ID!, $u: Boolean, $v: Boolean) { setRoomControls(roomId: $r,"
    " participantsMayUnmute: $u, participantsMayStartVideo: $v) { room { participantsMayUnmute"
    " participantsMayStartVideo } errors { code } } }"
)
CHAT = "mutation($r: ID!, $t: String!) { sendRoomChat(roomId: $r, text: $t) { ok } }"


class Client(rt.GqlLiveClient):
    """The GraphQL aiortc client plus publishing (screen share) through publishTracks."""

    async def publish(  # type: ignore[override]
        self, track: MediaStreamTrack, *, source: TrackSource | None = None
    ) -> MediaStreamTrack:
        async with self._lock:
            transceiver = self.pc.addTransceiver(track, direction="sendonly")
            await self.pc.setLocalDescription(await self.pc.createOffer())
            sources = [{"mid": transceiver.mid, "source": source.name}] if source else None
            data = await self.gql.ok(
                PUBLISH,
                {"r": self.room_id, "o": self.pc.localDescription.sdp, "s": sources},
                self.access,
            )
            result = data["publishTracks"]
            assert not result["errors"], result
            await self.pc.setRemoteDescription(RTCSessionDescription(result["answerSdp"], "answer"))
        return track

    async def stop_publishing(self, track: MediaStreamTrack) -> None:
        async with self._lock:
            transceiver = next(t for t in self.pc.getTransceivers() if t.sender.track is track)
            transceiver.direction = "inactive"
            await self.pc.setLocalDescription(await self.pc.createOffer())
            data = await self.gql.ok(
                PUBLISH, {"r": self.room_id, "o": self.pc.localDescription.sdp}, self.access
            )
            result = data["publishTracks"]
            assert not result["errors"], result
            await self.pc.setRemoteDescription(RTCSessionDescription(result["answerSdp"], "answer"))

    def saw(self, kind: str, participant_id: str | None = None, **payload: Any) -> bool:
        return any(
            e["type"] == kind
            and (participant_id is None or e.get("participantId") == participant_id)
            and all(e["payload"].get(k) == v for k, v in payload.items())
            for e in self.events
        )

    def routed_mid(self, track_id: str) -> str | None:
        """The mid of this client's slot that last carried ``track_id`` (TrackRouted)."""
        mid = None
        for e in self.events:
            if e["type"] == "TrackRouted" and e["payload"].get("track_id") == track_id:
                mid = e["payload"]["mid"]
        return mid


async def _class(gql: GraphQLClient, server: str) -> dict[str, Any]:
    p = await factories.province()
    world = await factories.school(p)
    await rt.enrol_student(world)
    room_id = await rt.class_session(gql, world)
    teacher_token = await gql.token(world.logins["teacher"])
    student_token = await gql.token(world.logins["student"])
    return {
        "world": world,
        "room": room_id,
        "teacher_token": teacher_token,
        "student_token": student_token,
        "teacher": Client(gql, server, teacher_token, room_id),
        "student": Client(gql, server, student_token, room_id),
    }


async def _join_both(c: dict[str, Any]) -> tuple[str, str]:
    teacher, student = c["teacher"], c["student"]
    joined = await teacher.join_room([SyntheticVideoTrack(320, 240), AudioStreamTrack()])
    assert not joined["errors"], joined
    s_joined = await student.join_room([SyntheticVideoTrack(320, 240), AudioStreamTrack()])
    assert not s_joined["errors"], s_joined
    await rt.wait_until(lambda: student.frames("video") >= 5 and teacher.frames("video") >= 5)
    return joined["participant"]["id"], s_joined["participant"]["id"]


def _sfu(room_id: str) -> SfuRoom:
    sfu = rt.local_room(room_id)
    assert sfu is not None
    return sfu


def _raw(gid: str) -> str:
    return str(ids.decode(gid, "LiveParticipant"))


async def _me(gql: GraphQLClient, c: dict[str, Any], pid: str) -> dict[str, Any]:
    room = await gql.ok(ROOM, {"r": c["room"]}, c["teacher_token"])
    found: dict[str, Any] = next(x for x in room["liveRoom"]["participants"] if x["id"] == pid)
    return found


async def _actions(world: factories.SchoolWorld) -> list[tuple[str, Any, Any]]:
    async with db.tenant(world.school_id):
        rows = await db.fetch(
            "SELECT action, actor_user_id, target_user_id FROM realtime_moderation_log ORDER BY id"
        )
    return [(r["action"], r["actor_user_id"], r["target_user_id"]) for r in rows]


async def test_raise_and_lower_hand(gql: GraphQLClient, server: str) -> None:
    c = await _class(gql, server)
    teacher, student = c["teacher"], c["student"]
    world = c["world"]
    try:
        _host_pid, pid = await _join_both(c)
        raised = await gql.ok(HAND, {"r": c["room"], "v": True}, c["student_token"])
        assert raised["raiseHand"]["participant"]["handRaised"], raised
        await rt.wait_until(lambda: teacher.saw("hand.raised", pid))
        assert (await _me(gql, c, pid))["handRaised"]

        await gql.ok(HAND, {"r": c["room"], "v": False}, c["student_token"])
        await rt.wait_until(lambda: teacher.saw("hand.lowered", pid))
        assert not (await _me(gql, c, pid))["handRaised"]

        # A host lowers someone's hand: both sides are told, the list clears, it is audited.
        await gql.ok(HAND, {"r": c["room"], "v": True}, c["student_token"])
        await rt.wait_until(lambda: student.types().count("hand.raised") == 2)
        denied = await gql.ok(LOWER, {"r": c["room"], "p": pid}, c["student_token"])
        assert [e["code"] for e in denied["lowerHand"]["errors"]] == ["FORBIDDEN"]
        assert (await _me(gql, c, pid))["handRaised"]
        lowered = await gql.ok(LOWER, {"r": c["room"], "p": pid}, c["teacher_token"])
        assert lowered["lowerHand"]["participant"] == {"handRaised": False}, lowered
        await rt.wait_until(lambda: student.saw("hand.lowered", pid, byHost=True))
        await rt.wait_until(lambda: teacher.saw("hand.lowered", pid, byHost=True))
        assert not (await _me(gql, c, pid))["handRaised"]

        await gql.ok(HAND, {"r": c["room"], "v": True}, c["student_token"])
        everyone = await gql.ok(LOWER_ALL, {"r": c["room"]}, c["teacher_token"])
        assert everyone["lowerAllHands"]["count"] == 1, everyone
        assert not (await _me(gql, c, pid))["handRaised"]
        teacher_uid, student_uid = world.user_ids["teacher"], world.user_ids["student"]
        lowered_by_host = [
            a for a in await _actions(world) if a == ("hand.lowered", teacher_uid, student_uid)
        ]
        assert len(lowered_by_host) == 2
    finally:
        await teacher.close()
        await student.close()
        await rt.close_rooms()


async def test_screen_share(gql: GraphQLClient, server: str) -> None:
    c = await _class(gql, server)
    teacher, student = c["teacher"], c["student"]
    try:
        host_pid, pid = await _join_both(c)
        sfu = _sfu(c["room"])
        screen = await student.publish(SyntheticVideoTrack(320, 240), source=TrackSource.SCREEN)

        # The teacher is told about an extra track with the screen source ...
        def published_screen() -> dict[str, Any] | None:
            return next(
                (
                    e
                    for e in teacher.events
                    if e["type"] == "TrackPublished"
                    and e["participantId"] == pid
                    and e["payload"]["source"] == "screen"
                ),
                None,
            )

        await rt.wait_until(lambda: published_screen() is not None)
        event = published_screen()
        assert event is not None
        screen_id = event["payload"]["track_id"]
        assert event["payload"]["kind"] == "video"
        me = await _me(gql, c, pid)
        assert me["role"] == "PRESENTER"
        assert sorted(t["source"] for t in me["tracks"]) == ["camera", "microphone", "screen"]
        assert any(t["trackId"] == screen_id for t in me["tracks"])
        await rt.wait_until(lambda: teacher.saw("presenter.changed", pid))

        # ... receives it on its own slot (a second video track from the student) and decodes it.
        await rt.wait_until(lambda: teacher.routed_mid(screen_id) is not None)
        mid = teacher.routed_mid(screen_id)
        assert mid is not None
        await rt.wait_until(lambda: mid in teacher.received and teacher.received[mid].frames >= 10)
        student_video = [
            t for t in sfu.participant(_raw(pid)).published.values() if t.kind == "video"
        ]
        assert sorted(t.source.value for t in student_video) == ["camera", "screen"]

        # Audio + presenter: the presenter's screen is received, not also its camera.
        data = await gql.ok(MODE, {"r": c["room"], "m": "AUDIO_AND_PRESENTER"}, c["teacher_token"])
        assert data["setSubscriptionMode"]["ok"], data
        slots = sfu.participant(_raw(host_pid)).slots
        by_source = {s.published.source: s for s in slots if s.published is not None}
        assert not by_source[TrackSource.SCREEN].track.paused
        assert by_source[TrackSource.CAMERA].track.paused
        assert not by_source[TrackSource.MICROPHONE].track.paused
        before = teacher.received[mid].frames
        await rt.wait_until(lambda: teacher.received[mid].frames >= before + 10)

        # Stopping the share unpublishes the track; the teacher is told; the list drops it and,
        # still presenting, the student's camera is what AUDIO_AND_PRESENTER receives again.
        await student.stop_publishing(screen)
        await rt.wait_until(
            lambda: any(
                e["type"] == "TrackUnpublished" and e["payload"]["track_id"] == screen_id
                for e in teacher.events
            )
        )
        me = await _me(gql, c, pid)
        assert sorted(t["source"] for t in me["tracks"]) == ["camera", "microphone"]
        assert screen_id not in {t.track_id for t in sfu.participant(_raw(pid)).published.values()}
        await rt.wait_until(
            lambda: any(
                s.published is not None
                and s.published.source is TrackSource.CAMERA
                and not s.track.paused
                for s in sfu.participant(_raw(host_pid)).slots
            )
        )
    finally:
        await teacher.close()
        await student.close()
        await rt.close_rooms()


async def test_mute_unmute_and_ask_to_unmute(gql: GraphQLClient, server: str) -> None:
    c = await _class(gql, server)
    teacher, student = c["teacher"], c["student"]
    room, host, me_token = c["room"], c["teacher_token"], c["student_token"]
    world = c["world"]
    try:
        host_pid, pid = await _join_both(c)
        sfu = _sfu(room)

        def audio() -> Any:
            tracks = [t for t in sfu.participant(_raw(pid)).published.values() if t.kind == "audio"]
            assert len(tracks) == 1
            return tracks[0]

        def teacher_slot() -> Any:
            slots = sfu.participant(_raw(host_pid)).slots
            return next(s for s in slots if s.published is audio())

        await rt.wait_until(lambda: teacher.frames("audio") >= 20)

        # Host mute: everyone is told, the list shows it, the track stays published but the SFU
        # forwards none of the frames it keeps receiving.
        muted = await gql.ok(MUTE, {"r": room, "p": pid}, host)
        assert muted["muteParticipant"]["count"] == 1, muted
        await rt.wait_until(lambda: student.saw("participant.muted", pid, byHost=True))
        await rt.wait_until(lambda: teacher.saw("participant.muted", pid, byHost=True))
        me = await _me(gql, c, pid)
        assert me["audioMuted"] and "audio" in {t["kind"] for t in me["tracks"]}
        track = audio()
        assert track.forwarder.gated
        pushed, frames_in = teacher_slot().track.stats.pushed, track.forwarder.stats.frames_in
        await rt.wait_until(lambda: track.forwarder.stats.frames_in >= frames_in + 50)
        assert teacher_slot().track.stats.pushed == pushed

        # The participant unmutes themselves (allowed by default): forwarding resumes.
        data = await gql.ok(MY_MIC, {"r": room, "m": False}, me_token)
        assert data["setMyMicrophone"]["participant"]["audioMuted"] is False, data
        await rt.wait_until(lambda: teacher.saw("participant.unmuted", pid))
        assert not track.forwarder.gated
        heard = teacher.frames("audio")
        await rt.wait_until(lambda: teacher.frames("audio") >= heard + 20)

        # The host turns self-unmute off (a class session) and mutes everyone.
        controls = await gql.ok(CONTROLS, {"r": room, "u": False}, host)
        assert controls["setRoomControls"]["room"] == {
            "participantsMayUnmute": False,
            "participantsMayStartVideo": True,
        }, controls
        await rt.wait_until(
            lambda: student.saw("room.controls_changed", None, participantsMayUnmute=False)
        )
        everyone = await gql.ok(MUTE_ALL, {"r": room}, host)
        assert everyone["muteAll"]["count"] == 1, everyone
        assert track.forwarder.gated
        refused = await gql.ok(MY_MIC, {"r": room, "m": False}, me_token)
        assert [e["code"] for e in refused["setMyMicrophone"]["errors"]] == [
            "SELF_UNMUTE_DISALLOWED"
        ], refused
        assert track.forwarder.gated and (await _me(gql, c, pid))["audioMuted"]
        # ... a host unmuting never exists: muteParticipant only mutes; the host asks instead.
        await gql.ok(HAND, {"r": room, "v": True}, me_token)
        asked = await gql.ok(ASK, {"r": room, "p": pid}, host)
        assert asked["askToUnmute"]["participant"]["unmuteRequested"], asked
        assert track.forwarder.gated  # asking changes nothing by itself
        await rt.wait_until(lambda: student.saw("participant.unmute_requested", pid))
        # only that participant gets the request: the teacher has seen a later chat, not it
        await gql.ok(CHAT, {"r": room, "t": "mời em nói"}, host)
        await rt.wait_until(lambda: teacher.saw("chat.message"))
        assert not teacher.saw("participant.unmute_requested")
        data = await gql.ok(MY_MIC, {"r": room, "m": False}, me_token)
        assert data["setMyMicrophone"]["participant"] == {
            "audioMuted": False,
            "unmuteRequested": False,
        }, data
        assert not track.forwarder.gated
        heard = teacher.frames("audio")
        await rt.wait_until(lambda: teacher.frames("audio") >= heard + 20)

        # The permission was used up: muted again (by themselves), no unmuting alone.
        data = await gql.ok(MY_MIC, {"r": room, "m": True}, me_token)
        assert data["setMyMicrophone"]["participant"]["audioMuted"], data
        await rt.wait_until(lambda: teacher.saw("participant.muted", pid, byHost=False))
        assert track.forwarder.gated
        refused = await gql.ok(MY_MIC, {"r": room, "m": False}, me_token)
        assert refused["setMyMicrophone"]["errors"][0]["code"] == "SELF_UNMUTE_DISALLOWED"
        # askToUnmute needs someone muted
        host_ask = await gql.ok(ASK, {"r": room, "p": host_pid}, host)
        assert host_ask["askToUnmute"]["errors"][0]["code"] == "BAD_USER_INPUT", host_ask

        # Rejoining does not undo it: the new microphone track is gated from the start.
        rejoined = Client(gql, server, me_token, room)
        try:
            result = await rejoined.join_room([AudioStreamTrack()])
            assert not result["errors"], result
            assert audio().forwarder.gated
            assert (await _me(gql, c, pid))["audioMuted"]
        finally:
            await rejoined.close()

        # Video: stop by the host, start again alone unless disallowed.
        stopped = await gql.ok(STOP_VIDEO, {"r": room, "p": pid}, host)
        assert stopped["stopVideo"]["participant"]["videoStopped"], stopped
        await gql.ok(CONTROLS, {"r": room, "v": False}, host)
        refused = await gql.ok(MY_CAMERA, {"r": room, "s": False}, me_token)
        assert refused["setMyCamera"]["errors"][0]["code"] == "SELF_VIDEO_DISALLOWED", refused
        await gql.ok(ASK, {"r": room, "p": pid, "k": "VIDEO"}, host)
        started = await gql.ok(MY_CAMERA, {"r": room, "s": False}, me_token)
        assert started["setMyCamera"]["participant"]["videoStopped"] is False, started

        actions = await _actions(world)
        teacher_uid, student_uid = world.user_ids["teacher"], world.user_ids["student"]
        for expected in (
            ("participant.muted", teacher_uid, student_uid),
            ("participant.unmuted", student_uid, student_uid),
            ("room.controls_changed", teacher_uid, None),
            ("participant.unmute_requested", teacher_uid, student_uid),
            ("participant.video_stopped", teacher_uid, student_uid),
            ("participant.video_requested", teacher_uid, student_uid),
            ("participant.video_started", student_uid, student_uid),
        ):
            assert expected in actions, (expected, actions)
    finally:
        await teacher.close()
        await student.close()
        await rt.close_rooms()
