"""Meeting minutes of a live room: who attended, first join, last leave, total time.

Who may read them: the room's host and its co-hosts (admitted), the principal of the school for a
class session, and the members of the owning office for an office meeting. Anyone else who can
see the room gets FORBIDDEN; anyone who cannot see it gets NOT_FOUND.

Total time is the sum of the participant's presence intervals after merging overlaps (a reconnect
may open a new interval before the old one is closed); an interval still open counts up to the
room's end, or to now while the room is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from schoolhub.platform.errors import PermissionDenied
from schoolhub.platform.principal import Principal, Role
from schoolhub.realtime import repository as repo
from schoolhub.realtime.service import HOSTS, Scope, _locate


@dataclass(frozen=True)
class Attendee:
    user_id: UUID
    full_name: str
    role: str
    first_joined_at: datetime
    last_left_at: datetime | None  # None while still in the room
    total_seconds: int


@dataclass(frozen=True)
class Minutes:
    room: dict[str, Any]
    attendees: list[Attendee]


def merged_seconds(intervals: list[tuple[datetime, datetime]]) -> int:
    """Total length of the union of [start, end) intervals, in whole seconds."""
    total = 0.0
    cur_start: datetime | None = None
    cur_end: datetime | None = None
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if cur_end is None or start > cur_end:
            if cur_start is not None and cur_end is not None:
                total += (cur_end - cur_start).total_seconds()
            cur_start, cur_end = start, end
        elif end > cur_end:
            cur_end = end
    if cur_start is not None and cur_end is not None:
        total += (cur_end - cur_start).total_seconds()
    return int(total)


def _may_read(principal: Principal, scope: Scope, room: dict[str, Any], me: Any) -> bool:
    user = principal.require_user()
    if room["host_user_id"] == user:
        return True
    if me is not None and me["state"] == "admitted" and me["role"] in HOSTS:
        return True
    if scope.school_id is not None:
        return principal.has_school_role(scope.school_id, {Role.PRINCIPAL})
    return any(g.org_unit_id == room["org_unit_id"] for g in principal.office_grants)


async def room_minutes(principal: Principal, room_id: UUID) -> Minutes:
    scope = await _locate(principal, room_id)
    user = principal.require_user()
    t = scope.t
    async with scope.tx(user):
        room = await repo.room(t, room_id)
        assert room is not None
        me = await repo.participant_of_user(t, room_id, user)
        if not _may_read(principal, scope, room, me):
            raise PermissionDenied("only the host, a co-host or the school's management")
        rows = await repo.presence_rows(t, room_id)
    until = room["ended_at"] or datetime.now(UTC)
    by_user: dict[UUID, list[dict[str, Any]]] = {}
    for row in rows:
        by_user.setdefault(row["user_id"], []).append(row)
    attendees = []
    for uid, items in by_user.items():
        open_now = any(i["left_at"] is None for i in items) and room["status"] == "open"
        lefts = [i["left_at"] or until for i in items]
        attendees.append(
            Attendee(
                user_id=uid,
                full_name=str(items[0]["full_name"] or ""),
                role=str(items[0]["role"]),
                first_joined_at=min(i["joined_at"] for i in items),
                last_left_at=None if open_now else max(lefts),
                total_seconds=merged_seconds(
                    [(i["joined_at"], left) for i, left in zip(items, lefts, strict=True)]
                ),
            )
        )
    attendees.sort(key=lambda a: (a.first_joined_at, str(a.user_id)))
    return Minutes(room, attendees)
