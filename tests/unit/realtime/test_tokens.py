"""Join tokens: signature, expiry, binding to room/user/owner, key separation from access tokens."""

from __future__ import annotations

import time
from uuid import uuid4

import jwt
import pytest

from schoolhub.platform.auth.tokens import decode_access_token
from schoolhub.platform.errors import Unauthenticated
from schoolhub.realtime import tokens

SECRET = "unit-test-secret-0123456789abcdef"


def _issue(**overrides: object) -> tuple[str, dict[str, object]]:
    args: dict[str, object] = {
        "room_id": uuid4(),
        "user_id": uuid4(),
        "participant_id": uuid4(),
        "epoch": 3,
        "school_id": uuid4(),
    }
    args.update(overrides)
    token, _ = tokens.issue(SECRET, **args)  # type: ignore[arg-type]
    return token, args


def test_round_trip_binds_everything() -> None:
    token, args = _issue()
    claims = tokens.decode(SECRET, token)
    assert claims.room_id == args["room_id"]
    assert claims.user_id == args["user_id"]
    assert claims.participant_id == args["participant_id"]
    assert claims.epoch == 3
    assert claims.school_id == args["school_id"]
    assert claims.office_id is None
    assert claims.expires_at - int(time.time()) <= tokens.MAX_TTL_S


def test_ttl_is_capped_at_ten_minutes() -> None:
    token, _ = _issue(ttl_s=3600)
    claims = tokens.decode(SECRET, token)
    assert claims.expires_at - int(time.time()) <= 600


def test_expired_token_is_refused() -> None:
    token, _ = _issue(now=int(time.time()) - 700, ttl_s=600)
    with pytest.raises(Unauthenticated) as err:
        tokens.decode(SECRET, token)
    assert err.value.code == "JOIN_TOKEN_EXPIRED"


def test_forged_tokens_are_refused() -> None:
    token, _ = _issue()
    claims = jwt.decode(token, options={"verify_signature": False})
    for forged in (
        jwt.encode(claims, "another-secret", algorithm="HS256"),
        jwt.encode(claims, SECRET, algorithm="HS256"),  # the raw jwt_secret is not the key
        jwt.encode({**claims, "ep": 99}, "x" * 32, algorithm="HS256"),
        token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
        "not-a-token",
    ):
        with pytest.raises(Unauthenticated) as err:
            tokens.decode(SECRET, forged)
        assert err.value.code == "JOIN_TOKEN_INVALID"
    none_alg = jwt.encode(claims, key=None, algorithm="none")  # type: ignore[arg-type]
    with pytest.raises(Unauthenticated):
        tokens.decode(SECRET, none_alg)


def test_join_token_is_not_an_access_token() -> None:
    token, _ = _issue()
    with pytest.raises(Unauthenticated):
        decode_access_token(SECRET, token)


def test_ttl_longer_than_ten_minutes_in_claims_is_refused() -> None:
    token, _ = _issue()
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["exp"] = int(claims["iat"]) + 3600
    key = tokens.signing_key(SECRET)
    with pytest.raises(Unauthenticated):
        tokens.decode(SECRET, jwt.encode(claims, key, algorithm="HS256"))


def test_exactly_one_owner() -> None:
    with pytest.raises(ValueError, match="exactly one owner"):
        _issue(school_id=None)
    with pytest.raises(ValueError, match="exactly one owner"):
        _issue(office_id=uuid4())
    token, args = _issue(school_id=None, office_id=uuid4())
    assert tokens.decode(SECRET, token).office_id == args["office_id"]
