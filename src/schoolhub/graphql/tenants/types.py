"""GraphQL types of the organisation: org units, schools, memberships."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.platform.principal import Role as DomainRole
from schoolhub.tenants import service as tenants

if TYPE_CHECKING:
    from schoolhub.graphql.identity.types import User


@strawberry.enum(description="Cấp học of a school.")
class SchoolLevel(Enum):
    PRESCHOOL = "preschool"
    PRIMARY = "primary"
    LOWER_SECONDARY = "lower_secondary"
    UPPER_SECONDARY = "upper_secondary"
    MULTI_LEVEL = "multi_level"
    CONTINUING = "continuing"


@strawberry.enum
class Ownership(Enum):
    PUBLIC = "public"
    PRIVATE = "private"


@strawberry.enum
class OrgUnitKind(Enum):
    DEPARTMENT = "department"
    DISTRICT = "district"
    COMMUNE = "commune"


strawberry.enum(DomainRole, name="Role", description="Role of a user in a school or an office.")
Role = DomainRole


@strawberry.type
class OrgUnit(relay.Node):
    id: relay.NodeID[str]
    kind: OrgUnitKind
    code: str
    name: str
    valid_from: date
    valid_to: date | None
    parent_uuid: strawberry.Private[UUID | None]

    @strawberry.field
    async def parent(self, info: Info) -> OrgUnit | None:
        if self.parent_uuid is None:
            return None
        row = await info.context.loaders.org_unit.load(self.parent_uuid)
        return OrgUnit.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OrgUnit:
        return cls(
            id=str(row["id"]),
            kind=OrgUnitKind(row["kind"]),
            code=row["code"],
            name=row["name"],
            valid_from=row["valid_from"],
            valid_to=row["valid_to"],
            parent_uuid=row["parent_id"],
        )


@strawberry.type(description="A school: the tenant. Every school's data is isolated from others'.")
class School(relay.Node):
    id: relay.NodeID[str]
    code: str
    name: str
    level: SchoolLevel
    ownership: Ownership
    address: str
    active: bool
    created_at: datetime
    org_unit_uuid: strawberry.Private[UUID]

    @strawberry.field
    async def org_unit(self, info: Info) -> OrgUnit | None:
        row = await info.context.loaders.org_unit.load(self.org_unit_uuid)
        return OrgUnit.from_row(row) if row else None

    @strawberry.field(
        description="Live memberships; visible to the school's staff and the department."
    )
    async def members(self, info: Info) -> list[Membership] | None:
        rows = await tenants.school_members(info.context.require_principal(), UUID(self.id))
        return [Membership.from_row(r) for r in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> School:
        return cls(
            id=str(row["id"]),
            code=row["code"],
            name=row["name"],
            level=SchoolLevel(row["level"]),
            ownership=Ownership(row["ownership"]),
            address=row["address"],
            active=row["active"],
            created_at=row["created_at"],
            org_unit_uuid=row["org_unit_id"],
        )


@strawberry.type
class Membership(relay.Node):
    id: relay.NodeID[str]
    role: DomainRole
    created_at: datetime
    school_uuid: strawberry.Private[UUID]
    user_uuid: strawberry.Private[UUID]

    @strawberry.field
    async def school(self, info: Info) -> School | None:
        row = await info.context.loaders.school.load(self.school_uuid)
        return School.from_row(row) if row else None

    @strawberry.field
    async def user(
        self, info: Info
    ) -> Annotated[User, strawberry.lazy("schoolhub.graphql.identity.types")] | None:
        from schoolhub.graphql.identity.types import User

        row = await info.context.loaders.user.load(self.user_uuid)
        return User.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Membership:
        return cls(
            id=str(row["id"]),
            role=DomainRole(row["role"]),
            created_at=row["created_at"],
            school_uuid=row["school_id"],
            user_uuid=row["user_id"],
        )


@strawberry.type
class OfficeMembership:
    role: DomainRole
    org_unit_uuid: strawberry.Private[UUID]

    @strawberry.field
    async def org_unit(self, info: Info) -> OrgUnit | None:
        row = await info.context.loaders.org_unit.load(self.org_unit_uuid)
        return OrgUnit.from_row(row) if row else None


def school_gid(school_id: UUID) -> str:
    return ids.encode("School", school_id)
