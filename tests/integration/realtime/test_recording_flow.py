"""Recording a live class end to end: an aiortc teacher publishes VP8 + Opus through the GraphQL
signaling; ``startRecording`` is refused without consent (nothing written), records with consent
(who and when stored); ``stopRecording`` uploads the closed WebM through storage; the principal
downloads it through ``GET /files/{token}`` and PyAV finds the video stream; another school's
principal gets 404; an expired link is 404; ending a room stops its running recording."""

from __future__ import annotations

import io
import time
import uuid
from pathlib import Path

import av
import httpx
import pytest
from aiortc.mediastreams import AudioStreamTrack

from schoolhub.graphql import ids
from schoolhub.platform import storage
from schoolhub.platform.errors import InvalidInput
from schoolhub.platform.settings import Settings
from schoolhub.realtime.backend import LocalSfuBackend, get_backend
from schoolhub.realtime.sfu.loopback import SyntheticVideoTrack
from tests.support import factories
from tests.support import realtime as rt
from tests.support.gql import GraphQLClient

pytestmark = [pytest.mark.timeout(120)]

END = "mutation($r: ID!) { endRoom(roomId: $r) { room { status } errors { code } } }"


async def test_record_a_class_session(
    gql: GraphQLClient, server: str, app: httpx.AsyncClient, settings: Settings
) -> None:
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    room_id = await rt.class_session(gql, a)
    host = await gql.token(a.logins["teacher"])
    teacher = rt.GqlLiveClient(gql, server, host, room_id)
    try:
        joined = await teacher.join_room([SyntheticVideoTrack(320, 240), AudioStreamTrack()])
        assert not joined["errors"], joined
        sfu_room = rt.local_room(room_id)
        assert sfu_room is not None
        await rt.wait_until(lambda: len(sfu_room.published_tracks()) == 2)

        refused = await gql.ok(rt.START_RECORDING, {"r": room_id, "c": False}, host)
        codes = [e["code"] for e in refused["startRecording"]["errors"]]
        assert codes == ["RECORDING_CONSENT_REQUIRED"]
        assert await rt.recording_rows(a.school_id) == []

        started = await gql.ok(rt.START_RECORDING, {"r": room_id, "c": True}, host)
        assert not started["startRecording"]["errors"], started
        rec = started["startRecording"]["recording"]
        assert rec["consentGivenById"] == ids.encode("User", a.user_ids["teacher"])
        assert rec["consentAt"]
        await rt.wait_until(lambda: _video_packets(sfu_room) >= 20, limit=30)
        stopped = await gql.ok(rt.STOP_RECORDING, {"r": room_id}, host)
        assert not stopped["stopRecording"]["errors"], stopped
        assert stopped["stopRecording"]["recording"]["status"] == "stored"
        rows = await rt.recording_rows(a.school_id)
        assert len(rows) == 1 and rows[0]["status"] == "stored"
        assert rows[0]["consent_given_by"] == a.user_ids["teacher"]
        keys = rows[0]["storage_keys"]
        assert keys and all(
            k.startswith(f"school/{a.school_id}/recordings/") and k.endswith(".webm") for k in keys
        )
        assert rows[0]["sizes"][0] > 0
        backend = get_backend()
        assert isinstance(backend, LocalSfuBackend)
        scratch = list(backend._recordings_root().rglob("*.webm"))
        assert scratch == []  # uploaded by the room's process, then removed locally

        principal = await gql.token(a.logins["principal"])
        listed = await gql.ok(rt.RECORDINGS, {"r": room_id}, principal)
        files = listed["roomRecordings"][0]["files"]
        assert files and files[0]["contentType"] == "video/webm"
        url = files[0]["url"]
        got = await app.get(url, headers={"Authorization": f"Bearer {principal}"})
        assert got.status_code == 200, got.text
        assert got.headers["content-type"].startswith("video/webm")
        with av.open(io.BytesIO(got.content)) as container:
            video = [s for s in container.streams if s.type == "video"]
            assert video and video[0].codec_context.name == "vp8"
            assert sum(1 for _ in container.demux(video[0])) > 1

        other = await gql.token(b.logins["principal"])
        assert (await app.get(url, headers={"Authorization": f"Bearer {other}"})).status_code == 404
        assert (await app.get(url)).status_code == 401
        signer = storage.LinkSigner(settings.jwt_secret)
        expired = signer.sign(keys[0], 60, school_id=a.school_id, now=time.time() - 120)
        got = await app.get(f"/files/{expired}", headers={"Authorization": f"Bearer {principal}"})
        assert got.status_code == 404

        # Ending the room stops a running recording and stores it.
        again = await gql.ok(rt.START_RECORDING, {"r": room_id, "c": True}, host)
        assert not again["startRecording"]["errors"], again
        ended = await gql.ok(END, {"r": room_id}, host)
        assert ended["endRoom"]["room"]["status"] == "ENDED", ended
        rows = await rt.recording_rows(a.school_id)
        assert [r["status"] for r in rows][-1] in ("stored", "failed")
        assert all(r["stopped_at"] is not None for r in rows)
    finally:
        await teacher.close()
        await rt.close_rooms()


def _video_packets(room: object) -> int:
    """Video packets muxed so far by the room's recorder (the local backend's)."""
    backend = get_backend()
    assert isinstance(backend, LocalSfuBackend)
    total = 0
    for local in backend._rooms.values():
        if local.room is room and local.recorder is not None:
            for segment in local.recorder.recorder.segments:
                total += sum(t.packets for t in segment.stats.tracks.values() if t.kind == "video")
    return total


async def test_recording_keys_stay_out_of_user_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    school, room = uuid.uuid4(), uuid.uuid4()
    key = storage.new_recording_key(school_id=school, room_id=room, ext="webm")
    assert storage.stored_key_owner(key) == ("school", school)
    with pytest.raises(InvalidInput):  # never attachable to a document
        storage.key_owner(key)
    with pytest.raises(storage.FileError):  # uploads keep their types: no video
        storage.check_upload("class.webm", b"\x1a\x45\xdf\xa3" + b"\x00" * 64)
    with pytest.raises(ValueError, match="bad recording key"):
        storage.new_recording_key(school_id=school, room_id=room, ext="exe")
    store = storage.LocalStorage(tmp_path / "files", "secret")
    source = tmp_path / "segment.webm"
    source.write_bytes(b"\x1a\x45\xdf\xa3" + b"x" * 1000)
    with pytest.raises(ValueError, match="recording keys only"):
        await store.put_file(f"school/{school}/documents/{uuid.uuid4().hex}.pdf", source)
    assert await store.put_file(key, source) == 1004
    assert await store.read(key) == source.read_bytes()
    monkeypatch.setattr(storage, "MAX_RECORDING_BYTES", 100)
    with pytest.raises(storage.FileError) as too_large:
        await store.put_file(
            storage.new_recording_key(school_id=school, room_id=room, ext="mkv"), source
        )
    assert too_large.value.code == "FILE_TOO_LARGE"


async def test_a_recording_the_media_server_lost_ends_failed(
    gql: GraphQLClient, server: str
) -> None:
    """The SFU room disappears under a running recording (what the API sees when the media
    server lost it): stopping does not claim any file and the row ends ``failed``."""
    p = await factories.province()
    a = await factories.school(p, tag="A")
    room_id = await rt.class_session(gql, a)
    host = await gql.token(a.logins["teacher"])
    client = rt.GqlLiveClient(gql, server, host, room_id)
    try:
        joined = await client.join_room([AudioStreamTrack()])
        assert not joined["errors"], joined
        started = await gql.ok(rt.START_RECORDING, {"r": room_id, "c": True}, host)
        assert not started["startRecording"]["errors"], started
        assert [r["status"] for r in await rt.recording_rows(a.school_id)] == ["recording"]
        await rt.close_rooms()  # the media server lost the room (and its recorder)
        stopped = await gql.ok(rt.STOP_RECORDING, {"r": room_id}, host)
        assert not stopped["stopRecording"]["errors"], stopped
        assert stopped["stopRecording"]["recording"]["status"] == "failed"
        [row] = await rt.recording_rows(a.school_id)
        assert row["status"] == "failed" and row["stopped_at"] is not None
        assert row["storage_keys"] == [] and row["sizes"] == []
    finally:
        await client.close()
        await rt.close_rooms()
