"""Stable error codes of fees, invoices and payments."""

from __future__ import annotations

from enum import StrEnum


class PaymentsErrorCode(StrEnum):
    """Add members as NAME = "NAME"; the GraphQL ErrorCode enum includes them."""
