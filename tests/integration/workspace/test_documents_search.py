"""Diacritic-insensitive search over a school's official documents (issue: workspace, search)."""

from __future__ import annotations

from typing import Any

import pytest

from schoolhub.graphql import ids
from schoolhub.platform.principal import Principal, Role
from schoolhub.workspace.attendance.service import today
from schoolhub.workspace.documents import service as documents
from tests.support import factories
from tests.support.gql import GraphQLClient

SEARCH = (
    "query($s: ID!, $q: String) { documents(schoolId: $s, query: $q) { number subject sender } }"
)


def _p(world: factories.SchoolWorld, role: str) -> Principal:
    return Principal(
        user_id=world.user_ids[role], school_roles={world.school_id: frozenset({Role(role)})}
    )


async def _doc(world: factories.SchoolWorld, number: str, sender: str, subject: str) -> Any:
    return await documents.create_document(
        _p(world, "principal"),
        world.school_id,
        "incoming",
        documents.DocumentInput(number, today(), sender, subject, None, []),
    )


async def test_search_folds_diacritics_ranks_exact_first_and_stays_in_school(
    gql: GraphQLClient,
) -> None:
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    await _doc(a, "12/SGDĐT", "Sở GD&ĐT Quảng Trị", "Kế hoạch kiểm tra học kỳ I")
    await _doc(a, "15/PGD", "Phòng GD Đông Hà", "Lịch họp giao ban tháng 12")
    await _doc(a, "20/UBND", "UBND huyện", "Dong gop quy khuyen hoc")  # typed without diacritics
    await _doc(b, "99/B", "Phòng GD Đông Hà", "Đông Hà: văn bản của trường B")
    school = ids.encode("School", a.school_id)
    token = await gql.token(a.logins["principal"])

    async def search(q: str) -> list[str]:
        data = await gql.ok(SEARCH, {"s": school, "q": q}, token)
        return [d["number"] for d in data["documents"]]

    assert await search("ke hoach") == ["12/SGDĐT"]
    assert await search("KẾ HOẠCH kiểm") == ["12/SGDĐT"]
    assert await search("quang tri") == ["12/SGDĐT"]  # the sender
    assert await search("sgddt") == ["12/SGDĐT"]  # the number, đ folded to d
    # "Đông" as typed: the exact-diacritic match first, the folded one ("Dong") after
    assert await search("Đông") == ["15/PGD", "20/UBND"]
    assert await search("dong") == ["20/UBND", "15/PGD"]  # and the other way round
    assert await search("truong B") == []  # school B's document never shows
    everything = await gql.ok(SEARCH, {"s": school, "q": None}, token)
    assert len(everything["documents"]) == 3


@pytest.mark.parametrize("query", ["", "   ", "!!!", "x" * 101])
async def test_bad_queries_are_coded(gql: GraphQLClient, query: str) -> None:
    p = await factories.province()
    a = await factories.school(p)
    body = await gql.raw(
        SEARCH,
        {"s": ids.encode("School", a.school_id), "q": query},
        await gql.token(a.logins["principal"]),
    )
    assert body.get("data") is None or body["data"]["documents"] is None, body
    assert body["errors"][0]["extensions"]["code"] == "INVALID_SEARCH_QUERY", body


async def test_a_teacher_finds_only_documents_assigned_to_them(gql: GraphQLClient) -> None:
    p = await factories.province()
    a = await factories.school(p)
    mine = await _doc(a, "1/X", "Sở", "Báo cáo chuyên môn")
    await _doc(a, "2/X", "Sở", "Báo cáo tài chính")
    await documents.assign_task(_p(a, "principal"), a.school_id, mine["id"], a.user_ids["teacher"])
    data = await gql.ok(
        SEARCH,
        {"s": ids.encode("School", a.school_id), "q": "bao cao"},
        await gql.token(a.logins["teacher"]),
    )
    assert [d["number"] for d in data["documents"]] == ["1/X"]
