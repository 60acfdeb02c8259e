"""Recording an office meeting end to end (issue "Live classes" item 7).

A district meeting with its school: the district admin (host) publishes VP8 + Opus from aiortc
through the GraphQL signaling; ``startRecording`` is refused without consent (nothing written),
records with consent (who and when stored) and the invited principal is told (room events);
``stopRecording`` stores the closed WebM under ``office/<district>/recordings/<meeting>/`` through
``get_storage()`` and PyAV finds the video in it. ``roomRecordings`` lists signed links to the host
and another admin of the district; another district's admin and a school principal (invited or
not) get nothing; the ``/files`` link downloads for the first and is 404 for the others (a link
re-signed for another owner too). Ending the meeting stops a running recording. A department
meeting's recording is stored under the department and shown to its admins, not to an invited
district's admin.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any
from uuid import UUID

import av
import httpx
import pytest
from aiortc.mediastreams import AudioStreamTrack

from schoolhub.graphql import ids
from schoolhub.platform import db, storage
from schoolhub.platform.errors import InvalidInput
from schoolhub.platform.settings import Settings
from schoolhub.realtime.backend import LocalSfuBackend, get_backend
from schoolhub.realtime.placement.protocol import PlacementError
from schoolhub.realtime.placement.recording_store import RecordingTarget, storage_sink
from schoolhub.realtime.sfu.loopback import SyntheticVideoTrack
from schoolhub.tenants import service as tenants
from tests.support import factories
from tests.support import realtime as rt
from tests.support.gql import GraphQLClient, error_codes

pytestmark = [pytest.mark.timeout(120)]

END = "mutation($r: ID!) { endRoom(roomId: $r) { room { status } errors { code } } }"
CREATE_MEETING = (
    'mutation($o: ID!, $s: [ID!], $f: [ID!]) { createMeeting(orgUnitId: $o, title: "Giao ban",'
    " schoolIds: $s, officeIds: $f) { room { id } errors { code } } }"
)


async def _meeting_rows(room_gid: str) -> list[dict[str, Any]]:
    async with db.system():
        rows = await db.fetch(
            "SELECT * FROM realtime_meeting_recording WHERE room_id = $1 ORDER BY started_at",
            ids.decode(room_gid, "LiveRoom"),
        )
    return [dict(r) for r in rows]


async def _log_actions(room_gid: str) -> list[str]:
    async with db.system():
        rows = await db.fetch(
            "SELECT action FROM realtime_meeting_moderation_log WHERE room_id = $1 ORDER BY id",
            ids.decode(room_gid, "LiveRoom"),
        )
    return [r["action"] for r in rows]


async def _meeting(
    gql: GraphQLClient,
    token: str,
    org_unit_id: UUID,
    schools: list[UUID] = [],  # noqa: B006 (never mutated)
    offices: list[UUID] = [],  # noqa: B006
) -> str:
    data = await gql.ok(
        CREATE_MEETING,
        {
            "o": ids.encode("OrgUnit", org_unit_id),
            "s": [ids.encode("School", s) for s in schools],
            "f": [ids.encode("OrgUnit", o) for o in offices],
        },
        token,
    )
    assert not data["createMeeting"]["errors"], data
    room: str = data["createMeeting"]["room"]["id"]
    return room


async def _office_admin(p: factories.Province, org_unit_id: UUID, role: str) -> str:
    login = f"office{factories.n()}"
    uid = await factories.user(login, "Cán bộ 2")
    await tenants.appoint_office_admin(p.admin, org_unit_id=org_unit_id, user_id=uid, role=role)
    return login


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


async def _record(gql: GraphQLClient, room_gid: str, host: str) -> dict[str, Any]:
    """Start (with consent), let some video be muxed, stop; the stopped recording."""
    sfu_room = rt.local_room(room_gid)
    assert sfu_room is not None
    await rt.wait_until(lambda: len(sfu_room.published_tracks()) == 2)
    started = await gql.ok(rt.START_RECORDING, {"r": room_gid, "c": True}, host)
    assert not started["startRecording"]["errors"], started
    await rt.wait_until(lambda: _video_packets(sfu_room) >= 20, limit=30)
    stopped = await gql.ok(rt.STOP_RECORDING, {"r": room_gid}, host)
    assert not stopped["stopRecording"]["errors"], stopped
    recording: dict[str, Any] = stopped["stopRecording"]["recording"]
    return recording


def _plays_vp8(data: bytes) -> None:
    with av.open(io.BytesIO(data)) as container:
        video = [s for s in container.streams if s.type == "video"]
        assert video and video[0].codec_context.name == "vp8"
        assert sum(1 for _ in container.demux(video[0])) > 1


async def test_record_a_district_meeting(
    gql: GraphQLClient, server: str, app: httpx.AsyncClient, settings: Settings
) -> None:
    p = await factories.province()
    district = await factories.district(p)
    a = await factories.school(p, district, tag="A")
    b = await factories.school(p, tag="B")  # another district, not invited
    host = await gql.token(a.logins["district_admin"])
    room_gid = await _meeting(gql, host, district, schools=[a.school_id])
    room_id = ids.decode(room_gid, "LiveRoom")
    colleague = await gql.token(await _office_admin(p, district, "district_admin"))
    principal = await gql.token(a.logins["principal"])
    other_district = await gql.token(b.logins["district_admin"])
    other_principal = await gql.token(b.logins["principal"])
    department = await gql.token(p.admin_login)

    host_client = rt.GqlLiveClient(gql, server, host, room_gid)
    attendee = rt.GqlLiveClient(gql, server, principal, room_gid)
    try:
        joined = await host_client.join_room([SyntheticVideoTrack(320, 240), AudioStreamTrack()])
        assert not joined["errors"], joined
        joined = await attendee.join_room([])
        assert not joined["errors"] and joined["joinToken"], joined

        # No consent: refused, nothing written (no row, no log entry, nobody told).
        refused = await gql.ok(rt.START_RECORDING, {"r": room_gid, "c": False}, host)
        assert refused["startRecording"]["recording"] is None
        assert [e["code"] for e in refused["startRecording"]["errors"]] == [
            "RECORDING_CONSENT_REQUIRED"
        ]
        assert await _meeting_rows(room_gid) == []
        assert "recording.started" not in await _log_actions(room_gid)
        # Only a host or co-host starts it; another district does not even see the meeting.
        for token, code in ((principal, "FORBIDDEN"), (other_district, "NOT_FOUND")):
            body = await gql.ok(rt.START_RECORDING, {"r": room_gid, "c": True}, token)
            assert [e["code"] for e in body["startRecording"]["errors"]] == [code], body
        assert await _meeting_rows(room_gid) == []
        assert "recording.started" not in attendee.types()

        stopped = await _record(gql, room_gid, host)
        assert stopped["status"] == "stored", stopped
        # Everyone in the meeting was told (the attendee's event stream), and it is logged.
        await rt.wait_until(lambda: "recording.stopped" in attendee.types())
        assert "recording.started" in attendee.types()
        logged = [x for x in await _log_actions(room_gid) if x.startswith("recording.")]
        assert logged == ["recording.started", "recording.stopped"]

        [row] = await _meeting_rows(room_gid)
        assert row["status"] == "stored" and row["stopped_at"] is not None
        assert row["started_by"] == row["consent_given_by"] == a.user_ids["district_admin"]
        assert row["consent_at"] is not None
        keys = row["storage_keys"]
        assert keys and all(
            k.startswith(f"office/{district}/recordings/{room_id}/") and k.endswith(".webm")
            for k in keys
        )
        assert all(size > 0 for size in row["sizes"])
        assert storage.stored_key_owner(keys[0]) == ("office", district)
        with pytest.raises(InvalidInput):  # never attachable to an office document
            storage.key_owner(keys[0])
        stored = await storage.get_storage().read(keys[0])
        assert len(stored) == row["sizes"][0]
        _plays_vp8(stored)
        backend = get_backend()
        assert isinstance(backend, LocalSfuBackend)
        assert list(backend._recordings_root().rglob("*.webm")) == []  # uploaded, then removed

        # The list: the host and another admin of the district (who never joined).
        urls = []
        for token in (host, colleague):
            listed = await gql.ok(rt.RECORDINGS, {"r": room_gid}, token)
            [rec] = listed["roomRecordings"]
            assert rec["status"] == "stored"
            assert rec["consentGivenById"] == ids.encode("User", a.user_ids["district_admin"])
            files = rec["files"]
            assert [f["size"] for f in files] == row["sizes"]
            assert files[0]["contentType"] == "video/webm"
            urls.append(files[0]["url"])
        # An invited school's principal attends but does not get the recordings: FORBIDDEN.
        body = await gql.raw(rt.RECORDINGS, {"r": room_gid}, principal)
        assert error_codes(body) == ["FORBIDDEN"], body
        assert (body.get("data") or {}).get("roomRecordings") is None
        # Another district's admin, a principal of a school not invited and the department's
        # admin (a district meeting is not the department's): the meeting does not exist.
        for token in (other_district, other_principal, department):
            body = await gql.raw(rt.RECORDINGS, {"r": room_gid}, token)
            assert (body.get("data") or {}).get("roomRecordings") is None, body
            assert not body.get("errors"), body
            assert keys[0] not in str(body)

        # Downloads through /files: the host and the district's admin; nobody else.
        for url in urls:
            for token in (host, colleague):
                got = await app.get(url, headers={"Authorization": f"Bearer {token}"})
                assert got.status_code == 200, got.text
                assert got.headers["content-type"].startswith("video/webm")
                assert got.content == stored
            for token in (principal, other_district, other_principal, department):
                got = await app.get(url, headers={"Authorization": f"Bearer {token}"})
                assert got.status_code == 404, (token, got.text)
            assert (await app.get(url)).status_code == 401
        # A link to the file signed for another owner (the invited school, another district)
        # is refused even to members of that owner.
        signer = storage.LinkSigner(settings.jwt_secret)
        for link, token in (
            (signer.sign(keys[0], 60, school_id=a.school_id), principal),
            (signer.sign(keys[0], 60, org_unit_id=b.district_id), other_district),
            (signer.sign(keys[0], 60, org_unit_id=b.district_id), host),
        ):
            got = await app.get(f"/files/{link}", headers={"Authorization": f"Bearer {token}"})
            assert got.status_code == 404, got.text
        # The owner's link to a key that is not one of this meeting's recordings: 404.
        foreign = storage.new_recording_key(org_unit_id=district, room_id=room_id, ext="webm")
        await storage.get_storage().put(foreign, stored)
        link = signer.sign(foreign, 60, org_unit_id=district)
        got = await app.get(f"/files/{link}", headers={"Authorization": f"Bearer {host}"})
        assert got.status_code == 404

        # Ending the meeting stops a running recording and stores it.
        again = await gql.ok(rt.START_RECORDING, {"r": room_gid, "c": True}, host)
        assert not again["startRecording"]["errors"], again
        assert [r["status"] for r in await _meeting_rows(room_gid)] == ["stored", "recording"]
        ended = await gql.ok(END, {"r": room_gid}, host)
        assert ended["endRoom"]["room"]["status"] == "ENDED", ended
        rows = await _meeting_rows(room_gid)
        assert len(rows) == 2 and rows[-1]["status"] in ("stored", "failed")
        assert all(r["stopped_at"] is not None for r in rows)
    finally:
        await attendee.close()
        await host_client.close()
        await rt.close_rooms()


async def test_record_a_department_meeting(gql: GraphQLClient, server: str) -> None:
    p = await factories.province()
    district = await factories.district(p)
    a = await factories.school(p, district, tag="A")
    host = await gql.token(p.admin_login)
    room_gid = await _meeting(gql, host, p.department_id, offices=[district])
    room_id = ids.decode(room_gid, "LiveRoom")
    colleague = await gql.token(await _office_admin(p, p.department_id, "department_admin"))
    district_admin = await gql.token(a.logins["district_admin"])
    client = rt.GqlLiveClient(gql, server, host, room_gid)
    try:
        joined = await client.join_room([SyntheticVideoTrack(320, 240), AudioStreamTrack()])
        assert not joined["errors"], joined
        stopped = await _record(gql, room_gid, host)
        assert stopped["status"] == "stored", stopped
        [row] = await _meeting_rows(room_gid)
        assert row["storage_keys"] and all(
            k.startswith(f"office/{p.department_id}/recordings/{room_id}/")
            for k in row["storage_keys"]
        )
        listed = await gql.ok(rt.RECORDINGS, {"r": room_gid}, colleague)
        assert [len(r["files"]) for r in listed["roomRecordings"]] == [len(row["storage_keys"])]
        # The invited district's admin attends the meeting but is not an admin of its owner.
        body = await gql.raw(rt.RECORDINGS, {"r": room_gid}, district_admin)
        assert error_codes(body) == ["FORBIDDEN"], body
        body = await gql.ok(rt.STOP_RECORDING, {"r": room_gid}, district_admin)
        assert [e["code"] for e in body["stopRecording"]["errors"]] == ["FORBIDDEN"]
        # Nothing running any more.
        body = await gql.ok(rt.STOP_RECORDING, {"r": room_gid}, host)
        assert [e["code"] for e in body["stopRecording"]["errors"]] == ["RECORDING_NOT_RUNNING"]
    finally:
        await client.close()
        await rt.close_rooms()


async def test_office_recording_keys_and_targets(tmp_path: Path, settings: Settings) -> None:
    office, room = uuid.uuid4(), uuid.uuid4()
    key = storage.new_recording_key(org_unit_id=office, room_id=room, ext="mkv")
    assert key.startswith(f"office/{office}/recordings/{room}/")
    assert storage.RECORDING_KEY_RE.match(key)
    assert storage.stored_key_owner(key) == ("office", office)
    with pytest.raises(InvalidInput):
        storage.key_owner(key)
    with pytest.raises(ValueError, match="exactly one"):
        storage.new_recording_key(room_id=room, ext="webm")
    with pytest.raises(ValueError, match="exactly one"):
        storage.new_recording_key(school_id=office, org_unit_id=office, room_id=room, ext="webm")
    # S3 uploads of office recordings carry the retention tag, like the schools' ones.
    from schoolhub.platform import storage_s3

    assert storage_s3.S3Storage._put_headers(key) == {"x-amz-tagging": "kind=recording"}
    document = storage.new_key(school_id=None, org_unit_id=office, area="documents", ext="pdf")
    assert storage_s3.S3Storage._put_headers(document) == {}

    # SFU op args: a school's room unchanged, a meeting names its office.
    school_target = RecordingTarget.from_args({"school_id": str(office), "room_id": str(room)})
    assert (school_target.school_id, school_target.org_unit_id) == (office, None)
    assert school_target.to_args() == {"school_id": str(office), "room_id": str(room)}
    args = {"owner_kind": "office", "owner_id": str(office), "room_id": str(room)}
    target = RecordingTarget.from_args(args)
    assert (target.school_id, target.org_unit_id, target.room_id) == (None, office, room)
    assert RecordingTarget.from_args(target.to_args()) == target
    with pytest.raises(PlacementError):
        RecordingTarget.from_args({**args, "owner_kind": "commune"})
    with pytest.raises(PlacementError):
        RecordingTarget.from_args({"owner_kind": "office", "room_id": str(room)})

    # The SFU side's sink stores an office segment through get_storage().
    source = tmp_path / "segment.webm"
    source.write_bytes(b"\x1a\x45\xdf\xa3" + b"x" * 100)
    segment = await storage_sink(target)(source)
    assert segment.key.startswith(f"office/{office}/recordings/{room}/")
    assert segment.size == 104
    assert await storage.get_storage().read(segment.key) == source.read_bytes()
