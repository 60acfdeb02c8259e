"""Attendance from live class sessions, written THROUGH the workspace attendance service.

When a class session ends (``endRoom``), and for sessions left open via :func:`sync_pending_sessions`
(the worker calls it periodically), every student of the class roster gets a record for the
session's day (Asia/Ho_Chi_Minh) and period, computed from ``realtime_presence``:

* never joined -> ``absent_unexcused`` (``take_attendance`` turns it into ``absent_excused`` when an
  approved leave covers the day), so guardians get the same ``attendance.recorded`` alert as for an
  in-school absence;
* first join later than ``N`` minutes after the session's start -> ``late``;
* last leave more than ``N`` minutes before the session's end -> *left early*: the status stays
  ``present`` (or ``late`` when also late) and the note says ``left early at HH:MM``. Leaving early
  alone raises no guardian alert;
* otherwise ``present``.

``N`` is :data:`LATE_AFTER_MINUTES` (env ``SCHOOLHUB_LIVE_LATE_MINUTES``, default 10). The session
starts at the room's creation (the timetable stores period numbers, not clock times) and ends at
``ended_at``. The period is the timetable slot's period when the room names one, else the dedicated
:data:`LIVE_PERIOD` (15; timetables have at most 12 periods a day).

Hand-entered records win: a record of that student, day and period whose note does not start with
:data:`MARK` was entered by a person (roll call, leave approval, correction) and is re-submitted
unchanged (a no-op in the upsert), never overwritten. Re-running is idempotent: unchanged records
are not rewritten and emit no event. The writes are made as the session's host (their current
memberships), so ``recorded_by`` is the host and the host's rights to take attendance apply.

Limitation: two sessions of one class on the same day without a timetable slot share
:data:`LIVE_PERIOD`; the later session's records replace the earlier one's automatic records.
If the attendance service refuses the write (the host no longer may take attendance, the day is
more than 60 days back), the session is marked synced and not retried; ``endRoom`` itself never
fails because of attendance.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from schoolhub.platform import db
from schoolhub.platform.errors import DomainError
from schoolhub.platform.principal import Principal, Role
from schoolhub.realtime import repository as repo
from schoolhub.workspace.attendance import service as attendance

log = logging.getLogger(__name__)

MARK = "[live]"
LIVE_PERIOD = 15
LATE_AFTER_MINUTES = int(os.environ.get("SCHOOLHUB_LIVE_LATE_MINUTES", "10"))
STALE_AFTER = timedelta(hours=6)


@dataclass(frozen=True)
class Outcome:
    student_id: UUID
    status: str
    note: str


def _hm(at: datetime) -> str:
    return at.astimezone(attendance.TZ).strftime("%H:%M")


def classify(
    intervals: list[tuple[datetime, datetime | None]],
    start: datetime,
    end: datetime,
    grace: timedelta,
) -> tuple[str, str]:
    """(status, note) of one student from their presence intervals in the session."""
    if not intervals:
        return "absent_unexcused", f"{MARK} did not join the live session"
    first = min(j for j, _ in intervals)
    last = max(left or end for _, left in intervals)
    notes = []
    status = "present"
    if first > start + grace:
        status = "late"
        notes.append(f"joined at {_hm(first)}")
    if last < end - grace:
        notes.append(f"left early at {_hm(last)}")
    return status, " ".join([MARK, "; ".join(notes) or "attended the live session"])


async def _host_principal(school_id: UUID, user_id: UUID) -> Principal:
    rows = await db.fetch(
        "SELECT role FROM tenants_membership WHERE user_id = $1 AND school_id = $2"
        " AND revoked_at IS NULL",
        user_id,
        school_id,
    )
    return Principal(user_id, school_roles={school_id: frozenset(Role(r["role"]) for r in rows)})


async def _period(room: dict[str, Any]) -> int:
    if room.get("timetable_slot_id") is None:
        return LIVE_PERIOD
    row = await db.fetchrow(
        "SELECT period FROM workspace_timetable_entry WHERE id = $1", room["timetable_slot_id"]
    )
    return int(row["period"]) if row else LIVE_PERIOD


async def _presence(room_id: UUID) -> dict[UUID, list[tuple[datetime, datetime | None]]]:
    rows = await db.fetch(
        "SELECT p.user_id, pr.joined_at, pr.left_at FROM realtime_presence pr"
        " JOIN realtime_participant p ON p.id = pr.participant_id WHERE p.room_id = $1",
        room_id,
    )
    out: dict[UUID, list[tuple[datetime, datetime | None]]] = {}
    for r in rows:
        out.setdefault(r["user_id"], []).append((r["joined_at"], r["left_at"]))
    return out


async def sync_room(
    school_id: UUID, room_id: UUID, *, grace_minutes: int | None = None
) -> list[Outcome]:
    """Write the attendance of an ended class session; returns what was computed ([] if none)."""
    grace = timedelta(minutes=LATE_AFTER_MINUTES if grace_minutes is None else grace_minutes)
    async with db.tenant(school_id):
        room = await repo.room(repo.SCHOOL, room_id)
        if room is None or room["status"] != "ended":
            return []
        start: datetime = room["created_at"]
        end: datetime = room["ended_at"] or datetime.now(UTC)
        day: date = start.astimezone(attendance.TZ).date()
        period = await _period(room)
        host = await _host_principal(school_id, room["host_user_id"])
        students = await db.fetch(
            "SELECT id, user_id FROM workspace_student WHERE class_id = $1", room["class_id"]
        )
        presence = await _presence(room_id)
        existing = {
            r["student_id"]: r
            for r in await db.fetch(
                "SELECT student_id, status, note FROM workspace_attendance_record"
                " WHERE day = $1 AND period = $2 AND student_id = ANY($3::uuid[])",
                day,
                period,
                [s["id"] for s in students],
            )
        }
    outcomes = []
    for s in students:
        old = existing.get(s["id"])
        if old is not None and not str(old["note"]).startswith(MARK):
            outcomes.append(Outcome(s["id"], old["status"], old["note"]))  # hand-entered: kept
            continue
        status, note = classify(presence.get(s["user_id"], []), start, end, grace)
        outcomes.append(Outcome(s["id"], status, note))
    if outcomes:
        entries = [attendance.Entry(o.student_id, o.status, o.note) for o in outcomes]
        await attendance.take_attendance(
            host, school_id, room["class_id"], day, entries, period=period
        )
    async with db.tenant(school_id):
        await repo.update_room(repo.SCHOOL, room_id, attendance_synced_at=datetime.now(UTC))
    return outcomes


async def end_stale(school_id: UUID, room_id: UUID) -> None:
    """End a session left open (presence closed at now); the next sync writes its attendance."""
    async with db.tenant(school_id):
        await repo.update_room(repo.SCHOOL, room_id, status="ended", ended_at=datetime.now(UTC))
        await repo.end_all_presence(repo.SCHOOL, room_id)
        await repo.log(repo.SCHOOL, school_id, room_id, None, "room.ended_stale")


async def sync_pending_sessions(stale_after: timedelta = STALE_AFTER) -> int:
    """For the worker: end sessions open longer than ``stale_after`` and write the attendance of
    every ended session not synced yet (one tenant transaction per school). Returns how many."""
    async with db.system():
        schools = [r["id"] for r in await db.fetch("SELECT id FROM tenants_school")]
    done = 0
    cutoff = datetime.now(UTC) - stale_after
    for school_id in schools:
        async with db.tenant(school_id):
            rows = await db.fetch(
                "SELECT id, status FROM realtime_room WHERE attendance_synced_at IS NULL"
                " AND (status = 'ended' OR created_at < $1)",
                cutoff,
            )
        for row in rows:
            try:
                if row["status"] == "open":
                    await end_stale(school_id, row["id"])
                await sync_room(school_id, row["id"])
                done += 1
            except DomainError:  # permanent (the host lost the right, the day is too old): give up
                log.exception("live attendance of room %s refused; not retried", row["id"])
                async with db.tenant(school_id):
                    await repo.update_room(
                        repo.SCHOOL, row["id"], attendance_synced_at=datetime.now(UTC)
                    )
            except Exception:  # transient (database, network): retried on the next run
                log.exception("live attendance of room %s failed", row["id"])
    return done
