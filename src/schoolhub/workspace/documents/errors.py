"""Stable error codes of official documents (công văn), tasks, file storage."""

from __future__ import annotations

from enum import StrEnum


class DocumentsErrorCode(StrEnum):
    """Add members as NAME = "NAME"; the GraphQL ErrorCode enum includes them."""
