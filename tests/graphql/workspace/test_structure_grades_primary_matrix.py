"""Authorization matrix of every primary (TT27) grades operation: anonymous, another school, the
guardian of another child, a teacher with nothing to do with the class, and the allowed role.
Denied callers get no data and change nothing (the grades tables are compared row for row); plus
the coded errors over GraphQL and the học bạ of a primary student through ``studentRecord``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import factories
from tests.support import workspace_primary as wp
from tests.support import workspace_structure as ws
from tests.support.gql import GraphQLClient, error_codes

OPS = {op.name: op for op in wp.ops()}
DENIED = {"FORBIDDEN", "NOT_FOUND"}


def _denied(op: ws.Op, body: dict[str, Any], who: str) -> None:
    if op.payload is None:
        assert body.get("data") is None, (who, body)
        assert set(error_codes(body)) <= DENIED and error_codes(body), (who, body)
        return
    result = body["data"][op.name]
    assert result[op.payload] is None, (who, result)
    assert result["errors"] and result["errors"][0]["code"] in DENIED, (who, result)


def _allowed(op: ws.Op, body: dict[str, Any], who: str) -> None:
    assert not body.get("errors"), (who, body)
    result = body["data"][op.name]
    if op.payload is not None:
        assert result["errors"] == [], (who, result)
        assert result[op.payload] not in (None, False, []), (who, result)


@pytest.mark.parametrize("name", sorted(OPS))
async def test_matrix(gql: GraphQLClient, database: str, name: str) -> None:
    op = OPS[name]
    p = await factories.province()
    arena = await wp.primary_arena(p)
    variables = op.variables(arena)
    school_id = arena.a.world.school_id
    before = await wp.snapshot(database, school_id)

    anonymous = await gql.raw(op.doc, variables)
    assert error_codes(anonymous) == ["UNAUTHENTICATED"] and anonymous.get("data") is None

    for who in ("other_school", "guardian_other", "teacher_unassigned", "subject_teacher"):
        if who == op.allowed:
            continue
        body = await gql.raw(op.doc, variables, await gql.token(wp.login_of(arena, who)))
        if who in op.also:
            _allowed(op, body, who)
        else:
            _denied(op, body, who)
    assert await wp.snapshot(database, school_id) == before, name

    body = await gql.raw(op.doc, variables, await gql.token(wp.login_of(arena, op.allowed)))
    _allowed(op, body, op.allowed)
    if op.payload is not None:
        assert await wp.snapshot(database, school_id) != before, name


async def test_sheet_and_record_show_the_entries(gql: GraphQLClient) -> None:
    p = await factories.province()
    arena = await wp.primary_arena(p)
    boss = await gql.token(wp.login_of(arena, "principal"))
    sheet = (
        await gql.ok(OPS["primaryGradeSheet"].doc, OPS["primaryGradeSheet"].variables(arena), boss)
    )["primaryGradeSheet"]
    first = next(
        r
        for r in sheet["rows"]
        if r["studentId"] == arena.a.gid("Student", arena.pr.student_ids[0])
    )
    assert {
        "level": "H",
        "testScore": 6,
        "subjectId": arena.a.gid("Subject", arena.pr.subjects["TOAN"]),
    } in first["cells"]
    guardian = await gql.token(wp.login_of(arena, "guardian"))
    record = (
        await gql.ok(OPS["studentRecord"].doc, OPS["studentRecord"].variables(arena), guardian)
    )["studentRecord"]
    ck1 = next(x for x in record["primary"]["periods"] if x["period"] == "CK1")
    assert {"level": "H", "testScore": 6} in ck1["cells"]
    # A secondary (TT22) student's record has no primary part.
    secondary = await gql.ok(
        OPS["studentRecord"].doc,
        {"s": arena.a.school, "st": arena.a.gid("Student", arena.a.world.student_ids[0])},
        guardian,
    )
    assert secondary["studentRecord"]["primary"] is None


async def test_bad_values_over_graphql_are_coded(gql: GraphQLClient, database: str) -> None:
    p = await factories.province()
    arena = await wp.primary_arena(p)
    token = await gql.token(wp.login_of(arena, "teacher"))
    before = await wp.snapshot(database, arena.a.world.school_id)
    op = OPS["recordPrimaryAssessment"]
    base = op.variables(arena)
    cases = [
        ({"testScore": "10.5"}, "SCORE_PRECISION"),
        ({"testScore": "7.5"}, "SCORE_PRECISION"),
        ({"testScore": "11"}, "SCORE_OUT_OF_RANGE"),
        ({"subjectId": arena.a.gid("Subject", arena.pr.subjects["DAO_DUC"])}, "NO_PERIODIC_TEST"),
        ({"period": "CK1"}, "GRADES_LOCKED"),  # HK1 is locked in the arena
    ]
    for change, code in cases:
        variables = {**base, "i": {**base["i"], **change}}
        result = (await gql.ok(op.doc, variables, token))["recordPrimaryAssessment"]
        assert result == {"assessment": None, "errors": [{"code": code}]}, change
    body = await gql.raw(op.doc, {**base, "i": {**base["i"], "level": "A"}}, token)
    assert body.get("data") is None and error_codes(body)  # not a level: refused by the schema
    assert await wp.snapshot(database, arena.a.world.school_id) == before
