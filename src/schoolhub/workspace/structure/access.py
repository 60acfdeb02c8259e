"""Who may see and change the school structure, timetable and grades (the first wall).

* A caller with no membership in the school gets ``NotFound`` (never a permission hint).
* Principals and vice-principals manage the structure and the timetable.
* Only the teacher assigned to a class x subject x term (or the principal) records its grades;
  only the principal locks grades and decides correction requests.
"""

from __future__ import annotations

from uuid import UUID

from schoolhub.platform.principal import MANAGEMENT_ROLES, STAFF_ROLES, Principal, Role


def require_member(principal: Principal, school_id: UUID) -> UUID:
    """The caller's user id; ``NotFound`` for a caller outside the school."""
    return principal.require_member(school_id)


def require_staff(principal: Principal, school_id: UUID) -> UUID:
    return principal.require_role(school_id, STAFF_ROLES, "school staff only")


def require_manager(principal: Principal, school_id: UUID) -> UUID:
    return principal.require_role(
        school_id, MANAGEMENT_ROLES, "principals and vice-principals only"
    )


def require_principal(principal: Principal, school_id: UUID) -> UUID:
    return principal.require_role(school_id, {Role.PRINCIPAL}, "the principal only")


def is_manager(principal: Principal, school_id: UUID) -> bool:
    return principal.has_school_role(school_id, MANAGEMENT_ROLES)


def is_principal(principal: Principal, school_id: UUID) -> bool:
    return principal.has_school_role(school_id, {Role.PRINCIPAL})
