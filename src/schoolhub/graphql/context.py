"""The typed per-request (per-socket for WebSockets) GraphQL context.

It carries the principal, the client address and the dataloaders. Loaders cache per request; on a
WebSocket the context lives as long as the socket, so subscriptions must not rely on cached loaders.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from strawberry.litestar import BaseContext

from schoolhub.graphql.loaders import Loaders
from schoolhub.identity import service as identity
from schoolhub.platform.errors import DomainError, Unauthenticated
from schoolhub.platform.principal import ANONYMOUS, Principal


class Context(BaseContext, kw_only=True):  # type: ignore[misc]
    principal_value: Principal = ANONYMOUS
    auth_error: DomainError | None = None
    ip: str = ""
    loaders: Loaders
    connection_params: dict[str, Any] | None = None

    @property
    def principal(self) -> Principal:
        """The caller; raises the token's problem (expired, revoked...) if it had one."""
        if self.auth_error is not None:
            raise self.auth_error
        return self.principal_value

    def require_principal(self) -> Principal:
        principal = self.principal
        if not principal.is_authenticated:
            raise Unauthenticated()
        return principal

    async def authenticate(self, token: str | None) -> None:
        self.principal_value, self.auth_error = ANONYMOUS, None
        if not token:
            return
        try:
            self.principal_value = await identity.load_principal(token)
        except DomainError as exc:
            self.auth_error = exc
        self.loaders = Loaders(lambda: self.principal_value)


def bearer(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def context_getter(request: Request[Any, Any, State]) -> Context:
    ip = request.client.host if request.client else ""
    ctx = Context(loaders=Loaders(lambda: ANONYMOUS), ip=ip)
    await ctx.authenticate(bearer(request.headers.get("authorization")))
    return ctx
