"""Provisioning and membership mutations."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.graphql.identity.types import OkPayload, User
from schoolhub.graphql.tenants.types import (
    Membership,
    OrgUnit,
    OrgUnitKind,
    Ownership,
    Role,
    School,
    SchoolLevel,
)
from schoolhub.platform.errors import DomainError
from schoolhub.tenants import service as tenants


@strawberry.type
class OrgUnitPayload:
    org_unit: OrgUnit | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SchoolPayload:
    school: School | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UserPayload:
    user: User | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MembershipPayload:
    membership: Membership | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ProvisionSchoolInput:
    code: str
    name: str
    level: SchoolLevel
    ownership: Ownership
    org_unit_id: strawberry.ID
    address: str = ""


@strawberry.type
class TenantMutations:
    @strawberry.mutation(description="Department admins: add a district or commune office.")
    async def create_org_unit(
        self, info: Info, kind: OrgUnitKind, code: str, name: str, parent_id: strawberry.ID
    ) -> OrgUnitPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            parent = ids.decode(parent_id, "OrgUnit", "parentId")
            row = await tenants.create_org_unit(
                principal,
                kind=kind.value,
                code=code,
                name=name,
                parent_id=parent,
            )
        except DomainError as exc:
            return OrgUnitPayload(errors=[UserError.of(exc)])
        return OrgUnitPayload(org_unit=OrgUnit.from_row(row))

    @strawberry.mutation(description="Department admins: create a school (a new tenant).")
    async def provision_school(self, info: Info, input: ProvisionSchoolInput) -> SchoolPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            unit = ids.decode(input.org_unit_id, "OrgUnit", "orgUnitId")
            row = await tenants.provision_school(
                principal,
                code=input.code,
                name=input.name,
                level=input.level.value,
                ownership=input.ownership.value,
                org_unit_id=unit,
                address=input.address,
            )
        except DomainError as exc:
            return SchoolPayload(errors=[UserError.of(exc)])
        return SchoolPayload(school=School.from_row(row))

    @strawberry.mutation(description="Department admins: attach a school to another org unit.")
    async def move_school(
        self, info: Info, school_id: strawberry.ID, org_unit_id: strawberry.ID
    ) -> SchoolPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            row = await tenants.move_school(
                principal,
                ids.decode(school_id, "School", "schoolId"),
                ids.decode(org_unit_id, "OrgUnit", "orgUnitId"),
            )
        except DomainError as exc:
            return SchoolPayload(errors=[UserError.of(exc)])
        return SchoolPayload(school=School.from_row(row))

    @strawberry.mutation(description="Principals and the department: create a user account.")
    async def create_user(
        self,
        info: Info,
        login: str,
        full_name: str,
        phone: str | None = None,
        password: str | None = None,
    ) -> UserPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            row = await tenants.create_user(
                principal,
                login=login,
                full_name=full_name,
                phone=phone,
                password=password,
            )
        except DomainError as exc:
            return UserPayload(errors=[UserError.of(exc)])
        return UserPayload(user=User.from_row(row))

    @strawberry.mutation(description="Give a user a role in a school.")
    async def grant_membership(
        self,
        info: Info,
        school_id: strawberry.ID,
        user_id: strawberry.ID,
        role: Role,
    ) -> MembershipPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            row = await tenants.grant_membership(
                principal,
                school_id=ids.decode(school_id, "School", "schoolId"),
                user_id=ids.decode(user_id, "User", "userId"),
                role=role.value,
            )
        except DomainError as exc:
            return MembershipPayload(errors=[UserError.of(exc)])
        return MembershipPayload(membership=Membership.from_row(row))

    @strawberry.mutation(description="Take a role away.")
    async def revoke_membership(
        self, info: Info, school_id: strawberry.ID, membership_id: strawberry.ID
    ) -> MembershipPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            row = await tenants.revoke_membership(
                principal,
                school_id=ids.decode(school_id, "School", "schoolId"),
                membership_id=ids.decode(membership_id, "Membership", "membershipId"),
            )
        except DomainError as exc:
            return MembershipPayload(errors=[UserError.of(exc)])
        return MembershipPayload(membership=Membership.from_row(row))

    @strawberry.mutation(description="Department admins: appoint a department or district admin.")
    async def appoint_office_admin(
        self,
        info: Info,
        org_unit_id: strawberry.ID,
        user_id: strawberry.ID,
        role: Role,
    ) -> OkPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            await tenants.appoint_office_admin(
                principal,
                org_unit_id=ids.decode(org_unit_id, "OrgUnit", "orgUnitId"),
                user_id=ids.decode(user_id, "User", "userId"),
                role=role.value,
            )
        except DomainError as exc:
            return OkPayload(errors=[UserError.of(exc)])
        return OkPayload(ok=True)
