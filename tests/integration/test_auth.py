"""Sign-in, token rotation with reuse detection, logout, lockout: real PostgreSQL and Redis."""

from __future__ import annotations

from typing import Any

import asyncpg

from schoolhub.platform.settings import Settings
from tests.support import factories
from tests.support.gql import GraphQLClient, error_codes

ME = "{ me { login fullName memberships { role school { code } } } }"
REFRESH = (
    "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken"
    " errors { code } } }"
)


async def test_login_returns_tokens_and_me_works(gql: GraphQLClient) -> None:
    p = await factories.province()
    world = await factories.school(p)
    result = await gql.login(world.logins["teacher"], factories.PASSWORD)
    assert result["errors"] == []
    assert result["accessToken"] and result["refreshToken"]
    data = await gql.ok(ME, token=result["accessToken"])
    assert data["me"]["login"] == world.logins["teacher"]
    assert data["me"]["memberships"] == [{"role": "TEACHER", "school": {"code": world.code}}]


async def test_wrong_password_and_unknown_login_look_the_same(gql: GraphQLClient) -> None:
    await factories.user("thao.nguyen")
    wrong = await gql.login("thao.nguyen", "not-the-password")
    unknown = await gql.login("nobody.here", "whatever-123")
    assert wrong["errors"][0]["code"] == unknown["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert wrong["accessToken"] is None and unknown["accessToken"] is None


async def test_lockout_after_repeated_failures(gql: GraphQLClient, settings: Settings) -> None:
    await factories.user("locked.user")
    codes = [
        (await gql.login("locked.user", "bad-password"))["errors"][0]["code"]
        for _ in range(settings.login_max_failures)
    ]
    assert codes[-1] == "ACCOUNT_LOCKED"
    assert set(codes[:-1]) == {"INVALID_CREDENTIALS"}
    # Even the right password is refused while locked.
    right = await gql.login("locked.user", factories.PASSWORD)
    assert right["errors"][0]["code"] == "ACCOUNT_LOCKED"
    assert right["accessToken"] is None


async def test_refresh_rotates_and_reuse_revokes_the_family(gql: GraphQLClient) -> None:
    await factories.user("rotating.user")
    first = await gql.login("rotating.user", factories.PASSWORD)
    rotated = (await gql.ok(REFRESH, {"t": first["refreshToken"]}))["refreshToken"]
    assert rotated["errors"] == [] and rotated["refreshToken"] != first["refreshToken"]
    # The rotated-away token is presented again: reuse -> the whole session dies.
    reuse = (await gql.ok(REFRESH, {"t": first["refreshToken"]}))["refreshToken"]
    assert reuse["errors"] == [{"code": "TOKEN_REUSED"}]
    after = (await gql.ok(REFRESH, {"t": rotated["refreshToken"]}))["refreshToken"]
    assert after["errors"] == [{"code": "INVALID_TOKEN"}]
    body = await gql.raw(ME, token=rotated["accessToken"])
    assert error_codes(body) == ["INVALID_TOKEN"]
    assert body["data"] is None


async def test_logout_revokes_access_and_refresh(gql: GraphQLClient) -> None:
    await factories.user("leaving.user")
    pair = await gql.login("leaving.user", factories.PASSWORD)
    out = await gql.ok("mutation { logout { ok errors { code } } }", token=pair["accessToken"])
    assert out["logout"] == {"ok": True, "errors": []}
    assert error_codes(await gql.raw(ME, token=pair["accessToken"])) == ["INVALID_TOKEN"]
    again = (await gql.ok(REFRESH, {"t": pair["refreshToken"]}))["refreshToken"]
    assert again["errors"] == [{"code": "INVALID_TOKEN"}]


async def test_forged_expired_and_garbage_tokens(gql: GraphQLClient, settings: Settings) -> None:
    import time
    from uuid import uuid4

    import jwt

    forged = jwt.encode(
        {
            "sub": str(uuid4()),
            "sid": str(uuid4()),
            "iat": int(time.time()),
            "exp": int(time.time()) + 60,
            "iss": "schoolhub",
            "typ": "access",
        },
        "another-secret-" + "y" * 40,
        algorithm="HS256",
    )
    expired = jwt.encode(
        {
            "sub": str(uuid4()),
            "sid": str(uuid4()),
            "iat": 1,
            "exp": 2,
            "iss": "schoolhub",
            "typ": "access",
        },
        settings.jwt_secret,
        algorithm="HS256",
    )
    assert error_codes(await gql.raw(ME, token=forged)) == ["INVALID_TOKEN"]
    assert error_codes(await gql.raw(ME, token=expired)) == ["TOKEN_EXPIRED"]
    assert error_codes(await gql.raw(ME, token="garbage")) == ["INVALID_TOKEN"]
    assert error_codes(await gql.raw(ME)) == ["UNAUTHENTICATED"]


async def test_no_password_or_token_in_audit_log(gql: GraphQLClient, database: str) -> None:
    await factories.user("audited.user")
    await gql.login("audited.user", "Wrong-Password-42")
    ok = await gql.login("audited.user", factories.PASSWORD)
    conn = await asyncpg.connect(database)
    try:
        rows: list[Any] = await conn.fetch("SELECT action, details::text FROM platform_audit_log")
    finally:
        await conn.close()
    text = " ".join(r["details"] for r in rows)
    assert {r["action"] for r in rows} >= {"auth.login", "auth.login_failed"}
    assert "Wrong-Password-42" not in text and factories.PASSWORD not in text
    assert ok["refreshToken"] not in text and ok["accessToken"] not in text
