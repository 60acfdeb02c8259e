"""GraphQL of the daily VNPay reconciliation report and the accountant's unmatched queue."""

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
from schoolhub.payments import reconciliation_report as report
from schoolhub.platform.errors import DomainError


@strawberry.enum(description="How VNPay's answer compares with our record of one intent.")
class ReconciliationOutcome(Enum):
    MATCHED = "matched"
    MISMATCH_AMOUNT = "mismatch_amount"
    MISSING_AT_VNPAY = "missing_at_vnpay"
    PAID_AT_VNPAY_NOT_RECORDED = "paid_at_vnpay_not_recorded"
    STATUS_DIFFERS = "status_differs"


@strawberry.enum
class ReconciliationResolution(Enum):
    OPEN = "open"
    RESOLVED = "resolved"


@strawberry.type(description="One intent of a reconciliation run: our record vs VNPay's querydr.")
class ReconciliationItem(relay.Node):
    id: relay.NodeID[str]
    payment_intent_id: strawberry.ID
    txn_ref: str
    our_status: str
    our_amount_vnd: int
    vnpay_response_code: str
    vnpay_status: str | None
    vnpay_amount_vnd: int | None
    vnpay_transaction_no: str | None
    outcome: ReconciliationOutcome
    resolution: ReconciliationResolution
    resolved_by_id: strawberry.ID | None
    resolution_note: str | None
    resolved_at: datetime | None
    checked_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ReconciliationItem:
        by = row["resolved_by"]
        return cls(
            id=str(row["id"]),
            payment_intent_id=strawberry.ID(ids.encode("PaymentIntent", row["intent_id"])),
            txn_ref=row["txn_ref"],
            our_status=row["our_status"],
            our_amount_vnd=row["our_amount_vnd"],
            vnpay_response_code=row["vnpay_response_code"],
            vnpay_status=row["vnpay_status"],
            vnpay_amount_vnd=row["vnpay_amount_vnd"],
            vnpay_transaction_no=row["vnpay_transaction_no"],
            outcome=ReconciliationOutcome(row["outcome"]),
            resolution=ReconciliationResolution(row["resolution"]),
            resolved_by_id=strawberry.ID(ids.encode("User", by)) if by else None,
            resolution_note=row["resolution_note"],
            resolved_at=row["resolved_at"],
            checked_at=row["checked_at"],
        )


@strawberry.type(description="One school's reconciliation of one business date (Vietnam time).")
class ReconciliationRun(relay.Node):
    id: relay.NodeID[str]
    business_date: date
    started_at: datetime
    finished_at: datetime | None
    total_count: int
    matched_count: int
    unmatched_count: int
    error_count: int

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ReconciliationRun:
        return cls(
            id=str(row["id"]),
            business_date=row["business_date"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            total_count=row["total_count"],
            matched_count=row["matched_count"],
            unmatched_count=row["unmatched_count"],
            error_count=row["error_count"],
        )


@strawberry.type
class ReconciliationReport:
    run: ReconciliationRun
    items: list[ReconciliationItem]


@strawberry.type
class ReconciliationRunPayload:
    report: ReconciliationReport | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ResolveUnmatchedPaymentPayload:
    item: ReconciliationItem | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReconciliationQueries:
    @strawberry.field(
        description="Principal/accountant: the reconciliation run of one date and its items."
    )
    async def reconciliation_report(
        self, info: Info, school_id: strawberry.ID, date: date
    ) -> ReconciliationReport | None:
        principal = info.context.require_principal()
        found = await report.get_report(
            principal, ids.decode(school_id, "School", "schoolId"), date
        )
        if found is None:
            return None
        run, items = found
        return ReconciliationReport(
            run=ReconciliationRun.from_row(run),
            items=[ReconciliationItem.from_row(r) for r in items],
        )

    @strawberry.field(description="Principal/accountant: open unmatched items (at most 500).")
    async def unmatched_payments(
        self, info: Info, school_id: strawberry.ID
    ) -> list[ReconciliationItem]:
        principal = info.context.require_principal()
        rows = await report.open_items(principal, ids.decode(school_id, "School", "schoolId"))
        return [ReconciliationItem.from_row(r) for r in rows]


@strawberry.type
class ReconciliationMutations:
    @strawberry.mutation(description="Principal/accountant: (re-)run one date's reconciliation.")
    async def run_reconciliation(
        self, info: Info, school_id: strawberry.ID, date: date
    ) -> ReconciliationRunPayload:
        principal = info.context.require_principal()
        try:
            school = ids.decode(school_id, "School", "schoolId")
            run = await report.run_for(principal, school, date)
            found = await report.get_report(principal, school, date)
        except DomainError as exc:
            return ReconciliationRunPayload(errors=[UserError.of(exc)])
        items = found[1] if found else []
        return ReconciliationRunPayload(
            report=ReconciliationReport(
                run=ReconciliationRun.from_row(run),
                items=[ReconciliationItem.from_row(r) for r in items],
            )
        )

    @strawberry.mutation(description="Accountant/principal: resolve an open item with a note.")
    async def resolve_unmatched_payment(
        self, info: Info, item_id: strawberry.ID, note: str
    ) -> ResolveUnmatchedPaymentPayload:
        principal = info.context.require_principal()
        try:
            row = await report.resolve_item(
                principal, ids.decode(item_id, "ReconciliationItem", "itemId"), note
            )
        except DomainError as exc:
            return ResolveUnmatchedPaymentPayload(errors=[UserError.of(exc)])
        return ResolveUnmatchedPaymentPayload(item=ReconciliationItem.from_row(row))


async def _reconciliation_runs(info: Info, keys: list[UUID]) -> dict[UUID, Any]:
    principal = info.context.require_principal()
    rows = await report.visible(principal, "payments_reconciliation_run", keys)
    return {r["id"]: ReconciliationRun.from_row(r) for r in rows}


async def _reconciliation_items(info: Info, keys: list[UUID]) -> dict[UUID, Any]:
    principal = info.context.require_principal()
    rows = await report.visible(principal, "payments_reconciliation_item", keys)
    return {r["id"]: ReconciliationItem.from_row(r) for r in rows}
