"""Error shapes of the API.

* Business failures of a mutation come back in its payload as ``errors: [UserError!]!`` with a code
  from the ``ErrorCode`` enum (stable: removing a value is a breaking change of the contract).
* Failures that stop a field (authentication, not found on a required object, limits, validation)
  are GraphQL errors whose ``extensions.code`` is one of the same codes.
* Anything unexpected is logged server-side with a reference and reaches the client only as
  ``INTERNAL_SERVER_ERROR`` with that reference; no stack trace or exception text ever leaves.
"""

from __future__ import annotations

import logging
import uuid
from enum import Enum
from typing import Any, cast

import strawberry

from graphql import GraphQLError, GraphQLSyntaxError
from schoolhub.identity.errors import AuthErrorCode
from schoolhub.payments.errors import PaymentsErrorCode
from schoolhub.platform.errors import DomainError
from schoolhub.realtime.errors import RealtimeErrorCode
from schoolhub.tenants.errors import TenantErrorCode
from schoolhub.workspace.attendance.errors import AttendanceErrorCode
from schoolhub.workspace.documents.errors import DocumentsErrorCode
from schoolhub.workspace.people.errors import WorkspacePeopleErrorCode
from schoolhub.workspace.structure.errors import WorkspaceStructureErrorCode

log = logging.getLogger("schoolhub.graphql")

_GENERIC = [
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "RATE_LIMITED",
    "UNAVAILABLE",
    "INVALID_ID",
    "INVALID_LOGIN",
    "INTERNAL_SERVER_ERROR",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "QUERY_TOO_DEEP",
    "TOO_MANY_ALIASES",
    "QUERY_TOO_COMPLEX",
    "QUERY_TOO_LARGE",
    "INTROSPECTION_DISABLED",
    "BAD_REQUEST",
]
_DOMAIN_ENUMS: tuple[type[Enum], ...] = (
    AuthErrorCode,
    TenantErrorCode,
    WorkspaceStructureErrorCode,
    WorkspacePeopleErrorCode,
    AttendanceErrorCode,
    DocumentsErrorCode,
    PaymentsErrorCode,
    RealtimeErrorCode,
)
_ALL_CODES = sorted({*_GENERIC, *(str(m.value) for e in _DOMAIN_ENUMS for m in e)})

_ErrorCodeEnum = cast("type[Enum]", Enum("ErrorCode", {c: c for c in _ALL_CODES}))
ErrorCode = strawberry.enum(
    _ErrorCodeEnum,
    description="Stable machine-readable error codes. Clients switch on these, never on messages.",
)


@strawberry.type(description="A business error of a mutation; nothing was changed.")
class UserError:
    code: ErrorCode  # type: ignore[valid-type]
    message: str
    field: str | None = None

    @classmethod
    def of(cls, exc: DomainError) -> UserError:
        code = exc.code if exc.code in _ALL_CODES else "BAD_REQUEST"
        return cls(code=ErrorCode[code], message=exc.message, field=exc.field)


def classify(error: GraphQLError) -> None:
    """Give every error a code and mask unexpected ones (mutates the error in place)."""
    original = error.original_error
    extensions: dict[str, Any] = dict(error.extensions or {})
    if isinstance(original, DomainError):
        extensions["code"] = original.code
        if original.field:
            extensions["field"] = original.field
    elif original is None or isinstance(original, GraphQLError):
        if "code" not in extensions:
            if isinstance(error, GraphQLSyntaxError) or error.message.startswith("Syntax Error"):
                too_big = "tokens" in error.message
                extensions["code"] = "QUERY_TOO_LARGE" if too_big else "GRAPHQL_PARSE_FAILED"
            else:
                extensions["code"] = "GRAPHQL_VALIDATION_FAILED"
    else:
        reference = uuid.uuid4().hex[:12]
        log.error("unexpected error %s in %s", reference, error.path, exc_info=original)
        error.message = f"Internal server error (reference {reference})"
        extensions = {"code": "INTERNAL_SERVER_ERROR", "reference": reference}
    error.extensions = extensions
