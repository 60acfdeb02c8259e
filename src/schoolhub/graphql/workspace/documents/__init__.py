"""GraphQL parts: official documents (công văn), tasks, file links. Merged by ``schoolhub.graphql.workspace``."""

from typing import Any
from uuid import UUID

from schoolhub.graphql import node
from schoolhub.graphql.workspace.documents.mutations import DocumentMutations
from schoolhub.graphql.workspace.documents.queries import DocumentQueries
from schoolhub.graphql.workspace.documents.types import (
    DocumentDelivery,
    DocumentTask,
    FileLink,
    OfficialDocument,
)
from schoolhub.workspace.documents import office

QUERIES: tuple[type, ...] = (DocumentQueries,)
MUTATIONS: tuple[type, ...] = (DocumentMutations,)
SUBSCRIPTIONS: tuple[type, ...] = ()
TYPES: tuple[type, ...] = (OfficialDocument, DocumentDelivery, DocumentTask, FileLink)


async def _documents(info: Any, keys: list[UUID]) -> dict[UUID, Any]:
    principal = info.context.require_principal()
    school = await office.visible_by_ids(principal, "document", keys)
    out: dict[UUID, Any] = {k: OfficialDocument.from_school_row(r) for k, r in school.items()}
    rest = [k for k in keys if k not in out]
    if rest:
        sent = await office.visible_by_ids(principal, "office_document", rest)
        out.update({k: OfficialDocument.from_office_row(r) for k, r in sent.items()})
    return out


async def _tasks(info: Any, keys: list[UUID]) -> dict[UUID, Any]:
    rows = await office.visible_by_ids(info.context.require_principal(), "task", keys)
    return {k: DocumentTask.from_row(r) for k, r in rows.items()}


async def _deliveries(info: Any, keys: list[UUID]) -> dict[UUID, Any]:
    rows = await office.visible_by_ids(info.context.require_principal(), "delivery", keys)
    return {k: DocumentDelivery.from_row(r) for k, r in rows.items()}


node.register("OfficialDocument", _documents)
node.register("DocumentTask", _tasks)
node.register("DocumentDelivery", _deliveries)
