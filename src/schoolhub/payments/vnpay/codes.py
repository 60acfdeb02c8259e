"""VNPay code tables (VNPAY.md §3.3, §3.5, §4, §5) and the IPN reply.

Codes stay plain two-character strings on the wire and in our results: VNPay adds codes
without notice, and an unknown code must survive round trips rather than fail an enum parse.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "IPN_REPLY_MESSAGES",
    "QUERYDR_RESPONSE_MESSAGES",
    "REFUND_RESPONSE_MESSAGES",
    "RESPONSE_CODE_MESSAGES",
    "TRANSACTION_STATUS_MESSAGES",
    "TRANSACTION_TYPE_FULL_REFUND",
    "TRANSACTION_TYPE_PARTIAL_REFUND",
    "TRANSACTION_TYPE_PAYMENT",
    "ipn_reply",
]

TRANSACTION_TYPE_PAYMENT = "01"
TRANSACTION_TYPE_FULL_REFUND = "02"
TRANSACTION_TYPE_PARTIAL_REFUND = "03"

IPN_REPLY_MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        # 00 is also the answer when the *payment* failed: it acknowledges the notification.
        "00": "Confirm Success",
        "01": "Order not found",
        "02": "Order already confirmed",
        "04": "invalid amount",
        "97": "Invalid signature",
        "99": "Unknow error",  # sic: the official samples' spelling
    }
)

RESPONSE_CODE_MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "00": "success",
        "07": "money deducted, transaction suspected of fraud or unusual",
        "09": "card/account not registered for Internet Banking",
        "10": "card/account verification failed more than 3 times",
        "11": "payment wait time expired",
        "12": "card/account locked",
        "13": "wrong OTP",
        "24": "customer cancelled",
        "51": "insufficient balance",
        "65": "daily transaction limit exceeded",
        "75": "paying bank under maintenance",
        "79": "wrong payment password too many times",
        "99": "other errors",
    }
)

TRANSACTION_STATUS_MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "00": "success",
        "01": "not yet completed",
        "02": "error",
        "04": "reversed",
        "05": "VNPay processing (refund)",
        "06": "refund request sent to the bank",
        "07": "suspected fraud",
        "09": "refund rejected",
    }
)

QUERYDR_RESPONSE_MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "00": "success",
        "02": "invalid TmnCode",
        "03": "wrong data format",
        "91": "transaction not found",
        "94": "duplicate request",
        "97": "invalid checksum",
        "99": "other",
    }
)

REFUND_RESPONSE_MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "00": "success",
        "02": "invalid TmnCode",
        "03": "wrong data format",
        "04": "full refund not allowed after a partial refund",
        "91": "refund target transaction not found",
        "93": "invalid refund amount",
        "94": "a refund for this transaction is already being processed",
        "95": "transaction was not successful at VNPay",
        "97": "invalid checksum",
        "99": "other",
    }
)


def ipn_reply(code: str) -> dict[str, str]:
    """The JSON body answering an IPN: `{"RspCode": code, "Message": ...}` (§3.3).

    `00`/`02` stop VNPay's retries; `01`, `04`, `97`, `99` make it retry (up to 10 calls).
    `03` ("IP prohibited") exists only in npm `vnpay`, so it is deliberately not offered.
    """
    try:
        message = IPN_REPLY_MESSAGES[code]
    except KeyError:
        raise ValueError(f"not an IPN reply code: {code!r}") from None
    return {"RspCode": code, "Message": message}
