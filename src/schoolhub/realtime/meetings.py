"""Office meetings: the department with district offices and invited schools, or a district with
its schools. The meeting and its participants live in province tables (no ``school_id``); each
invited school's invitation is a row of that school's tenant table, written in the school's own
tenant transaction (see ``m0006_realtime``). Everything else (join, signaling, moderation) is the
shared room code in :mod:`schoolhub.realtime.service`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from schoolhub.platform import db
from schoolhub.platform.errors import InvalidInput, NotFound
from schoolhub.platform.principal import STAFF_ROLES, Principal
from schoolhub.realtime import repository as repo

MAX_INVITES = 200


async def attendee_role(principal: Principal, meeting: dict[str, Any]) -> str | None:
    """The caller's role in an office meeting, or None if not invited (-> NOT_FOUND)."""
    user = principal.require_user()
    if meeting["host_user_id"] == user:
        return "host"
    offices = [g.org_unit_id for g in principal.office_grants]
    if meeting["org_unit_id"] in offices:
        return "co_host"
    if offices:
        async with db.system():
            if await repo.office_invited(meeting["id"], offices):
                return "participant"
    for school_id in sorted(principal.school_ids):
        if not principal.has_school_role(school_id, STAFF_ROLES):
            continue  # staff of an invited school attend; students and guardians do not
        async with db.tenant(school_id, user):
            if await repo.school_invited(meeting["id"]):
                return "participant"
    return None


async def create_meeting(
    principal: Principal,
    *,
    org_unit_id: UUID,
    title: str,
    school_ids: list[UUID],
    office_ids: list[UUID],
    max_participants: int = 50,
) -> dict[str, Any]:
    user = principal.require_user()
    grant = next((g for g in principal.office_grants if g.org_unit_id == org_unit_id), None)
    if grant is None:
        raise NotFound("office")
    title = title.strip()
    if not 1 <= len(title) <= 200:
        raise InvalidInput("title must have 1-200 characters", field="title")
    if not 2 <= max_participants <= 100:
        raise InvalidInput("room size must be between 2 and 100", field="maxParticipants")
    if len(school_ids) + len(office_ids) > MAX_INVITES:
        raise InvalidInput("too many invitations", field="schoolIds")
    schools = sorted(set(school_ids))
    offices = sorted(set(office_ids))
    async with db.system():
        found = await repo.schools(schools)
        units = await repo.org_units(offices)
        if len(found) != len(schools) or (
            grant.kind != "department" and any(s["org_unit_id"] != org_unit_id for s in found)
        ):
            raise InvalidInput("a school outside your office", field="schoolIds")
        if len(units) != len(offices) or any(u["parent_id"] != org_unit_id for u in units):
            raise InvalidInput("an office outside yours", field="officeIds")
        meeting = await repo.insert_meeting(org_unit_id, title, user, max_participants)
        for office in offices:
            await repo.invite_office(meeting["id"], office)
        await repo.insert_participant(repo.MEETING, None, meeting["id"], user, "host", "admitted")
        await repo.log(repo.MEETING, None, meeting["id"], user, "room.created")
    for school_id in schools:  # one tenant transaction per invited school
        async with db.tenant(school_id, user):
            await repo.invite_school(school_id, meeting["id"])
    return meeting
