"""VNPay IPN handling (VNPAY.md §3.3/3.4, RELIABILITY.md §3.5) and the read-only return URL.

Order of checks as in VNPay's samples: checksum -> order exists -> amount -> still pending ->
update -> reply. The school is the one that owns the terminal (``payments_terminal_school``), and
the signature is verified with THAT school's secret before anything is trusted; the intent is then
looked up and locked inside that school's tenant transaction, so a notification can never touch
another school's rows. Every notification is stored raw, whatever its outcome.

Exactly-once credit: ``SELECT ... FOR UPDATE`` on the intent plus the status check in the same
transaction as the credit; a partial unique index on credited notifications backs it up. If the
process dies after commit and before the reply, VNPay's retry finds the intent settled -> ``02``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from schoolhub.payments import intents, receipting
from schoolhub.payments.vnpay import (
    InvalidSignatureError,
    MalformedCallbackError,
    VerifiedCallback,
    VnpayError,
    untrusted_callback_keys,
)
from schoolhub.platform import db

log = logging.getLogger(__name__)

CREDITABLE = ("requires_payment", "processing", "expired", "canceled")
"""VNPay took the money: credit even if our side had given up waiting (expired/canceled)."""


async def _record(
    school_id: UUID | None,
    kind: str,
    query: Mapping[str, str],
    rsp_code: str,
    *,
    signature_ok: bool = False,
    intent_id: UUID | None = None,
    amount_vnd: int | None = None,
    credited: bool = False,
) -> None:
    await db.execute(
        "INSERT INTO payments_notification (school_id, kind, query, signature_ok, intent_id,"
        " amount_vnd, rsp_code, credited) VALUES ($1,$2,$3::jsonb,$4,$5,$6,$7,$8)",
        school_id,
        kind,
        json.dumps(dict(query)),
        signature_ok,
        intent_id,
        amount_vnd,
        rsp_code,
        credited,
    )


async def terminal_school(tmn_code: str | None) -> UUID | None:
    if not tmn_code:
        return None
    async with db.system():
        row = await db.fetchrow("SELECT payments_terminal_school($1) AS s", tmn_code)
    return row["s"] if row else None


async def handle_ipn(query: Mapping[str, str]) -> str:
    """Process one IPN; returns VNPay's RspCode (00, 01, 02, 04, 97, 99)."""
    tmn_code, _ = untrusted_callback_keys(query)
    school_id = await terminal_school(tmn_code)
    if school_id is None:
        async with db.system():
            await _record(None, "ipn", query, "97")
        return "97"
    try:
        async with db.tenant(school_id):
            return await _settle(school_id, query)
    except Exception:
        log.exception("IPN processing failed for school %s", school_id)
        async with db.tenant(school_id):
            await _record(school_id, "ipn", query, "99")
        return "99"


async def _settle(school_id: UUID, query: Mapping[str, str]) -> str:
    client = await intents.merchant_client(school_id)
    if client is None:  # removed between lookup and now
        await _record(school_id, "ipn", query, "97")
        return "97"
    try:
        cb = client.verify_callback(query)
    except InvalidSignatureError:
        await _record(school_id, "ipn", query, "97")
        return "97"
    except (MalformedCallbackError, VnpayError):
        await _record(school_id, "ipn", query, "99")
        return "99"
    intent = await db.fetchrow(
        "SELECT * FROM payments_intent WHERE txn_ref = $1 FOR UPDATE", cb.txn_ref
    )
    if intent is None:
        await _record(school_id, "ipn", query, "01", signature_ok=True, amount_vnd=cb.amount_vnd)
        return "01"
    record = {"signature_ok": True, "intent_id": intent["id"], "amount_vnd": cb.amount_vnd}
    if cb.amount_vnd != intent["amount_vnd"]:
        await _record(school_id, "ipn", query, "04", **record)
        return "04"
    if intent["status"] not in CREDITABLE:
        await _record(school_id, "ipn", query, "02", **record)
        return "02"
    if cb.succeeded:
        await credit(intent, cb.transaction_no, cb.response_code)
        await _record(school_id, "ipn", query, "00", credited=True, **record)
    elif intent["status"] in LIVE_FAILABLE:
        updated = await db.fetchrow(
            "UPDATE payments_intent SET status = 'failed', vnp_response_code = $2,"
            " vnp_transaction_no = $3, settled_at = now() WHERE id = $1 RETURNING *",
            intent["id"],
            cb.response_code,
            cb.transaction_no,
        )
        assert updated is not None
        await intents.emit(updated, "payment_intent.payment_failed")
        await _record(school_id, "ipn", query, "00", **record)
    else:
        await _record(school_id, "ipn", query, "02", **record)
        return "02"
    return "00"


LIVE_FAILABLE = ("requires_payment", "processing")


async def credit(intent: dict[str, Any], transaction_no: str | None, response_code: str) -> None:
    """Mark the (locked, creditable) intent succeeded and its invoices paid; same transaction."""
    updated = await db.fetchrow(
        "UPDATE payments_intent SET status = 'succeeded', vnp_transaction_no = $2,"
        " vnp_response_code = $3, settled_at = now() WHERE id = $1 RETURNING *",
        intent["id"],
        transaction_no,
        response_code,
    )
    assert updated is not None
    await db.execute(
        "UPDATE payments_invoice i SET paid_vnd = i.paid_vnd + ii.amount_vnd,"
        " status = CASE WHEN i.paid_vnd + ii.amount_vnd >= i.total_vnd THEN 'paid' ELSE i.status"
        " END, paid_at = CASE WHEN i.paid_vnd + ii.amount_vnd >= i.total_vnd THEN now()"
        " ELSE i.paid_at END"
        " FROM payments_intent_invoice ii WHERE ii.intent_id = $1 AND i.id = ii.invoice_id",
        intent["id"],
    )
    await receipting.issue_for_intent(updated)  # numbered from the school's counter row
    await intents.emit(updated, "payment_intent.succeeded")


@dataclass(frozen=True)
class ReturnView:
    ok: bool
    succeeded: bool
    intent_id: UUID | None
    amount_vnd: int | None
    message: str


async def view_return(query: Mapping[str, str]) -> ReturnView:
    """Verify the return URL and describe the result. Writes nothing (the IPN is the truth)."""
    tmn_code, _ = untrusted_callback_keys(query)
    school_id = await terminal_school(tmn_code)
    if school_id is None:
        return ReturnView(False, False, None, None, "Không xác minh được kết quả thanh toán.")
    async with db.tenant(school_id):
        client = await intents.merchant_client(school_id)
        try:
            cb: VerifiedCallback | None = client.verify_callback(query) if client else None
        except VnpayError:
            cb = None
        if cb is None:
            return ReturnView(False, False, None, None, "Không xác minh được kết quả thanh toán.")
        row = await db.fetchrow(
            "SELECT id, amount_vnd FROM payments_intent WHERE txn_ref = $1", cb.txn_ref
        )
    if row is None:
        return ReturnView(False, False, None, None, "Không tìm thấy giao dịch.")
    text = (
        "Thanh toán thành công. Nhà trường sẽ xác nhận khi nhận được thông báo từ VNPay."
        if cb.succeeded
        else "Thanh toán không thành công hoặc đã bị hủy."
    )
    return ReturnView(True, cb.succeeded, row["id"], row["amount_vnd"], text)
