"""Pure request/response logic of VNPay's querydr and refund API (VNPAY.md §4, §5, §7).

Both commands POST JSON to one URL; each side signs a `|`-joined list of *raw* values in a
fixed order. The orders below are the protocol: the request orders are pinned by the worked
examples of VNPAY.md in the unit tests, the response orders by literal strings there.

Deliberate differences from npm `vnpay` 2.5.0 (§7): we send every value as a JSON string
(dates, amounts, TransactionNo), always send `vnp_TransactionNo` when we hash it, check the
refund response over the raw x100 amount (the library divides first and so rejects honest
responses), and write a missing/`null` response field as "" rather than the text "null".
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime

from schoolhub.payments.vnpay.encoding import (
    SECURE_HASH,
    hmac_sha512_hex,
    parse_vnp_amount,
    parse_vnp_date,
)
from schoolhub.payments.vnpay.errors import (
    MalformedResponseError,
    ResponseSignatureError,
    VnpayValidationError,
)
from schoolhub.payments.vnpay.models import QueryDrResult, RefundResult, VnpayMerchant

__all__ = [
    "QUERYDR_REQUEST_FIELDS",
    "QUERYDR_RESPONSE_FIELDS",
    "REFUND_REQUEST_FIELDS",
    "REFUND_RESPONSE_FIELDS",
    "fields_checksum",
    "fields_signing_string",
    "parse_querydr_response",
    "parse_refund_response",
    "wire_str",
]

QUERYDR_REQUEST_FIELDS: tuple[str, ...] = (
    "vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef",
    "vnp_TransactionDate", "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo",
)  # fmt: skip
QUERYDR_RESPONSE_FIELDS: tuple[str, ...] = (
    "vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode",
    "vnp_TxnRef", "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo",
    "vnp_TransactionType", "vnp_TransactionStatus", "vnp_OrderInfo", "vnp_PromotionCode",
    "vnp_PromotionAmount",
)  # fmt: skip
REFUND_REQUEST_FIELDS: tuple[str, ...] = (
    "vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TransactionType",
    "vnp_TxnRef", "vnp_Amount", "vnp_TransactionNo", "vnp_TransactionDate", "vnp_CreateBy",
    "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo",
)  # fmt: skip
REFUND_RESPONSE_FIELDS: tuple[str, ...] = (
    "vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode",
    "vnp_TxnRef", "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo",
    "vnp_TransactionType", "vnp_TransactionStatus", "vnp_OrderInfo",
)  # fmt: skip


def wire_str(value: object) -> str:
    """A JSON value as the text that is hashed: strings as-is, integers in decimal,
    `null`/missing as "". Anything else (floats, booleans, objects) has no agreed text form,
    so it is refused rather than guessed."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"unsupported JSON value type in a VNPay message: {type(value).__name__}")


def fields_signing_string(data: Mapping[str, object], fields: Sequence[str]) -> str:
    """The `|`-joined raw values of `fields` (missing ones as "")."""
    return "|".join(wire_str(data.get(name)) for name in fields)


def fields_checksum(data: Mapping[str, object], fields: Sequence[str], secret: str) -> str:
    """Lower-case hex HMAC-SHA512 of `fields_signing_string`."""
    return hmac_sha512_hex(secret, fields_signing_string(data, fields))


def _normalise_body(body: object) -> dict[str, str]:
    if not isinstance(body, dict):
        raise MalformedResponseError("VNPay API response is not a JSON object")
    out: dict[str, str] = {}
    for key, value in body.items():
        try:
            out[str(key)] = wire_str(value)
        except ValueError as exc:
            raise MalformedResponseError(f"VNPay API response field {key!r}: {exc}") from None
    return out


def _check_signature(
    data: Mapping[str, str], fields: Sequence[str], merchant: VnpayMerchant
) -> bool:
    """Verify a response checksum. A `00` answer must be signed; an unsigned error answer is
    tolerated (it moves no money) and reported as `signature_verified=False`."""
    received = data.get(SECURE_HASH, "")
    if not received:
        if data.get("vnp_ResponseCode") == "00":
            raise ResponseSignatureError("successful VNPay API response carries no checksum")
        return False
    expected = fields_checksum(data, fields, merchant.hash_secret)
    if not received.isascii() or not hmac.compare_digest(expected, received.lower()):
        raise ResponseSignatureError("VNPay API response checksum mismatch")
    return True


def _opt(data: Mapping[str, str], key: str) -> str | None:
    value = data.get(key, "")
    return value or None


def _opt_amount(data: Mapping[str, str]) -> int | None:
    value = data.get("vnp_Amount", "")
    if not value:
        return None
    try:
        return parse_vnp_amount(value)
    except VnpayValidationError as exc:
        raise MalformedResponseError(str(exc)) from None


def _opt_date(data: Mapping[str, str], key: str) -> datetime | None:
    value = data.get(key, "")
    if not value:
        return None
    try:
        return parse_vnp_date(value)
    except VnpayValidationError as exc:
        raise MalformedResponseError(f"{key}: {exc}") from None


def _check_echo(
    data: Mapping[str, str], command: str, merchant: VnpayMerchant, txn_ref: str
) -> None:
    """A signed `00` answer about another terminal/order/command is a replay or a bug."""
    if data.get("vnp_ResponseCode") != "00":
        return
    for key, expected in (
        ("vnp_Command", command),
        ("vnp_TmnCode", merchant.tmn_code),
        ("vnp_TxnRef", txn_ref),
    ):
        if data.get(key, "") != expected:
            raise MalformedResponseError(f"VNPay API response {key} does not match the request")


def _require_code(data: Mapping[str, str]) -> str:
    code = data.get("vnp_ResponseCode", "")
    if not code:
        raise MalformedResponseError("VNPay API response has no vnp_ResponseCode")
    return code


def parse_querydr_response(body: object, merchant: VnpayMerchant, txn_ref: str) -> QueryDrResult:
    """Verify and type a querydr response (checksum order §4)."""
    data = _normalise_body(body)
    code = _require_code(data)
    verified = _check_signature(data, QUERYDR_RESPONSE_FIELDS, merchant)
    _check_echo(data, "querydr", merchant, txn_ref)
    return QueryDrResult(
        response_code=code,
        message=data.get("vnp_Message", ""),
        response_id=_opt(data, "vnp_ResponseId"),
        txn_ref=_opt(data, "vnp_TxnRef"),
        amount_vnd=_opt_amount(data),
        transaction_no=_opt(data, "vnp_TransactionNo"),
        transaction_type=_opt(data, "vnp_TransactionType"),
        transaction_status=_opt(data, "vnp_TransactionStatus"),
        bank_code=_opt(data, "vnp_BankCode"),
        pay_date=_opt_date(data, "vnp_PayDate"),
        order_info=_opt(data, "vnp_OrderInfo"),
        promotion_code=_opt(data, "vnp_PromotionCode"),
        promotion_amount=_opt(data, "vnp_PromotionAmount"),
        signature_verified=verified,
        raw=data,
    )


def parse_refund_response(body: object, merchant: VnpayMerchant, txn_ref: str) -> RefundResult:
    """Verify and type a refund response (checksum order §5, amount raw x100)."""
    data = _normalise_body(body)
    code = _require_code(data)
    verified = _check_signature(data, REFUND_RESPONSE_FIELDS, merchant)
    _check_echo(data, "refund", merchant, txn_ref)
    return RefundResult(
        response_code=code,
        message=data.get("vnp_Message", ""),
        response_id=_opt(data, "vnp_ResponseId"),
        txn_ref=_opt(data, "vnp_TxnRef"),
        amount_vnd=_opt_amount(data),
        transaction_no=_opt(data, "vnp_TransactionNo"),
        transaction_type=_opt(data, "vnp_TransactionType"),
        transaction_status=_opt(data, "vnp_TransactionStatus"),
        bank_code=_opt(data, "vnp_BankCode"),
        pay_date=_opt_date(data, "vnp_PayDate"),
        order_info=_opt(data, "vnp_OrderInfo"),
        signature_verified=verified,
        raw=data,
    )
