"""Mutations of official documents: register, assign, progress, send from an office, receive."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.graphql.workspace.documents.types import (
    DocumentDelivery,
    DocumentDeliveryPayload,
    DocumentDirection,
    DocumentTask,
    DocumentTaskPayload,
    DocumentTaskStatus,
    OfficialDocument,
    OfficialDocumentInput,
    OfficialDocumentPayload,
)
from schoolhub.platform.errors import DomainError, InvalidInput
from schoolhub.workspace.documents import office
from schoolhub.workspace.documents import service as documents

MAX_SCHOOL_IDS = 1000


@strawberry.type
class DocumentMutations:
    @strawberry.mutation(description="Registrars: record an incoming or outgoing document.")
    async def create_document(
        self,
        info: Info,
        school_id: strawberry.ID,
        direction: DocumentDirection,
        input: OfficialDocumentInput,
    ) -> OfficialDocumentPayload:
        principal = info.context.require_principal()
        try:
            row = await documents.create_document(
                principal,
                ids.decode(school_id, "School", "schoolId"),
                direction.value,
                input.to_domain(),
            )
        except DomainError as exc:
            return OfficialDocumentPayload(errors=[UserError.of(exc)])
        return OfficialDocumentPayload(document=OfficialDocument.from_school_row(row))

    @strawberry.mutation(description="Management: assign a document to a staff member.")
    async def assign_document_task(
        self,
        info: Info,
        school_id: strawberry.ID,
        document_id: strawberry.ID,
        assignee_id: strawberry.ID,
        note: str = "",
        due_on: date | None = None,
    ) -> DocumentTaskPayload:
        principal = info.context.require_principal()
        try:
            row = await documents.assign_task(
                principal,
                ids.decode(school_id, "School", "schoolId"),
                ids.decode(document_id, "OfficialDocument", "documentId"),
                ids.decode(assignee_id, "User", "assigneeId"),
                note=note,
                due_on=due_on,
            )
        except DomainError as exc:
            return DocumentTaskPayload(errors=[UserError.of(exc)])
        return DocumentTaskPayload(task=DocumentTask.from_row(row))

    @strawberry.mutation(description="The assignee (or management): move a task along.")
    async def update_document_task(
        self,
        info: Info,
        school_id: strawberry.ID,
        task_id: strawberry.ID,
        status: DocumentTaskStatus,
    ) -> DocumentTaskPayload:
        principal = info.context.require_principal()
        try:
            if status is DocumentTaskStatus.OVERDUE:
                raise InvalidInput("overdue is computed from the due date", field="status")
            row = await documents.update_task(
                principal,
                ids.decode(school_id, "School", "schoolId"),
                ids.decode(task_id, "DocumentTask", "taskId"),
                status.value,
            )
        except DomainError as exc:
            return DocumentTaskPayload(errors=[UserError.of(exc)])
        return DocumentTaskPayload(task=DocumentTask.from_row(row))

    @strawberry.mutation(
        description="Department or district office: send one document to many schools of its"
        " subtree (one delivery per school)."
    )
    async def send_office_document(
        self,
        info: Info,
        org_unit_id: strawberry.ID,
        school_ids: list[strawberry.ID],
        input: OfficialDocumentInput,
    ) -> OfficialDocumentPayload:
        principal = info.context.require_principal()
        try:
            if len(school_ids) > MAX_SCHOOL_IDS:
                raise InvalidInput(f"at most {MAX_SCHOOL_IDS} schools", field="schoolIds")
            row = await office.send_office_document(
                principal,
                ids.decode(org_unit_id, "OrgUnit", "orgUnitId"),
                input.to_domain(sender=""),
                [ids.decode(s, "School", "schoolIds") for s in school_ids],
            )
        except DomainError as exc:
            return OfficialDocumentPayload(errors=[UserError.of(exc)])
        return OfficialDocumentPayload(document=OfficialDocument.from_office_row(row))

    @strawberry.mutation(
        description="Registrars: open a delivered document (marks it read and registers it in the"
        " incoming book) or mark it answered."
    )
    async def receive_document_delivery(
        self,
        info: Info,
        school_id: strawberry.ID,
        delivery_id: strawberry.ID,
        answered: bool = False,
    ) -> DocumentDeliveryPayload:
        principal = info.context.require_principal()
        try:
            row = await office.open_delivery(
                principal,
                ids.decode(school_id, "School", "schoolId"),
                ids.decode(delivery_id, "DocumentDelivery", "deliveryId"),
                answered=answered,
            )
        except DomainError as exc:
            return DocumentDeliveryPayload(errors=[UserError.of(exc)])
        return DocumentDeliveryPayload(delivery=DocumentDelivery.from_row(row))
