"""Authorization matrix of the organisation operations: who may, who may not, nothing changes."""

from __future__ import annotations

import pytest

from schoolhub.graphql import ids
from schoolhub.platform import db
from tests.support import factories
from tests.support.gql import GraphQLClient

GRANT = (
    "mutation($s: ID!, $u: ID!, $r: Role!) { grantMembership(schoolId: $s, userId: $u, role: $r)"
    " { membership { role } errors { code } } }"
)
SCHOOLS = "{ schools(first: 100) { edges { node { code } } } }"


async def _live_roles(school_id: object, user_id: object) -> set[str]:
    async with db.tenant(school_id):  # type: ignore[arg-type]
        rows = await db.fetch(
            "SELECT role FROM tenants_membership WHERE user_id = $1 AND revoked_at IS NULL", user_id
        )
    return {r["role"] for r in rows}


@pytest.mark.parametrize(
    ("actor", "role", "allowed"),
    [
        ("department_admin", "PRINCIPAL", True),
        ("department_admin", "TEACHER", True),
        ("principal", "TEACHER", True),
        ("principal", "GUARDIAN", True),
        ("principal", "PRINCIPAL", False),
        ("principal", "VICE_PRINCIPAL", False),
        ("vice_principal", "TEACHER", False),
        ("teacher", "TEACHER", False),
        ("accountant", "STAFF", False),
        ("guardian", "GUARDIAN", False),
        ("student", "STUDENT", False),
        ("district_admin", "TEACHER", False),
        ("anonymous", "TEACHER", False),
    ],
)
async def test_grant_membership_matrix(
    gql: GraphQLClient, actor: str, role: str, allowed: bool
) -> None:
    p = await factories.province()
    world = await factories.school(p)
    newcomer = await factories.user()
    if actor == "anonymous":
        token = None
    elif actor == "department_admin":
        token = await gql.token(p.admin_login)
    else:
        token = await gql.token(world.logins[actor])
    body = await gql.raw(
        GRANT,
        {"s": ids.encode("School", world.school_id), "u": ids.encode("User", newcomer), "r": role},
        token,
    )
    if actor == "anonymous":
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    else:
        result = body["data"]["grantMembership"]
        if allowed:
            assert result == {"membership": {"role": role}, "errors": []}
        else:
            assert result["membership"] is None
            assert result["errors"][0]["code"] in {"FORBIDDEN", "NOT_FOUND"}
    assert await _live_roles(world.school_id, newcomer) == ({role.lower()} if allowed else set())


async def test_district_admin_sees_only_its_district(gql: GraphQLClient) -> None:
    p = await factories.province()
    d1, d2 = await factories.district(p), await factories.district(p)
    a1, a2 = await factories.school(p, d1), await factories.school(p, d1)
    b = await factories.school(p, d2)
    token = await gql.token(a1.logins["district_admin"])
    codes = {e["node"]["code"] for e in (await gql.ok(SCHOOLS, token=token))["schools"]["edges"]}
    assert codes == {a1.code, a2.code}
    assert b.code not in codes
    # A school member sees only their own school; the department sees all.
    teacher = {
        e["node"]["code"]
        for e in (await gql.ok(SCHOOLS, token=await gql.token(b.logins["teacher"])))["schools"][
            "edges"
        ]
    }
    assert teacher == {b.code}
    admin = {
        e["node"]["code"]
        for e in (await gql.ok(SCHOOLS, token=await gql.token(p.admin_login)))["schools"]["edges"]
    }
    assert admin == {a1.code, a2.code, b.code}


async def test_reorganisation_moves_a_school_and_is_audited(gql: GraphQLClient) -> None:
    """2025: district offices were dissolved; schools move to communes. The tree is data."""
    p = await factories.province()
    district = await factories.district(p)
    school = await factories.school(p, district)
    token = await gql.token(p.admin_login)
    commune = await gql.ok(
        'mutation($p: ID!) { createOrgUnit(kind: COMMUNE, code: "XA-VL", name: "Xã Vĩnh Linh",'
        " parentId: $p) { orgUnit { id kind } errors { code } } }",
        {"p": ids.encode("OrgUnit", district)},
        token,
    )
    commune_id = commune["createOrgUnit"]["orgUnit"]["id"]
    moved = await gql.ok(
        "mutation($s: ID!, $o: ID!) { moveSchool(schoolId: $s, orgUnitId: $o)"
        " { school { orgUnit { code kind parent { kind } } } errors { code } } }",
        {"s": ids.encode("School", school.school_id), "o": commune_id},
        token,
    )
    assert moved["moveSchool"] == {
        "school": {"orgUnit": {"code": "XA-VL", "kind": "COMMUNE", "parent": {"kind": "DISTRICT"}}},
        "errors": [],
    }
    async with db.system():
        audit = await db.fetch(
            "SELECT action FROM platform_audit_log WHERE target_id = $1", str(school.school_id)
        )
    assert {a["action"] for a in audit} >= {"school.provisioned", "school.moved"}


def test_production_app_has_no_ide() -> None:
    from litestar.testing import TestClient

    from schoolhub.app import create_app
    from schoolhub.platform.settings import Environment, Settings

    app = create_app(
        Settings(
            env=Environment.PRODUCTION,
            database_url="postgresql:///x",
            redis_url="redis://127.0.0.1:1/0",
            jwt_secret="z" * 40,
        )
    )
    client = TestClient(app)  # no lifespan: the IDE check needs no database
    response = client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "graphiql" not in response.text.lower()
