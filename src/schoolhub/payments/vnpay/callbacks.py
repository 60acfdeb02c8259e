"""Verification of VNPay's Return URL and IPN callbacks (VNPAY.md §3.1, §3.2).

Order of checks, as in the official samples: signature first (nothing is trusted before),
then the terminal, then field formats. The caller then checks order existence, amount and
state (-> IPN codes 01/04/02) against its own database; that part is not protocol.
"""

from __future__ import annotations

from collections.abc import Mapping

from schoolhub.payments.vnpay.encoding import parse_vnp_amount, parse_vnp_date, verify_params
from schoolhub.payments.vnpay.errors import (
    InvalidSignatureError,
    MalformedCallbackError,
    VnpayValidationError,
)
from schoolhub.payments.vnpay.models import VerifiedCallback, VnpayMerchant

__all__ = ["untrusted_callback_keys", "verify_callback"]

_REQUIRED = (
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_ResponseCode",
    "vnp_TransactionStatus",
)


def untrusted_callback_keys(query: Mapping[str, str]) -> tuple[str | None, str | None]:
    """`(vnp_TmnCode, vnp_TxnRef)` read WITHOUT verification.

    Only for choosing which merchant's secret to verify with (each school is a merchant);
    never act on these values before `verify_callback` succeeds.
    """
    tmn = query.get("vnp_TmnCode")
    ref = query.get("vnp_TxnRef")
    return (tmn if isinstance(tmn, str) else None, ref if isinstance(ref, str) else None)


def verify_callback(query: Mapping[str, str], merchant: VnpayMerchant) -> VerifiedCallback:
    """Verify a decoded callback query and return its typed content.

    Raises `InvalidSignatureError` (IPN reply 97) when the hash is missing or wrong, and
    `MalformedCallbackError` (IPN reply 99) when a signed callback is for another terminal or
    has a missing/unparsable field, e.g. an amount that is not a whole number of VND.
    """
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in query.items()):
        raise InvalidSignatureError("callback parameters must be strings")
    if not verify_params(query, merchant.hash_secret):
        raise InvalidSignatureError("callback signature is missing or invalid")
    signed = {key: value for key, value in query.items() if key.startswith("vnp_")}
    missing = [name for name in _REQUIRED if not signed.get(name)]
    if missing:
        raise MalformedCallbackError(f"callback lacks {', '.join(missing)}")
    if signed["vnp_TmnCode"] != merchant.tmn_code:
        raise MalformedCallbackError("callback is for another terminal")
    try:
        amount_vnd = parse_vnp_amount(signed["vnp_Amount"])
        pay_date = parse_vnp_date(signed["vnp_PayDate"]) if signed.get("vnp_PayDate") else None
    except VnpayValidationError as exc:
        raise MalformedCallbackError(str(exc)) from None
    return VerifiedCallback(
        tmn_code=signed["vnp_TmnCode"],
        txn_ref=signed["vnp_TxnRef"],
        amount_vnd=amount_vnd,
        response_code=signed["vnp_ResponseCode"],
        transaction_status=signed["vnp_TransactionStatus"],
        transaction_no=signed.get("vnp_TransactionNo") or None,
        bank_code=signed.get("vnp_BankCode") or None,
        bank_tran_no=signed.get("vnp_BankTranNo") or None,
        card_type=signed.get("vnp_CardType") or None,
        pay_date=pay_date,
        order_info=signed.get("vnp_OrderInfo") or None,
        raw=signed,
    )
