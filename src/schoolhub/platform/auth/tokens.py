"""Short-lived JWT access tokens and opaque refresh tokens.

Access tokens are HS256 JWTs carrying only the user and the session (refresh-token family) ids; roles
are loaded per request, so revoking a membership takes effect at once. Refresh tokens are random
strings; only their SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from uuid import UUID

import jwt

from schoolhub.platform.errors import Unauthenticated

ISSUER = "schoolhub"
ALGORITHM = "HS256"


@dataclass(frozen=True)
class AccessClaims:
    user_id: UUID
    session_id: UUID
    expires_at: int


def issue_access_token(secret: str, user_id: UUID, session_id: UUID, ttl_s: int) -> tuple[str, int]:
    now = int(time.time())
    exp = now + ttl_s
    token = jwt.encode(
        {
            "sub": str(user_id),
            "sid": str(session_id),
            "iat": now,
            "exp": exp,
            "iss": ISSUER,
            "typ": "access",
        },
        secret,
        algorithm=ALGORITHM,
    )
    return token, exp


def decode_access_token(secret: str, token: str) -> AccessClaims:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "sid", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("access token expired", code="TOKEN_EXPIRED") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated("invalid access token", code="INVALID_TOKEN") from exc
    if claims.get("typ") != "access":
        raise Unauthenticated("invalid access token", code="INVALID_TOKEN")
    try:
        return AccessClaims(UUID(claims["sub"]), UUID(claims["sid"]), int(claims["exp"]))
    except (ValueError, TypeError) as exc:
        raise Unauthenticated("invalid access token", code="INVALID_TOKEN") from exc


def new_refresh_token() -> tuple[str, bytes]:
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
