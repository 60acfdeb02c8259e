"""Queries of fees and payments."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.payments.types import (
    FeeItem,
    Invoice,
    InvoiceStatus,
    PaymentIntent,
    PaymentsReport,
    PaymentsReportRow,
    SchoolPaymentTotals,
)
from schoolhub.payments import fees, intents, reports
from schoolhub.platform.errors import NotFound


@strawberry.type
class PaymentsQueries:
    @strawberry.field(description="Fee staff: the school's fee catalogue.")
    async def fee_items(self, info: Info, school_id: strawberry.ID) -> list[FeeItem]:
        principal = info.context.require_principal()
        rows = await fees.list_fee_items(principal, ids.decode(school_id, "School", "schoolId"))
        return [FeeItem.from_row(r) for r in rows]

    @strawberry.field(description="Fee staff: the school's invoices (at most 500, by number).")
    async def school_invoices(
        self,
        info: Info,
        school_id: strawberry.ID,
        status: InvoiceStatus | None = None,
        first: int = 200,
    ) -> list[Invoice]:
        principal = info.context.require_principal()
        rows = await fees.list_invoices(
            principal,
            ids.decode(school_id, "School", "schoolId"),
            status=status.value if status else None,
            limit=first,
        )
        return [Invoice.from_row(r) for r in rows]

    @strawberry.field(description="Guardians: open invoices of all their children, across schools.")
    async def my_outstanding_invoices(self, info: Info) -> list[Invoice]:
        rows = await intents.outstanding_invoices(info.context.require_principal())
        return [Invoice.from_row(r) for r in rows]

    @strawberry.field(description="Principal/accountant: collected vs outstanding.")
    async def payments_report(
        self, info: Info, school_id: strawberry.ID, period: str | None = None
    ) -> PaymentsReport:
        principal = info.context.require_principal()
        data = await reports.school_report(
            principal, ids.decode(school_id, "School", "schoolId"), period=period
        )
        return PaymentsReport(
            by_class=[PaymentsReportRow.from_row(r) for r in data["by_class"]],
            by_fee_item=[PaymentsReportRow.from_row(r) for r in data["by_fee_item"]],
            by_period=[PaymentsReportRow.from_row(r) for r in data["by_period"]],
        )

    @strawberry.field(description="District office: totals per school only (audit-logged).")
    async def district_payment_totals(
        self, info: Info, org_unit_id: strawberry.ID
    ) -> list[SchoolPaymentTotals]:
        principal = info.context.require_principal()
        rows = await reports.district_totals(
            principal, ids.decode(org_unit_id, "OrgUnit", "orgUnitId")
        )
        return [
            SchoolPaymentTotals(
                school_code=r["code"],
                school_name=r["label"],
                billed_vnd=r["billed_vnd"],
                collected_vnd=r["collected_vnd"],
                outstanding_vnd=r["outstanding_vnd"],
            )
            for r in rows
        ]


async def _invoices(info: Info, keys: list[UUID]) -> dict[UUID, Any]:
    rows = await intents.visible_invoices(info.context.require_principal(), keys)
    return {r["id"]: Invoice.from_row(r) for r in rows}


async def _intents(info: Info, keys: list[UUID]) -> dict[UUID, Any]:
    found: dict[UUID, Any] = {}
    for key in keys:
        try:
            row = await intents.get_intent(info.context.require_principal(), key)
        except NotFound:
            continue
        found[key] = PaymentIntent.from_row(row)
    return found
