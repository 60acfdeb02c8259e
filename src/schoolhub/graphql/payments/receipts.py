"""GraphQL of electronic receipts (biên lai): lists and signed, expiring PDF download links."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.payments import receipting
from schoolhub.platform.errors import DomainError


@strawberry.type(description="One paid fee item on a receipt.")
class ReceiptLine:
    item_name: str
    period: str
    amount_vnd: int


@strawberry.type(description="An electronic receipt (biên lai) of one student's paid invoices.")
class Receipt(relay.Node):
    id: relay.NodeID[str]
    number: str
    payer_name: str
    invoice_numbers: str
    total_vnd: int
    issued_at: datetime
    rendered: bool
    lines: list[ReceiptLine]
    student_id: strawberry.ID
    payment_intent_id: strawberry.ID

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Receipt:
        raw = row["lines"]
        lines = json.loads(raw) if isinstance(raw, str) else raw
        return cls(
            id=str(row["id"]),
            number=row["number"],
            payer_name=row["payer_name"],
            invoice_numbers=row["invoice_numbers"],
            total_vnd=row["total_vnd"],
            issued_at=row["issued_at"],
            rendered=row["rendered_at"] is not None,
            lines=[
                ReceiptLine(item_name=x["item_name"], period=x["period"], amount_vnd=x["amount"])
                for x in lines
            ],
            student_id=strawberry.ID(ids.encode("Student", row["student_id"])),
            payment_intent_id=strawberry.ID(ids.encode("PaymentIntent", row["intent_id"])),
        )


@strawberry.type
class ReceiptDownloadPayload:
    url: str | None = None
    receipt: Receipt | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReceiptsQueries:
    @strawberry.field(description="Principal/accountant: the school's receipts, newest first.")
    async def receipts(
        self, info: Info, school_id: strawberry.ID, first: int = 200
    ) -> list[Receipt]:
        principal = info.context.require_principal()
        rows = await receipting.school_receipts(
            principal, ids.decode(school_id, "School", "schoolId"), limit=first
        )
        return [Receipt.from_row(r) for r in rows]

    @strawberry.field(description="Guardians: the receipts of their own children, across schools.")
    async def my_receipts(self, info: Info) -> list[Receipt]:
        rows = await receipting.my_receipts(info.context.require_principal())
        return [Receipt.from_row(r) for r in rows]

    @strawberry.field(description="A signed link (10 minutes) to a receipt's PDF.")
    async def receipt_download(
        self, info: Info, receipt_id: strawberry.ID
    ) -> ReceiptDownloadPayload:
        principal = info.context.require_principal()
        try:
            receipt = ids.decode(receipt_id, "Receipt", "receiptId")
            row, url = await receipting.download_link(principal, receipt)
        except DomainError as exc:
            return ReceiptDownloadPayload(errors=[UserError.of(exc)])
        return ReceiptDownloadPayload(url=url, receipt=Receipt.from_row(row))


async def _receipts(info: Info, keys: list[UUID]) -> dict[UUID, Any]:
    rows = await receipting.visible_receipts(info.context.require_principal(), keys)
    return {r["id"]: Receipt.from_row(r) for r in rows}
