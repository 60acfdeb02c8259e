"""Diacritic-insensitive Vietnamese search over a school's students and staff."""

from __future__ import annotations

import httpx
import pytest

from schoolhub.platform import db, vntext
from schoolhub.platform.errors import InvalidInput
from schoolhub.platform.principal import Role
from schoolhub.workspace import repository as ws_repo
from schoolhub.workspace.people import search
from schoolhub.workspace.people.errors import WorkspacePeopleErrorCode
from tests.support import factories
from tests.support import workspace_people as wp

NAMES = [
    "Nguyễn Văn An",
    "Nguyen Thi Binh",  # typed without diacritics in some old export
    "Trần Đông",
    "Lê Dòng",
    "Phạm Dong Ha",
    "Hoàng Thị Đông Hà",
]


async def _world() -> tuple[factories.SchoolWorld, object]:
    p = await factories.province()
    world = await factories.school(p)
    async with db.tenant(world.school_id):
        for i, name in enumerate(NAMES):
            await ws_repo.insert_student(
                world.school_id, f"S{i}", name, None, "unknown", world.class_id
            )
    principal = wp.manager(world.school_id, world.user_ids["principal"])
    return world, principal


async def _names(world: factories.SchoolWorld, principal: object, q: str) -> list[str]:
    hits = await search.search_people(principal, world.school_id, q)  # type: ignore[arg-type]
    return [h["full_name"] for h in hits]


async def test_sql_fold_matches_python_fold(app: httpx.AsyncClient) -> None:
    samples = [*NAMES, "  ĐẶNG   Thị  Ánh  ", "Hoà", "Hòa", "Nguye\u0302\u0303n"]
    async with db.system():
        rows = await db.fetch("SELECT s, vn_fold(s) AS f FROM unnest($1::text[]) AS s", samples)
    assert {r["s"]: r["f"] for r in rows} == {s: vntext.fold(s) for s in samples}


async def test_nguyen_finds_nguyen_with_diacritics_exact_first(app: httpx.AsyncClient) -> None:
    world, principal = await _world()
    assert await _names(world, principal, "nguyen") == ["Nguyen Thi Binh", "Nguyễn Văn An"]
    # Typed with the diacritics: the exact match ranks first, the folded one still shows.
    assert await _names(world, principal, "Nguyễn") == ["Nguyễn Văn An", "Nguyen Thi Binh"]
    assert await _names(world, principal, "NGUYỄN văn") == ["Nguyễn Văn An"]


async def test_dong_and_d_stroke(app: httpx.AsyncClient) -> None:
    world, principal = await _world()
    folded = await _names(world, principal, "dong")
    assert set(folded) == {"Trần Đông", "Lê Dòng", "Phạm Dong Ha", "Hoàng Thị Đông Hà"}
    ranked = await _names(world, principal, "Đông")
    assert set(ranked[:2]) == {"Trần Đông", "Hoàng Thị Đông Hà"}  # exact diacritics first
    assert set(ranked[2:]) == {"Lê Dòng", "Phạm Dong Ha"}
    assert await _names(world, principal, "dong ha") == ["Phạm Dong Ha", "Hoàng Thị Đông Hà"]


async def test_staff_are_found_and_teachers_see_only_their_class(app: httpx.AsyncClient) -> None:
    world, principal = await _world()
    async with db.system():
        await db.execute(
            "UPDATE identity_user SET full_name = 'Võ Thị Lựu' WHERE id = $1",
            world.user_ids["teacher"],
        )
    hits = await search.search_people(principal, world.school_id, "vo thi luu")  # type: ignore[arg-type]
    assert [(h["kind"], h["full_name"], h["detail"]) for h in hits] == [
        ("staff", "Võ Thị Lựu", "teacher")
    ]
    # A teacher who is not this class's homeroom teacher finds staff, never its students.
    other = await factories.user(full_name="Giáo viên khác")
    async with db.tenant(world.school_id):
        await db.execute(
            "INSERT INTO tenants_membership (school_id, user_id, role) VALUES ($1, $2, 'teacher')",
            world.school_id,
            other,
        )
    teacher = wp.manager(world.school_id, other, Role.TEACHER)
    assert {h["kind"] for h in await search.search_people(teacher, world.school_id, "luu")} == {
        "staff"
    }


@pytest.mark.parametrize("query", ["", "  ", "!!!", "x" * 101])
async def test_bad_queries_are_coded(app: httpx.AsyncClient, query: str) -> None:
    world, principal = await _world()
    with pytest.raises(InvalidInput) as caught:
        await search.search_people(principal, world.school_id, query)  # type: ignore[arg-type]
    assert caught.value.code == WorkspacePeopleErrorCode.INVALID_SEARCH_QUERY
