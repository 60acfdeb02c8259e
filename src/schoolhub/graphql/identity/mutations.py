"""Sign-in mutations. Thin: parse, call one service function, map the result or its error."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schoolhub.graphql.errors import UserError
from schoolhub.graphql.identity.types import AuthPayload, OkPayload
from schoolhub.identity import service as identity
from schoolhub.platform.errors import DomainError


@strawberry.type
class IdentityMutations:
    @strawberry.mutation(description="Sign in with login and password.")
    async def login(self, info: Info, login: str, password: str) -> AuthPayload:
        try:
            return AuthPayload.of(
                await identity.login_with_password(login, password, info.context.ip)
            )
        except DomainError as exc:
            return AuthPayload(errors=[UserError.of(exc)])

    @strawberry.mutation(description="Exchange a refresh token for a new pair (the old one dies).")
    async def refresh_token(self, info: Info, refresh_token: str) -> AuthPayload:
        try:
            return AuthPayload.of(await identity.refresh(refresh_token, info.context.ip))
        except DomainError as exc:
            return AuthPayload(errors=[UserError.of(exc)])

    @strawberry.mutation(description="End the current session (all its refresh tokens).")
    async def logout(self, info: Info) -> OkPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            await identity.logout(principal, info.context.ip)
        except DomainError as exc:
            return OkPayload(errors=[UserError.of(exc)])
        return OkPayload(ok=True)

    @strawberry.mutation(description="Send a one-time sign-in code to a guardian's phone.")
    async def request_phone_code(self, info: Info, phone: str) -> OkPayload:
        try:
            await identity.request_phone_otp(phone, info.context.ip)
        except DomainError as exc:
            return OkPayload(errors=[UserError.of(exc)])
        return OkPayload(ok=True)

    @strawberry.mutation(description="Sign in with the one-time code sent to the phone.")
    async def login_with_phone_code(self, info: Info, phone: str, code: str) -> AuthPayload:
        try:
            return AuthPayload.of(await identity.verify_phone_otp(phone, code, info.context.ip))
        except DomainError as exc:
            return AuthPayload(errors=[UserError.of(exc)])

    @strawberry.mutation(description="Sign in with a Firebase ID token (phone auth in the app).")
    async def login_with_firebase(self, info: Info, id_token: str) -> AuthPayload:
        try:
            return AuthPayload.of(await identity.login_with_firebase(id_token, info.context.ip))
        except DomainError as exc:
            return AuthPayload(errors=[UserError.of(exc)])
