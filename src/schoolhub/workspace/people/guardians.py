"""Guardians as province-wide users: found by phone, created for sign-in by phone code.

A guardian is one ``identity_user`` per phone number across the province (a parent with children
in three schools has one account); each school grants them its own ``guardian`` membership. The
account gets no password: parents sign in with a code sent to that phone (``identity.otp``). The
login is derived from the phone (``84912345678``), so it is stable and never guessed from a name.
"""

from __future__ import annotations

import json
from uuid import UUID

from schoolhub.platform import db
from schoolhub.platform.errors import Conflict
from schoolhub.workspace.people import repository as repo
from schoolhub.workspace.people.errors import WorkspacePeopleErrorCode as E


def login_for_phone(phone: str) -> str:
    """``+84912345678`` -> ``84912345678`` (E.164 digits; matches the identity login rule)."""
    return phone.lstrip("+")


async def ensure_phone_users(
    people: dict[str, str], *, actor_user_id: UUID | None
) -> tuple[dict[str, UUID], int]:
    """Map each E.164 phone of ``people`` (phone -> full name) to a user, creating missing ones.

    Runs in the caller's transaction (a school's import is all-or-nothing, accounts included).
    Existing accounts keep their name: a school's file never renames a province-wide person.
    Returns ``(phone -> user id, number created)``.
    """
    if not people:
        return {}, 0
    phones = sorted(people)
    found = {r["phone"]: r["id"] for r in await repo.users_by_phones(phones)}
    missing = [p for p in phones if p not in found]
    created = await repo.insert_phone_users([(login_for_phone(p), people[p], p) for p in missing])
    for row in created:
        found[row["phone"]] = row["id"]
    await _audit_created(created, actor_user_id)
    lost = [p for p in missing if p not in found]
    if lost:  # another school's import created the same phone meanwhile: use that account
        found.update({r["phone"]: r["id"] for r in await repo.users_by_phones(lost)})
    still = [p for p in missing if p not in found]
    if still:
        raise Conflict(
            "an account already uses the login derived from this phone",
            code=E.GUARDIAN_LOGIN_TAKEN,
            field="phone",
        )
    return found, len(created)


async def _audit_created(rows: list[dict[str, object]], actor_user_id: UUID | None) -> None:
    """One ``user.created`` audit row per new account, written in one statement (a school's first
    import creates thousands; the rows match ``audit.record_global``'s, whose details carry no
    secrets here)."""
    if not rows:
        return
    await db.execute(
        "INSERT INTO platform_audit_log (actor_user_id, action, target_type, target_id, details)"
        " SELECT $1, 'user.created', 'user', t, d::jsonb FROM unnest($2::text[], $3::text[])"
        " AS v(t, d)",
        actor_user_id,
        [str(r["id"]) for r in rows],
        [json.dumps({"login": r["login"], "via": "guardian"}) for r in rows],
    )
