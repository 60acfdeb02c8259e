"""Stable error codes of attendance, leave requests, monthly reports."""

from __future__ import annotations

from enum import StrEnum


class AttendanceErrorCode(StrEnum):
    """Add members as NAME = "NAME"; the GraphQL ErrorCode enum includes them."""
