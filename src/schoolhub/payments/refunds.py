"""Refunds: requested by the accountant, approved by the principal, sent to VNPay, confirmed by
querydr. A refund larger than what was paid and not yet refunded (or pending) is refused.

Network calls to VNPay never run inside a database transaction: state is moved first (approved),
then VNPay is called, then the answer is recorded in a new transaction.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from schoolhub.payments import intents
from schoolhub.payments import secrets as sec
from schoolhub.payments.access import locate
from schoolhub.payments.errors import PaymentsErrorCode as E
from schoolhub.payments.fees import check_amount
from schoolhub.payments.vnpay import VnpayClient, VnpayError
from schoolhub.platform import audit, db, outbox
from schoolhub.platform.errors import Conflict, InvalidInput
from schoolhub.platform.principal import Principal, Role

log = logging.getLogger(__name__)

OPEN_REFUNDS = ("requested", "approved", "sent")
SERVER_IP = "127.0.0.1"


async def _refundable(intent: dict[str, Any]) -> int:
    pending = await db.fetchrow(
        "SELECT coalesce(sum(amount_vnd), 0) AS s FROM payments_refund"
        " WHERE intent_id = $1 AND status = ANY($2::text[])",
        intent["id"],
        list(OPEN_REFUNDS),
    )
    assert pending is not None
    return int(intent["amount_vnd"] - intent["refunded_vnd"] - pending["s"])


async def request_refund(
    principal: Principal, intent_id: UUID, *, amount_vnd: int, reason: str
) -> dict[str, Any]:
    school_id, _ = await locate(principal, "intent", intent_id, {Role.ACCOUNTANT})
    user = principal.require_user()
    check_amount(amount_vnd)
    reason = reason.strip()
    if not 1 <= len(reason) <= 500:
        raise InvalidInput("a reason is required", field="reason")
    async with db.tenant(school_id, user):
        intent = await db.fetchrow(
            "SELECT * FROM payments_intent WHERE id = $1 FOR UPDATE", intent_id
        )
        assert intent is not None
        if intent["status"] != "succeeded":
            raise Conflict("only a succeeded payment is refunded", code=E.REFUND_NOT_ALLOWED)
        if amount_vnd > await _refundable(intent):
            raise InvalidInput(
                "the refund is larger than what was paid and not yet refunded",
                code=E.REFUND_EXCEEDS_PAID,
                field="amountVnd",
            )
        row = await db.fetchrow(
            "INSERT INTO payments_refund (school_id, intent_id, amount_vnd, full_refund, reason,"
            " requested_by) VALUES ($1,$2,$3,$4,$5,$6) RETURNING *",
            school_id,
            intent_id,
            amount_vnd,
            amount_vnd == intent["amount_vnd"] and intent["refunded_vnd"] == 0,
            reason,
            user,
        )
        assert row is not None
        await audit.record_school(
            school_id,
            "payments.refund_requested",
            actor_user_id=user,
            target_type="refund",
            target_id=str(row["id"]),
            details={"amount_vnd": amount_vnd},
        )
    return row


async def approve_refund(principal: Principal, refund_id: UUID) -> dict[str, Any]:
    """The principal approves; the refund is sent to VNPay and confirmed with querydr."""
    school_id, _ = await locate(principal, "refund", refund_id, {Role.PRINCIPAL})
    user = principal.require_user()
    async with db.tenant(school_id, user):
        refund = await db.fetchrow(
            "UPDATE payments_refund SET status = 'approved', approved_by = $2, updated_at = now()"
            " WHERE id = $1 AND status = 'requested' RETURNING *",
            refund_id,
            user,
        )
        if refund is None:
            raise Conflict("this refund is not waiting for approval", code=E.REFUND_NOT_ALLOWED)
        intent = await db.fetchrow(
            "SELECT * FROM payments_intent WHERE id = $1", refund["intent_id"]
        )
        client = await intents.merchant_client(school_id)
        assert intent is not None and client is not None
        await audit.record_school(
            school_id,
            "payments.refund_approved",
            actor_user_id=user,
            target_type="refund",
            target_id=str(refund_id),
        )
    status, code = await _send(client, intent, refund, str(principal.user_id))
    async with db.tenant(school_id, user):
        row = await db.fetchrow(
            "UPDATE payments_refund SET status = $2, vnp_response_code = $3, updated_at = now()"
            " WHERE id = $1 RETURNING *",
            refund_id,
            status,
            code,
        )
        assert row is not None
        payload = {
            "type": f"refund.{status}",
            "refund_id": str(refund_id),
            "intent_id": str(intent["id"]),
            "school_id": str(school_id),
            "amount_vnd": refund["amount_vnd"],
            "currency": "VND",
            "status": status,
        }
        await outbox.emit(f"refund.{status}", sec.sign_event(payload), school_id)
        if status == "succeeded":
            await db.execute(
                "UPDATE payments_intent SET refunded_vnd = refunded_vnd + $2 WHERE id = $1",
                intent["id"],
                refund["amount_vnd"],
            )
        assert row is not None
    return row


async def _send(
    client: VnpayClient, intent: dict[str, Any], refund: dict[str, Any], by: str
) -> tuple[str, str | None]:
    try:
        async with client:
            result = await client.refund(
                txn_ref=intent["txn_ref"],
                amount_vnd=refund["amount_vnd"],
                transaction_date=intent["vnp_create_date"],
                full=refund["full_refund"],
                created_by=by[:255],
                ip_addr=SERVER_IP,
                transaction_no=intent["vnp_transaction_no"],
            )
            if not result.accepted:
                return "failed", result.response_code
            check = await client.query_dr(
                txn_ref=intent["txn_ref"],
                transaction_date=intent["vnp_create_date"],
                ip_addr=SERVER_IP,
            )
    except VnpayError:
        log.warning("refund %s: VNPay unreachable or invalid answer; left as sent", refund["id"])
        return "sent", None
    if check.transaction_type in ("02", "03") and check.transaction_status == "00":
        return "succeeded", result.response_code
    if check.transaction_status == "09":
        return "failed", check.transaction_status
    return "sent", result.response_code  # 05/06: the bank is processing; querydr later
