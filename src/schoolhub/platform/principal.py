"""The typed principal every service call receives: who is asking, and in which schools and offices.

Services take the principal first and check roles themselves; the GraphQL layer never decides
authorisation on its own (Polar's AuthSubject, Zulip's access_* helpers).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from schoolhub.platform.errors import NotFound, PermissionDenied, Unauthenticated


class Role(StrEnum):
    DEPARTMENT_ADMIN = "department_admin"
    DISTRICT_ADMIN = "district_admin"
    PRINCIPAL = "principal"
    VICE_PRINCIPAL = "vice_principal"
    TEACHER = "teacher"
    ACCOUNTANT = "accountant"
    STAFF = "staff"
    GUARDIAN = "guardian"
    STUDENT = "student"


OFFICE_ROLES = frozenset({Role.DEPARTMENT_ADMIN, Role.DISTRICT_ADMIN})
SCHOOL_ROLES = frozenset(Role) - OFFICE_ROLES
STAFF_ROLES = frozenset(
    {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.TEACHER, Role.ACCOUNTANT, Role.STAFF}
)
MANAGEMENT_ROLES = frozenset({Role.PRINCIPAL, Role.VICE_PRINCIPAL})


@dataclass(frozen=True)
class OfficeGrant:
    org_unit_id: UUID
    kind: str  # department | district | commune
    role: Role


@dataclass(frozen=True)
class SchoolGrant:
    """One live membership of the caller (loaded with the principal, so ``me`` needs no query)."""

    membership_id: UUID
    school_id: UUID
    role: Role
    created_at: datetime


@dataclass(frozen=True)
class Profile:
    login: str
    full_name: str
    phone: str | None


@dataclass(frozen=True)
class Principal:
    user_id: UUID | None
    session_id: UUID | None = None
    school_roles: Mapping[UUID, frozenset[Role]] = field(default_factory=dict)
    office_grants: tuple[OfficeGrant, ...] = ()
    school_grants: tuple[SchoolGrant, ...] = ()
    profile: Profile | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def require_user(self) -> UUID:
        if self.user_id is None:
            raise Unauthenticated()
        return self.user_id

    def roles_in(self, school_id: UUID) -> frozenset[Role]:
        return self.school_roles.get(school_id, frozenset())

    def has_school_role(self, school_id: UUID, roles: Iterable[Role]) -> bool:
        return bool(self.roles_in(school_id) & frozenset(roles))

    def is_member(self, school_id: UUID) -> bool:
        return bool(self.roles_in(school_id))

    def require_member(self, school_id: UUID, what: str = "school") -> UUID:
        """The caller's user id; NOT_FOUND (never a permission hint) outside the school."""
        user_id = self.require_user()
        if not self.is_member(school_id):
            raise NotFound(what)
        return user_id

    def require_role(
        self,
        school_id: UUID,
        roles: Iterable[Role],
        message: str = "not allowed",
        what: str = "school",
    ) -> UUID:
        """``require_member``, then FORBIDDEN unless the caller holds one of ``roles`` there."""
        user_id = self.require_member(school_id, what)
        if not self.has_school_role(school_id, roles):
            raise PermissionDenied(message)
        return user_id

    def require_school_role(self, school_id: UUID, roles: Iterable[Role]) -> None:
        """Raise unless the caller holds one of ``roles`` in the school.

        A caller with no membership at all gets NOT_FOUND-equivalent treatment from services (they
        check membership first), so this only distinguishes members without the role.
        """
        self.require_user()
        if not self.has_school_role(school_id, roles):
            raise PermissionDenied()

    @property
    def is_department_admin(self) -> bool:
        return any(g.role is Role.DEPARTMENT_ADMIN for g in self.office_grants)

    def district_ids(self) -> frozenset[UUID]:
        return frozenset(g.org_unit_id for g in self.office_grants if g.role is Role.DISTRICT_ADMIN)

    @property
    def school_ids(self) -> frozenset[UUID]:
        return frozenset(self.school_roles)


ANONYMOUS = Principal(user_id=None)
