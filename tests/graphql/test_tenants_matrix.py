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


ACTORS = [
    "department_admin",
    "principal",
    "vice_principal",
    "teacher",
    "accountant",
    "staff",
    "guardian",
    "student",
    "district_admin",
    "anonymous",
]


async def _token(
    gql: GraphQLClient, p: factories.Province, world: factories.SchoolWorld, actor: str
) -> str | None:
    if actor == "anonymous":
        return None
    if actor == "department_admin":
        return await gql.token(p.admin_login)
    return await gql.token(world.logins[actor])


@pytest.mark.parametrize("actor", ACTORS)
async def test_revoke_membership_matrix(gql: GraphQLClient, actor: str) -> None:
    p = await factories.province()
    world = await factories.school(p)
    async with db.tenant(world.school_id):
        row = await db.fetchrow(
            "SELECT id FROM tenants_membership WHERE user_id = $1", world.user_ids["staff"]
        )
    assert row is not None
    body = await gql.raw(
        "mutation($s: ID!, $m: ID!) { revokeMembership(schoolId: $s, membershipId: $m)"
        " { membership { role } errors { code } } }",
        {"s": ids.encode("School", world.school_id), "m": ids.encode("Membership", row["id"])},
        await _token(gql, p, world, actor),
    )
    allowed = actor in ("department_admin", "principal")
    if actor == "anonymous":
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    elif allowed:
        assert body["data"]["revokeMembership"] == {"membership": {"role": "STAFF"}, "errors": []}
    else:
        result = body["data"]["revokeMembership"]
        assert result["membership"] is None
        assert result["errors"][0]["code"] in {"FORBIDDEN", "NOT_FOUND"}
    assert await _live_roles(world.school_id, world.user_ids["staff"]) == (
        set() if allowed else {"staff"}
    )


@pytest.mark.parametrize("actor", ACTORS)
async def test_appoint_office_admin_and_create_user_matrix(gql: GraphQLClient, actor: str) -> None:
    p = await factories.province()
    world = await factories.school(p)
    token = await _token(gql, p, world, actor)
    newcomer = await factories.user()
    appoint = await gql.raw(
        "mutation($o: ID!, $u: ID!) { appointOfficeAdmin(orgUnitId: $o, userId: $u,"
        " role: DISTRICT_ADMIN) { ok errors { code } } }",
        {"o": ids.encode("OrgUnit", world.district_id), "u": ids.encode("User", newcomer)},
        token,
    )
    login = f"created{factories.n()}"
    create = await gql.raw(
        'mutation($l: String!) { createUser(login: $l, fullName: "Người mới")'
        " { user { login } errors { code } } }",
        {"l": login},
        token,
    )
    async with db.system():
        appointed = await db.fetchrow(
            "SELECT 1 FROM tenants_office_membership WHERE user_id = $1", newcomer
        )
        created = await db.fetchrow("SELECT 1 FROM identity_user WHERE login = $1", login)
    if actor == "anonymous":
        assert appoint["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert create["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert appointed is None and created is None
        return
    may_appoint = actor == "department_admin"
    may_create = actor in ("department_admin", "principal")
    assert appoint["data"]["appointOfficeAdmin"] == (
        {"ok": True, "errors": []}
        if may_appoint
        else {"ok": False, "errors": [{"code": "FORBIDDEN"}]}
    )
    assert (appointed is not None) == may_appoint
    assert create["data"]["createUser"] == (
        {"user": {"login": login}, "errors": []}
        if may_create
        else {"user": None, "errors": [{"code": "FORBIDDEN"}]}
    )
    assert (created is not None) == may_create
