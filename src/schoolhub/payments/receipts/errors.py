"""Errors raised by the receipt renderer. Plain exceptions: the payments service maps them."""

from __future__ import annotations


class ReceiptError(ValueError):
    """The receipt input is inconsistent (naive datetime, total mismatch, empty lines, ...)."""


class InvalidAmountError(ReceiptError):
    """An amount is not a non-negative ``int`` of VND (negative, float, bool, str, ...)."""
