"""Every query of official documents, tasks and deliveries. Callers open the right scope:
``db.tenant(school)`` for a school's rows, ``db.identity(user)`` for the sending office's view."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

from schoolhub.platform import db
from schoolhub.workspace.people.search import folded_match, prefix_first_order

DOC_COLUMNS = (
    "d.id, d.school_id, d.direction, d.number, d.issued_on, d.sender, d.subject, d.due_on,"
    " d.attachments, d.office_document_id, d.created_by, d.created_at"
)
OFFICE_COLUMNS = (
    "o.id, o.org_unit_id, o.number, o.issued_on, o.sender, o.subject, o.due_on, o.attachments,"
    " o.created_by, o.created_at"
)
TASK_COLUMNS = (
    "t.id, t.school_id, t.document_id, t.assignee_id, t.assigned_by, t.note, t.status,"
    " coalesce(t.due_on, d.due_on) AS due_on, t.created_at, t.updated_at, t.done_at"
)
DELIVERY_COLUMNS = (
    "v.id, v.school_id, v.office_document_id, v.delivered_at, v.read_at, v.answered_at"
)


def _decode(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is not None and isinstance(row.get("attachments"), str):
        row["attachments"] = json.loads(row["attachments"])
    return row


async def insert_document(
    school_id: UUID,
    direction: str,
    number: str,
    issued_on: date,
    sender: str,
    subject: str,
    due_on: date | None,
    attachments: list[dict[str, Any]],
    created_by: UUID,
    office_document_id: UUID | None = None,
) -> dict[str, Any]:
    row = await db.fetchrow(
        "INSERT INTO workspace_document AS d (school_id, direction, number, issued_on, sender,"
        " subject, due_on, attachments, created_by, office_document_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)"
        " ON CONFLICT (school_id, office_document_id) DO NOTHING"
        f" RETURNING {DOC_COLUMNS}",
        school_id,
        direction,
        number,
        issued_on,
        sender,
        subject,
        due_on,
        json.dumps(attachments),
        created_by,
        office_document_id,
    )
    return _decode(row) or {}


async def document(document_id: UUID) -> dict[str, Any] | None:
    return _decode(
        await db.fetchrow(
            f"SELECT {DOC_COLUMNS} FROM workspace_document d WHERE d.id = $1", document_id
        )
    )


async def document_for_office_doc(office_document_id: UUID) -> dict[str, Any] | None:
    return _decode(
        await db.fetchrow(
            f"SELECT {DOC_COLUMNS} FROM workspace_document d WHERE d.office_document_id = $1",
            office_document_id,
        )
    )


async def documents(
    *,
    direction: str | None,
    assignee: UUID | None,
    limit: int,
    words: list[str] | None = None,
    folded_query: str = "",
) -> list[dict[str, Any]]:
    """Newest first; with ``words`` (folded search words), only documents whose number, subject
    or sender contain every word, whole-prefix matches of ``folded_query`` first."""
    match, search_args, order = "TRUE", [], "d.created_at DESC, d.id"
    if words:
        match, match_args = folded_match("d.search_folded", 5, words)
        order = f"{prefix_first_order('d.search_folded', 4)}, d.created_at DESC, d.id"
        search_args = [folded_query, *match_args]
    rows = await db.fetch(
        f"SELECT {DOC_COLUMNS} FROM workspace_document d"
        " WHERE ($1::text IS NULL OR d.direction = $1)"
        "   AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM workspace_document_task t"
        f"        WHERE t.document_id = d.id AND t.assignee_id = $2)) AND {match}"
        f" ORDER BY {order} LIMIT $3",
        direction,
        assignee,
        limit,
        *search_args,
    )
    return [_decode(r) or {} for r in rows]


async def is_staff_member(user_id: UUID, roles: list[str]) -> bool:
    row = await db.fetchrow(
        "SELECT 1 AS ok FROM tenants_membership WHERE user_id = $1 AND role = ANY($2::text[])"
        " AND revoked_at IS NULL LIMIT 1",
        user_id,
        roles,
    )
    return row is not None


async def insert_task(
    school_id: UUID,
    document_id: UUID,
    assignee_id: UUID,
    assigned_by: UUID,
    note: str,
    due_on: date | None,
) -> UUID:
    row = await db.fetchrow(
        "INSERT INTO workspace_document_task (school_id, document_id, assignee_id, assigned_by,"
        " note, due_on) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        school_id,
        document_id,
        assignee_id,
        assigned_by,
        note,
        due_on,
    )
    assert row is not None
    return UUID(str(row["id"]))


async def task(task_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        f"SELECT {TASK_COLUMNS} FROM workspace_document_task t"
        " JOIN workspace_document d ON d.id = t.document_id WHERE t.id = $1",
        task_id,
    )


async def tasks(
    *, document_ids: list[UUID] | None, assignee: UUID | None, limit: int
) -> list[dict[str, Any]]:
    return await db.fetch(
        f"SELECT {TASK_COLUMNS} FROM workspace_document_task t"
        " JOIN workspace_document d ON d.id = t.document_id"
        " WHERE ($1::uuid[] IS NULL OR t.document_id = ANY($1::uuid[]))"
        "   AND ($2::uuid IS NULL OR t.assignee_id = $2)"
        " ORDER BY t.created_at, t.id LIMIT $3",
        document_ids,
        assignee,
        limit,
    )


async def set_task_status(task_id: UUID, status: str) -> None:
    await db.execute(
        "UPDATE workspace_document_task SET status = $2, updated_at = now(),"
        " done_at = CASE WHEN $2 = 'done' THEN now() END WHERE id = $1",
        task_id,
        status,
    )


# Office side (province-wide office_document; deliveries through the office_sender policies).


async def insert_office_document(
    org_unit_id: UUID,
    number: str,
    issued_on: date,
    sender: str,
    subject: str,
    due_on: date | None,
    attachments: list[dict[str, Any]],
    created_by: UUID,
) -> dict[str, Any]:
    row = await db.fetchrow(
        "INSERT INTO office_document AS o (org_unit_id, number, issued_on, sender, subject, due_on,"
        " attachments, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)"
        f" RETURNING {OFFICE_COLUMNS}",
        org_unit_id,
        number,
        issued_on,
        sender,
        subject,
        due_on,
        json.dumps(attachments),
        created_by,
    )
    assert row is not None
    return _decode(row) or {}


async def insert_deliveries(office_document_id: UUID, school_ids: list[UUID]) -> None:
    await db.execute(
        "INSERT INTO workspace_document_delivery (school_id, office_document_id)"
        " SELECT s, $1 FROM unnest($2::uuid[]) AS s",
        office_document_id,
        school_ids,
    )


async def office_documents(org_unit_id: UUID, limit: int) -> list[dict[str, Any]]:
    rows = await db.fetch(
        f"SELECT {OFFICE_COLUMNS} FROM office_document o WHERE o.org_unit_id = $1"
        " ORDER BY o.created_at DESC, o.id LIMIT $2",
        org_unit_id,
        limit,
    )
    return [_decode(r) or {} for r in rows]


async def office_document(office_document_id: UUID) -> dict[str, Any] | None:
    return _decode(
        await db.fetchrow(
            f"SELECT {OFFICE_COLUMNS} FROM office_document o WHERE o.id = $1", office_document_id
        )
    )


async def deliveries_of(office_document_ids: list[UUID]) -> list[dict[str, Any]]:
    """Receipts visible in the current scope (the sender's, through office_sender_read)."""
    return await db.fetch(
        f"SELECT {DELIVERY_COLUMNS}, s.name AS school_name FROM workspace_document_delivery v"
        " JOIN tenants_school s ON s.id = v.school_id"
        " WHERE v.office_document_id = ANY($1::uuid[]) ORDER BY s.code",
        office_document_ids,
    )


async def school_deliveries(limit: int) -> list[dict[str, Any]]:
    return await db.fetch(
        f"SELECT {DELIVERY_COLUMNS}, '' AS school_name FROM workspace_document_delivery v"
        " ORDER BY v.delivered_at DESC, v.id LIMIT $1",
        limit,
    )


async def delivery(delivery_id: UUID) -> dict[str, Any] | None:
    return await db.fetchrow(
        f"SELECT {DELIVERY_COLUMNS}, '' AS school_name FROM workspace_document_delivery v"
        " WHERE v.id = $1",
        delivery_id,
    )


async def mark_delivery(delivery_id: UUID, user_id: UUID, *, answered: bool) -> None:
    if answered:
        await db.execute(
            "UPDATE workspace_document_delivery SET answered_at = coalesce(answered_at, now()),"
            " answered_by = coalesce(answered_by, $2), read_at = coalesce(read_at, now()),"
            " read_by = coalesce(read_by, $2) WHERE id = $1",
            delivery_id,
            user_id,
        )
    else:
        await db.execute(
            "UPDATE workspace_document_delivery SET read_at = coalesce(read_at, now()),"
            " read_by = coalesce(read_by, $2) WHERE id = $1",
            delivery_id,
            user_id,
        )


async def documents_by_ids(doc_ids: list[UUID], assignee: UUID | None) -> list[dict[str, Any]]:
    rows = await db.fetch(
        f"SELECT {DOC_COLUMNS} FROM workspace_document d WHERE d.id = ANY($1::uuid[])"
        " AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM workspace_document_task t"
        "      WHERE t.document_id = d.id AND t.assignee_id = $2))",
        doc_ids,
        assignee,
    )
    return [_decode(r) or {} for r in rows]


async def tasks_by_ids(task_ids: list[UUID], assignee: UUID | None) -> list[dict[str, Any]]:
    return await db.fetch(
        f"SELECT {TASK_COLUMNS} FROM workspace_document_task t"
        " JOIN workspace_document d ON d.id = t.document_id WHERE t.id = ANY($1::uuid[])"
        " AND ($2::uuid IS NULL OR t.assignee_id = $2)",
        task_ids,
        assignee,
    )


async def deliveries_by_ids(delivery_ids: list[UUID]) -> list[dict[str, Any]]:
    return await db.fetch(
        f"SELECT {DELIVERY_COLUMNS}, '' AS school_name FROM workspace_document_delivery v"
        " WHERE v.id = ANY($1::uuid[])",
        delivery_ids,
    )


async def office_documents_by_ids(
    doc_ids: list[UUID], org_unit_ids: list[UUID]
) -> list[dict[str, Any]]:
    rows = await db.fetch(
        f"SELECT {OFFICE_COLUMNS} FROM office_document o WHERE o.id = ANY($1::uuid[])"
        " AND o.org_unit_id = ANY($2::uuid[])",
        doc_ids,
        org_unit_ids,
    )
    return [_decode(r) or {} for r in rows]
