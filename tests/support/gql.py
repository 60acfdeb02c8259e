"""A tiny GraphQL client over Litestar's AsyncTestClient."""

from __future__ import annotations

from typing import Any

import httpx


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code in (200, 400), response.text
        body: dict[str, Any] = response.json()
        return body

    async def ok(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        body = await self.raw(query, variables, token)
        assert not body.get("errors"), body
        data: dict[str, Any] = body["data"]
        return data

    async def login(self, login: str, password: str) -> dict[str, Any]:
        data = await self.ok(
            "mutation($l: String!, $p: String!) { login(login: $l, password: $p) {"
            " accessToken refreshToken errors { code message } } }",
            {"l": login, "p": password},
        )
        result: dict[str, Any] = data["login"]
        return result

    async def token(self, login: str, password: str = "Secret@123") -> str:
        result = await self.login(login, password)
        assert not result["errors"], result
        token: str = result["accessToken"]
        return token


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
