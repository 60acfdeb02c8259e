"""GraphQL types of identity: users and the token payloads of sign-in."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from schoolhub.graphql.errors import UserError
from schoolhub.graphql.tenants.types import Membership, OfficeMembership
from schoolhub.identity.service import TokenPair
from schoolhub.platform import db


@strawberry.type(description="A person. One account per person across the whole province.")
class User(relay.Node):
    id: relay.NodeID[str]
    login: str
    full_name: str
    phone_value: strawberry.Private[str | None]

    @strawberry.field(description="Only visible to the user themself.")
    def phone(self, info: Info) -> str | None:
        principal = info.context.principal_value
        return self.phone_value if str(principal.user_id) == self.id else None

    @strawberry.field(
        description="The user's school memberships; only visible to the user themself."
    )
    def memberships(self, info: Info) -> list[Membership]:
        # Loaded with the principal for this request: no query, and never another user's.
        principal = info.context.principal_value
        if principal.user_id is None or str(principal.user_id) != self.id:
            return []
        return [
            Membership(
                id=str(g.membership_id),
                role=g.role,
                created_at=g.created_at,
                school_uuid=g.school_id,
                user_uuid=principal.user_id,
            )
            for g in principal.school_grants
        ]

    @strawberry.field(
        description="Department or district roles; only visible to the user themself."
    )
    def office_memberships(self, info: Info) -> list[OfficeMembership]:
        principal = info.context.principal_value
        if principal.user_id is None or str(principal.user_id) != self.id:
            return []
        return [
            OfficeMembership(role=g.role, org_unit_uuid=g.org_unit_id)
            for g in principal.office_grants
        ]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> User:
        return cls(
            id=str(row["id"]),
            login=row["login"],
            full_name=row["full_name"],
            phone_value=row.get("phone"),
        )


@strawberry.type(
    description="Tokens of a new or refreshed session. Send the access token as "
    "'Authorization: Bearer <accessToken>'; keep the refresh token secret."
)
class AuthPayload:
    access_token: str | None = None
    access_token_expires_at: datetime | None = None
    refresh_token: str | None = None
    user_uuid: strawberry.Private[UUID | None] = None
    errors: list[UserError] = strawberry.field(default_factory=list)

    @strawberry.field
    async def user(self, info: Info) -> User | None:
        if self.user_uuid is None:
            return None
        # The user has just proved who they are; their own record is theirs to see.
        async with db.system():
            row = await db.fetchrow(
                "SELECT id, login, full_name, phone FROM identity_user WHERE id = $1",
                self.user_uuid,
            )
        return User.from_row(row) if row else None

    @classmethod
    def of(cls, pair: TokenPair) -> AuthPayload:
        from datetime import UTC

        return cls(
            access_token=pair.access_token,
            access_token_expires_at=datetime.fromtimestamp(pair.access_expires_at, UTC),
            refresh_token=pair.refresh_token,
            user_uuid=pair.user_id,
        )


@strawberry.type
class OkPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)
