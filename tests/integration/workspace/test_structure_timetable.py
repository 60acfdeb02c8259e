"""Timetable: clashes rejected with the clashing entries and nothing written; a teacher's week
across two schools (one scoped read per school)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from schoolhub.platform import db
from schoolhub.platform.errors import DomainError, InvalidInput
from schoolhub.platform.principal import Principal, Role
from schoolhub.tenants import service as tenants
from schoolhub.workspace import repository as ws_repo
from schoolhub.workspace.structure.setup import service as setup
from schoolhub.workspace.structure.timetable import service as timetable
from tests.support import factories
from tests.support import workspace_structure as ws


async def _entries(school_id: Any) -> list[dict[str, Any]]:
    async with db.tenant(school_id):
        return await db.fetch("SELECT id, class_id, weekday, period FROM workspace_timetable_entry")


async def test_teacher_and_room_clashes_are_rejected_with_the_entries(
    app: httpx.AsyncClient,
) -> None:
    p = await factories.province()
    s = await ws.structure(p, await factories.school(p))
    sid, boss = s.world.school_id, ws.as_role(s.world, "principal")
    async with db.tenant(sid):
        b = await ws_repo.insert_class(sid, ws.YEAR, "6B", 6, None)
    room = await setup.create_room(boss, sid, name="P101", capacity=45)
    teacher = s.world.user_ids["teacher"]
    first = await timetable.set_entry(
        boss,
        sid,
        timetable.EntryInput(s.hk1, s.world.class_id, s.math, teacher, room["id"], 1, 1),  # type: ignore[arg-type]
    )
    with pytest.raises(timetable.TimetableClashError) as clash:
        await timetable.set_entry(
            boss, sid, timetable.EntryInput(s.hk1, b["id"], s.math, teacher, room["id"], 1, 1)
        )
    assert clash.value.code == "TIMETABLE_CLASH"
    kinds = {(c["kind"], c["first_id"]) for c in clash.value.clashes}
    assert kinds == {
        ("teacher_double_booked", str(first["id"])),
        ("room_double_booked", str(first["id"])),
    }
    assert str(first["id"]) in clash.value.message
    assert len(await _entries(sid)) == 1
    # Same slot, another teacher and no room: fine. Another term never clashes.
    await timetable.set_entry(
        boss, sid, timetable.EntryInput(s.hk1, b["id"], s.literature, s.subject_teacher, None, 1, 1)
    )
    await timetable.set_entry(
        boss, sid, timetable.EntryInput(s.hk2, b["id"], s.math, teacher, room["id"], 1, 1)
    )
    # Moving an entry onto itself is an edit, not a clash.
    moved = await timetable.set_entry(
        boss,
        sid,
        timetable.EntryInput(s.hk1, s.world.class_id, s.math, teacher, room["id"], 1, 2),  # type: ignore[arg-type]
        first["id"],
    )
    assert (moved["weekday"], moved["period"]) == (1, 2)
    with pytest.raises(InvalidInput) as bad:
        await timetable.set_entry(
            boss, sid, timetable.EntryInput(s.hk1, b["id"], s.math, teacher, None, 8, 1)
        )
    assert bad.value.code == "INVALID_TIMETABLE_ENTRY"
    assert len(await _entries(sid)) == 3


async def test_a_teacher_sees_their_week_across_schools(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    a = await ws.structure(p, await factories.school(p))
    b = await ws.structure(p, await factories.school(p))
    teacher = a.world.user_ids["teacher"]
    await tenants.grant_membership(
        p.admin, school_id=b.world.school_id, user_id=teacher, role="teacher"
    )
    for s, day in ((a, 1), (b, 3)):
        await timetable.set_entry(
            ws.as_role(s.world, "principal"),
            s.world.school_id,
            timetable.EntryInput(s.hk1, s.world.class_id, s.math, teacher, None, day, 2),  # type: ignore[arg-type]
        )
    me = Principal(
        user_id=teacher,
        school_roles={
            a.world.school_id: frozenset({Role.TEACHER}),
            b.world.school_id: frozenset({Role.TEACHER}),
        },
    )
    view = await timetable.my_week(me, school_year=ws.YEAR, term_code="HK1")
    assert [(d.weekday, d.label) for d in view.week.days] == [(1, "Thứ 2"), (3, "Thứ 4")]
    assert {r["school_id"] for r in view.rows.values()} == {a.world.school_id, b.world.school_id}
    assert view.week.periods_per_week == 2


async def test_structure_rules(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    s = await ws.structure(p, await factories.school(p))
    sid, boss = s.world.school_id, ws.as_role(s.world, "principal")
    with pytest.raises(DomainError) as not_teacher:
        await setup.assign_teacher(
            boss,
            sid,
            class_id=s.world.class_id,
            subject_id=s.math,
            term_id=s.hk1,  # type: ignore[arg-type]
            teacher_id=s.world.user_ids["accountant"],
        )
    assert not_teacher.value.code == "NOT_A_TEACHER"
    with pytest.raises(DomainError) as bad_year:
        await setup.create_class(
            boss, sid, school_year="2026-2028", name="7A", grade=7, homeroom_teacher_id=None
        )
    assert bad_year.value.code == "INVALID_SCHOOL_YEAR"
    subjects = {
        x["code"]: setup.regular_assessments(x) for x in await setup.list_subjects(boss, sid)
    }
    assert subjects == {"TOAN": 4, "NGU_VAN": 2, "GDTC": 2}
    await ws.add_students(s, 44)  # 46 in a grade-6 class: over 45, a warning, not a block
    classes = await setup.list_classes(boss, sid, ws.YEAR)
    assert classes[0]["student_count"] == 46
    assert classes[0]["size_warning"] == "46 students: over the limit of 45 for grade 6"
    primary = await setup.create_class(
        boss, sid, school_year=ws.YEAR, name="1A", grade=1, homeroom_teacher_id=None
    )
    assert setup.size_warning(primary["grade"], 36) is not None
