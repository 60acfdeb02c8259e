"""Guardian links of a school's students: linking (a guardian found or created by phone) and
changing a link. Management changes anything; the homeroom teacher of the student's current class
changes only the school-local contact details. Every change is audit-logged."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from schoolhub.platform import audit, db
from schoolhub.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from schoolhub.platform.principal import MANAGEMENT_ROLES, Principal, Role
from schoolhub.workspace.people import access
from schoolhub.workspace.people import repository as repo
from schoolhub.workspace.people.errors import WorkspacePeopleErrorCode as E
from schoolhub.workspace.people.guardians import ensure_phone_users
from schoolhub.workspace.people.service import (
    RELATIONSHIPS,
    UNSET,
    check_email,
    check_name,
    check_phone,
)


async def link_guardian(
    principal: Principal,
    school_id: UUID,
    student_id: UUID,
    *,
    phone: str,
    full_name: str,
    relationship: str,
    is_primary: bool,
    custody_restricted: bool,
) -> dict[str, Any]:
    """Link a guardian (found or created by phone) to a student and grant the guardian role."""
    actor = access.require_management(principal, school_id)
    norm = check_phone(phone)
    if norm is None:
        raise InvalidInput("phone is required", code="INVALID_PHONE", field="phone")
    name = check_name(full_name)
    if relationship not in RELATIONSHIPS:
        raise InvalidInput(
            "unknown relationship", code=E.INVALID_RELATIONSHIP, field="relationship"
        )
    async with db.tenant(school_id, actor):
        if await repo.student(student_id) is None:
            raise NotFound("student")
        users, _ = await ensure_phone_users({norm: name}, actor_user_id=actor)
        guardian = users[norm]
        row = await repo.insert_link(
            school_id,
            student_id,
            guardian,
            relationship=relationship,
            is_primary=is_primary,
            custody_restricted=custody_restricted,
        )
        if row is None:
            raise Conflict(
                "this guardian is already linked", code=E.GUARDIAN_ALREADY_LINKED, field="phone"
            )
        if is_primary:
            await repo.demote_other_primaries(student_id, row["id"])
        await repo.grant_guardian_memberships(school_id, [guardian])
        await audit.record_school(
            school_id,
            "guardian.linked",
            actor_user_id=actor,
            target_type="student",
            target_id=str(student_id),
            details={
                "guardian_user_id": str(guardian),
                "relationship": relationship,
                "is_primary": is_primary,
                "custody_restricted": custody_restricted,
            },
        )
        link = await repo.link(row["id"])
    assert link is not None
    return link


async def update_guardian_link(
    principal: Principal,
    school_id: UUID,
    link_id: UUID,
    *,
    relationship: str | None = None,
    is_primary: bool | None = None,
    custody_restricted: bool | None = None,
    contact_phone: Any = UNSET,
    contact_email: Any = UNSET,
    contact_note: Any = UNSET,
) -> dict[str, Any]:
    """Management changes anything on a link; the homeroom teacher of the student's current class
    changes only the school-local contact details (phone, e-mail, note)."""
    actor = access.require_member(principal, school_id)
    manager = principal.has_school_role(school_id, MANAGEMENT_ROLES)
    teacher = principal.has_school_role(school_id, {Role.TEACHER})
    if not (manager or teacher):
        raise PermissionDenied("only management and homeroom teachers edit guardians")
    wants_link_fields = any(v is not None for v in (relationship, is_primary, custody_restricted))
    if wants_link_fields and not manager:
        raise PermissionDenied("only management changes relationship, primary or custody")
    changes: dict[str, Any] = {}
    if relationship is not None:
        if relationship not in RELATIONSHIPS:
            raise InvalidInput(
                "unknown relationship", code=E.INVALID_RELATIONSHIP, field="relationship"
            )
        changes["relationship"] = relationship
    if is_primary is not None:
        changes["is_primary"] = is_primary
    if custody_restricted is not None:
        changes["custody_restricted"] = custody_restricted
    if contact_phone is not UNSET:
        changes["contact_phone"] = check_phone(contact_phone, "contactPhone")
    if contact_email is not UNSET:
        changes["contact_email"] = check_email(contact_email, "contactEmail")
    if contact_note is not UNSET:
        note = (contact_note or "").strip() or None
        if note is not None and len(note) > 500:
            raise InvalidInput("note too long", field="contactNote")
        changes["contact_note"] = note
    async with db.tenant(school_id, actor):
        current = await repo.link(link_id)
        if current is None:
            raise NotFound("guardian link")
        if not manager and current["homeroom_teacher_id"] != actor:
            # A teacher who is not this class's homeroom teacher cannot see the link at all.
            raise NotFound("guardian link")
        changes = {k: v for k, v in changes.items() if current[k] != v}
        await repo.update_link(link_id, changes)
        if changes.get("is_primary"):
            await repo.demote_other_primaries(current["student_id"], link_id)
        if changes:
            await audit.record_school(
                school_id,
                "guardian.link_updated",
                actor_user_id=actor,
                target_type="guardian_link",
                target_id=str(link_id),
                details={"fields": sorted(changes)},
            )
        row = await repo.link(link_id)
    assert row is not None
    return row


async def get_links(principal: Principal, ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    """Guardian links by id (``node``): staff who may see the student see its links; a guardian
    sees only their own, and never one of a custody-restricted child. One scoped read per school."""
    user_id = principal.require_user()
    found: dict[UUID, dict[str, Any]] = {}
    for school_id in principal.school_ids:
        remaining = [i for i in ids if i not in found]
        if not remaining:
            break
        scope = access.student_scope(principal, school_id, strict=False)
        if not (scope.everyone or scope.homeroom or scope.guardian):
            continue
        async with db.tenant(school_id, user_id):
            rows = await repo.links_by_ids(scope, remaining)
        found.update({r["id"]: {**r, "_staff": scope.is_staff} for r in rows})
    return found
