"""Audit log of security-relevant actions. Details are scrubbed: no secrets or passwords, ever."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from schoolhub.platform import db

_SECRET_MARKERS = ("password", "secret", "token", "otp", "code_hash", "hash")


def scrub(details: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in details.items():
        if any(marker in key.lower() for marker in _SECRET_MARKERS):
            clean[key] = "[redacted]"
        elif isinstance(value, dict):
            clean[key] = scrub(value)
        else:
            clean[key] = value
    return clean


async def record_global(
    action: str,
    *,
    actor_user_id: UUID | None,
    target_type: str = "",
    target_id: str = "",
    org_unit_id: UUID | None = None,
    ip: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    await db.execute(
        "INSERT INTO platform_audit_log (actor_user_id, action, target_type, target_id, org_unit_id,"
        " ip, details) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
        actor_user_id,
        action,
        target_type,
        target_id,
        org_unit_id,
        ip,
        json.dumps(scrub(details or {}), default=str),
    )


async def record_school(
    school_id: UUID,
    action: str,
    *,
    actor_user_id: UUID | None,
    target_type: str = "",
    target_id: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    await db.execute(
        "INSERT INTO school_audit_log (school_id, actor_user_id, action, target_type, target_id,"
        " details) VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
        school_id,
        actor_user_id,
        action,
        target_type,
        target_id,
        json.dumps(scrub(details or {}), default=str),
    )
