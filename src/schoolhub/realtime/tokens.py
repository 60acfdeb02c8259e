"""Short-lived join tokens of live rooms (HS256, key derived from ``settings.jwt_secret``).

A join token binds one user to one room of one owner (school or office) and to the participant's
*epoch*: removing or demoting a participant bumps the epoch stored with the participant, so every
token issued before stops working (the service compares the epoch on every use). The signing key is
``HMAC-SHA256(jwt_secret, "schoolhub/realtime/join-token/v1")``: a join token is never a valid access
token and vice versa.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from uuid import UUID

import jwt

from schoolhub.platform.errors import Unauthenticated
from schoolhub.realtime.errors import RealtimeErrorCode

ISSUER = "schoolhub"
AUDIENCE = "schoolhub-live"
ALGORITHM = "HS256"
MAX_TTL_S = 600
_KEY_LABEL = b"schoolhub/realtime/join-token/v1"


def signing_key(jwt_secret: str) -> bytes:
    if not jwt_secret:
        raise RuntimeError("jwt_secret is not configured")
    return hmac.new(jwt_secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


@dataclass(frozen=True)
class JoinClaims:
    room_id: UUID
    user_id: UUID
    participant_id: UUID
    epoch: int
    school_id: UUID | None  # owner of a school room
    office_id: UUID | None  # owner of an office meeting
    expires_at: int


def issue(
    jwt_secret: str,
    *,
    room_id: UUID,
    user_id: UUID,
    participant_id: UUID,
    epoch: int,
    school_id: UUID | None = None,
    office_id: UUID | None = None,
    ttl_s: int = MAX_TTL_S,
    now: int | None = None,
) -> tuple[str, int]:
    if (school_id is None) == (office_id is None):
        raise ValueError("a join token names exactly one owner (school or office)")
    issued = int(time.time()) if now is None else now
    exp = issued + min(ttl_s, MAX_TTL_S)
    claims: dict[str, object] = {
        "typ": "room",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(user_id),
        "rid": str(room_id),
        "pid": str(participant_id),
        "ep": epoch,
        "iat": issued,
        "exp": exp,
    }
    if school_id is not None:
        claims["sch"] = str(school_id)
    if office_id is not None:
        claims["off"] = str(office_id)
    return jwt.encode(claims, signing_key(jwt_secret), algorithm=ALGORITHM), exp


def decode(jwt_secret: str, token: str) -> JoinClaims:
    """Check signature, expiry and shape; the caller checks room, owner, user and epoch."""
    try:
        claims = jwt.decode(
            token,
            signing_key(jwt_secret),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            audience=AUDIENCE,
            options={"require": ["exp", "iat", "sub", "rid", "pid", "ep", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated(
            "join token expired", code=RealtimeErrorCode.JOIN_TOKEN_EXPIRED
        ) from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated(
            "invalid join token", code=RealtimeErrorCode.JOIN_TOKEN_INVALID
        ) from exc
    try:
        if claims.get("typ") != "room" or int(claims["exp"]) - int(claims["iat"]) > MAX_TTL_S:
            raise ValueError("not a join token")
        school = claims.get("sch")
        office = claims.get("off")
        if (school is None) == (office is None):
            raise ValueError("owner")
        return JoinClaims(
            room_id=UUID(claims["rid"]),
            user_id=UUID(claims["sub"]),
            participant_id=UUID(claims["pid"]),
            epoch=int(claims["ep"]),
            school_id=UUID(school) if school else None,
            office_id=UUID(office) if office else None,
            expires_at=int(claims["exp"]),
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise Unauthenticated(
            "invalid join token", code=RealtimeErrorCode.JOIN_TOKEN_INVALID
        ) from exc
