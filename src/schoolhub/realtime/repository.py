"""Every SQL query of live rooms.

School rooms use tenant tables (call inside ``db.tenant(school_id, ...)``); office meetings use the
province tables ``realtime_meeting*`` (call inside ``db.system()``). The shared queries take the
:class:`Tables` of the room's kind; the column names are the same in both families.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from schoolhub.platform import db

Row = dict[str, Any]


@dataclass(frozen=True)
class Tables:
    room: str
    participant: str
    presence: str
    log: str
    tenant: bool  # rows carry school_id (RLS)


SCHOOL = Tables(
    "realtime_room", "realtime_participant", "realtime_presence", "realtime_moderation_log", True
)
MEETING = Tables(
    "realtime_meeting",
    "realtime_meeting_participant",
    "realtime_meeting_presence",
    "realtime_meeting_moderation_log",
    False,
)


def _insert(table: str, values: dict[str, Any], jsonb: frozenset[str] = frozenset()) -> str:
    cols = ", ".join(values)
    params = ", ".join(f"${i}" + ("::jsonb" if c in jsonb else "") for i, c in enumerate(values, 1))
    return f"INSERT INTO {table} ({cols}) VALUES ({params}) RETURNING *"


def _owner(t: Tables, school_id: UUID | None) -> dict[str, Any]:
    return {"school_id": school_id} if t.tenant else {}


# -- class sessions (tenant) ---------------------------------------------------------------------
async def insert_room(
    school_id: UUID,
    class_id: UUID,
    title: str,
    host_user_id: UUID,
    max_participants: int,
    timetable_slot_id: UUID | None,
) -> Row:
    values = {
        "school_id": school_id,
        "class_id": class_id,
        "title": title,
        "host_user_id": host_user_id,
        "max_participants": max_participants,
        "timetable_slot_id": timetable_slot_id,
    }
    row = await db.fetchrow(_insert("realtime_room", values), *values.values())
    assert row is not None
    return row


async def klass(class_id: UUID) -> Row | None:
    return await db.fetchrow("SELECT * FROM workspace_class WHERE id = $1", class_id)


async def is_student_of_class(class_id: UUID, user_id: UUID) -> bool:
    row = await db.fetchrow(
        "SELECT 1 AS x FROM workspace_student WHERE class_id = $1 AND user_id = $2",
        class_id,
        user_id,
    )
    return row is not None


# -- office meetings (system scope, except the per-school invitation) ----------------------------
async def insert_meeting(
    org_unit_id: UUID, title: str, host_user_id: UUID, max_participants: int
) -> Row:
    values = {
        "org_unit_id": org_unit_id,
        "title": title,
        "host_user_id": host_user_id,
        "max_participants": max_participants,
    }
    row = await db.fetchrow(_insert("realtime_meeting", values), *values.values())
    assert row is not None
    return row


async def invite_office(meeting_id: UUID, org_unit_id: UUID) -> None:
    await db.execute(
        "INSERT INTO realtime_meeting_office_invite (meeting_id, org_unit_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING",
        meeting_id,
        org_unit_id,
    )


async def office_invited(meeting_id: UUID, org_unit_ids: list[UUID]) -> bool:
    row = await db.fetchrow(
        "SELECT 1 AS x FROM realtime_meeting_office_invite WHERE meeting_id = $1"
        " AND org_unit_id = ANY($2::uuid[])",
        meeting_id,
        org_unit_ids,
    )
    return row is not None


async def invite_school(school_id: UUID, meeting_id: UUID) -> None:
    """Inside ``db.tenant(school_id)``: the invitation row belongs to the invited school."""
    await db.execute(
        "INSERT INTO realtime_meeting_school_invite (school_id, meeting_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING",
        school_id,
        meeting_id,
    )


async def school_invited(meeting_id: UUID) -> bool:
    """Inside the school's ``db.tenant``: is this school invited?"""
    row = await db.fetchrow(
        "SELECT 1 AS x FROM realtime_meeting_school_invite WHERE meeting_id = $1", meeting_id
    )
    return row is not None


async def schools(school_ids: list[UUID]) -> list[Row]:
    return await db.fetch(
        "SELECT id, org_unit_id FROM tenants_school WHERE id = ANY($1::uuid[])", school_ids
    )


async def org_units(ids: list[UUID]) -> list[Row]:
    return await db.fetch(
        "SELECT id, kind, parent_id FROM tenants_org_unit WHERE id = ANY($1::uuid[])", ids
    )


# -- shared ---------------------------------------------------------------------------------------
async def room(t: Tables, room_id: UUID, *, for_update: bool = False) -> Row | None:
    lock = " FOR UPDATE" if for_update else ""
    return await db.fetchrow(f"SELECT * FROM {t.room} WHERE id = $1{lock}", room_id)


async def update_room(t: Tables, room_id: UUID, **fields: Any) -> Row | None:
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=2))
    return await db.fetchrow(
        f"UPDATE {t.room} SET {sets} WHERE id = $1 RETURNING *", room_id, *fields.values()
    )


async def participant_of_user(t: Tables, room_id: UUID, user_id: UUID) -> Row | None:
    return await db.fetchrow(
        f"SELECT * FROM {t.participant} WHERE room_id = $1 AND user_id = $2 FOR UPDATE",
        room_id,
        user_id,
    )


async def participant(t: Tables, room_id: UUID, participant_id: UUID) -> Row | None:
    return await db.fetchrow(
        f"SELECT * FROM {t.participant} WHERE room_id = $1 AND id = $2 FOR UPDATE",
        room_id,
        participant_id,
    )


async def participant_state(t: Tables, participant_id: UUID, room_id: UUID) -> Row | None:
    return await db.fetchrow(
        f"SELECT state, epoch, user_id FROM {t.participant} WHERE id = $1 AND room_id = $2",
        participant_id,
        room_id,
    )


async def participants(t: Tables, room_id: UUID) -> list[Row]:
    return await db.fetch(
        f"SELECT p.*, u.full_name FROM {t.participant} p JOIN identity_user u"
        " ON u.id = p.user_id WHERE p.room_id = $1 ORDER BY p.created_at, p.id",
        room_id,
    )


async def insert_participant(
    t: Tables, school_id: UUID | None, room_id: UUID, user_id: UUID, role: str, state: str
) -> Row:
    values = {
        **_owner(t, school_id),
        "room_id": room_id,
        "user_id": user_id,
        "role": role,
        "state": state,
    }
    row = await db.fetchrow(_insert(t.participant, values), *values.values())
    assert row is not None
    return row


async def update_participant(t: Tables, participant_id: UUID, **fields: Any) -> Row:
    values = [json.dumps(v) if k == "published" else v for k, v in fields.items()]
    sets = ", ".join(
        f"{name} = ${i}" + ("::jsonb" if name == "published" else "")
        for i, name in enumerate(fields, start=2)
    )
    row = await db.fetchrow(
        f"UPDATE {t.participant} SET {sets} WHERE id = $1 RETURNING *", participant_id, *values
    )
    assert row is not None
    return row


async def bump_epoch(t: Tables, participant_id: UUID, **fields: Any) -> Row:
    row = await db.fetchrow(
        f"UPDATE {t.participant} SET epoch = epoch + 1 WHERE id = $1 RETURNING *", participant_id
    )
    assert row is not None
    return await update_participant(t, participant_id, **fields) if fields else row


async def open_presence(t: Tables, school_id: UUID | None, participant_id: UUID) -> None:
    await close_presence(t, participant_id)
    values = {**_owner(t, school_id), "participant_id": participant_id}
    await db.execute(_insert(t.presence, values), *values.values())


async def close_presence(t: Tables, participant_id: UUID) -> None:
    await db.execute(
        f"UPDATE {t.presence} SET left_at = now() WHERE participant_id = $1 AND left_at IS NULL",
        participant_id,
    )


async def presence_rows(t: Tables, room_id: UUID) -> list[Row]:
    """Every presence interval of the room with the participant's user, role and name."""
    return await db.fetch(
        "SELECT p.user_id, p.role, u.full_name, pr.joined_at, pr.left_at"
        f" FROM {t.presence} pr JOIN {t.participant} p ON p.id = pr.participant_id"
        " JOIN identity_user u ON u.id = p.user_id WHERE p.room_id = $1"
        " ORDER BY pr.joined_at, pr.id",
        room_id,
    )


async def end_all_presence(t: Tables, room_id: UUID) -> None:
    await db.execute(
        f"UPDATE {t.presence} SET left_at = now() WHERE left_at IS NULL AND participant_id"
        f" IN (SELECT id FROM {t.participant} WHERE room_id = $1)",
        room_id,
    )
    await db.execute(
        f"UPDATE {t.participant} SET online = false, published = '[]'::jsonb WHERE room_id = $1",
        room_id,
    )


async def log(
    t: Tables,
    school_id: UUID | None,
    room_id: UUID,
    actor: UUID | None,
    action: str,
    target: UUID | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    values = {
        **_owner(t, school_id),
        "room_id": room_id,
        "actor_user_id": actor,
        "action": action,
        "target_user_id": target,
        "details": json.dumps(details or {}),
    }
    await db.execute(_insert(t.log, values, frozenset({"details"})), *values.values())


# -- recordings of class sessions (tenant) -------------------------------------------------------
async def insert_recording(
    school_id: UUID, room_id: UUID, started_by: UUID, consent_given_by: UUID | None
) -> Row:
    row = await db.fetchrow(
        "INSERT INTO realtime_recording (school_id, room_id, started_by, consent_given_by,"
        " consent_at) VALUES ($1, $2, $3, $4, CASE WHEN $4::uuid IS NULL THEN NULL ELSE now() END)"
        " RETURNING *",
        school_id,
        room_id,
        started_by,
        consent_given_by,
    )
    assert row is not None
    return dict(row)


def _recording_table(meeting: bool) -> str:
    return "realtime_meeting_recording" if meeting else "realtime_recording"


async def running_recording(
    room_id: UUID, *, for_update: bool = False, meeting: bool = False
) -> Row | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await db.fetchrow(
        f"SELECT * FROM {_recording_table(meeting)} WHERE room_id = $1 AND status = 'recording'"
        + lock,
        room_id,
    )
    return dict(row) if row else None


async def finish_recording(
    recording_id: UUID, status: str, keys: list[str], sizes: list[int], *, meeting: bool = False
) -> Row | None:
    row = await db.fetchrow(
        f"UPDATE {_recording_table(meeting)} SET status = $2, storage_keys = $3, sizes = $4,"
        " stopped_at = now() WHERE id = $1 RETURNING *",
        recording_id,
        status,
        keys,
        sizes,
    )
    return dict(row) if row else None


async def recordings(room_id: UUID, *, meeting: bool = False) -> list[Row]:
    rows = await db.fetch(
        f"SELECT * FROM {_recording_table(meeting)} WHERE room_id = $1 ORDER BY started_at, id",
        room_id,
    )
    return [dict(r) for r in rows]


# -- recordings of office meetings (province tables, ``db.system()``) -----------------------------
async def insert_meeting_recording(
    room_id: UUID, started_by: UUID, consent_given_by: UUID | None
) -> Row:
    row = await db.fetchrow(
        "INSERT INTO realtime_meeting_recording (room_id, started_by, consent_given_by,"
        " consent_at) VALUES ($1, $2, $3, CASE WHEN $3::uuid IS NULL THEN NULL ELSE now() END)"
        " RETURNING *",
        room_id,
        started_by,
        consent_given_by,
    )
    assert row is not None
    return dict(row)
