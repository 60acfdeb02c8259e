"""End-to-end pass-through SFU tests with real aiortc peers over loopback.

Every client marks its receivers pass-through too and decodes the received encoded frames
itself with PyAV, so "decodable" and "first frame is a keyframe" are checked on exactly what
the SFU sent. Resolution is kept small (320x240) for the shared 2-core CI box.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import aiortc.rtcrtpreceiver
import pytest
from aiortc.mediastreams import AudioStreamTrack

from schoolhub.realtime.sfu import (
    ForwardedTrack,
    KeyframeRequested,
    RoomEvent,
    SdpRejectedError,
    SfuErrorCode,
    SfuRoom,
    SubscriptionMode,
    TrackPublished,
    TrackRouted,
    TrackSource,
    TrackUnpublished,
    passthrough_stats,
)
from schoolhub.realtime.sfu.loopback import LoopbackClient, SyntheticVideoTrack
from schoolhub.realtime.sfu.media_info import primary_ssrc

pytestmark = [pytest.mark.timeout(45)]


async def wait_until(predicate: Callable[[], bool], limit: float = 6.0) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


class Harness:
    def __init__(self, room: SfuRoom) -> None:
        self.room = room
        self.events: list[RoomEvent] = []
        self.clients: list[LoopbackClient] = []
        room.add_listener(self.events.append)

    async def client(
        self,
        participant_id: str,
        *,
        video: bool = False,
        audio: bool = False,
        video_codec: str | None = None,
        mode: SubscriptionMode = SubscriptionMode.ALL,
    ) -> LoopbackClient:
        client = LoopbackClient(self.room, participant_id)
        tracks = []
        if video:
            tracks.append(SyntheticVideoTrack(320, 240))
        if audio:
            tracks.append(AudioStreamTrack())
        await client.join(tracks, video_codec=video_codec, mode=mode)
        self.clients.append(client)
        return client

    def of(self, kind: type) -> list[RoomEvent]:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    h = Harness(SfuRoom("class-7a", max_participants=6))
    yield h
    for client in h.clients:
        await client.close()
    await h.room.close()


def video_slot(room: SfuRoom, participant_id: str) -> ForwardedTrack:
    slots = [s for s in room.participant(participant_id).slots if s.kind == "video"]
    return slots[0].track


async def test_vp8_and_opus_forwarded_without_decoding(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoders: list[object] = []
    real_get_decoder = aiortc.rtcrtpreceiver.get_decoder
    monkeypatch.setattr(
        aiortc.rtcrtpreceiver,
        "get_decoder",
        lambda codec: decoders.append(codec) or real_get_decoder(codec),
    )
    await harness.client("teacher", video=True, audio=True)
    student = await harness.client("student")
    await wait_until(lambda: student.frames("video") >= 30 and student.frames("audio") >= 30)

    assert all(r.decode_errors == 0 for r in student.received.values())
    assert decoders == []  # nobody in this process (SFU or clients) created an aiortc decoder
    tracks = harness.room.published_tracks()
    assert {t.codec.name for t in tracks} == {"vp8", "opus"}
    for track in tracks:
        stats = passthrough_stats(track.receiver)
        assert stats is not None
        assert stats.worker_started
        assert stats.frames > 0
        assert not stats.decoder_created
        assert track.forwarder.stats.decoded_frames_seen == 0
        assert track.forwarder.stats.frames_in > 0
    assert video_slot(harness.room, "student").stats.forwarded >= 30


async def test_late_subscriber_starts_on_keyframe_and_pli_goes_upstream(
    harness: Harness,
) -> None:
    await harness.client("teacher", video=True)
    early = await harness.client("early")
    await wait_until(lambda: early.frames("video") >= 40)  # the first keyframe is long gone
    (track,) = harness.room.published_tracks()
    keyframes_before = track.forwarder.stats.keyframes_in
    plis_before = track.forwarder.stats.upstream_plis

    late = await harness.client("late")
    await wait_until(lambda: late.frames("video") >= 10)

    (received,) = late.received.values()
    assert received.first_packet_keyframe is True
    assert received.decode_errors == 0
    assert video_slot(harness.room, "late").stats.first_frame_keyframe is True
    assert track.forwarder.stats.upstream_plis > plis_before
    assert track.forwarder.stats.keyframes_in > keyframes_before  # the publisher obeyed the PLI
    joins = [e for e in harness.of(KeyframeRequested) if e.reason == "join"]
    assert any(e.outcome == "sent" for e in joins)


async def test_audio_only_stops_video_and_resumes_with_keyframe(harness: Harness) -> None:
    await harness.client("teacher", video=True, audio=True)
    student = await harness.client("student")
    await wait_until(lambda: student.frames("video") >= 15)

    await harness.room.set_mode("student", SubscriptionMode.AUDIO_ONLY)
    await asyncio.sleep(0.3)  # frames already in flight
    video_before, audio_before = student.packets("video"), student.packets("audio")
    await asyncio.sleep(1.0)
    assert student.packets("video") == video_before
    assert student.packets("audio") > audio_before + 20

    slot = video_slot(harness.room, "student")
    forwarded_before = slot.stats.forwarded
    await harness.room.set_mode("student", SubscriptionMode.ALL)
    await wait_until(lambda: student.packets("video") >= video_before + 10)
    assert slot.stats.first_frame_keyframe is True  # first frame after resume
    assert slot.stats.forwarded > forwarded_before
    assert all(r.decode_errors == 0 for r in student.received.values())
    assert any(e.reason == "resume" for e in harness.of(KeyframeRequested))


async def test_audio_and_presenter_mode(harness: Harness) -> None:
    await harness.client("teacher", video=True)
    await harness.client("pupil", video=True)
    harness.room.set_presenter("teacher")
    viewer = await harness.client("viewer", mode=SubscriptionMode.AUDIO_AND_PRESENTER)

    def slots() -> dict[str, ForwardedTrack]:
        viewer_slots = harness.room.participant("viewer").slots
        return {s.published.participant_id: s.track for s in viewer_slots if s.published}

    await wait_until(lambda: len(slots()) == 2 and slots()["teacher"].stats.forwarded >= 10)
    assert slots()["pupil"].stats.forwarded == 0
    assert slots()["pupil"].paused
    assert viewer.frames("video") >= 5

    harness.room.set_presenter("pupil")  # presenter handover: no renegotiation needed
    await wait_until(lambda: slots()["pupil"].stats.forwarded >= 10)
    assert slots()["teacher"].paused


async def test_h264_is_forwarded(harness: Harness) -> None:
    await harness.client("teacher", video=True, video_codec="H264")
    student = await harness.client("student")
    await wait_until(lambda: student.frames("video") >= 20, limit=10)
    (track,) = harness.room.published_tracks()
    assert track.codec.name == "h264"
    (received,) = student.received.values()
    assert received.first_packet_keyframe is True
    assert received.decode_errors == 0
    stats = passthrough_stats(track.receiver)
    assert stats is not None
    assert stats.codec_name == "H264"
    assert stats.keyframes >= 1


async def test_publisher_vanishes_room_survives(harness: Harness) -> None:
    teacher = await harness.client("teacher", video=True, audio=True)
    student = await harness.client("student")
    await wait_until(lambda: student.frames("video") >= 5)

    await teacher.close()
    await wait_until(lambda: len(harness.of(TrackUnpublished)) == 2)
    assert {e.participant_id for e in harness.of(TrackUnpublished)} == {"teacher"}
    assert "student" in harness.room.participants
    assert harness.room.published_tracks() == []

    await harness.client("substitute", audio=True)  # the room still works
    await wait_until(lambda: any(s.published for s in harness.room.participant("student").slots))
    await wait_until(lambda: student.packets("audio") > 0)


async def test_stalled_subscriber_queue_stays_bounded(harness: Harness) -> None:
    await harness.client("teacher", video=True)
    await wait_until(lambda: bool(harness.room.published_tracks()))
    (track,) = harness.room.published_tracks()
    stalled = ForwardedTrack("video", queue_bound=5)  # attached but nobody reads it
    stalled.attach(track.forwarder)
    lengths = []
    for _ in range(20):
        await asyncio.sleep(0.1)
        lengths.append(stalled.queue_length)
    assert max(lengths) <= 5
    assert stalled.stats.overflows >= 1
    assert stalled.stats.dropped > 0
    assert any(e.reason == "overflow" for e in harness.of(KeyframeRequested))
    stalled.stop()


SIMULCAST_LINES = "a=rid:h send\r\na=rid:l send\r\na=simulcast:send h;l\r\n"


async def offer_sdp(video_codec: str | None = None, audio_first: str | None = None) -> str:
    from aiortc import RTCPeerConnection, RTCRtpSender

    pc = RTCPeerConnection()
    video = pc.addTransceiver(SyntheticVideoTrack(), direction="sendonly")
    audio = pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
    if video_codec:
        codecs = RTCRtpSender.getCapabilities("video").codecs
        video.setCodecPreferences([c for c in codecs if c.name == video_codec])
    if audio_first:
        codecs = RTCRtpSender.getCapabilities("audio").codecs
        audio.setCodecPreferences(sorted(codecs, key=lambda c: c.name != audio_first))
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    await pc.close()
    return sdp


async def test_simulcast_and_unsupported_codecs_rejected(harness: Harness) -> None:
    sdp = await offer_sdp()
    video_at = sdp.index("m=video")
    eol = sdp.index("\r\n", sdp.index("a=mid:", video_at)) + 2
    simulcast = sdp[:eol] + SIMULCAST_LINES + sdp[eol:]
    with pytest.raises(SdpRejectedError) as rejected:
        await harness.room.join("simulcaster", simulcast)
    assert rejected.value.code is SfuErrorCode.SIMULCAST_NOT_SUPPORTED

    vp9_only = (await offer_sdp(video_codec="VP8")).replace("VP8/90000", "VP9/90000")
    with pytest.raises(SdpRejectedError) as rejected:
        await harness.room.join("vp9", vp9_only)
    assert rejected.value.code is SfuErrorCode.UNSUPPORTED_CODEC

    pcmu_first = await offer_sdp(audio_first="PCMU")
    with pytest.raises(SdpRejectedError) as rejected:
        await harness.room.join("pcmu", pcmu_first)
    assert rejected.value.code is SfuErrorCode.UNSUPPORTED_CODEC
    assert harness.room.participants == {}


async def test_participant_cap(harness: Harness) -> None:
    for i in range(harness.room.max_participants):
        await harness.room.join(f"p{i}")
    with pytest.raises(Exception, match="SFU_ROOM_FULL"):
        await harness.room.join("one-too-many")


async def test_screen_share_renegotiates_then_reuses_idle_slot(harness: Harness) -> None:
    teacher = await harness.client("teacher", video=True, audio=True)
    student = await harness.client("student")
    await wait_until(lambda: student.packets("video") >= 5)
    offers_before = student.negotiations

    await teacher.publish(SyntheticVideoTrack(320, 240))  # screen share = extra video track
    published = [e for e in harness.of(TrackPublished) if e.source is TrackSource.SCREEN]
    assert len(published) == 1
    screen_id = published[0].track_id
    await wait_until(lambda: student.negotiations > offers_before)  # SFU offered a new slot

    def screen_slot() -> ForwardedTrack | None:
        """Slot of the student currently carrying track ``screen_id``."""
        slots = harness.room.participant("student").slots
        return next(
            (s.track for s in slots if s.published and s.published.track_id == screen_id), None
        )

    await wait_until(lambda: (slot := screen_slot()) is not None and slot.stats.forwarded >= 10)
    assert len([r for r in student.received.values() if r.kind == "video"]) == 2

    await harness.room.unpublish("teacher", screen_id)
    await wait_until(lambda: screen_slot() is None)
    routed = [e for e in harness.of(TrackRouted) if e.participant_id == "student"]
    assert routed[-1].track_id is None  # the slot went idle, the transceiver stays
    negotiations = student.negotiations

    await teacher.publish(SyntheticVideoTrack(320, 240), source=TrackSource.SCREEN)
    screen_id = harness.of(TrackPublished)[-1].track_id
    assert screen_id != published[0].track_id
    await wait_until(lambda: (slot := screen_slot()) is not None and slot.stats.forwarded >= 5)
    assert student.negotiations == negotiations  # idle slot reused: no SFU offer needed


async def test_unsubscribed_track_is_still_drained(harness: Harness) -> None:
    await harness.client("teacher", video=True)
    await wait_until(lambda: bool(harness.room.published_tracks()))
    (track,) = harness.room.published_tracks()
    await wait_until(lambda: track.forwarder.stats.frames_in >= 20)
    remote = track.receiver.track
    assert remote is not None
    assert remote._queue.qsize() <= 2  # nobody subscribes, nothing piles up (SFU.md §1.1)


async def test_subscriber_pli_storm_is_coalesced_upstream(harness: Harness) -> None:
    await harness.client("teacher", video=True)
    student = await harness.client("student")
    await wait_until(lambda: student.frames("video") >= 10)
    (track,) = harness.room.published_tracks()
    await asyncio.sleep(0.5)  # past the join request's coalescing interval
    plis, keyframes = track.forwarder.stats.upstream_plis, track.forwarder.stats.keyframes_in

    (transceiver,) = student.pc.getTransceivers()
    remote_sdp = student.pc.remoteDescription.sdp
    sfu_ssrc = primary_ssrc(remote_sdp, transceiver.mid or "")
    assert sfu_ssrc is not None
    for _ in range(10):  # real RTCP PLIs from the subscriber to the SFU's egress sender
        await transceiver.receiver._send_rtcp_pli(sfu_ssrc)
    await wait_until(lambda: track.forwarder.stats.keyframes_in > keyframes)
    await asyncio.sleep(0.5)
    assert video_slot(harness.room, "student").stats.subscriber_keyframe_requests == 10
    assert 1 <= track.forwarder.stats.upstream_plis - plis <= 2
