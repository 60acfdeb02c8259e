"""Official documents (công văn) and the tasks they create; documents an office sends to schools.

Who may do what:
* a school's principal, vice-principals and office staff (văn thư: role ``staff``) register
  incoming and outgoing documents, upload their files and open/answer documents delivered by an
  office; management assigns a document to staff members as tasks;
* an assignee sees the documents assigned to them and moves their task new -> in_progress -> done;
  "overdue" is computed (not stored): not done and past the task's (or the document's) due date;
* an office (the department, or a district for the schools of its subtree) sends one document to
  many schools: the document row is the office's, each school gets one delivery row that it reads
  in its own tenant scope. The sender sees per school only delivered/read/answered: the school's
  internal assignments live in the school's tables, which the office's scope cannot read (RLS).
A caller with no membership in the school (or no grant on the office) gets NOT_FOUND.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from schoolhub.platform import audit, db, outbox, storage, vntext
from schoolhub.platform.errors import InvalidInput, NotFound, PermissionDenied
from schoolhub.platform.principal import Principal, Role
from schoolhub.workspace.attendance.service import today
from schoolhub.workspace.documents import repository as repo
from schoolhub.workspace.documents.errors import DocumentsErrorCode as E
from schoolhub.workspace.people import search

REGISTRARS = frozenset({Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.STAFF})
MANAGEMENT = frozenset({Role.PRINCIPAL, Role.VICE_PRINCIPAL})
ASSIGNABLE = ["principal", "vice_principal", "teacher", "accountant", "staff"]
UPLOADERS = frozenset({Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.STAFF, Role.TEACHER})
DIRECTIONS = ("incoming", "outgoing")
TASK_STATUSES = ("new", "in_progress", "done")
MAX_ATTACHMENTS = 10
MAX_RECIPIENTS = 1000


@dataclass(frozen=True)
class Attachment:
    key: str
    filename: str


@dataclass(frozen=True)
class DocumentInput:
    number: str
    issued_on: date
    sender: str
    subject: str
    due_on: date | None
    attachments: list[Attachment]


def task_status(row: dict[str, Any]) -> str:
    """new | in_progress | done | overdue (computed from the due date, Vietnam time)."""
    if row["status"] != "done" and row["due_on"] is not None and row["due_on"] < today():
        return "overdue"
    return str(row["status"])


def _text(value: str, field: str, limit: int) -> str:
    value = " ".join(value.split())
    if not 1 <= len(value) <= limit:
        raise InvalidInput(
            f"{field} is 1-{limit} characters", code=E.DOCUMENT_INVALID_FIELD, field=field
        )
    return value


def _member(principal: Principal, school_id: UUID, what: str = "document") -> UUID:
    user = principal.require_user()
    if not principal.is_member(school_id):
        raise NotFound(what)
    return user


def _office(principal: Principal, org_unit_id: UUID) -> UUID:
    """The caller must hold a grant on exactly this office (department or district)."""
    user = principal.require_user()
    if not any(g.org_unit_id == org_unit_id for g in principal.office_grants):
        raise NotFound("office")
    return user


async def _attachments(items: list[Attachment], owner: tuple[str, UUID]) -> list[dict[str, Any]]:
    if len(items) > MAX_ATTACHMENTS:
        raise InvalidInput(f"at most {MAX_ATTACHMENTS} files", field="attachments")
    store = storage.get_storage()
    out = []
    for item in items:
        if storage.key_owner(item.key) != owner or not await store.exists(item.key):
            raise InvalidInput(
                "unknown file", code=E.DOCUMENT_ATTACHMENT_NOT_FOUND, field="attachments"
            )
        ext = item.key.rsplit(".", 1)[-1]
        out.append(
            {
                "key": item.key,
                "filename": storage.clean_filename(item.filename),
                "content_type": storage.CONTENT_TYPES[ext],
            }
        )
    return out


def _check(doc: DocumentInput) -> DocumentInput:
    return DocumentInput(
        number=_text(doc.number, "number", 64),
        issued_on=doc.issued_on,
        sender=_text(doc.sender, "sender", 200),
        subject=_text(doc.subject, "subject", 500),
        due_on=doc.due_on,
        attachments=doc.attachments,
    )


# Files ---------------------------------------------------------------------------------------


async def upload_school_file(
    principal: Principal, school_id: UUID, filename: str, data: bytes
) -> storage.StoredFile:
    """Validate (size, type by content) before writing anything; the key is generated here."""
    _member(principal, school_id, "school")
    if not principal.has_school_role(school_id, UPLOADERS):
        raise PermissionDenied()
    ext = storage.check_upload(filename, data)
    key = storage.new_key(school_id=school_id, org_unit_id=None, area="documents", ext=ext)
    await storage.get_storage().put(key, data)
    return storage.StoredFile(
        key, storage.clean_filename(filename), storage.CONTENT_TYPES[ext], len(data)
    )


async def upload_office_file(
    principal: Principal, org_unit_id: UUID, filename: str, data: bytes
) -> storage.StoredFile:
    _office(principal, org_unit_id)
    ext = storage.check_upload(filename, data)
    key = storage.new_key(school_id=None, org_unit_id=org_unit_id, area="documents", ext=ext)
    await storage.get_storage().put(key, data)
    return storage.StoredFile(
        key, storage.clean_filename(filename), storage.CONTENT_TYPES[ext], len(data)
    )


def link(
    key: str,
    *,
    school_id: UUID | None = None,
    org_unit_id: UUID | None = None,
    expires_in: int = 600,
) -> str:
    return storage.get_storage().signed_url(key, expires_in, school_id, org_unit_id=org_unit_id)


# School documents and tasks ------------------------------------------------------------------


async def create_document(
    principal: Principal, school_id: UUID, direction: str, doc: DocumentInput
) -> dict[str, Any]:
    user = _member(principal, school_id)
    if not principal.has_school_role(school_id, REGISTRARS):
        raise PermissionDenied()
    if direction not in DIRECTIONS:
        raise InvalidInput("direction is incoming or outgoing", field="direction")
    doc = _check(doc)
    files = await _attachments(doc.attachments, ("school", school_id))
    async with db.tenant(school_id, user):
        row = await repo.insert_document(
            school_id,
            direction,
            doc.number,
            doc.issued_on,
            doc.sender,
            doc.subject,
            doc.due_on,
            files,
            user,
        )
        await audit.record_school(
            school_id,
            "document.created",
            actor_user_id=user,
            target_type="document",
            target_id=str(row["id"]),
            details={"number": doc.number, "direction": direction},
        )
    return row


def _sees_all(principal: Principal, school_id: UUID) -> bool:
    return principal.has_school_role(school_id, REGISTRARS)


async def list_documents(
    principal: Principal,
    school_id: UUID,
    *,
    direction: str | None,
    first: int,
    query: str | None = None,
) -> list[dict[str, Any]]:
    """Registrars see every document; other staff see the documents assigned to them.

    With ``query``: diacritic-insensitive search over number, subject and sender ("cong van"
    finds "Công văn"), matches with the diacritics as typed ranked first, then newest first."""
    user = _member(principal, school_id)
    if not principal.has_school_role(school_id, set(Role) - {Role.GUARDIAN, Role.STUDENT}):
        raise PermissionDenied()
    if direction is not None and direction not in DIRECTIONS:
        raise InvalidInput("direction is incoming or outgoing", field="direction")
    words = search.query_words(query) if query is not None else None
    limit = max(1, min(first, 100))
    async with db.tenant(school_id, user):
        rows = await repo.documents(
            direction=direction,
            assignee=None if _sees_all(principal, school_id) else user,
            limit=search.CANDIDATES if words else limit,
            words=words,
            folded_query=vntext.fold(query or ""),
        )
    if not words or query is None:
        return rows
    ranked = search.rank_hits(
        query, rows, key=lambda r: f"{r['subject']} {r['sender']} {r['number']}", keep_order=True
    )
    return [row for _, row in ranked[:limit]]


async def document_tasks(
    principal: Principal, school_id: UUID, document_ids: list[UUID]
) -> dict[UUID, list[dict[str, Any]]]:
    """Tasks per document (batched): everything for registrars, one's own tasks otherwise."""
    user = _member(principal, school_id)
    async with db.tenant(school_id, user):
        rows = await repo.tasks(
            document_ids=document_ids,
            assignee=None if _sees_all(principal, school_id) else user,
            limit=1000,
        )
    out: dict[UUID, list[dict[str, Any]]] = {d: [] for d in document_ids}
    for row in rows:
        out[row["document_id"]].append(row)
    return out


async def my_tasks(principal: Principal, school_id: UUID, first: int) -> list[dict[str, Any]]:
    user = _member(principal, school_id, "task")
    async with db.tenant(school_id, user):
        return await repo.tasks(document_ids=None, assignee=user, limit=max(1, min(first, 100)))


async def assign_task(
    principal: Principal,
    school_id: UUID,
    document_id: UUID,
    assignee_id: UUID,
    *,
    note: str = "",
    due_on: date | None = None,
) -> dict[str, Any]:
    user = _member(principal, school_id)
    if not principal.has_school_role(school_id, MANAGEMENT):
        raise PermissionDenied()
    if len(note) > 1000:
        raise InvalidInput("note is at most 1000 characters", field="note")
    async with db.tenant(school_id, user):
        if await repo.document(document_id) is None:
            raise NotFound("document")
        if not await repo.is_staff_member(assignee_id, ASSIGNABLE):
            raise InvalidInput(
                "tasks go to staff of this school",
                code=E.DOCUMENT_ASSIGNEE_NOT_STAFF,
                field="assigneeId",
            )
        task_id = await repo.insert_task(
            school_id, document_id, assignee_id, user, note.strip(), due_on
        )
        await outbox.emit(
            "documents.task_assigned",
            {
                "task_id": str(task_id),
                "document_id": str(document_id),
                "assignee_id": str(assignee_id),
            },
            school_id,
        )
        await audit.record_school(
            school_id,
            "document.task_assigned",
            actor_user_id=user,
            target_type="document_task",
            target_id=str(task_id),
            details={"assignee": str(assignee_id)},
        )
        row = await repo.task(task_id)
    assert row is not None
    return row


async def update_task(
    principal: Principal, school_id: UUID, task_id: UUID, status: str
) -> dict[str, Any]:
    """The assignee (or management) moves a task; "overdue" is computed, never set."""
    user = _member(principal, school_id, "task")
    if status not in TASK_STATUSES:
        raise InvalidInput("status is new, in_progress or done", field="status")
    async with db.tenant(school_id, user):
        row = await repo.task(task_id)
        if row is None:
            raise NotFound("task")
        if row["assignee_id"] != user and not principal.has_school_role(school_id, MANAGEMENT):
            if _sees_all(principal, school_id):
                raise PermissionDenied()
            raise NotFound("task")
        await repo.set_task_status(task_id, status)
        row = await repo.task(task_id)
    assert row is not None
    return row
