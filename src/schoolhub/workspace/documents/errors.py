"""Stable error codes of official documents (công văn), tasks, file storage."""

from __future__ import annotations

from enum import StrEnum


class DocumentsErrorCode(StrEnum):
    """Add members as NAME = "NAME"; the GraphQL ErrorCode enum includes them."""

    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    FILE_TYPE_NOT_ALLOWED = "FILE_TYPE_NOT_ALLOWED"
    INVALID_FILE_KEY = "INVALID_FILE_KEY"
    DOCUMENT_INVALID_FIELD = "DOCUMENT_INVALID_FIELD"
    DOCUMENT_ATTACHMENT_NOT_FOUND = "DOCUMENT_ATTACHMENT_NOT_FOUND"
    DOCUMENT_ASSIGNEE_NOT_STAFF = "DOCUMENT_ASSIGNEE_NOT_STAFF"
    DOCUMENT_RECIPIENT_OUTSIDE_SUBTREE = "DOCUMENT_RECIPIENT_OUTSIDE_SUBTREE"
    DOCUMENT_NO_RECIPIENTS = "DOCUMENT_NO_RECIPIENTS"
