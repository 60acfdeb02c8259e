"""Tenant-isolation attack suite (RELIABILITY.md §3.4).

Two mirrored schools A (victim) and B (attacker) in different districts. Every role of B, plus B's
district admin, runs every query and mutation of the schema against A's objects. Pass criterion:
no object of A comes back, and A's rows are byte-for-byte unchanged. ``COVERED`` must name every
operation of the schema: adding an operation without an isolation case fails this suite.
Later domains extend ``ATTACKS`` with their own operations.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from schoolhub.graphql import ids
from schoolhub.graphql.schema import build_schema
from schoolhub.platform import db
from tests.support import factories
from tests.support.gql import GraphQLClient

ATTACKER_ROLES = [
    "principal",
    "vice_principal",
    "teacher",
    "accountant",
    "staff",
    "guardian",
    "student",
    "district_admin",
]

# Operations that carry no tenant data and take no tenant id (sign-in): not attackable cross-school.
NOT_TENANT_SCOPED = {
    "login": "credentials of the caller only",
    "refreshToken": "opaque token of the caller only",
    "logout": "ends the caller's own session",
    "requestPhoneCode": "the caller's phone; same answer for every number",
    "loginWithPhoneCode": "the caller's phone and code",
    "loginWithFirebase": "the caller's Firebase token",
    "orgUnits": "the organisation tree is public information",
}

Attack = Callable[[GraphQLClient, str, factories.SchoolWorld, dict[str, Any]], Awaitable[None]]
ATTACKS: dict[str, Attack] = {}


def attack(name: str) -> Callable[[Attack], Attack]:
    def register(fn: Attack) -> Attack:
        ATTACKS[name] = fn
        return fn

    return register


def _nothing(data: dict[str, Any], key: str, payload_key: str) -> None:
    result = data[key]
    assert result[payload_key] is None, result
    assert result["errors"], result
    assert result["errors"][0]["code"] in {"NOT_FOUND", "FORBIDDEN"}, result


@attack("node")
async def _node(
    gql: GraphQLClient, token: str, victim: factories.SchoolWorld, ctx: dict[str, Any]
) -> None:
    for gid in ctx["victim_ids"]:
        data = await gql.ok("query($id: ID!) { node(id: $id) { id } }", {"id": gid}, token)
        assert data["node"] is None, gid


@attack("nodes")
async def _nodes(
    gql: GraphQLClient, token: str, victim: factories.SchoolWorld, ctx: dict[str, Any]
) -> None:
    data = await gql.ok(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ctx["victim_ids"]}, token
    )
    assert data["nodes"] == [None] * len(ctx["victim_ids"])


@attack("me")
async def _me(
    gql: GraphQLClient, token: str, victim: factories.SchoolWorld, ctx: dict[str, Any]
) -> None:
    data = await gql.ok("{ me { memberships { school { id code } } } }", token=token)
    codes = {m["school"]["code"] for m in data["me"]["memberships"] if m["school"]}
    assert victim.code not in codes


@attack("schools")
async def _schools(
    gql: GraphQLClient, token: str, victim: factories.SchoolWorld, ctx: dict[str, Any]
) -> None:
    body = await gql.raw(
        "{ schools(first: 100) { edges { node { code members { id } } } } }", token=token
    )
    assert victim.code not in {e["node"]["code"] for e in body["data"]["schools"]["edges"]}
    by_district = await gql.raw(
        "query($o: ID!) { schools(first: 100, orgUnitId: $o) { edges { node { code } } } }",
        {"o": ids.encode("OrgUnit", victim.district_id)},
        token,
    )
    edges = (by_district.get("data") or {}).get("schools", {}).get("edges", [])
    assert victim.code not in {e["node"]["code"] for e in edges}


@attack("grantMembership")
async def _grant(
    gql: GraphQLClient, token: str, victim: factories.SchoolWorld, ctx: dict[str, Any]
) -> None:
    for role in ("TEACHER", "GUARDIAN", "PRINCIPAL"):
        data = await gql.ok(
            "mutation($s: ID!, $u: ID!, $r: Role!) { grantMembership(schoolId: $s, userId: $u, role: $r)"
            " { membership { id } errors { code } } }",
            {"s": ctx["victim_school"], "u": ctx["attacker_user"], "r": role},
            token,
        )
        _nothing(data, "grantMembership", "membership")


@attack("revokeMembership")
async def _revoke(
    gql: GraphQLClient, token: str, victim: factories.SchoolWorld, ctx: dict[str, Any]
) -> None:
    for school in (ctx["victim_school"], ctx["attacker_school"]):
        data = await gql.ok(
            "mutation($s: ID!, $m: ID!) { revokeMembership(schoolId: $s, membershipId: $m)"
            " { membership { id } errors { code } } }",
            {"s": school, "m": ctx["victim_membership"]},
            token,
        )
        _nothing(data, "revokeMembership", "membership")


@attack("moveSchool")
async def _move(
    gql: GraphQLClient, token: str, victim: factories.SchoolWorld, ctx: dict[str, Any]
) -> None:
    data = await gql.ok(
        "mutation($s: ID!, $o: ID!) { moveSchool(schoolId: $s, orgUnitId: $o) { school { id } errors { code } } }",
        {"s": ctx["victim_school"], "o": ctx["attacker_district"]},
        token,
    )
    _nothing(data, "moveSchool", "school")


@attack("provisionSchool")
async def _provision(
    gql: GraphQLClient, token: str, victim: factories.SchoolWorld, ctx: dict[str, Any]
) -> None:
    data = await gql.ok(
        "mutation($i: ProvisionSchoolInput!) { provisionSchool(input: $i) { school { id } errors { code } } }",
        {
            "i": {
                "code": "EVIL1",
                "name": "x",
                "level": "PRIMARY",
                "ownership": "PUBLIC",
                "orgUnitId": ids.encode("OrgUnit", victim.district_id),
            }
        },
        token,
    )
    _nothing(data, "provisionSchool", "school")


@attack("createOrgUnit")
async def _org(
    gql: GraphQLClient, token: str, victim: factories.SchoolWorld, ctx: dict[str, Any]
) -> None:
    data = await gql.ok(
        'mutation($p: ID!) { createOrgUnit(kind: COMMUNE, code: "EVILX", name: "x", parentId: $p)'
        " { orgUnit { id } errors { code } } }",
        {"p": ids.encode("OrgUnit", victim.district_id)},
        token,
    )
    _nothing(data, "createOrgUnit", "orgUnit")


@attack("appointOfficeAdmin")
async def _appoint(
    gql: GraphQLClient, token: str, victim: factories.SchoolWorld, ctx: dict[str, Any]
) -> None:
    data = await gql.ok(
        "mutation($o: ID!, $u: ID!) { appointOfficeAdmin(orgUnitId: $o, userId: $u, role: DISTRICT_ADMIN)"
        " { ok errors { code } } }",
        {"o": ids.encode("OrgUnit", victim.district_id), "u": ctx["attacker_user"]},
        token,
    )
    assert data["appointOfficeAdmin"]["ok"] is False


@attack("createUser")
async def _create_user(
    gql: GraphQLClient, token: str, victim: factories.SchoolWorld, ctx: dict[str, Any]
) -> None:
    """A principal may create accounts, but they belong to no school until granted a role there."""
    data = await gql.ok(
        'mutation($l: String!) { createUser(login: $l, fullName: "Kẻ lạ") { user { id } errors { code } } }',
        {"l": f"intruder{factories.n()}"},
        token,
    )
    result = data["createUser"]
    if ctx["role"] == "principal":
        assert result["errors"] == []
    else:
        assert result["user"] is None and result["errors"][0]["code"] == "FORBIDDEN"


async def _snapshot(database: str, school_id: Any) -> str:
    conn = await asyncpg.connect(database)
    try:
        parts = []
        for table in (
            "tenants_membership",
            "workspace_class",
            "workspace_student",
            "workspace_guardian_link",
            "school_audit_log",
            "platform_outbox",
        ):
            rows = await conn.fetch(
                f"SELECT * FROM {table} WHERE school_id = $1 ORDER BY id", school_id
            )
            parts.append(json.dumps([dict(r) for r in rows], default=str, sort_keys=True))
        school = await conn.fetchrow("SELECT * FROM tenants_school WHERE id = $1", school_id)
        parts.append(json.dumps(dict(school or {}), default=str, sort_keys=True))
        units = await conn.fetchval("SELECT count(*) FROM tenants_org_unit")
        parts.append(str(units))
    finally:
        await conn.close()
    return "\n".join(parts)


def _covered_elsewhere() -> set[str]:
    """Operations covered by other isolation modules: each declares ``ISOLATION_COVERS``
    (operation name -> the test that attacks it). Domains add ``tests/isolation/test_<domain>.py``."""
    import importlib
    from pathlib import Path

    covered: set[str] = set()
    modules = ["tests.graphql.test_subscriptions"] + [
        f"tests.isolation.{p.stem}"
        for p in Path(__file__).parent.glob("test_*.py")
        if p.stem != "test_isolation"
    ]
    for name in modules:
        covered |= set(getattr(importlib.import_module(name), "ISOLATION_COVERS", {}))
    return covered


def test_every_operation_is_covered() -> None:
    schema = build_schema(production=False)
    fields: set[str] = set()
    for root in ("Query", "Mutation", "Subscription"):
        type_def = schema.get_type_by_name(root)
        assert type_def is not None
        fields |= {f.graphql_name or f.python_name for f in type_def.fields}  # type: ignore[attr-defined]
    covered = set(ATTACKS) | set(NOT_TENANT_SCOPED) | _covered_elsewhere()
    camel = {
        "".join(w if i == 0 else w.title() for i, w in enumerate(f.split("_"))) for f in fields
    }
    assert camel - covered == set()


@pytest.mark.parametrize("role", ATTACKER_ROLES)
async def test_other_school_gets_nothing(gql: GraphQLClient, database: str, role: str) -> None:
    p = await factories.province()
    victim = await factories.school(p, tag="A")
    attacker = await factories.school(p, tag="B")
    async with db.tenant(victim.school_id):
        membership = await db.fetchrow(
            "SELECT id FROM tenants_membership WHERE user_id = $1", victim.user_ids["principal"]
        )
    assert membership is not None
    ctx = {
        "role": role,
        "victim_school": ids.encode("School", victim.school_id),
        "attacker_school": ids.encode("School", attacker.school_id),
        "attacker_district": ids.encode("OrgUnit", attacker.district_id),
        "attacker_user": ids.encode("User", attacker.user_ids[role]),
        "victim_membership": ids.encode("Membership", membership["id"]),
        "victim_ids": [ids.encode("School", victim.school_id)]
        + [ids.encode("User", u) for u in victim.user_ids.values()],
    }
    before = await _snapshot(database, victim.school_id)
    token = await gql.token(attacker.logins[role])
    for name, run in ATTACKS.items():
        try:
            await run(gql, token, victim, ctx)
        except AssertionError as exc:
            raise AssertionError(f"{role} -> {name}: {exc}") from exc
    assert await _snapshot(database, victim.school_id) == before
