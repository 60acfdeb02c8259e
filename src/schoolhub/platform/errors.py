"""Typed, expected failures. Each carries a stable code that clients can switch on.

Anything that is not a ``DomainError`` is a bug: the GraphQL layer masks it as INTERNAL_SERVER_ERROR and
logs it with the request id; its text never reaches a client.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class NotFound(DomainError):
    """Missing *or not visible to the caller*: the two are indistinguishable on purpose."""

    code = "NOT_FOUND"

    def __init__(self, what: str = "object") -> None:
        super().__init__(f"{what} not found")


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"

    def __init__(
        self, message: str = "authentication required", *, code: str | None = None
    ) -> None:
        super().__init__(message, code=code)


class PermissionDenied(DomainError):
    code = "FORBIDDEN"

    def __init__(self, message: str = "not allowed") -> None:
        super().__init__(message)


class InvalidInput(DomainError):
    code = "BAD_USER_INPUT"


class Conflict(DomainError):
    code = "CONFLICT"


class RateLimited(DomainError):
    code = "RATE_LIMITED"

    def __init__(
        self, message: str = "too many attempts, try again later", retry_after_s: int = 60
    ) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
