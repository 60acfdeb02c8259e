"""Stable error codes of the organisation and tenant domain."""

from __future__ import annotations

from enum import StrEnum


class TenantErrorCode(StrEnum):
    DUPLICATE_CODE = "DUPLICATE_CODE"
    INVALID_CODE = "INVALID_CODE"
    INVALID_PARENT = "INVALID_PARENT"
    INVALID_ROLE = "INVALID_ROLE"
    DUPLICATE_LOGIN = "DUPLICATE_LOGIN"
    DUPLICATE_PHONE = "DUPLICATE_PHONE"
    INVALID_PHONE = "INVALID_PHONE"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    ALREADY_MEMBER = "ALREADY_MEMBER"
    INVALID_NAME = "INVALID_NAME"
