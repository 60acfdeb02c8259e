"""Queries of the organisation: the tree and the schools directory."""

from __future__ import annotations

import base64
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.tenants.types import OrgUnit, School
from schoolhub.platform.errors import InvalidInput
from schoolhub.tenants import service as tenants


def _cursor(code: str) -> str:
    return base64.urlsafe_b64encode(f"school:{code}".encode()).decode()


def _after(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        kind, _, code = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("malformed cursor", code="INVALID_ID", field="after") from exc
    if kind != "school" or not code:
        raise InvalidInput("malformed cursor", code="INVALID_ID", field="after")
    return code


@strawberry.type
class TenantQueries:
    @strawberry.field(description="The organisation tree: department, districts, communes.")
    async def org_units(self, info: Info) -> list[OrgUnit]:
        rows = await tenants.list_org_units(info.context.require_principal())
        return [OrgUnit.from_row(r) for r in rows]

    @strawberry.field(description="Schools the caller may see, ordered by code (keyset pages).")
    async def schools(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        org_unit_id: strawberry.ID | None = None,
    ) -> relay.Connection[School]:
        if not 1 <= first <= 100:
            raise InvalidInput("first must be between 1 and 100", field="first")
        unit: UUID | None = ids.decode(org_unit_id, "OrgUnit", "orgUnitId") if org_unit_id else None
        page = await tenants.list_schools(
            info.context.require_principal(),
            org_unit_id=unit,
            after_code=_after(after),
            first=first,
        )
        edges = [relay.Edge(node=School.from_row(r), cursor=_cursor(r["code"])) for r in page.items]
        return relay.Connection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )
