"""Meeting minutes: first join, last leave and total time with overlapping intervals merged, for a
class session and an office meeting (read by another member of the owning office)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from schoolhub.graphql import ids
from schoolhub.platform import db
from schoolhub.realtime.minutes import merged_seconds
from schoolhub.tenants import service as tenants
from tests.support import factories
from tests.support import realtime as rt
from tests.support.gql import GraphQLClient, error_codes

MINUTES = (
    "query($r: ID!) { roomMinutes(roomId: $r) { roomId title endedAt attendees { userId fullName"
    " role firstJoinedAt lastLeftAt totalSeconds totalMinutes } } }"
)
END = "mutation($r: ID!) { endRoom(roomId: $r) { room { id } errors { code } } }"
CREATE_MEETING = (
    'mutation($o: ID!, $s: [ID!]) { createMeeting(orgUnitId: $o, title: "Giao ban",'
    " schoolIds: $s) { room { id } errors { code } } }"
)
T0 = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)


def test_merged_seconds() -> None:
    m = timedelta(minutes=1)
    assert merged_seconds([]) == 0
    assert merged_seconds([(T0, T0 + 10 * m), (T0 + 5 * m, T0 + 15 * m)]) == 15 * 60
    assert merged_seconds([(T0 + 20 * m, T0 + 30 * m), (T0, T0 + 10 * m)]) == 20 * 60
    assert merged_seconds([(T0, T0 + 30 * m), (T0 + 5 * m, T0 + 10 * m)]) == 30 * 60
    assert merged_seconds([(T0, T0 + 10 * m), (T0 + 10 * m, T0 + 12 * m)]) == 12 * 60


async def _presence(
    school: UUID | None, room: UUID, user: UUID, spans: list[tuple[int, int | None]]
) -> None:
    """Intervals in minutes after now-60min (None: still open); a school's or a meeting's room."""
    base = datetime.now(UTC) - timedelta(minutes=60)
    if school is not None:
        part = await db.fetchrow(
            "INSERT INTO realtime_participant (school_id, room_id, user_id, role, state)"
            " VALUES ($1, $2, $3, 'participant', 'admitted') ON CONFLICT (school_id, room_id,"
            " user_id) DO UPDATE SET online = false RETURNING id",
            school,
            room,
            user,
        )
        sql = (
            "INSERT INTO realtime_presence (school_id, participant_id, joined_at, left_at)"
            " VALUES ($4, $1, $2, $3)"
        )
        extra: list[UUID] = [school]
    else:
        part = await db.fetchrow(
            "INSERT INTO realtime_meeting_participant (room_id, user_id, role, state)"
            " VALUES ($1, $2, 'participant', 'admitted') ON CONFLICT (room_id, user_id)"
            " DO UPDATE SET online = false RETURNING id",
            room,
            user,
        )
        sql = (
            "INSERT INTO realtime_meeting_presence (participant_id, joined_at, left_at)"
            " VALUES ($1, $2, $3)"
        )
        extra = []
    for start, end in spans:
        left = None if end is None else base + timedelta(minutes=end)
        await db.execute(sql, part["id"], base + timedelta(minutes=start), left, *extra)


async def test_class_session_minutes(gql: GraphQLClient) -> None:
    p = await factories.province()
    world = await factories.school(p)
    await rt.enrol_student(world)
    room_gid = await rt.class_session(gql, world)
    room = ids.decode(room_gid, "LiveRoom", "roomId")
    async with db.tenant(world.school_id):
        # student: 0-10, reconnect overlapping 8-20, then 30-40 -> 30 minutes
        await _presence(
            world.school_id, room, world.user_ids["student"], [(0, 10), (8, 20), (30, 40)]
        )
        # teacher (the host): 0 until the end, still open when the room ends
        await _presence(world.school_id, room, world.user_ids["teacher"], [(0, None)])
    host = await gql.token(world.logins["teacher"])
    data = await gql.ok(MINUTES, {"r": room_gid}, host)
    by_user = {a["userId"]: a for a in data["roomMinutes"]["attendees"]}
    student = by_user[ids.encode("User", world.user_ids["student"])]
    assert student["totalSeconds"] == 30 * 60 and student["totalMinutes"] == 30
    assert student["lastLeftAt"] is not None
    teacher = by_user[ids.encode("User", world.user_ids["teacher"])]
    assert teacher["lastLeftAt"] is None  # still in the open room
    assert data["roomMinutes"]["endedAt"] is None

    assert not (await gql.ok(END, {"r": room_gid}, host))["endRoom"]["errors"]
    principal = await gql.token(world.logins["principal"])
    data = await gql.ok(MINUTES, {"r": room_gid}, principal)
    by_user = {a["userId"]: a for a in data["roomMinutes"]["attendees"]}
    teacher = by_user[ids.encode("User", world.user_ids["teacher"])]
    assert teacher["lastLeftAt"] is not None and teacher["totalMinutes"] >= 60
    assert data["roomMinutes"]["endedAt"] is not None
    assert len(by_user) == 2  # the principal never joined: not an attendee


async def test_meeting_minutes_for_the_owning_office(gql: GraphQLClient) -> None:
    p = await factories.province()
    district = await factories.district(p)
    a = await factories.school(p, district, tag="A")
    host = await gql.token(a.logins["district_admin"])
    data = await gql.ok(
        CREATE_MEETING,
        {"o": ids.encode("OrgUnit", district), "s": [ids.encode("School", a.school_id)]},
        host,
    )
    room_gid = data["createMeeting"]["room"]["id"]
    room = ids.decode(room_gid, "LiveRoom", "roomId")
    async with db.system():
        await _presence(None, room, a.user_ids["principal"], [(5, 25)])
    colleague_login = f"pgd{factories.n()}"
    colleague = await factories.user(colleague_login, "Cán bộ Phòng 2")
    await tenants.appoint_office_admin(
        p.admin, org_unit_id=district, user_id=colleague, role="district_admin"
    )
    for token in (host, await gql.token(colleague_login)):
        data = await gql.ok(MINUTES, {"r": room_gid}, token)
        (attendee,) = data["roomMinutes"]["attendees"]
        assert attendee["userId"] == ids.encode("User", a.user_ids["principal"])
        assert attendee["totalMinutes"] == 20
    # an invited school's principal attends but does not read the minutes
    body = await gql.raw(MINUTES, {"r": room_gid}, await gql.token(a.logins["principal"]))
    assert (
        error_codes(body) == ["FORBIDDEN"] and (body.get("data") or {}).get("roomMinutes") is None
    )
