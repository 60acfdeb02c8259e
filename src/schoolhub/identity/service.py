"""Sign-in, token rotation, logout and principal loading.

Invariants:
* A refresh token is single-use. Presenting a used one revokes its whole session (the token family):
  whoever holds the newer token is logged out too, which is the safe outcome when a token leaked.
* Every outcome that must be remembered (failed attempts, reuse revocations) commits before the error
  is raised, so the error path never rolls back the audit trail.
* Unknown logins take as long as wrong passwords (a dummy hash is verified) and return the same code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from redis.exceptions import RedisError

from schoolhub.identity import otp
from schoolhub.identity.errors import AuthErrorCode
from schoolhub.identity.phone import normalise_phone
from schoolhub.platform import audit, db, ratelimit
from schoolhub.platform import redis as redis_mod
from schoolhub.platform import settings as settings_mod
from schoolhub.platform.auth.passwords import verify_password
from schoolhub.platform.auth.tokens import (
    decode_access_token,
    hash_refresh_token,
    issue_access_token,
    new_refresh_token,
)
from schoolhub.platform.errors import DomainError, RateLimited, Unauthenticated
from schoolhub.platform.principal import OfficeGrant, Principal, Profile, Role, SchoolGrant


class AuthError(DomainError):
    def __init__(self, code: AuthErrorCode, message: str) -> None:
        super().__init__(message, code=code.value)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: int
    refresh_token: str
    user_id: UUID
    session_id: UUID


async def _issue(user_id: UUID, session_id: UUID) -> TokenPair:
    """Insert a fresh refresh token for the session (inside the caller's transaction)."""
    cfg = settings_mod.current()
    token, token_hash = new_refresh_token()
    await db.execute(
        "INSERT INTO identity_refresh_token (session_id, token_hash, expires_at) "
        "VALUES ($1, $2, now() + make_interval(secs => $3))",
        session_id,
        token_hash,
        cfg.refresh_token_ttl_s,
    )
    access, exp = issue_access_token(cfg.jwt_secret, user_id, session_id, cfg.access_token_ttl_s)
    return TokenPair(access, exp, token, user_id, session_id)


async def _start_session(user_id: UUID, method: str, ip: str) -> TokenPair:
    async with db.system():
        row = await db.fetchrow(
            "INSERT INTO identity_session (user_id, method) VALUES ($1, $2) RETURNING id",
            user_id,
            method,
        )
        assert row is not None
        pair = await _issue(user_id, row["id"])
        await audit.record_global(
            "auth.login",
            actor_user_id=user_id,
            target_type="session",
            target_id=str(row["id"]),
            ip=ip,
            details={"method": method},
        )
    return pair


async def login_with_password(login: str, password: str, ip: str = "") -> TokenPair:
    cfg = settings_mod.current()
    login = login.strip().lower()
    if await ratelimit.hit(f"rl:login:ip:{ip}", 60) > cfg.login_rate_per_minute:
        raise AuthError(AuthErrorCode.RATE_LIMITED, "too many sign-in attempts, wait a minute")
    lock_key = f"lock:login:{hashlib.sha256(login.encode()).hexdigest()[:32]}"
    if await ratelimit.get(lock_key) >= cfg.login_max_failures:
        raise AuthError(
            AuthErrorCode.ACCOUNT_LOCKED, "account temporarily locked after failed attempts"
        )
    async with db.system():
        user = await db.fetchrow(
            "SELECT id, password_hash, is_active FROM identity_user WHERE login = $1", login
        )
    ok = verify_password(user["password_hash"] if user else None, password)
    if not ok or user is None or not user["is_active"]:
        failures = await ratelimit.hit(lock_key, cfg.login_lockout_s)
        async with db.system():
            await audit.record_global(
                "auth.login_failed",
                actor_user_id=user["id"] if user else None,
                ip=ip,
                details={"login": login, "failures": failures},
            )
        if failures >= cfg.login_max_failures:
            raise AuthError(
                AuthErrorCode.ACCOUNT_LOCKED, "account temporarily locked after failed attempts"
            )
        raise AuthError(AuthErrorCode.INVALID_CREDENTIALS, "wrong login or password")
    await ratelimit.clear(lock_key)
    return await _start_session(user["id"], "password", ip)


async def refresh(refresh_token: str, ip: str = "") -> TokenPair:
    """Rotate a refresh token. A reused token revokes its session (RFC 6819 §5.2.2.3)."""
    token_hash = hash_refresh_token(refresh_token)
    outcome: AuthErrorCode | None = None
    pair: TokenPair | None = None
    async with db.system():
        row = await db.fetchrow(
            "SELECT rt.id, rt.used_at, rt.expires_at < now() AS expired, s.id AS session_id,"
            " s.user_id, s.revoked_at, u.is_active"
            " FROM identity_refresh_token rt JOIN identity_session s ON s.id = rt.session_id"
            " JOIN identity_user u ON u.id = s.user_id"
            " WHERE rt.token_hash = $1 FOR UPDATE OF rt, s",
            token_hash,
        )
        if row is None or row["revoked_at"] is not None or not row["is_active"]:
            outcome = AuthErrorCode.INVALID_TOKEN
        elif row["used_at"] is not None:
            outcome = AuthErrorCode.TOKEN_REUSED
            await db.execute(
                "UPDATE identity_session SET revoked_at = now(), revoked_reason = 'refresh_reuse'"
                " WHERE id = $1",
                row["session_id"],
            )
            await audit.record_global(
                "auth.refresh_reuse_detected",
                actor_user_id=row["user_id"],
                target_type="session",
                target_id=str(row["session_id"]),
                ip=ip,
            )
        elif row["expired"]:
            outcome = AuthErrorCode.TOKEN_EXPIRED
        else:
            await db.execute(
                "UPDATE identity_refresh_token SET used_at = now() WHERE id = $1", row["id"]
            )
            pair = await _issue(row["user_id"], row["session_id"])
    if outcome is not None or pair is None:
        code = outcome or AuthErrorCode.INVALID_TOKEN
        message = {
            AuthErrorCode.TOKEN_REUSED: "refresh token already used; the session has been revoked",
            AuthErrorCode.TOKEN_EXPIRED: "refresh token expired",
        }.get(code, "invalid refresh token")
        raise AuthError(code, message)
    return pair


async def logout(principal: Principal, ip: str = "") -> None:
    user_id = principal.require_user()
    async with db.system():
        await db.execute(
            "UPDATE identity_session SET revoked_at = now(), revoked_reason = 'logout'"
            " WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
            principal.session_id,
            user_id,
        )
        await audit.record_global(
            "auth.logout",
            actor_user_id=user_id,
            target_type="session",
            target_id=str(principal.session_id),
            ip=ip,
        )


async def load_principal(access_token: str) -> Principal:
    """Verify the access token and load the caller's live memberships (one query)."""
    cfg = settings_mod.current()
    claims = decode_access_token(cfg.jwt_secret, access_token)
    return await principal_for_session(claims.user_id, claims.session_id)


async def principal_for_session(user_id: UUID, session_id: UUID) -> Principal:
    """The principal of a live session, whatever its access token's expiry.

    Long-lived WebSocket subscriptions re-check this before each event: a logout, a revoked session
    or a removed membership ends the stream, but an access token expiring mid-stream does not.
    """
    async with db.identity(user_id):
        row = await db.fetchrow(
            """
            SELECT s.revoked_at, u.is_active, u.login, u.full_name, u.phone,
              (SELECT coalesce(json_agg(json_build_array(m.school_id, m.role, m.id, m.created_at)
                                        ORDER BY m.created_at), '[]')
                 FROM tenants_membership m
                WHERE m.user_id = u.id AND m.revoked_at IS NULL) AS schools,
              (SELECT coalesce(json_agg(json_build_array(om.org_unit_id, ou.kind, om.role)), '[]')
                 FROM tenants_office_membership om
                 JOIN tenants_org_unit ou ON ou.id = om.org_unit_id
                WHERE om.user_id = u.id AND om.revoked_at IS NULL) AS offices
            FROM identity_session s JOIN identity_user u ON u.id = s.user_id
            WHERE s.id = $1 AND s.user_id = $2
            """,
            session_id,
            user_id,
        )
    if row is None or row["revoked_at"] is not None or not row["is_active"]:
        raise Unauthenticated("session has ended; sign in again", code="INVALID_TOKEN")
    school_roles: dict[UUID, set[Role]] = {}
    school_grants = []
    for school_id, role, membership_id, created_at in json.loads(row["schools"]):
        school_roles.setdefault(UUID(school_id), set()).add(Role(role))
        school_grants.append(
            SchoolGrant(
                UUID(membership_id), UUID(school_id), Role(role), datetime.fromisoformat(created_at)
            )
        )
    grants = tuple(
        OfficeGrant(UUID(org_id), kind, Role(role))
        for org_id, kind, role in json.loads(row["offices"])
    )
    return Principal(
        user_id=user_id,
        session_id=session_id,
        school_roles={k: frozenset(v) for k, v in school_roles.items()},
        office_grants=grants,
        school_grants=tuple(school_grants),
        profile=Profile(row["login"], row["full_name"], row["phone"]),
    )


def _otp_digest(phone: str, code: str) -> str:
    secret = settings_mod.current().jwt_secret.encode()
    return hmac.new(secret, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


async def request_phone_otp(raw_phone: str, ip: str = "") -> None:
    """Send a 6-digit code if the number belongs to an account. Same answer either way."""
    cfg = settings_mod.current()
    phone = normalise_phone(raw_phone)
    if phone is None:
        raise AuthError(AuthErrorCode.INVALID_PHONE, "not a Vietnamese mobile number")
    if await ratelimit.hit(f"rl:otp:req:{phone}", 600) > 3 or (
        await ratelimit.hit(f"rl:otp:ip:{ip}", 600) > 20
    ):
        raise AuthError(AuthErrorCode.RATE_LIMITED, "too many codes requested, try again later")
    async with db.system():
        user = await db.fetchrow(
            "SELECT id FROM identity_user WHERE phone = $1 AND is_active", phone
        )
    if user is None:
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    try:
        r = redis_mod.client()
        async with r.pipeline(transaction=True) as pipe:
            pipe.set(f"otp:{phone}", _otp_digest(phone, code), ex=cfg.otp_ttl_s)
            pipe.delete(f"otp:attempts:{phone}")
            await pipe.execute()
    except (RedisError, OSError) as exc:
        raise DomainError("sign-in by code is unavailable right now", code="UNAVAILABLE") from exc
    await otp.sender().send(phone, code)


async def verify_phone_otp(raw_phone: str, code: str, ip: str = "") -> TokenPair:
    cfg = settings_mod.current()
    phone = normalise_phone(raw_phone)
    if phone is None:
        raise AuthError(AuthErrorCode.INVALID_PHONE, "not a Vietnamese mobile number")
    try:
        r = redis_mod.client()
        attempts = await ratelimit.hit(f"otp:attempts:{phone}", cfg.otp_ttl_s)
        if attempts > cfg.otp_max_attempts:
            await r.delete(f"otp:{phone}")
            raise AuthError(AuthErrorCode.RATE_LIMITED, "too many wrong codes; request a new one")
        stored = await r.get(f"otp:{phone}")
    except (RedisError, OSError) as exc:
        raise DomainError("sign-in by code is unavailable right now", code="UNAVAILABLE") from exc
    if stored is None:
        raise AuthError(AuthErrorCode.OTP_EXPIRED, "code expired; request a new one")
    stored_text = stored.decode() if isinstance(stored, bytes) else str(stored)
    if not hmac.compare_digest(stored_text, _otp_digest(phone, code.strip())):
        raise AuthError(AuthErrorCode.INVALID_OTP, "wrong code")
    await r.delete(f"otp:{phone}", f"otp:attempts:{phone}")
    async with db.system():
        user = await db.fetchrow(
            "SELECT id FROM identity_user WHERE phone = $1 AND is_active", phone
        )
    if user is None:
        raise AuthError(AuthErrorCode.UNKNOWN_ACCOUNT, "no account for this number")
    return await _start_session(user["id"], "otp", ip)


async def login_with_firebase(id_token: str, ip: str = "") -> TokenPair:
    """Exchange a Firebase ID token (phone sign-in in the mobile app) for our tokens."""
    if await ratelimit.hit(f"rl:firebase:ip:{ip}", 60) > 60:
        raise RateLimited()
    from schoolhub.identity import firebase  # firebase-admin is heavy; load it on first use

    try:
        claims: dict[str, Any] = await firebase.verify_id_token(id_token)
    except ValueError as exc:
        raise AuthError(AuthErrorCode.INVALID_TOKEN, "invalid Firebase ID token") from exc
    uid = str(claims.get("uid") or claims.get("sub") or "")
    phone = normalise_phone(str(claims.get("phone_number") or ""))
    async with db.system():
        user = await db.fetchrow(
            "SELECT id FROM identity_user WHERE firebase_uid = $1 AND is_active", uid
        )
        if user is None and phone is not None:
            user = await db.fetchrow(
                "UPDATE identity_user SET firebase_uid = $1 WHERE phone = $2 AND is_active"
                " AND firebase_uid IS NULL RETURNING id",
                uid,
                phone,
            )
    if user is None:
        raise AuthError(AuthErrorCode.UNKNOWN_ACCOUNT, "no SchoolHub account for this phone number")
    return await _start_session(user["id"], "firebase", ip)


def utcnow() -> datetime:
    return datetime.now(UTC)


__all__ = [
    "AuthError",
    "TokenPair",
    "load_principal",
    "login_with_firebase",
    "login_with_password",
    "logout",
    "refresh",
    "request_phone_otp",
    "timedelta",
    "utcnow",
    "verify_phone_otp",
]
