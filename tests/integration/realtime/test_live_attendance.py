"""Attendance from a live class: presence -> workspace attendance through the attendance service
(absent + outbox alert, late, left early as a note, hand-entered roll call kept, idempotent)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from schoolhub.graphql import ids
from schoolhub.platform import db
from schoolhub.platform.principal import Principal, Role
from schoolhub.realtime import live_attendance
from schoolhub.tenants import service as tenants
from schoolhub.workspace import repository as ws_repo
from schoolhub.workspace.attendance import service as attendance
from tests.support import factories
from tests.support import realtime as rt
from tests.support.gql import GraphQLClient

END = "mutation($r: ID!) { endRoom(roomId: $r) { room { id status } errors { code } } }"


async def _roster(p: factories.Province, world: factories.SchoolWorld) -> list[tuple[UUID, UUID]]:
    """Four students of the class, each with a student account: [(student_id, user_id)]."""
    assert world.class_id is not None
    async with db.tenant(world.school_id):
        for i in range(2):
            st = await ws_repo.insert_student(
                world.school_id,
                f"HS{factories.n()}",
                f"Học sinh {i + 2}",
                None,
                "male",
                world.class_id,
            )
            world.student_ids.append(st["id"])
    out = []
    for sid in world.student_ids:
        uid = await factories.user(f"hs{factories.n()}", "Học sinh")
        await tenants.grant_membership(
            p.admin, school_id=world.school_id, user_id=uid, role="student"
        )
        async with db.tenant(world.school_id):
            await db.execute("UPDATE workspace_student SET user_id = $1 WHERE id = $2", uid, sid)
        out.append((sid, uid))
    return out


async def _attend(
    world: factories.SchoolWorld, room: UUID, user: UUID, joined: datetime, left: datetime | None
) -> None:
    async with db.tenant(world.school_id):
        part = await db.fetchrow(
            "INSERT INTO realtime_participant (school_id, room_id, user_id, role, state)"
            " VALUES ($1, $2, $3, 'participant', 'admitted')"
            " ON CONFLICT (school_id, room_id, user_id) DO UPDATE SET online = false RETURNING id",
            world.school_id,
            room,
            user,
        )
        await db.execute(
            "INSERT INTO realtime_presence (school_id, participant_id, joined_at, left_at)"
            " VALUES ($1, $2, $3, $4)",
            world.school_id,
            part["id"],
            joined,
            left,
        )


async def _session(gql: GraphQLClient, world: factories.SchoolWorld) -> tuple[str, UUID, datetime]:
    room_gid = await rt.class_session(gql, world)
    room = ids.decode(room_gid, "LiveRoom", "roomId")
    start = datetime.now(UTC) - timedelta(minutes=60)
    async with db.tenant(world.school_id):
        await db.execute("UPDATE realtime_room SET created_at = $1 WHERE id = $2", start, room)
    return room_gid, room, start


async def _records(world: factories.SchoolWorld) -> dict[UUID, tuple[str, str]]:
    async with db.tenant(world.school_id):
        rows = await db.fetch(
            "SELECT student_id, status, note FROM workspace_attendance_record WHERE period = $1",
            live_attendance.LIVE_PERIOD,
        )
    return {r["student_id"]: (r["status"], r["note"]) for r in rows}


async def _alerts(world: factories.SchoolWorld) -> list[dict[str, Any]]:
    async with db.tenant(world.school_id):
        rows = await db.fetch(
            "SELECT payload FROM platform_outbox WHERE topic = 'attendance.recorded' ORDER BY id"
        )
    return [
        json.loads(r["payload"]) if isinstance(r["payload"], str) else r["payload"] for r in rows
    ]


async def test_end_room_writes_attendance(gql: GraphQLClient) -> None:
    p = await factories.province()
    world = await factories.school(p)
    roster = await _roster(p, world)
    room_gid, room, start = await _session(gql, world)
    (absent, _), (late, late_u), (early, early_u), (ok, ok_u) = roster
    await _attend(world, room, late_u, start + timedelta(minutes=25), None)
    await _attend(world, room, early_u, start + timedelta(minutes=1), start + timedelta(minutes=20))
    await _attend(world, room, ok_u, start + timedelta(minutes=2), start + timedelta(minutes=5))
    await _attend(world, room, ok_u, start + timedelta(minutes=6), None)  # reconnect: two intervals

    token = await gql.token(world.logins["teacher"])
    data = await gql.ok(END, {"r": room_gid}, token)
    assert data["endRoom"]["errors"] == [] and data["endRoom"]["room"]["status"] == "ENDED"

    records = await _records(world)
    assert records[absent][0] == "absent_unexcused"
    assert records[late][0] == "late" and "joined at" in records[late][1]
    assert records[early][0] == "present" and "left early at" in records[early][1]
    assert records[ok] == ("present", f"{live_attendance.MARK} attended the live session")
    alerts = await _alerts(world)
    assert sorted((a["student_id"], a["status"]) for a in alerts) == sorted(
        [(str(absent), "absent_unexcused"), (str(late), "late")]
    )
    assert all(a["period"] == live_attendance.LIVE_PERIOD for a in alerts)
    async with db.tenant(world.school_id):
        synced = await db.fetchrow(
            "SELECT attendance_synced_at FROM realtime_room WHERE id = $1", room
        )
    assert synced is not None and synced["attendance_synced_at"] is not None

    # idempotent: the same records, no new alert, whether run again directly or by the worker
    await live_attendance.sync_room(world.school_id, room)
    await live_attendance.sync_pending_sessions()
    assert await _records(world) == records
    assert len(await _alerts(world)) == len(alerts)


async def test_hand_entered_roll_call_is_kept(gql: GraphQLClient) -> None:
    p = await factories.province()
    world = await factories.school(p)
    roster = await _roster(p, world)
    room_gid, room, start = await _session(gql, world)
    assert world.class_id is not None
    sick = roster[0][0]
    day = start.astimezone(attendance.TZ).date()
    hand = await _hand_principal(world)
    await attendance.take_attendance(
        hand,
        world.school_id,
        world.class_id,
        day,
        [attendance.Entry(sick, "absent_excused", "ốm")],
        period=live_attendance.LIVE_PERIOD,
    )
    before = await _records(world)
    alerts_before = len(await _alerts(world))
    await _attend(world, room, roster[1][1], start + timedelta(minutes=30), None)

    token = await gql.token(world.logins["teacher"])
    data = await gql.ok(END, {"r": room_gid}, token)
    assert data["endRoom"]["errors"] == []
    assert await _records(world) == before  # the teacher's roll call wins
    assert before[sick] == ("absent_excused", "ốm")
    assert len(await _alerts(world)) == alerts_before


async def test_worker_ends_sessions_left_open(gql: GraphQLClient) -> None:
    p = await factories.province()
    world = await factories.school(p)
    roster = await _roster(p, world)
    _gid, room, start = await _session(gql, world)
    await _attend(world, room, roster[0][1], start, None)
    assert await live_attendance.sync_pending_sessions(stale_after=timedelta(minutes=30)) >= 1
    async with db.tenant(world.school_id):
        row = await db.fetchrow("SELECT status, ended_at FROM realtime_room WHERE id = $1", room)
    assert row["status"] == "ended"
    records = await _records(world)
    assert records[roster[0][0]][0] == "present"
    assert records[roster[1][0]][0] == "absent_unexcused"


async def _hand_principal(world: factories.SchoolWorld) -> Principal:
    return Principal(
        world.user_ids["teacher"], school_roles={world.school_id: frozenset({Role.TEACHER})}
    )
