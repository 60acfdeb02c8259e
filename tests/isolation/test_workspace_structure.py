"""Tenant isolation of school structure, timetable, grades and records (RELIABILITY.md §3.4).

Every role of school B runs every operation of this area against school A's objects, twice: naming
school A (the caller is not a member: NOT_FOUND), and naming its own school B with A's object ids
(row-level security hides them: NOT_FOUND). Nothing of A comes back; A's rows are unchanged.
"""

from __future__ import annotations

import json

import pytest

from tests.support import factories
from tests.support import workspace_primary as wp
from tests.support import workspace_structure as ws
from tests.support.gql import GraphQLClient

ISOLATION_COVERS = (
    {op.name: "test_other_school_gets_nothing" for op in ws.ops()}
    | {"myTeachingWeek": "test_other_school_gets_nothing"}
    | {op.name: "test_other_school_gets_nothing_primary" for op in wp.ops()}
)

ROLES = ["principal", "vice_principal", "teacher", "guardian", "student", "district_admin"]


@pytest.mark.parametrize("role", ROLES)
async def test_other_school_gets_nothing(gql: GraphQLClient, database: str, role: str) -> None:
    p = await factories.province()
    arena = await ws.arena(p)
    a = arena.a
    assert a.world.class_id is not None
    secrets = {
        a.school,
        a.gid("SchoolClass", a.world.class_id),
        a.gid("Term", a.hk1),
        a.gid("Term", a.hk2),
        a.gid("Subject", a.math),
        a.gid("TimetableEntry", arena.entry_id),
        a.gid("CorrectionRequest", arena.request_id),
        *(a.gid("Student", s) for s in a.world.student_ids),
        a.world.code,
    }
    before = await ws.snapshot(database, a.world.school_id)
    token = await gql.token(arena.b.logins[role])
    own_school = a.gid("School", arena.b.school_id)
    for op in ws.ops():
        variables = op.variables(arena)
        body = await gql.raw(op.doc, variables, token)
        text = json.dumps(body)
        assert not any(s in text for s in secrets - {a.school}), (role, op.name, body)
        if op.payload is None:
            assert body.get("data") is None, (role, op.name, body)
        else:
            result = body["data"][op.name]
            assert result["errors"][0]["code"] in {"NOT_FOUND", "FORBIDDEN"}, (role, op.name)
        if set(variables) - {"s"}:  # A's object ids under B's own school id
            body = await gql.raw(op.doc, {**variables, "s": own_school}, token)
            assert not any(s in json.dumps(body) for s in secrets), (role, op.name, body)
    week = await gql.ok(ws.MY_WEEK, token=token)
    assert week["myTeachingWeek"]["periodsPerWeek"] == 0
    assert await ws.snapshot(database, a.world.school_id) == before


@pytest.mark.parametrize("role", ROLES)
async def test_other_school_gets_nothing_primary(
    gql: GraphQLClient, database: str, role: str
) -> None:
    """The same attack on the primary (TT27) operations and a primary student's học bạ."""
    p = await factories.province()
    arena = await wp.primary_arena(p)
    a = arena.a
    secrets = wp.secrets(arena)
    before = await wp.snapshot(database, a.world.school_id)
    token = await gql.token(arena.b.logins[role])
    own_school = a.gid("School", arena.b.school_id)
    for op in wp.ops():
        variables = op.variables(arena)
        body = await gql.raw(op.doc, variables, token)
        assert not any(s in json.dumps(body) for s in secrets), (role, op.name, body)
        if op.payload is None:
            assert body.get("data") is None, (role, op.name, body)
        else:
            result = body["data"][op.name]
            assert result[op.payload] is None, (role, op.name)
            assert result["errors"][0]["code"] in {"NOT_FOUND", "FORBIDDEN"}, (role, op.name)
        if set(variables) - {"s"}:  # A's object ids under B's own school id
            body = await gql.raw(op.doc, {**variables, "s": own_school}, token)
            assert not any(s in json.dumps(body) for s in secrets), (role, op.name, body)
            if op.payload is not None:
                result = body["data"][op.name]
                assert result[op.payload] is None, (role, op.name, body)
    assert await wp.snapshot(database, a.world.school_id) == before
