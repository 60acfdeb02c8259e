"""Who may see which people of a school. Every read of students goes through a ``StudentScope``.

* The principal, vice-principals, the accountant and office staff see every student of the school.
* A teacher sees the students of the classes they are homeroom teacher of or hold a teaching
  assignment in (any subject, any term), decided in one place: ``StudentScope.sql``.
* A guardian sees their own children, except where the link is ``custody_restricted``: a restricted
  guardian sees nothing at all of that child (not even that the child exists).
* Anyone without a membership in the school gets NOT_FOUND; a member whose roles give no view of
  students gets FORBIDDEN (the school itself is visible to them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from schoolhub.platform.errors import PermissionDenied
from schoolhub.platform.principal import MANAGEMENT_ROLES, STAFF_ROLES, Principal, Role

ALL_STUDENT_ROLES = MANAGEMENT_ROLES | {Role.ACCOUNTANT, Role.STAFF}


def require_member(principal: Principal, school_id: UUID) -> UUID:
    """The caller's user id; NOT_FOUND unless they belong to the school."""
    return principal.require_member(school_id)


def require_management(principal: Principal, school_id: UUID) -> UUID:
    return principal.require_role(
        school_id, MANAGEMENT_ROLES, "only the principal and vice-principals may do this"
    )


def require_staff(principal: Principal, school_id: UUID) -> UUID:
    return principal.require_role(school_id, STAFF_ROLES, "staff of the school only")


def can_read_personal_id(principal: Principal, school_id: UUID) -> bool:
    return principal.has_school_role(school_id, MANAGEMENT_ROLES)


@dataclass(frozen=True)
class StudentScope:
    """The students one caller may see in one school, as a SQL predicate over ``s`` (student),
    ``c`` (its current class)."""

    school_id: UUID
    user_id: UUID
    everyone: bool
    homeroom: bool
    guardian: bool
    is_staff: bool
    is_management: bool

    def sql(self, first_param: int) -> tuple[str, list[Any]]:
        """``(predicate, args)``; the predicate's placeholders start at ``$first_param``."""
        a, t, g, me = (f"${first_param + i}" for i in range(4))
        predicate = (
            f"({a}::boolean OR ({t}::boolean AND (c.homeroom_teacher_id = {me}::uuid"  # noqa: S608 (constant SQL fragments and placeholders only)
            f" OR EXISTS (SELECT 1 FROM workspace_teaching_assignment ta"
            f" WHERE ta.school_id = s.school_id AND ta.class_id = c.id"
            f" AND ta.teacher_user_id = {me}::uuid)))"
            f" OR ({g}::boolean AND EXISTS (SELECT 1 FROM workspace_guardian_link gl"
            f" WHERE gl.school_id = s.school_id AND gl.student_id = s.id"
            f" AND gl.guardian_user_id = {me}::uuid AND NOT gl.custody_restricted)))"
        )
        return predicate, [self.everyone, self.homeroom, self.guardian, self.user_id]

    def may_see_guardian_contacts(self) -> bool:
        return self.is_staff


def student_scope(principal: Principal, school_id: UUID, *, strict: bool = True) -> StudentScope:
    """The caller's view of students in the school. ``strict``: raise FORBIDDEN when it is empty."""
    user_id = require_member(principal, school_id)
    roles = principal.roles_in(school_id)
    scope = StudentScope(
        school_id=school_id,
        user_id=user_id,
        everyone=bool(roles & ALL_STUDENT_ROLES),
        homeroom=Role.TEACHER in roles,
        guardian=Role.GUARDIAN in roles,
        is_staff=bool(roles & STAFF_ROLES),
        is_management=bool(roles & MANAGEMENT_ROLES),
    )
    if strict and not (scope.everyone or scope.homeroom or scope.guardian):
        raise PermissionDenied("no view of students")
    return scope
