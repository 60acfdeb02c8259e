"""Stable error codes of rooms, join tokens and signaling."""

from __future__ import annotations

from enum import StrEnum


class RealtimeErrorCode(StrEnum):
    """Add members as NAME = "NAME"; the GraphQL ErrorCode enum includes them."""
