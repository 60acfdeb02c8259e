"""GraphQL conventions: global ids, node/nodes, connections, limits, coded and masked errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from schoolhub.graphql import ids
from schoolhub.graphql.schema import build_schema
from tests.support import factories
from tests.support.gql import GraphQLClient, error_codes

NODE = "query($id: ID!) { node(id: $id) { id ... on School { code } } }"


async def test_node_and_nodes_return_null_for_invisible_objects(gql: GraphQLClient) -> None:
    p = await factories.province()
    a, b = await factories.school(p), await factories.school(p)
    token = await gql.token(a.logins["teacher"])
    a_id, b_id = ids.encode("School", a.school_id), ids.encode("School", b.school_id)
    data = await gql.ok(NODE, {"id": a_id}, token)
    assert data["node"] == {"id": a_id, "code": a.code}
    assert (await gql.ok(NODE, {"id": b_id}, token))["node"] is None
    many = await gql.ok(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [b_id, a_id, ids.encode("User", b.user_ids["principal"])]},
        token,
    )
    assert many["nodes"] == [None, {"id": a_id}, None]


@pytest.mark.parametrize("bad", ["not-base64!", "U2Nob29sOm5vdC1hLXV1aWQ=", ""])
async def test_malformed_ids_get_a_coded_error(gql: GraphQLClient, bad: str) -> None:
    p = await factories.province()
    a = await factories.school(p)
    token = await gql.token(a.logins["teacher"])
    body = await gql.raw(NODE, {"id": bad}, token)
    assert error_codes(body) == ["INVALID_ID"]


async def test_schools_connection_pages_by_keyset(gql: GraphQLClient) -> None:
    p = await factories.province()
    district = await factories.district(p)
    for _ in range(3):
        await factories.school(p, district)
    token = await gql.token(p.admin_login)
    query = (
        "query($after: String) { schools(first: 2, after: $after) { edges { cursor node { code } }"
        " pageInfo { hasNextPage endCursor } } }"
    )
    first = (await gql.ok(query, {"after": None}, token))["schools"]
    assert len(first["edges"]) == 2 and first["pageInfo"]["hasNextPage"] is True
    second = (await gql.ok(query, {"after": first["pageInfo"]["endCursor"]}, token))["schools"]
    codes = [e["node"]["code"] for e in first["edges"] + second["edges"]]
    assert codes == sorted(codes) and len(set(codes)) == 3
    assert second["pageInfo"]["hasNextPage"] is False
    bad = await gql.raw(query.replace("first: 2", "first: 1000"), {"after": None}, token)
    assert error_codes(bad) == ["BAD_USER_INPUT"]


async def test_limits_reject_with_codes(gql: GraphQLClient) -> None:
    deep = (
        "{ schools { edges { node { orgUnit { " + "parent { " * 8 + "code" + " }" * 8 + " } } } } }"
    )
    assert error_codes(await gql.raw(deep)) == ["QUERY_TOO_DEEP"]
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(16)) + " }"
    assert error_codes(await gql.raw(aliases)) == ["TOO_MANY_ALIASES"]
    fields = " ".join(["code name level ownership address active createdAt"] * 10)
    costly = "{ schools(first: 100) { edges { node { " + fields + " } } } }"
    assert error_codes(await gql.raw(costly)) == ["QUERY_TOO_COMPLEX"]
    huge = "{ " + " ".join(["__typename"] * 2100) + " }"
    assert error_codes(await gql.raw(huge)) == ["QUERY_TOO_LARGE"]
    assert error_codes(await gql.raw("{ schools { ")) == ["GRAPHQL_PARSE_FAILED"]
    unknown = await gql.raw("{ schoolz { edges { cursor } } }")
    assert error_codes(unknown) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_unexpected_errors_are_masked(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from schoolhub.tenants import service

    p = await factories.province()
    token = await gql.token(p.admin_login)

    async def broken(*_: Any, **__: Any) -> Any:
        raise KeyError("secret-internal-detail")

    monkeypatch.setattr(service, "list_org_units", broken)
    body = await gql.raw("{ orgUnits { code } }", token=token)
    assert error_codes(body) == ["INTERNAL_SERVER_ERROR"]
    text = str(body)
    assert "secret-internal-detail" not in text and "Traceback" not in text
    assert "reference" in body["errors"][0]["extensions"]


async def test_duplicate_school_code_is_coded_and_changes_nothing(gql: GraphQLClient) -> None:
    p = await factories.province()
    a = await factories.school(p)
    token = await gql.token(p.admin_login)
    mutation = """mutation($input: ProvisionSchoolInput!) { provisionSchool(input: $input) {
        school { code } errors { code field } } }"""
    variables = {
        "input": {
            "code": a.code,
            "name": "Trùng mã",
            "level": "PRIMARY",
            "ownership": "PUBLIC",
            "orgUnitId": ids.encode("OrgUnit", a.district_id),
        }
    }
    result = (await gql.ok(mutation, variables, token))["provisionSchool"]
    assert result == {"school": None, "errors": [{"code": "DUPLICATE_CODE", "field": "code"}]}
    listing = await gql.ok("{ schools(first: 100) { edges { node { code name } } } }", token=token)
    assert [e["node"]["name"] for e in listing["schools"]["edges"]] == [f"Trường {a.code}"]


async def test_responses_are_not_cacheable(app: httpx.AsyncClient) -> None:
    response = await app.post("/graphql", json={"query": "{ __typename }"})
    assert response.headers["cache-control"] == "private, no-store"


def test_production_turns_off_introspection_and_suggestions() -> None:
    prod, dev = build_schema(production=True), build_schema(production=False)
    introspection = "{ __schema { types { name } } }"
    assert prod.execute_sync(introspection).errors[0].extensions["code"] == "INTROSPECTION_DISABLED"
    assert dev.execute_sync(introspection).errors is None
    typo = "{ schoolz { edges { cursor } } }"
    prod_error, dev_error = prod.execute_sync(typo).errors[0], dev.execute_sync(typo).errors[0]
    assert "Did you mean" in dev_error.message
    assert "Did you mean" not in prod_error.message
    assert prod.execute_sync("{ __typename }").errors is None


async def test_membership_nodes_resolve_for_self_and_staff_only(gql: GraphQLClient) -> None:
    from schoolhub.platform import db

    p = await factories.province()
    a, b = await factories.school(p), await factories.school(p)
    async with db.tenant(a.school_id):
        row = await db.fetchrow(
            "SELECT id FROM tenants_membership WHERE user_id = $1", a.user_ids["guardian"]
        )
    assert row is not None
    gid = ids.encode("Membership", row["id"])
    query = "query($id: ID!) { node(id: $id) { ... on Membership { id role } } }"
    expected = {"id": gid, "role": "GUARDIAN"}
    assert (await gql.ok(query, {"id": gid}, await gql.token(a.logins["guardian"])))[
        "node"
    ] == expected
    assert (await gql.ok(query, {"id": gid}, await gql.token(a.logins["teacher"])))[
        "node"
    ] == expected
    for login in (b.logins["principal"], a.logins["student"]):
        assert (await gql.ok(query, {"id": gid}, await gql.token(login)))["node"] is None
