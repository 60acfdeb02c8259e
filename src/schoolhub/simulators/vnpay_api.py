"""The simulator's `POST /merchant_webapi/api/transaction`: querydr and refund (VNPAY.md §4-§5).

Codes follow the tables of VNPAY.md: 02 unknown terminal (unsigned: there is no secret to
sign with), 03 bad format, 91 not found, 94 duplicate request id, 95 refund of an
unsuccessful payment, 97 bad checksum, 93 refund amount above what remains, 04 full refund
after a partial one. Every answer for a known terminal is signed over the §4/§5 order.
A transaction is found by terminal + TxnRef + TransactionDate (the original CreateDate).
"""

from __future__ import annotations

import hmac
import re
import uuid
from collections.abc import Sequence

from schoolhub.payments.vnpay.codes import QUERYDR_RESPONSE_MESSAGES, REFUND_RESPONSE_MESSAGES
from schoolhub.payments.vnpay.encoding import format_vnp_date, now_gmt7
from schoolhub.payments.vnpay.transaction_api import (
    QUERYDR_REQUEST_FIELDS,
    QUERYDR_RESPONSE_FIELDS,
    REFUND_REQUEST_FIELDS,
    REFUND_RESPONSE_FIELDS,
    fields_checksum,
    wire_str,
)
from schoolhub.simulators.vnpay_state import SimRefund, SimTransaction, SimulatorState

__all__ = ["handle_transaction_api"]

_DIGITS = re.compile(r"[0-9]{1,18}")
_DATE = re.compile(r"[0-9]{14}")


def _reply(
    data: dict[str, str],
    code: str,
    messages: dict[str, str],
    fields: Sequence[str],
    secret: str | None,
    *,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    body = {
        "vnp_ResponseId": uuid.uuid4().hex,
        "vnp_Command": data.get("vnp_Command", ""),
        "vnp_ResponseCode": code,
        "vnp_Message": messages.get(code, "other"),
        "vnp_TmnCode": data.get("vnp_TmnCode", ""),
        "vnp_TxnRef": data.get("vnp_TxnRef", ""),
    }
    body.update(extra or {})
    body = {key: value for key, value in body.items() if value}
    if secret is not None:
        body["vnp_SecureHash"] = fields_checksum(body, fields, secret)
    return body


def _payment_view(txn: SimTransaction) -> dict[str, str]:
    latest = txn.refunds[-1] if txn.refunds else None
    return {
        "vnp_Amount": str(txn.amount),
        "vnp_BankCode": txn.bank_code or "",
        "vnp_PayDate": txn.pay_date or "",
        "vnp_TransactionNo": txn.transaction_no or "",
        "vnp_TransactionType": latest.transaction_type if latest else "01",
        "vnp_TransactionStatus": latest.transaction_status if latest else txn.transaction_status,
        "vnp_OrderInfo": txn.order_info,
    }


def handle_transaction_api(state: SimulatorState, body: object) -> dict[str, str]:
    """Answer one querydr/refund request body as VNPay would."""
    if not isinstance(body, dict):
        return {"vnp_ResponseCode": "03", "vnp_Message": "wrong data format"}
    try:
        data = {str(k): wire_str(v) for k, v in body.items()}
    except ValueError:
        return {"vnp_ResponseCode": "03", "vnp_Message": "wrong data format"}
    command = data.get("vnp_Command")
    if command == "querydr":
        fields, response_fields = QUERYDR_REQUEST_FIELDS, QUERYDR_RESPONSE_FIELDS
        msgs = dict(QUERYDR_RESPONSE_MESSAGES)
    elif command == "refund":
        fields, response_fields = REFUND_REQUEST_FIELDS, REFUND_RESPONSE_FIELDS
        msgs = dict(REFUND_RESPONSE_MESSAGES)
    else:
        return {"vnp_ResponseCode": "03", "vnp_Message": "unknown vnp_Command"}
    secret = state.config.merchants.get(data.get("vnp_TmnCode", ""))
    if secret is None:
        return _reply(data, "02", msgs, response_fields, None)
    if any(not data.get(name) for name in fields if name != "vnp_TransactionNo") or (
        data.get("vnp_Version") != "2.1.0"
    ):
        return _reply(data, "03", msgs, response_fields, secret)
    expected = fields_checksum(data, fields, secret)
    received = data.get("vnp_SecureHash", "")
    if not received.isascii() or not hmac.compare_digest(expected, received.lower()):
        return _reply(data, "97", msgs, response_fields, secret)
    request_key = (data["vnp_TmnCode"], data["vnp_RequestId"])
    if request_key in state.seen_request_ids:
        return _reply(data, "94", msgs, response_fields, secret)
    state.seen_request_ids.add(request_key)
    txn = state.transactions.get((data["vnp_TmnCode"], data["vnp_TxnRef"]))
    if txn is None or txn.create_date != data["vnp_TransactionDate"]:
        return _reply(data, "91", msgs, response_fields, secret)
    if command == "querydr":
        return _reply(data, "00", msgs, response_fields, secret, extra=_payment_view(txn))
    return _refund(state, txn, data, msgs, secret)


def _refund(
    state: SimulatorState,
    txn: SimTransaction,
    data: dict[str, str],
    msgs: dict[str, str],
    secret: str,
) -> dict[str, str]:
    fields = REFUND_RESPONSE_FIELDS
    kind = data["vnp_TransactionType"]
    amount_text = data["vnp_Amount"]
    if (
        kind not in ("02", "03")
        or _DIGITS.fullmatch(amount_text) is None
        or _DATE.fullmatch(data["vnp_CreateDate"]) is None
    ):
        return _reply(data, "03", msgs, fields, secret)
    if txn.state != "completed" or txn.transaction_status != "00":
        return _reply(data, "95", msgs, fields, secret)
    amount = int(amount_text)
    remaining = txn.amount - txn.refunded
    if kind == "02" and txn.refunds:
        code = "04" if all(r.transaction_type == "03" for r in txn.refunds) else "93"
        return _reply(data, code, msgs, fields, secret)
    if amount <= 0 or amount % 100 != 0 or amount > remaining:
        return _reply(data, "93", msgs, fields, secret)
    if kind == "02" and amount != txn.amount:
        return _reply(data, "93", msgs, fields, secret)
    refund = SimRefund(
        request_id=data["vnp_RequestId"],
        transaction_no=state.next_transaction_no(),
        transaction_type=kind,
        amount=amount,
        created_by=data["vnp_CreateBy"],
        create_date=data["vnp_CreateDate"],
        transaction_status=state.config.refund_status,
    )
    txn.refunds.append(refund)
    extra = {
        "vnp_Amount": str(amount),  # raw x100: the field VNPay signs (VNPAY.md §7.1)
        "vnp_BankCode": txn.bank_code or "",
        "vnp_PayDate": format_vnp_date(now_gmt7()),
        "vnp_TransactionNo": refund.transaction_no,
        "vnp_TransactionType": kind,
        "vnp_TransactionStatus": refund.transaction_status,
        "vnp_OrderInfo": data["vnp_OrderInfo"],
    }
    return _reply(data, "00", msgs, fields, secret, extra=extra)
