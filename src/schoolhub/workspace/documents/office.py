"""Documents an office sends to many schools, and each school's delivery of them.

Scopes (the second wall under the checks below):
* sending and reading receipts run in ``db.identity(user)``: no school in scope, so no school's
  tenant rows are visible, except delivery rows of documents owned by an office the caller holds a
  live membership of (policies ``office_sender_read`` / ``office_sender_insert``, m0004);
* a school reads and marks its own delivery in ``db.tenant(school)`` like any tenant row.
A district office may send only to schools of its subtree (the org tree's parent chain); the
department to any school. One transaction writes the document and every delivery, or nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from schoolhub.platform import audit, db, outbox
from schoolhub.platform.errors import InvalidInput, NotFound, PermissionDenied
from schoolhub.platform.principal import Principal, Role
from schoolhub.tenants import repository as tenants_repo
from schoolhub.workspace.documents import repository as repo
from schoolhub.workspace.documents.errors import DocumentsErrorCode as E
from schoolhub.workspace.documents.service import (
    MAX_RECIPIENTS,
    REGISTRARS,
    DocumentInput,
    _attachments,
    _check,
    _member,
    _office,
)


async def send_office_document(
    principal: Principal, org_unit_id: UUID, doc: DocumentInput, school_ids: list[UUID]
) -> dict[str, Any]:
    """Create the office's document and one delivery per school, atomically."""
    user = _office(principal, org_unit_id)
    school_ids = list(dict.fromkeys(school_ids))
    if not 1 <= len(school_ids) <= MAX_RECIPIENTS:
        raise InvalidInput(
            f"send to 1-{MAX_RECIPIENTS} schools", code=E.DOCUMENT_NO_RECIPIENTS, field="schoolIds"
        )
    doc = _check(replace(doc, sender=doc.sender or "-"))  # the sender is the office's name
    files = await _attachments(doc.attachments, ("office", org_unit_id))
    async with db.identity(user):
        unit = await tenants_repo.org_unit(org_unit_id)
        assert unit is not None  # the caller holds a grant on it
        if unit["kind"] != "department":
            subtree = await tenants_repo.org_subtree_ids([org_unit_id])
            inside = await tenants_repo.schools_page(
                org_unit_ids=subtree, school_ids=school_ids, after_code=None, limit=MAX_RECIPIENTS
            )
        else:
            inside = await tenants_repo.schools_by_ids(school_ids)
        if {r["id"] for r in inside} != set(school_ids):
            raise InvalidInput(
                "every recipient must be a school under this office",
                code=E.DOCUMENT_RECIPIENT_OUTSIDE_SUBTREE,
                field="schoolIds",
            )
        row = await repo.insert_office_document(
            org_unit_id,
            doc.number,
            doc.issued_on,
            unit["name"],
            doc.subject,
            doc.due_on,
            files,
            user,
        )
        await repo.insert_deliveries(row["id"], school_ids)
        await outbox.emit(
            "documents.office_sent",
            {"office_document_id": str(row["id"]), "school_ids": [str(s) for s in school_ids]},
            None,
        )
        await audit.record_global(
            "document.office_sent",
            actor_user_id=user,
            target_type="office_document",
            target_id=str(row["id"]),
            org_unit_id=org_unit_id,
            details={"number": doc.number, "schools": len(school_ids)},
        )
    return row


async def office_documents(
    principal: Principal, org_unit_id: UUID, first: int
) -> list[dict[str, Any]]:
    user = _office(principal, org_unit_id)
    async with db.identity(user):
        return await repo.office_documents(org_unit_id, max(1, min(first, 100)))


async def receipts(
    principal: Principal, org_unit_id: UUID, office_document_ids: list[UUID]
) -> dict[UUID, list[dict[str, Any]]]:
    """Per document: per school, delivered/read/answered. Nothing else of a school is readable."""
    user = _office(principal, org_unit_id)
    async with db.identity(user):
        rows = await repo.deliveries_of(office_document_ids)
    out: dict[UUID, list[dict[str, Any]]] = {d: [] for d in office_document_ids}
    for row in rows:
        out[row["office_document_id"]].append(row)
    return out


async def inbox(principal: Principal, school_id: UUID, first: int) -> list[dict[str, Any]]:
    """The school's deliveries, newest first, each with the office document."""
    user = _member(principal, school_id, "school")
    if not principal.has_school_role(school_id, REGISTRARS):
        raise PermissionDenied()
    async with db.tenant(school_id, user):
        rows = await repo.school_deliveries(max(1, min(first, 100)))
        for row in rows:
            row["document"] = await repo.office_document(row["office_document_id"])
            local = await repo.document_for_office_doc(row["office_document_id"])
            row["local_document"] = local
    return rows


async def open_delivery(
    principal: Principal, school_id: UUID, delivery_id: UUID, *, answered: bool = False
) -> dict[str, Any]:
    """Mark read (or answered) and register the document in the school's incoming book once, so
    management can assign it as tasks. Idempotent."""
    user = _member(principal, school_id)
    if not principal.has_school_role(school_id, REGISTRARS):
        raise PermissionDenied()
    async with db.tenant(school_id, user):
        row = await repo.delivery(delivery_id)
        if row is None:
            raise NotFound("delivery")
        office_doc = await repo.office_document(row["office_document_id"])
        assert office_doc is not None
        await repo.mark_delivery(delivery_id, user, answered=answered)
        local = await repo.document_for_office_doc(office_doc["id"])
        if local is None:
            await repo.insert_document(
                school_id,
                "incoming",
                office_doc["number"],
                office_doc["issued_on"],
                office_doc["sender"],
                office_doc["subject"],
                office_doc["due_on"],
                office_doc["attachments"],
                user,
                office_document_id=office_doc["id"],
            )
            local = await repo.document_for_office_doc(office_doc["id"])
        await audit.record_school(
            school_id,
            "document.delivery_answered" if answered else "document.delivery_read",
            actor_user_id=user,
            target_type="document_delivery",
            target_id=str(delivery_id),
        )
        row = await repo.delivery(delivery_id)
    assert row is not None
    row["document"], row["local_document"] = office_doc, local
    return row


def can_link_office_file(principal: Principal, org_unit_id: UUID) -> bool:
    return any(g.org_unit_id == org_unit_id for g in principal.office_grants) or any(
        g.role is Role.DEPARTMENT_ADMIN for g in principal.office_grants
    )


async def visible_by_ids(
    principal: Principal, kind: str, object_ids: list[UUID]
) -> dict[UUID, dict[str, Any]]:
    """``node(id)`` lookups (kind: document | task | delivery | office_document): one tenant
    transaction per school of the caller; registrars see everything of their school, other staff
    only what is assigned to them; office documents only for a grant on their office."""
    user = principal.require_user()
    found: dict[UUID, dict[str, Any]] = {}
    if kind == "office_document":
        units = [g.org_unit_id for g in principal.office_grants]
        if units:
            async with db.identity(user):
                found = {r["id"]: r for r in await repo.office_documents_by_ids(object_ids, units)}
        return found
    for school_id in sorted(principal.school_ids):
        registrar = principal.has_school_role(school_id, REGISTRARS)
        staff = principal.has_school_role(school_id, set(Role) - {Role.GUARDIAN, Role.STUDENT})
        if not staff or (kind == "delivery" and not registrar):
            continue
        assignee = None if registrar else user
        wanted = [i for i in object_ids if i not in found]
        async with db.tenant(school_id, user):
            if kind == "document":
                rows = await repo.documents_by_ids(wanted, assignee)
            elif kind == "task":
                rows = await repo.tasks_by_ids(wanted, assignee)
            else:
                rows = await repo.deliveries_by_ids(wanted)
        found.update({r["id"]: r for r in rows})
    return found
