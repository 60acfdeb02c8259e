"""GraphQL types of official documents, their tasks, office deliveries and file links."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.platform import storage
from schoolhub.workspace.documents import office
from schoolhub.workspace.documents import service as documents

LINK_TTL_S = 600


@strawberry.enum
class DocumentDirection(Enum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


@strawberry.enum(description="OVERDUE is computed: not done and past the due date.")
class DocumentTaskStatus(Enum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    OVERDUE = "overdue"


@strawberry.type(description="A short-lived download link (GET with the Bearer token).")
class FileLink:
    filename: str
    content_type: str
    url: str
    expires_at: datetime


def _links(
    attachments: list[dict[str, Any]], school_id: UUID | None, org_unit_id: UUID | None
) -> list[FileLink]:
    store = storage.get_storage()
    expires = datetime.fromtimestamp(datetime.now().timestamp() + LINK_TTL_S).astimezone()
    return [
        FileLink(
            filename=a["filename"],
            content_type=a["content_type"],
            url=store.signed_url(a["key"], LINK_TTL_S, school_id, org_unit_id=org_unit_id),
            expires_at=expires,
        )
        for a in attachments
    ]


@strawberry.type(description="An assignment of a document to a staff member (hồ sơ công việc).")
class DocumentTask(relay.Node):
    id: relay.NodeID[str]
    document_id: strawberry.ID
    assignee_id: strawberry.ID
    note: str
    status: DocumentTaskStatus
    due_on: date | None
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DocumentTask:
        return cls(
            id=str(row["id"]),
            document_id=strawberry.ID(ids.encode("OfficialDocument", row["document_id"])),
            assignee_id=strawberry.ID(ids.encode("User", row["assignee_id"])),
            note=row["note"],
            status=DocumentTaskStatus(documents.task_status(row)),
            due_on=row["due_on"],
            updated_at=row["updated_at"],
        )


@strawberry.type(description="Công văn: a school's document, or one an office sent to schools.")
class OfficialDocument(relay.Node):
    id: relay.NodeID[str]
    direction: DocumentDirection
    number: str
    issued_on: date
    sender: str
    subject: str
    due_on: date | None
    created_at: datetime
    attachments: list[FileLink]
    school_uuid: strawberry.Private[UUID | None]
    org_unit_uuid: strawberry.Private[UUID | None]

    @strawberry.field(description="School documents: all tasks (registrars) or the caller's own.")
    async def tasks(self, info: Info) -> list[DocumentTask] | None:
        if self.school_uuid is None:
            return None
        found = await documents.document_tasks(
            info.context.require_principal(), self.school_uuid, [UUID(self.id)]
        )
        return [DocumentTask.from_row(r) for r in found.get(UUID(self.id), [])]

    @strawberry.field(description="Office documents: per school, delivered / read / answered.")
    async def deliveries(self, info: Info) -> list[DocumentDelivery] | None:
        if self.org_unit_uuid is None:
            return None
        found = await office.receipts(
            info.context.require_principal(), self.org_unit_uuid, [UUID(self.id)]
        )
        return [DocumentDelivery.from_row(r) for r in found.get(UUID(self.id), [])]

    @classmethod
    def from_school_row(cls, row: dict[str, Any]) -> OfficialDocument:
        return cls._of(row, DocumentDirection(row["direction"]), row["school_id"], None)

    @classmethod
    def from_office_row(
        cls, row: dict[str, Any], *, for_school: UUID | None = None
    ) -> OfficialDocument:
        """As the sending office sees it, or (``for_school``) as a recipient school reads it."""
        org = None if for_school else row["org_unit_id"]
        direction = DocumentDirection.INCOMING if for_school else DocumentDirection.OUTGOING
        doc = cls._of(row, direction, for_school, org)
        doc.school_uuid = None  # an office document has no school tasks
        return doc

    @classmethod
    def _of(
        cls,
        row: dict[str, Any],
        direction: DocumentDirection,
        school_id: UUID | None,
        org_unit_id: UUID | None,
    ) -> OfficialDocument:
        return cls(
            id=str(row["id"]),
            direction=direction,
            number=row["number"],
            issued_on=row["issued_on"],
            sender=row["sender"],
            subject=row["subject"],
            due_on=row["due_on"],
            created_at=row["created_at"],
            attachments=_links(row["attachments"], school_id, org_unit_id),
            school_uuid=school_id,
            org_unit_uuid=org_unit_id,
        )


@strawberry.type(description="One school's copy of an office document: delivered, read, answered.")
class DocumentDelivery(relay.Node):
    id: relay.NodeID[str]
    school_id: strawberry.ID
    school_name: str
    delivered_at: datetime
    read_at: datetime | None
    answered_at: datetime | None
    document: OfficialDocument | None = strawberry.field(
        default=None, description="The office's document (the recipient school's view)."
    )
    registered_document: OfficialDocument | None = strawberry.field(
        default=None, description="The school's incoming-book entry, once opened."
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DocumentDelivery:
        school = row["school_id"]
        sent = row.get("document")
        local = row.get("local_document")
        return cls(
            id=str(row["id"]),
            school_id=strawberry.ID(ids.encode("School", school)),
            school_name=row.get("school_name") or "",
            delivered_at=row["delivered_at"],
            read_at=row["read_at"],
            answered_at=row["answered_at"],
            document=OfficialDocument.from_office_row(sent, for_school=school) if sent else None,
            registered_document=OfficialDocument.from_school_row(local) if local else None,
        )


@strawberry.input
class DocumentAttachmentInput:
    key: str
    filename: str


@strawberry.input
class OfficialDocumentInput:
    number: str
    issued_on: date
    subject: str
    sender: str = ""
    due_on: date | None = None
    attachments: list[DocumentAttachmentInput] = strawberry.field(default_factory=list)

    def to_domain(self, sender: str | None = None) -> documents.DocumentInput:
        return documents.DocumentInput(
            number=self.number,
            issued_on=self.issued_on,
            sender=self.sender if sender is None else sender,
            subject=self.subject,
            due_on=self.due_on,
            attachments=[documents.Attachment(a.key, a.filename) for a in self.attachments],
        )


@strawberry.type
class OfficialDocumentPayload:
    document: OfficialDocument | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DocumentTaskPayload:
    task: DocumentTask | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DocumentDeliveryPayload:
    delivery: DocumentDelivery | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
