"""Authorization matrix of every structure/timetable/grades operation: anonymous, another school,
the guardian of another child, a teacher not assigned to the class, and the allowed role. Denied
callers get no data and change nothing (the area's tables are compared row for row)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import factories
from tests.support import workspace_structure as ws
from tests.support.gql import GraphQLClient, error_codes

OPS = {op.name: op for op in ws.ops()}
DENIED = {"FORBIDDEN", "NOT_FOUND"}


def _denied(op: ws.Op, body: dict[str, Any], who: str) -> None:
    if op.payload is None:
        assert body.get("data") is None, (who, body)
        assert set(error_codes(body)) <= DENIED and error_codes(body), (who, body)
        return
    result = body["data"][op.name]
    if op.payload == "ok":
        assert result["ok"] is False, (who, result)
    else:
        assert result[op.payload] is None, (who, result)
    assert result["errors"] and result["errors"][0]["code"] in DENIED, (who, result)


def _allowed(op: ws.Op, body: dict[str, Any], who: str) -> None:
    assert not body.get("errors"), (who, body)
    result = body["data"][op.name]
    if op.payload is not None:
        assert result["errors"] == [], (who, result)
        assert result[op.payload] not in (None, False), (who, result)


@pytest.mark.parametrize("name", sorted(OPS))
async def test_matrix(gql: GraphQLClient, database: str, name: str) -> None:
    op = OPS[name]
    p = await factories.province()
    arena = await ws.arena(p)
    variables = op.variables(arena)
    school_id = arena.a.world.school_id
    before = await ws.snapshot(database, school_id)

    anonymous = await gql.raw(op.doc, variables)
    assert error_codes(anonymous) == ["UNAUTHENTICATED"] and anonymous.get("data") is None

    for who in ("other_school", "guardian_other", "teacher_unassigned"):
        body = await gql.raw(op.doc, variables, await gql.token(ws.login_of(arena, who)))
        if who in op.also:
            _allowed(op, body, who)
        else:
            _denied(op, body, who)
    assert await ws.snapshot(database, school_id) == before, name

    body = await gql.raw(op.doc, variables, await gql.token(ws.login_of(arena, op.allowed)))
    _allowed(op, body, op.allowed)
    if op.payload is not None:
        assert await ws.snapshot(database, school_id) != before, name


async def test_my_teaching_week_shows_only_the_callers_lessons(gql: GraphQLClient) -> None:
    p = await factories.province()
    arena = await ws.arena(p)
    assert error_codes(await gql.raw(ws.MY_WEEK)) == ["UNAUTHENTICATED"]
    for who in ("other_school", "guardian_other", "teacher_unassigned", "subject_teacher"):
        data = await gql.ok(ws.MY_WEEK, token=await gql.token(ws.login_of(arena, who)))
        assert data["myTeachingWeek"] == {"periodsPerWeek": 0, "days": []}, who
    data = await gql.ok(ws.MY_WEEK, token=await gql.token(ws.login_of(arena, "teacher")))
    week = data["myTeachingWeek"]
    assert week["periodsPerWeek"] == 1
    assert week["days"][0]["weekday"] == 2
    assert week["days"][0]["entries"][0]["className"] == "6A"


async def test_clash_comes_back_coded_with_the_entries(gql: GraphQLClient, database: str) -> None:
    p = await factories.province()
    arena = await ws.arena(p)
    token = await gql.token(ws.login_of(arena, "principal"))
    before = await ws.snapshot(database, arena.a.world.school_id)
    body = await gql.ok(
        "mutation($s: ID!, $i: TimetableEntryInput!) { setTimetableEntry(schoolId: $s, input: $i)"
        " { entry { id } clashes { kind firstEntryId resourceId } errors { code message } } }",
        {
            "s": arena.a.school,
            "i": {
                "termId": arena.a.gid("Term", arena.a.hk1),
                "classId": arena.a.gid("SchoolClass", arena.other_class),
                "subjectId": arena.a.gid("Subject", arena.a.math),
                "teacherId": arena.a.gid("User", arena.a.world.user_ids["teacher"]),
                "weekday": 2,
                "period": 3,
            },
        },
        token,
    )
    result = body["setTimetableEntry"]
    assert result["entry"] is None
    assert result["errors"][0]["code"] == "TIMETABLE_CLASH"
    assert result["clashes"] == [
        {
            "kind": "teacher_double_booked",
            "firstEntryId": arena.a.gid("TimetableEntry", arena.entry_id),
            "resourceId": arena.a.gid("User", arena.a.world.user_ids["teacher"]),
        }
    ]
    assert str(arena.entry_id) in result["errors"][0]["message"]
    assert await ws.snapshot(database, arena.a.world.school_id) == before


async def test_out_of_range_score_over_graphql(gql: GraphQLClient, database: str) -> None:
    p = await factories.province()
    arena = await ws.arena(p)
    token = await gql.token(ws.login_of(arena, "teacher"))
    before = await ws.snapshot(database, arena.a.world.school_id)
    op = OPS["recordScore"]
    for value, code in (("11", "SCORE_OUT_OF_RANGE"), ("7.25", "SCORE_PRECISION")):
        variables = {"s": arena.a.school, "i": ws._score_input(arena, arena.a.hk1, "CK", value)}
        result = (await gql.ok(op.doc, variables, token))["recordScore"]
        assert result == {"score": None, "errors": [{"code": code}]}
    assert await ws.snapshot(database, arena.a.world.school_id) == before
