"""The weekly timetable: entries per class, clash-checked; a teacher's week across schools.

Writes take a per-term advisory lock, read the whole term and run ``timetable_rules.find_clashes``
on the proposed entry: a teacher, room or class in two places at once is rejected with
``TIMETABLE_CLASH`` naming the clashing entries, and nothing is written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from schoolhub.platform import db
from schoolhub.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from schoolhub.platform.principal import STAFF_ROLES, Principal, Role
from schoolhub.workspace import timetable_rules as rules
from schoolhub.workspace.structure import access
from schoolhub.workspace.structure.errors import WorkspaceStructureErrorCode as E
from schoolhub.workspace.structure.setup import repository as setup_repo
from schoolhub.workspace.structure.timetable import repository as repo


class TimetableClashError(Conflict):
    """A clash; ``clashes`` carries the structured pairs for the API payload."""

    def __init__(self, clashes: list[dict[str, Any]]) -> None:
        described = "; ".join(
            f"{c['kind']} {c['resource']} at weekday {c['weekday']} period {c['period']}:"
            f" entries {c['first_id']} and {c['second_id']}"
            for c in clashes
        )
        super().__init__(f"timetable clash: {described}", code=E.TIMETABLE_CLASH)
        self.clashes = clashes


@dataclass(frozen=True)
class EntryInput:
    term_id: UUID
    class_id: UUID
    subject_id: UUID
    teacher_id: UUID | None
    room_id: UUID | None
    weekday: int
    period: int


def _rule_entry(row: dict[str, Any]) -> rules.TimetableEntry:
    return rules.TimetableEntry(
        id=str(row["id"]),
        class_id=str(row["class_id"]),
        subject=str(row["subject_id"]),
        teacher_id=str(row["teacher_user_id"]) if row["teacher_user_id"] else None,
        room_id=str(row["room_id"]) if row["room_id"] else None,
        weekday=row["weekday"],
        period=row["period"],
        term=str(row["term_id"]),
    )


async def set_entry(
    principal: Principal, school_id: UUID, data: EntryInput, entry_id: UUID | None = None
) -> dict[str, Any]:
    """Create (``entry_id`` None) or move/edit an entry. Managers only."""
    actor = access.require_manager(principal, school_id)
    async with db.tenant(school_id, actor):
        term = await setup_repo.term(school_id, data.term_id)
        if term is None:
            raise NotFound("term")
        if not 1 <= data.weekday <= 7 or not 1 <= data.period <= term["periods_per_day"]:
            raise InvalidInput(
                f"weekday 1-7 (ISO) and period 1-{term['periods_per_day']}",
                code=E.INVALID_TIMETABLE_ENTRY,
                field="period",
            )
        if await setup_repo.school_class(school_id, data.class_id) is None:
            raise NotFound("class")
        if await setup_repo.subject(school_id, data.subject_id) is None:
            raise NotFound("subject")
        if data.room_id is not None and await setup_repo.room(school_id, data.room_id) is None:
            raise NotFound("room")
        if data.teacher_id is not None and "teacher" not in await setup_repo.live_roles(
            school_id, data.teacher_id
        ):
            raise InvalidInput(
                "not a teacher of this school", code=E.NOT_A_TEACHER, field="teacherId"
            )
        if entry_id is not None:
            old = await repo.entry(school_id, entry_id)
            if old is None or old["term_id"] != data.term_id:
                raise NotFound("timetable entry")
        await repo.lock_term(data.term_id)
        existing = [_rule_entry(r) for r in await repo.entries_of_term(school_id, data.term_id)]
        new_id = entry_id or uuid.uuid4()
        values = {
            "id": new_id,
            "term_id": data.term_id,
            "class_id": data.class_id,
            "subject_id": data.subject_id,
            "teacher_user_id": data.teacher_id,
            "room_id": data.room_id,
            "weekday": data.weekday,
            "period": data.period,
        }
        clashes = rules.find_clashes(existing, [_rule_entry(values)])
        if clashes:
            raise TimetableClashError(
                [
                    {
                        "kind": c.kind.value,
                        "resource": c.resource,
                        "weekday": c.first.weekday,
                        "period": c.first.period,
                        "first_id": c.first.id,
                        "second_id": c.second.id,
                    }
                    for c in clashes
                ]
            )
        await repo.upsert_entry(school_id, new_id, values)
        row = await repo.entry(school_id, new_id)
    assert row is not None
    return row


async def delete_entry(principal: Principal, school_id: UUID, entry_id: UUID) -> None:
    actor = access.require_manager(principal, school_id)
    async with db.tenant(school_id, actor):
        if not await repo.delete_entry(school_id, entry_id):
            raise NotFound("timetable entry")


async def class_timetable(
    principal: Principal, school_id: UUID, *, class_id: UUID, term_id: UUID
) -> list[dict[str, Any]]:
    """Staff of the school, students of the class and their (unrestricted) guardians."""
    actor = access.require_member(principal, school_id)
    async with db.tenant(school_id, actor):
        if not principal.has_school_role(school_id, STAFF_ROLES) and not (
            principal.has_school_role(school_id, {Role.GUARDIAN, Role.STUDENT})
            and await repo.student_in_class(school_id, class_id, actor)
        ):
            raise PermissionDenied("not your class")
        return await repo.entries_of_class(school_id, term_id, class_id)


@dataclass(frozen=True)
class TeacherWeekView:
    week: rules.TeacherWeek
    rows: dict[str, dict[str, Any]]  # entry id -> row (names for display)


async def my_week(principal: Principal, *, school_year: str, term_code: str) -> TeacherWeekView:
    """The caller's lessons in every school where they teach: one scoped read per school."""
    user_id = principal.require_user()
    if term_code not in ("HK1", "HK2"):
        raise InvalidInput("term must be HK1 or HK2", field="term")
    rows: list[dict[str, Any]] = []
    for school_id, roles in sorted(principal.school_roles.items(), key=lambda kv: str(kv[0])):
        if Role.TEACHER not in roles:
            continue
        async with db.tenant(school_id, user_id):
            rows += await repo.entries_of_teacher(school_id, user_id, school_year, term_code)
    label = f"{school_year}/{term_code}"
    entries = [
        rules.TimetableEntry(
            id=str(r["id"]),
            class_id=str(r["class_id"]),
            subject=r["subject_code"],
            teacher_id=str(user_id),
            room_id=str(r["room_id"]) if r["room_id"] else None,
            weekday=r["weekday"],
            period=r["period"],
            term=label,
        )
        for r in rows
    ]
    week = rules.teacher_week(entries, str(user_id), label)
    return TeacherWeekView(week, {str(r["id"]): r for r in rows})
