"""Recording by stream copy: the file holds exactly the forwarded encoded frames.

A publisher (real aiortc peer, its own encoder) sends VP8 or H.264 video + Opus audio to an
in-process ``SfuRoom``; ``RoomRecorder`` muxes the forwarded packets. The file is then demuxed
with PyAV (what ffprobe would report): the expected streams, a plausible duration and frame
count, every video packet byte-identical to a forwarded one (so nothing was re-encoded), and
no codec context was ever opened for output (no encoder exists).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import pytest
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError

from schoolhub.platform import storage
from schoolhub.platform.settings import Settings
from schoolhub.realtime.placement.recording_store import RecordingSession, RecordingTarget
from schoolhub.realtime.sfu import ForwardedTrack, SfuRoom
from schoolhub.realtime.sfu.loopback import LoopbackClient, SyntheticVideoTrack
from schoolhub.realtime.sfu.recording import RoomRecorder, container_for

pytestmark = [pytest.mark.timeout(60)]


async def wait_until(predicate: Callable[[], bool], limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


def test_container_choice() -> None:
    assert container_for(["vp8", "opus"]) == ("webm", ".webm")
    assert container_for(["opus"]) == ("webm", ".webm")
    assert container_for(["h264", "opus"]) == ("matroska", ".mkv")


async def collect(slot: ForwardedTrack, digests: set[str]) -> None:
    try:
        while True:
            packet = await slot.recv()
            digests.add(hashlib.sha1(bytes(packet)).hexdigest())  # noqa: S324 - identity only
    except MediaStreamError:
        pass


@pytest.mark.parametrize(("codec", "suffix"), [("vp8", ".webm"), ("h264", ".mkv")])
async def test_room_recording_is_a_stream_copy(tmp_path: Path, codec: str, suffix: str) -> None:
    room = SfuRoom(f"rec-{codec}")
    teacher = LoopbackClient(room, "teacher")
    forwarded: set[str] = set()
    try:
        await teacher.join([SyntheticVideoTrack(320, 240), AudioStreamTrack()], video_codec=codec)
        await wait_until(lambda: len(room.published_tracks()) == 2)
        video = next(t for t in room.published_tracks() if t.kind == "video")
        await wait_until(lambda: video.forwarder.stats.frames_in > 5)
        probe = ForwardedTrack("video", queue_bound=1000)
        probe.attach(video.forwarder)
        prober = asyncio.create_task(collect(probe, forwarded))

        recorder = RoomRecorder(room, tmp_path, name="lesson")
        await recorder.start()
        segment = recorder.segments[0]
        await wait_until(lambda: all(s.packets >= 40 for s in segment.stats.tracks.values()))
        paths = await recorder.stop()
        probe.stop()
        await prober
    finally:
        await teacher.close()
        await room.close()

    assert paths == [tmp_path / f"lesson-001{suffix}"]
    assert segment.stats.opened_codec_contexts == 0  # stream copy: no encoder was ever opened
    recorded = {s.kind: s for s in segment.stats.tracks.values()}
    assert recorded["video"].first_packet_keyframe is True

    with av.open(str(paths[0])) as container:
        names = {s.type: s.codec_context.name for s in container.streams}
        assert names == {"video": codec, "audio": "opus"}
        vstream = container.streams.video[0]
        assert (vstream.codec_context.width, vstream.codec_context.height) == (320, 240)
        assert container.duration is not None and container.duration > 0.8 * av.time_base
        packets: dict[str, list[Any]] = {"video": [], "audio": []}
        for packet in container.demux():
            if packet.size:
                packets[packet.stream.type].append(packet)
    assert len(packets["video"]) == recorded["video"].packets >= 20
    assert len(packets["audio"]) == recorded["audio"].packets >= 40
    assert packets["video"][0].is_keyframe
    # byte-identical to what the SFU forwarded (H.264 is stored length-prefixed by Matroska,
    # so identity is checked on VP8; H.264 is checked by decoding below)
    if codec == "vp8":
        digests = {hashlib.sha1(bytes(p)).hexdigest() for p in packets["video"]}  # noqa: S324
        assert digests <= forwarded
    with av.open(str(paths[0])) as container:  # what a player does: every frame decodes
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == len(packets["video"])
    pts = [p.pts for p in packets["audio"]]
    assert pts == sorted(pts)


async def test_a_track_published_mid_recording_starts_a_new_segment(tmp_path: Path) -> None:
    room = SfuRoom("rec-rotate")
    teacher = LoopbackClient(room, "teacher")
    try:
        await teacher.join([AudioStreamTrack()])
        await wait_until(lambda: len(room.published_tracks()) == 1)
        recorder = RoomRecorder(room, tmp_path, name="lesson")
        await recorder.start()
        await wait_until(
            lambda: (
                recorder.segments[0].stats.tracks
                and all(s.packets >= 10 for s in recorder.segments[0].stats.tracks.values())
            )
        )
        await teacher.publish(SyntheticVideoTrack(320, 240))  # screen share starts
        await wait_until(lambda: len(recorder.segments) == 2)
        second = recorder.segments[1]
        await wait_until(
            lambda: (
                len(second.stats.tracks) == 2
                and all(s.packets >= 10 for s in second.stats.tracks.values())
            )
        )
        paths = await recorder.stop()
    finally:
        await teacher.close()
        await room.close()
    assert paths == [tmp_path / "lesson-001.webm", tmp_path / "lesson-002.webm"]
    with av.open(str(paths[0])) as first, av.open(str(paths[1])) as both:
        assert [s.type for s in first.streams] == ["audio"]
        assert sorted(s.type for s in both.streams) == ["audio", "video"]


async def _record_a_little(room: SfuRoom, session: RecordingSession) -> None:
    await session.start()
    segment = session.recorder.segments[0]
    await wait_until(
        lambda: (
            bool(segment.stats.tracks)
            and all(s.packets >= 20 for s in segment.stats.tracks.values())
        )
    )


async def test_segments_are_uploaded_by_the_recording_process_and_then_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    """RecordingSession (used by both backends) stores every closed segment through Storage,
    removes the local file only after a successful upload, and keeps it (with a clear error)
    when the upload fails."""
    store = storage.get_storage()  # what the recording process uploads through
    target = RecordingTarget(uuid.uuid4(), uuid.uuid4())
    room = SfuRoom("rec-store")
    teacher = LoopbackClient(room, "teacher")
    try:
        await teacher.join([SyntheticVideoTrack(320, 240), AudioStreamTrack()])
        await wait_until(lambda: len(room.published_tracks()) == 2)
        ok = RecordingSession(room, tmp_path / "scratch-ok", target)
        await _record_a_little(room, ok)
        stored = await ok.stop()
        # an upload that fails (the store refuses the size): the file stays, no key is claimed
        monkeypatch.setattr(storage, "MAX_RECORDING_BYTES", 100)
        bad = RecordingSession(room, tmp_path / "scratch-bad", target)
        await _record_a_little(room, bad)
        failed = await bad.stop()
    finally:
        await teacher.close()
        await room.close()

    result = stored.to_result()
    assert result["errors"] == []
    [item] = result["files"]
    assert item["key"].startswith(f"school/{target.school_id}/recordings/{target.room_id}/")
    assert item["key"].endswith(".webm") and item["size"] > 1000
    data = await store.read(item["key"])
    assert len(data) == item["size"]
    with av.open(io.BytesIO(data)) as container:
        assert sum(1 for _ in container.decode(video=0)) >= 20
    assert not list((tmp_path / "scratch-ok").iterdir())  # uploaded: local copy removed

    assert failed.files == {}
    [error] = failed.errors
    assert "failed" in error and "kept" in error
    kept = list((tmp_path / "scratch-bad").iterdir())
    assert len(kept) == 1 and kept[0].stat().st_size > 100  # the file is still there
    assert kept[0].name in error
