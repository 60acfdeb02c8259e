"""Stable error codes of school years, terms, subjects, classes, assignments, rooms, timetable, grades and records."""

from __future__ import annotations

from enum import StrEnum


class WorkspaceStructureErrorCode(StrEnum):
    """Add members as NAME = "NAME"; the GraphQL ErrorCode enum includes them."""
