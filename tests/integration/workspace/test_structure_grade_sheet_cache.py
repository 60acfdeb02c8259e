"""The class grade sheet's cache: a write anywhere (this process or another) is seen on the next
read, a cached sheet never widens what a caller sees, and hits cost fewer statements than misses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from schoolhub.platform import db
from schoolhub.platform.db import DB
from schoolhub.platform.errors import PermissionDenied
from schoolhub.platform.principal import Principal, Role
from schoolhub.workspace.structure.grades import service, sheet
from tests.support import factories
from tests.support import workspace_structure as ws

D = Decimal


def _teacher(s: ws.Structure, user_id: Any) -> Principal:
    return Principal(user_id=user_id, school_roles={s.world.school_id: frozenset({Role.TEACHER})})


async def _sheet(s: ws.Structure, who: Principal | None = None) -> sheet.GradeSheetData:
    return await sheet.grade_sheet(
        who or ws.as_role(s.world, "principal"),
        s.world.school_id,
        class_id=s.world.class_id,
        term_id=s.hk1,  # type: ignore[arg-type]
    )


def _cell(data: sheet.GradeSheetData, student: Any, code: str) -> sheet.SheetCell:
    row = next(r for r in data.rows if r.student["id"] == student)
    return next(c for c in row.cells if c.subject["code"] == code)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    sheet.CACHE.clear()


async def test_a_recorded_score_is_on_the_next_sheet(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    s = await ws.structure(p, await factories.school(p))
    student, sid = s.world.student_ids[0], s.world.school_id
    teacher = _teacher(s, s.subject_teacher)  # literature: 2 TX
    first = await _sheet(s)
    assert _cell(first, student, "NGU_VAN").regular == (None, None)
    for kind, slot, value in (("TX", 1, "7"), ("TX", 2, "8"), ("GK", 1, "6"), ("CK", 1, "9")):
        a = service.Assessment(student, s.literature, s.hk1, kind, slot, D(value), None)
        await service.record_score(teacher, sid, a)
    second = await _sheet(s)
    cell = _cell(second, student, "NGU_VAN")
    assert cell.regular == ("7.0", "8.0") and (cell.midterm, cell.final) == ("6.0", "9.0")
    assert cell.outcome.average == D("7.7")
    # an overwrite (UPDATE through the upsert) and a comment are seen too
    a = service.Assessment(student, s.literature, s.hk1, "CK", 1, D("2"), None)
    await service.record_score(teacher, sid, a)
    await service.set_comment(
        teacher, sid, student_id=student, subject_id=s.literature, term_id=s.hk1, body="Cố gắng"
    )
    third = _cell(await _sheet(s), student, "NGU_VAN")
    assert third.final == "2.0" and third.comment == "Cố gắng"
    assert third.outcome.average == D("4.7")  # (7 + 8 + 2*6 + 3*2) / 7 = 33 / 7 = 4.71


async def test_a_write_from_another_process_is_seen(app: httpx.AsyncClient) -> None:
    """Another API process writes through SQL only; this process's cache must not hide it."""
    p = await factories.province()
    s = await ws.structure(p, await factories.school(p))
    student = s.world.student_ids[0]
    await ws.bulk_scores(s, s.world.student_ids, s.hk1)
    before = _cell(await _sheet(s), student, "TOAN")
    assert before.final == "7.0"
    hits = sheet.CACHE.hits
    assert _cell(await _sheet(s), student, "TOAN").final == "7.0"
    assert sheet.CACHE.hits == hits + 1  # the second read was a hit: the cache is in play
    async with db.tenant(s.world.school_id):
        await db.execute(
            "UPDATE workspace_score SET score = 9 WHERE student_id = $1 AND subject_id = $2"
            " AND term_id = $3 AND kind = 'CK'",
            student,
            s.math,
            s.hk1,
        )
    assert _cell(await _sheet(s), student, "TOAN").final == "9.0"
    async with db.tenant(s.world.school_id):
        await db.execute(
            "DELETE FROM workspace_score WHERE student_id = $1 AND subject_id = $2"
            " AND term_id = $3 AND kind = 'CK'",
            student,
            s.math,
            s.hk1,
        )
    after = _cell(await _sheet(s), student, "TOAN")
    assert after.final is None and after.outcome.missing == ("CK",)


async def test_a_rolled_back_write_changes_nothing(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    s = await ws.structure(p, await factories.school(p))
    await ws.bulk_scores(s, s.world.student_ids, s.hk1)
    student = s.world.student_ids[0]
    assert _cell(await _sheet(s), student, "TOAN").final == "7.0"

    async def write_then_fail() -> None:
        async with db.tenant(s.world.school_id):
            await db.execute(
                "UPDATE workspace_score SET score = 1 WHERE student_id = $1 AND subject_id = $2"
                " AND kind = 'CK'",
                student,
                s.math,
            )
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        await write_then_fail()
    assert _cell(await _sheet(s), student, "TOAN").final == "7.0"


async def test_a_cached_sheet_never_widens_what_a_teacher_sees(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    s = await ws.structure(p, await factories.school(p))
    await ws.bulk_scores(s, s.world.student_ids, s.hk1)
    everything = await _sheet(s)  # the principal fills the cache with every subject
    assert {x["code"] for x in everything.subjects} == {"GDTC", "NGU_VAN", "TOAN"}
    mine = await _sheet(s, _teacher(s, s.subject_teacher))  # served from the cache
    assert [x["code"] for x in mine.subjects] == ["GDTC", "NGU_VAN"]
    assert all(len(r.cells) == 2 for r in mine.rows)
    assert {c.subject["code"] for r in mine.rows for c in r.cells} == {"GDTC", "NGU_VAN"}
    with pytest.raises(PermissionDenied):
        await _sheet(s, _teacher(s, s.other_teacher))


async def test_schools_never_share_entries(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    a = await ws.structure(p, await factories.school(p))
    b = await ws.structure(p, await factories.school(p))
    await ws.bulk_scores(a, a.world.student_ids, a.hk1)
    sheet_a = await _sheet(a)
    sheet_b = await _sheet(b)
    assert {r.student["id"] for r in sheet_a.rows}.isdisjoint(
        {r.student["id"] for r in sheet_b.rows}
    )
    assert all(c.final is None for r in sheet_b.rows for c in r.cells)
    # b's writes bump b's generation only
    async with db.tenant(a.world.school_id):
        gen_a = await db.fetchrow("SELECT generation FROM workspace_grade_generation")
    await ws.bulk_scores(b, b.world.student_ids, b.hk1)
    async with db.tenant(a.world.school_id):
        assert await db.fetchrow("SELECT generation FROM workspace_grade_generation") == gen_a
        # RLS: a's transaction sees a's generation row only
        assert len(await db.fetch("SELECT * FROM workspace_grade_generation")) == 1


async def test_hits_cost_fewer_statements_than_misses(app: httpx.AsyncClient) -> None:
    p = await factories.province()
    s = await ws.structure(p, await factories.school(p))
    await ws.bulk_scores(s, s.world.student_ids, s.hk1)
    before = DB.query_count
    await _sheet(s)
    miss = DB.query_count - before
    before = DB.query_count
    await _sheet(s)
    hit = DB.query_count - before
    # each includes the tenant's set_config; a hit skips terms, scores and comments
    assert (miss, hit) == (7, 4)
