"""Queries of official documents: the school's book, its inbox, tasks, an office's sent documents."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.workspace.documents.types import (
    DocumentDelivery,
    DocumentDirection,
    DocumentTask,
    OfficialDocument,
)
from schoolhub.workspace.documents import office
from schoolhub.workspace.documents import service as documents


@strawberry.type
class DocumentQueries:
    @strawberry.field(
        description="A school's documents: all for registrars, assigned ones otherwise. With "
        "`query`: diacritic-insensitive search over number, subject and sender (`cong van` finds "
        "`Công văn`), matches with the diacritics as typed first; INVALID_SEARCH_QUERY when empty."
    )
    async def documents(
        self,
        info: Info,
        school_id: strawberry.ID,
        direction: DocumentDirection | None = None,
        first: int = 50,
        query: str | None = None,
    ) -> list[OfficialDocument]:
        principal = info.context.require_principal()
        rows = await documents.list_documents(
            principal,
            ids.decode(school_id, "School", "schoolId"),
            direction=direction.value if direction else None,
            first=first,
            query=query,
        )
        return [OfficialDocument.from_school_row(r) for r in rows]

    @strawberry.field(description="Documents offices delivered to this school (newest first).")
    async def document_deliveries(
        self, info: Info, school_id: strawberry.ID, first: int = 50
    ) -> list[DocumentDelivery]:
        principal = info.context.require_principal()
        rows = await office.inbox(principal, ids.decode(school_id, "School", "schoolId"), first)
        return [DocumentDelivery.from_row(r) for r in rows]

    @strawberry.field(description="The caller's own document tasks in a school.")
    async def my_document_tasks(
        self, info: Info, school_id: strawberry.ID, first: int = 50
    ) -> list[DocumentTask]:
        principal = info.context.require_principal()
        rows = await documents.my_tasks(
            principal, ids.decode(school_id, "School", "schoolId"), first
        )
        return [DocumentTask.from_row(r) for r in rows]

    @strawberry.field(description="Documents an office sent, with per-school receipts.")
    async def office_documents(
        self, info: Info, org_unit_id: strawberry.ID, first: int = 20
    ) -> list[OfficialDocument]:
        principal = info.context.require_principal()
        rows = await office.office_documents(
            principal, ids.decode(org_unit_id, "OrgUnit", "orgUnitId"), first
        )
        return [OfficialDocument.from_office_row(r) for r in rows]
