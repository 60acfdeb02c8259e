"""Electronic receipts (biên lai thu tiền điện tử) rendered to PDF. Pure: no database, no network.

The payments service builds a ``Receipt`` from a paid invoice and calls ``render_receipt_pdf``.
"""

from __future__ import annotations

from schoolhub.payments.receipts.errors import InvalidAmountError, ReceiptError
from schoolhub.payments.receipts.model import (
    PAYMENT_METHOD_VNPAY,
    VIETNAM_TZ,
    Receipt,
    ReceiptLine,
    SchoolInfo,
    StudentInfo,
    VnpayPayment,
    format_receipt_number,
)
from schoolhub.payments.receipts.pdf import PageSize, format_issue_datetime, render_receipt_pdf
from schoolhub.payments.receipts.words import format_vnd, vnd_in_words

__all__ = [
    "PAYMENT_METHOD_VNPAY",
    "VIETNAM_TZ",
    "InvalidAmountError",
    "PageSize",
    "Receipt",
    "ReceiptError",
    "ReceiptLine",
    "SchoolInfo",
    "StudentInfo",
    "VnpayPayment",
    "format_issue_datetime",
    "format_receipt_number",
    "format_vnd",
    "render_receipt_pdf",
    "vnd_in_words",
]
