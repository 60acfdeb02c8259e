"""coturn REST-API credentials (use-auth-secret) against a vector computed with openssl."""

from __future__ import annotations

import pytest

from schoolhub.realtime import turn

USER = "7d7f3c1e-0000-4000-8000-000000000001"
# echo -n "1700003600:<USER>" | openssl dgst -sha1 -hmac "s3cret-turn" -binary | base64
VECTOR = "wd4KcHlTYixDRyYubHEwBUhAbW8="


def test_known_vector() -> None:
    username, credential = turn.rest_credentials("s3cret-turn", USER, ttl_s=3600, now=1_700_000_000)
    assert username == f"1700003600:{USER}"
    assert credential == VECTOR


def test_ttl_is_capped_at_one_hour() -> None:
    username, _ = turn.rest_credentials("x", USER, ttl_s=86_400, now=1_000)
    assert username.startswith(f"{1_000 + 3600}:")


def test_ice_servers_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCHOOLHUB_TURN_URLS", raising=False)
    assert turn.ice_servers(USER) == []
    monkeypatch.setenv(
        "SCHOOLHUB_TURN_URLS", "turn:turn.example.vn:3478?transport=udp, turns:turn.example.vn:5349"
    )
    monkeypatch.setenv("SCHOOLHUB_TURN_SECRET", "s3cret-turn")
    [server] = turn.ice_servers(USER, now=1_700_000_000)
    assert server.urls == ("turn:turn.example.vn:3478?transport=udp", "turns:turn.example.vn:5349")
    assert server.username == f"1700003600:{USER}"
    assert server.credential == VECTOR
