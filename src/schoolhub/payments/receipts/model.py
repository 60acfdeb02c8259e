"""Input of the receipt renderer: plain frozen dataclasses, validated on construction.

The fields cover Công văn 2741/BGDĐT-KHTC: payer's name (``payer_name``), beneficiary's name (the
school, ``school.name``), payment reason (``reason``) and invoice code (``invoice_code``), plus the
receipt's own per-school number.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from schoolhub.payments.receipts.errors import InvalidAmountError, ReceiptError

PAYMENT_METHOD_VNPAY = "VNPay"
RECEIPT_NUMBER_PREFIX = "BL"


def _vietnam_tz() -> tzinfo:
    try:
        return ZoneInfo("Asia/Ho_Chi_Minh")
    except ZoneInfoNotFoundError:  # pragma: no cover - slim images without tzdata
        # Vietnam has kept UTC+7 without daylight saving since 1975.
        return timezone(timedelta(hours=7), "ICT")


VIETNAM_TZ = _vietnam_tz()


def nfc(text: str) -> str:
    """NFC-normalise: text typed on macOS/iOS may arrive decomposed (e + combining marks)."""
    return unicodedata.normalize("NFC", text)


def _require_text(name: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ReceiptError(f"{name} must be a non-empty string")


def _require_amount(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmountError(f"{name} must be an int of VND, got {type(value).__name__}")
    if value < 0:
        raise InvalidAmountError(f"{name} must not be negative, got {value}")


def format_receipt_number(year: int, sequence: int) -> str:
    """Per-school, per-year receipt number: (2026, 123) -> "BL-2026-000123"."""
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1:
        raise ReceiptError(f"receipt sequence must be a positive int, got {sequence!r}")
    if sequence > 999_999:
        raise ReceiptError(f"receipt sequence {sequence} does not fit six digits")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 9999:
        raise ReceiptError(f"receipt year must be a four-digit int, got {year!r}")
    return f"{RECEIPT_NUMBER_PREFIX}-{year:04d}-{sequence:06d}"


@dataclass(frozen=True, slots=True)
class SchoolInfo:
    """The school that collects the money: the beneficiary (đơn vị thụ hưởng) of the payment."""

    name: str
    address: str
    code: str

    def __post_init__(self) -> None:
        _require_text("school.name", self.name)
        _require_text("school.code", self.code)


@dataclass(frozen=True, slots=True)
class StudentInfo:
    name: str
    class_name: str
    code: str

    def __post_init__(self) -> None:
        _require_text("student.name", self.name)
        _require_text("student.class_name", self.class_name)
        _require_text("student.code", self.code)


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """One fee item paid: name (e.g. "Tiền ăn bán trú"), period (e.g. "Tháng 10/2026"), amount."""

    item_name: str
    period: str
    amount: int

    def __post_init__(self) -> None:
        _require_text("line.item_name", self.item_name)
        _require_amount("line.amount", self.amount)


@dataclass(frozen=True, slots=True)
class VnpayPayment:
    """VNPay references: ``transaction_no`` is vnp_TransactionNo, ``txn_ref`` is vnp_TxnRef."""

    transaction_no: str
    txn_ref: str
    bank_code: str | None = None
    method: str = field(default=PAYMENT_METHOD_VNPAY, init=False)

    def __post_init__(self) -> None:
        _require_text("payment.transaction_no", self.transaction_no)
        _require_text("payment.txn_ref", self.txn_ref)


@dataclass(frozen=True, slots=True)
class Receipt:
    """An electronic receipt (biên lai thu tiền điện tử) for one paid invoice.

    ``sequence`` is the school's running receipt counter for the calendar year of ``issued_at`` in
    Vietnam time; the printed number is ``format_receipt_number(local year, sequence)``.
    ``issued_at`` must be timezone-aware; it is shown in Asia/Ho_Chi_Minh. ``total`` must equal the
    sum of the lines (a mismatch is a bug upstream, so it raises rather than printing either one).
    ``template_code``/``series`` (mẫu số / ký hiệu) are printed when the school has registered them.
    """

    school: SchoolInfo
    sequence: int
    issued_at: datetime
    payer_name: str
    student: StudentInfo
    reason: str
    invoice_code: str
    lines: tuple[ReceiptLine, ...]
    total: int
    payment: VnpayPayment
    template_code: str | None = None
    series: str | None = None

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ReceiptError("issued_at must be timezone-aware")
        _require_text("payer_name", self.payer_name)
        _require_text("reason", self.reason)
        _require_text("invoice_code", self.invoice_code)
        object.__setattr__(self, "lines", tuple(self.lines))
        if not self.lines:
            raise ReceiptError("a receipt needs at least one line")
        _require_amount("total", self.total)
        line_sum = sum(line.amount for line in self.lines)
        if line_sum != self.total:
            raise ReceiptError(f"total {self.total} does not match the sum of lines {line_sum}")
        self.number  # noqa: B018 - validates the sequence/year eagerly

    @property
    def issued_at_local(self) -> datetime:
        return self.issued_at.astimezone(VIETNAM_TZ)

    @property
    def number(self) -> str:
        return format_receipt_number(self.issued_at_local.year, self.sequence)
