"""Typed values exchanged with VNPay: merchant credentials, payment URLs, verified results.

Money is always whole VND as `int` (never x100, never float); dates are aware GMT+7
datetimes; VNPay's codes stay two-character strings so unknown codes survive. Results are
frozen: once verified, nothing downstream can alter what VNPay said.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from schoolhub.payments.vnpay.errors import VnpayValidationError

__all__ = ["PaymentUrl", "QueryDrResult", "RefundResult", "VerifiedCallback", "VnpayMerchant"]

_TMN_CODE_RE = re.compile(r"[A-Za-z0-9]{8}")


@dataclass(frozen=True, slots=True)
class VnpayMerchant:
    """One VNPay terminal: each school is its own merchant (ARCHITECTURE.md, Payments).

    `hash_secret` is excluded from `repr`/`str` so that a logged merchant, a failed assertion
    or a traceback's locals never print it.
    """

    tmn_code: str
    hash_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        if _TMN_CODE_RE.fullmatch(self.tmn_code) is None:
            raise VnpayValidationError("vnp_TmnCode must be Alphanumeric[8]")
        if not self.hash_secret:
            raise VnpayValidationError("the hash secret must not be empty")


@dataclass(frozen=True, slots=True)
class PaymentUrl:
    """A signed payment URL and the values the caller must store with its payment intent.

    `create_date` is needed later as `vnp_TransactionDate` for querydr and refund.
    """

    url: str
    txn_ref: str
    amount_vnd: int
    create_date: str
    expire_date: str
    params: Mapping[str, str] = field(repr=False)


@dataclass(frozen=True, slots=True)
class VerifiedCallback:
    """A Return URL / IPN whose signature and terminal were checked.

    `succeeded` requires BOTH `vnp_ResponseCode` and `vnp_TransactionStatus` to be `00`
    (the .NET sample's rule; the others are laxer, VNPAY.md §3.3). A failed payment is still
    a valid callback: the IPN answers `00` to acknowledge it.
    """

    tmn_code: str
    txn_ref: str
    amount_vnd: int
    response_code: str
    transaction_status: str
    transaction_no: str | None
    bank_code: str | None
    bank_tran_no: str | None
    card_type: str | None
    pay_date: datetime | None
    order_info: str | None
    raw: Mapping[str, str] = field(repr=False)

    @property
    def succeeded(self) -> bool:
        return self.response_code == "00" and self.transaction_status == "00"


@dataclass(frozen=True, slots=True)
class QueryDrResult:
    """VNPay's answer to querydr. `response_code` is about the query (`91` = not found);
    `transaction_status` and `transaction_type` describe the transaction itself.

    `signature_verified` is False only for non-`00` answers that came without a checksum
    (e.g. `02` unknown terminal, which VNPay cannot sign); a `00` answer is always verified.
    """

    response_code: str
    message: str
    response_id: str | None
    txn_ref: str | None
    amount_vnd: int | None
    transaction_no: str | None
    transaction_type: str | None
    transaction_status: str | None
    bank_code: str | None
    pay_date: datetime | None
    order_info: str | None
    promotion_code: str | None
    promotion_amount: str | None
    signature_verified: bool
    raw: Mapping[str, str] = field(repr=False)

    @property
    def found(self) -> bool:
        return self.response_code == "00"

    @property
    def succeeded(self) -> bool:
        """The queried transaction is a payment that VNPay reports as successful."""
        return (
            self.response_code == "00"
            and self.transaction_status == "00"
            and self.transaction_type in (None, "01")
        )


@dataclass(frozen=True, slots=True)
class RefundResult:
    """VNPay's answer to a refund request; `accepted` means VNPay took the request (`00`).

    The refund itself may still be processed later (`transaction_status` 05/06); follow it
    with querydr (`transaction_type` 02/03).
    """

    response_code: str
    message: str
    response_id: str | None
    txn_ref: str | None
    amount_vnd: int | None
    transaction_no: str | None
    transaction_type: str | None
    transaction_status: str | None
    bank_code: str | None
    pay_date: datetime | None
    order_info: str | None
    signature_verified: bool
    raw: Mapping[str, str] = field(repr=False)

    @property
    def accepted(self) -> bool:
        return self.response_code == "00"
