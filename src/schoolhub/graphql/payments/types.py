"""GraphQL types of fees and payments. Money is whole VND (``Int``; amounts are capped at 10^9)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any, NewType
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from schoolhub.graphql.errors import UserError
from schoolhub.graphql.tenants.types import School
from schoolhub.payments import fees, intents

VndTotal = NewType("VndTotal", int)
# Registered in the schema's StrawberryConfig.scalar_map (graphql/schema.py).
VND_TOTAL_SCALAR = strawberry.scalar(
    name="VndTotal",
    serialize=int,
    parse_value=int,
    description="A sum of whole VND as a JSON integer; may exceed 32 bits (GraphQL Int).",
)


@strawberry.type(description="Billed, collected and outstanding for one class, item or period.")
class PaymentsReportRow:
    key: str
    label: str
    billed_vnd: VndTotal
    collected_vnd: VndTotal
    outstanding_vnd: VndTotal

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PaymentsReportRow:
        return cls(
            key=row["key"],
            label=row["label"],
            billed_vnd=row["billed_vnd"],
            collected_vnd=row["collected_vnd"],
            outstanding_vnd=row["outstanding_vnd"],
        )


@strawberry.type(description="A school's collection report (principal, accountant).")
class PaymentsReport:
    by_class: list[PaymentsReportRow]
    by_fee_item: list[PaymentsReportRow]
    by_period: list[PaymentsReportRow]


@strawberry.type(description="One school's totals, as the district office sees them.")
class SchoolPaymentTotals:
    school_code: str
    school_name: str
    billed_vnd: VndTotal
    collected_vnd: VndTotal
    outstanding_vnd: VndTotal


@strawberry.enum
class FeePeriod(Enum):
    MONTHLY = "monthly"
    SEMESTER = "semester"
    YEAR = "year"
    ONE_OFF = "one_off"


@strawberry.enum
class FeeCategory(Enum):
    MEALS = "meals"
    BOARDING = "boarding"
    BHYT = "bhyt"
    SERVICE = "service"
    CLUB = "club"
    TUITION = "tuition"


@strawberry.enum
class InvoiceStatus(Enum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"


@strawberry.enum
class InvoiceLineKind(Enum):
    CHARGE = "charge"
    EXEMPTION = "exemption"
    SIBLING_DISCOUNT = "sibling_discount"
    ADJUSTMENT = "adjustment"


@strawberry.enum
class PaymentIntentStatus(Enum):
    REQUIRES_PAYMENT = "requires_payment"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    EXPIRED = "expired"


@strawberry.enum
class ExemptionKind(Enum):
    PERCENT = "percent"
    AMOUNT = "amount"


@strawberry.type(description="A fee a school collects (never tuition in a public school).")
class FeeItem(relay.Node):
    id: relay.NodeID[str]
    name: str
    amount_vnd: int
    mandatory: bool
    period: FeePeriod
    category: FeeCategory
    active: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FeeItem:
        return cls(
            id=str(row["id"]),
            name=row["name"],
            amount_vnd=row["amount_vnd"],
            mandatory=row["mandatory"],
            period=FeePeriod(row["period"]),
            category=FeeCategory(row["category"]),
            active=row["active"],
        )


@strawberry.type(description="A fee item applied to a grade, a class or one student.")
class FeePlan(relay.Node):
    id: relay.NodeID[str]
    target: str
    grade: int | None
    installments: int

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FeePlan:
        return cls(
            id=str(row["id"]),
            target=row["target"],
            grade=row["grade"],
            installments=row["installments"],
        )


@strawberry.type(description="Miễn giảm: a reduction approved by the principal.")
class FeeExemption(relay.Node):
    id: relay.NodeID[str]
    kind: ExemptionKind
    value: int
    reason: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FeeExemption:
        return cls(
            id=str(row["id"]),
            kind=ExemptionKind(row["kind"]),
            value=row["value"],
            reason=row["reason"],
            created_at=row["created_at"],
        )


@strawberry.type(description="One immutable line; corrections are new ADJUSTMENT lines.")
class InvoiceLine(relay.Node):
    id: relay.NodeID[str]
    kind: InvoiceLineKind
    description: str
    amount_vnd: int
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> InvoiceLine:
        return cls(
            id=str(row["id"]),
            kind=InvoiceLineKind(row["kind"]),
            description=row["description"],
            amount_vnd=row["amount_vnd"],
            created_at=row["created_at"],
        )


@strawberry.type(description="A student's invoice for one period.")
class Invoice(relay.Node):
    id: relay.NodeID[str]
    number: str
    period: str
    due_date: date
    total_vnd: int
    paid_vnd: int
    outstanding_vnd: int
    status: InvoiceStatus
    student_name: str | None
    school_uuid: strawberry.Private[UUID]

    @strawberry.field
    async def school(self, info: Info) -> School | None:
        row = await info.context.loaders.school.load(self.school_uuid)
        return School.from_row(row) if row else None

    @strawberry.field
    async def lines(self, info: Info) -> list[InvoiceLine]:
        user = info.context.require_principal().user_id
        rows = await fees.lines_of(self.school_uuid, user, [UUID(self.id)])
        return [InvoiceLine.from_row(r) for r in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Invoice:
        return cls(
            id=str(row["id"]),
            number=row["number"],
            period=row["period"],
            due_date=row["due_date"],
            total_vnd=row["total_vnd"],
            paid_vnd=row["paid_vnd"],
            outstanding_vnd=max(row["total_vnd"] - row["paid_vnd"], 0),
            status=InvoiceStatus(row["status"]),
            student_name=row.get("student_name"),
            school_uuid=row["school_id"],
        )


@strawberry.type(description="A Stripe-shaped payment of one school's invoices through VNPay.")
class PaymentIntent(relay.Node):
    id: relay.NodeID[str]
    amount_vnd: int
    currency: str
    status: PaymentIntentStatus
    txn_ref: str
    expires_at: datetime
    created_at: datetime
    refunded_vnd: int
    school_uuid: strawberry.Private[UUID]

    @strawberry.field
    async def invoices(self, info: Info) -> list[Invoice]:
        user = info.context.require_principal().user_id
        rows = await intents.intent_invoices(self.school_uuid, user, UUID(self.id))
        return [Invoice.from_row(r) for r in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PaymentIntent:
        return cls(
            id=str(row["id"]),
            amount_vnd=row["amount_vnd"],
            currency=row["currency"],
            status=PaymentIntentStatus(row["status"]),
            txn_ref=row["txn_ref"],
            expires_at=row["expires_at"],
            created_at=row["created_at"],
            refunded_vnd=row["refunded_vnd"],
            school_uuid=row["school_id"],
        )


@strawberry.enum
class RefundStatus(Enum):
    REQUESTED = "requested"
    APPROVED = "approved"
    SENT = "sent"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REJECTED = "rejected"


@strawberry.type(description="A refund: requested by the accountant, approved by the principal.")
class Refund(relay.Node):
    id: relay.NodeID[str]
    amount_vnd: int
    full_refund: bool
    reason: str
    status: RefundStatus
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Refund:
        return cls(
            id=str(row["id"]),
            amount_vnd=row["amount_vnd"],
            full_refund=row["full_refund"],
            reason=row["reason"],
            status=RefundStatus(row["status"]),
            created_at=row["created_at"],
        )


@strawberry.type
class RefundPayload:
    refund: Refund | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="A school's VNPay terminal (the hash secret is never returned).")
class VnpayMerchantConfig:
    tmn_code: str
    gateway_url: str
    key_version: int


@strawberry.type
class FeeItemPayload:
    fee_item: FeeItem | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class FeePlanPayload:
    fee_plan: FeePlan | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class FeeExemptionPayload:
    exemption: FeeExemption | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class GenerateInvoicesPayload:
    created: int | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class InvoicePayload:
    invoice: Invoice | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PaymentIntentPayload:
    payment_intent: PaymentIntent | None = None
    payment_url: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MerchantPayload:
    merchant: VnpayMerchantConfig | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
