"""Stable error codes of staff directory, students, guardians, bulk import, search, school profile."""

from __future__ import annotations

from enum import StrEnum


class WorkspacePeopleErrorCode(StrEnum):
    """Add members as NAME = "NAME"; the GraphQL ErrorCode enum includes them."""
