"""Mutations of fees and payments: thin wrappers over the payments services."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.graphql.payments.types import (
    ExemptionKind,
    FeeCategory,
    FeeExemption,
    FeeExemptionPayload,
    FeeItem,
    FeeItemPayload,
    FeePeriod,
    FeePlan,
    FeePlanPayload,
    GenerateInvoicesPayload,
    Invoice,
    InvoicePayload,
    MerchantPayload,
    PaymentIntent,
    PaymentIntentPayload,
    Refund,
    RefundPayload,
    VnpayMerchantConfig,
)
from schoolhub.payments import fees, intents, refunds
from schoolhub.platform.errors import DomainError


@strawberry.input
class FeeItemInput:
    name: str
    amount_vnd: int
    mandatory: bool
    period: FeePeriod
    category: FeeCategory


@strawberry.type
class PaymentsMutations:
    @strawberry.mutation(description="Principal: the school's VNPay terminal and hash secret.")
    async def configure_vnpay_merchant(
        self,
        info: Info,
        school_id: strawberry.ID,
        tmn_code: str,
        hash_secret: str,
        gateway_url: str | None = None,
    ) -> MerchantPayload:
        principal = info.context.require_principal()
        try:
            row = await intents.configure_merchant(
                principal,
                ids.decode(school_id, "School", "schoolId"),
                tmn_code=tmn_code,
                hash_secret=hash_secret,
                gateway_url=gateway_url,
            )
        except DomainError as exc:
            return MerchantPayload(errors=[UserError.of(exc)])
        return MerchantPayload(
            merchant=VnpayMerchantConfig(
                tmn_code=row["tmn_code"],
                gateway_url=row["gateway_url"],
                key_version=row["key_version"],
            )
        )

    @strawberry.mutation(description="Fee staff: add a fee item to the school's catalogue.")
    async def create_fee_item(
        self, info: Info, school_id: strawberry.ID, input: FeeItemInput
    ) -> FeeItemPayload:
        principal = info.context.require_principal()
        try:
            row = await fees.create_fee_item(
                principal,
                ids.decode(school_id, "School", "schoolId"),
                name=input.name,
                amount_vnd=input.amount_vnd,
                mandatory=input.mandatory,
                period=input.period.value,
                category=input.category.value,
            )
        except DomainError as exc:
            return FeeItemPayload(errors=[UserError.of(exc)])
        return FeeItemPayload(fee_item=FeeItem.from_row(row))

    @strawberry.mutation(description="Fee staff: apply a fee item to a grade, class or student.")
    async def create_fee_plan(
        self,
        info: Info,
        fee_item_id: strawberry.ID,
        grade: int | None = None,
        class_id: strawberry.ID | None = None,
        student_id: strawberry.ID | None = None,
        installments: int = 1,
    ) -> FeePlanPayload:
        principal = info.context.require_principal()
        try:
            row = await fees.create_fee_plan(
                principal,
                ids.decode(fee_item_id, "FeeItem", "feeItemId"),
                grade=grade,
                class_id=ids.decode(class_id, "SchoolClass", "classId") if class_id else None,
                student_id=ids.decode(student_id, "Student", "studentId") if student_id else None,
                installments=installments,
            )
        except DomainError as exc:
            return FeePlanPayload(errors=[UserError.of(exc)])
        return FeePlanPayload(fee_plan=FeePlan.from_row(row))

    @strawberry.mutation(description="Principal: record a fee exemption or reduction (miễn giảm).")
    async def grant_fee_exemption(
        self,
        info: Info,
        school_id: strawberry.ID,
        student_id: strawberry.ID,
        kind: ExemptionKind,
        value: int,
        reason: str,
        fee_item_id: strawberry.ID | None = None,
    ) -> FeeExemptionPayload:
        principal = info.context.require_principal()
        try:
            row = await fees.grant_exemption(
                principal,
                ids.decode(student_id, "Student", "studentId"),
                ids.decode(school_id, "School", "schoolId"),
                kind=kind.value,
                value=value,
                reason=reason,
                fee_item_id=ids.decode(fee_item_id, "FeeItem", "feeItemId")
                if fee_item_id
                else None,
            )
        except DomainError as exc:
            return FeeExemptionPayload(errors=[UserError.of(exc)])
        return FeeExemptionPayload(exemption=FeeExemption.from_row(row))

    @strawberry.mutation(description="Fee staff: issue a period's invoices (idempotent).")
    async def generate_invoices(
        self,
        info: Info,
        school_id: strawberry.ID,
        period: str,
        period_kind: FeePeriod,
        due_date: date,
        installment: int = 1,
    ) -> GenerateInvoicesPayload:
        principal = info.context.require_principal()
        try:
            created = await fees.generate_invoices(
                principal,
                ids.decode(school_id, "School", "schoolId"),
                period=period,
                period_kind=period_kind.value,
                due_date=due_date,
                installment=installment,
            )
        except DomainError as exc:
            return GenerateInvoicesPayload(errors=[UserError.of(exc)])
        return GenerateInvoicesPayload(created=created)

    @strawberry.mutation(
        description="Fee staff: add an adjustment line (issued lines never change)."
    )
    async def add_invoice_adjustment(
        self, info: Info, invoice_id: strawberry.ID, amount_vnd: int, reason: str
    ) -> InvoicePayload:
        principal = info.context.require_principal()
        try:
            row = await fees.add_adjustment(
                principal,
                ids.decode(invoice_id, "Invoice", "invoiceId"),
                amount_vnd=amount_vnd,
                reason=reason,
            )
        except DomainError as exc:
            return InvoicePayload(errors=[UserError.of(exc)])
        return InvoicePayload(invoice=Invoice.from_row(row))

    @strawberry.mutation(
        description="Guardians: pay chosen invoices of ONE school; returns the VNPay payment URL."
    )
    async def create_payment_intent(
        self, info: Info, invoice_ids: list[strawberry.ID]
    ) -> PaymentIntentPayload:
        principal = info.context.require_principal()
        try:
            wanted = [ids.decode(i, "Invoice", "invoiceIds") for i in invoice_ids]
            row, url = await intents.create_intent(principal, wanted, ip_addr=info.context.ip)
        except DomainError as exc:
            return PaymentIntentPayload(errors=[UserError.of(exc)])
        return PaymentIntentPayload(payment_intent=PaymentIntent.from_row(row), payment_url=url)

    @strawberry.mutation(description="Cancel an unpaid payment intent.")
    async def cancel_payment_intent(
        self, info: Info, payment_intent_id: strawberry.ID
    ) -> PaymentIntentPayload:
        principal = info.context.require_principal()
        try:
            row = await intents.cancel_intent(
                principal, ids.decode(payment_intent_id, "PaymentIntent", "paymentIntentId")
            )
        except DomainError as exc:
            return PaymentIntentPayload(errors=[UserError.of(exc)])
        return PaymentIntentPayload(payment_intent=PaymentIntent.from_row(row))

    @strawberry.mutation(description="Accountant: ask to refund (part of) a succeeded payment.")
    async def request_refund(
        self, info: Info, payment_intent_id: strawberry.ID, amount_vnd: int, reason: str
    ) -> RefundPayload:
        principal = info.context.require_principal()
        try:
            row = await refunds.request_refund(
                principal,
                ids.decode(payment_intent_id, "PaymentIntent", "paymentIntentId"),
                amount_vnd=amount_vnd,
                reason=reason,
            )
        except DomainError as exc:
            return RefundPayload(errors=[UserError.of(exc)])
        return RefundPayload(refund=Refund.from_row(row))

    @strawberry.mutation(description="Principal: approve a refund; it is sent to VNPay.")
    async def approve_refund(self, info: Info, refund_id: strawberry.ID) -> RefundPayload:
        principal = info.context.require_principal()
        try:
            row = await refunds.approve_refund(
                principal, ids.decode(refund_id, "Refund", "refundId")
            )
        except DomainError as exc:
            return RefundPayload(errors=[UserError.of(exc)])
        return RefundPayload(refund=Refund.from_row(row))
