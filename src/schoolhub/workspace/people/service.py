"""Students and their guardians: reads scoped by ``access.StudentScope``, changes by management.

Invariants:
* ``student_code`` (mã định danh) is unique per school and immutable once created (TT 42/2021).
* The 12-digit personal id is stored, but returned only to the principal and vice-principals.
* ``workspace_student.class_id`` is the current class; every class placement is also recorded in
  ``workspace_enrolment`` (one row per student and school year), which is the class history.
* A guardian link with ``custody_restricted`` hides the child from that guardian completely.
* Every change is audit-logged in the school's audit log, in the transaction of the change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from schoolhub.identity.phone import normalise_phone
from schoolhub.platform import audit, db
from schoolhub.platform.errors import Conflict, InvalidInput, NotFound
from schoolhub.platform.principal import Principal, Role
from schoolhub.workspace.people import access
from schoolhub.workspace.people import repository as repo
from schoolhub.workspace.people.errors import WorkspacePeopleErrorCode as E

STUDENT_CODE_RE = re.compile(r"^[A-Z0-9]{1,20}$")
PERSONAL_ID_RE = re.compile(r"^[0-9]{12}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
GENDERS = ("male", "female", "unknown")
RELATIONSHIPS = ("father", "mother", "grandparent", "other")
UNSET: Any = object()


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    has_next: bool


def current_school_year(today: date) -> str:
    """Vietnamese school years start in August/September: 2026-08-01 is in "2026-2027"."""
    start = today.year if today.month >= 8 else today.year - 1
    return f"{start}-{start + 1}"


def mask(row: dict[str, Any], scope: access.StudentScope) -> dict[str, Any]:
    """Drop what the caller may not read (the personal id) from a student row."""
    if not scope.is_management:
        row = {**row, "personal_id": None}
    return row


def check_name(value: str, field: str = "fullName") -> str:
    name = " ".join(value.split())
    if not 1 <= len(name) <= 200:
        raise InvalidInput("name must be 1-200 characters", code="INVALID_NAME", field=field)
    return name


def check_personal_id(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    value = value.strip()
    if not PERSONAL_ID_RE.match(value):
        raise InvalidInput(
            "personal id must be 12 digits", code=E.INVALID_PERSONAL_ID, field="personalId"
        )
    return value


def check_email(value: str | None, field: str = "email") -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not EMAIL_RE.match(value) or len(value) > 200:
        raise InvalidInput("not an e-mail address", code=E.INVALID_EMAIL, field=field)
    return value


def check_phone(value: str | None, field: str = "phone") -> str | None:
    if value is None or not value.strip():
        return None
    phone = normalise_phone(value)
    if phone is None:
        raise InvalidInput("not a Vietnamese mobile number", code="INVALID_PHONE", field=field)
    return phone


def _check_student_fields(gender: str, date_of_birth: date | None) -> None:
    if gender not in GENDERS:
        raise InvalidInput("unknown gender", code=E.INVALID_GENDER, field="gender")
    if date_of_birth is not None and not date(1990, 1, 1) <= date_of_birth <= date.today():
        raise InvalidInput(
            "implausible date of birth", code=E.INVALID_DATE_OF_BIRTH, field="dateOfBirth"
        )


async def _class_in_school(class_id: UUID) -> dict[str, Any]:
    row = await repo.class_row(class_id)
    if row is None:  # another school's class is invisible under RLS: same answer
        raise InvalidInput("unknown class", code=E.UNKNOWN_CLASS, field="classId")
    return row


# ------------------------------------------------------------------------------------ reads


async def list_students(
    principal: Principal,
    school_id: UUID,
    *,
    class_id: UUID | None,
    after: tuple[str, UUID] | None,
    first: int,
) -> Page:
    scope = access.student_scope(principal, school_id)
    async with db.tenant(school_id, principal.user_id):
        rows = await repo.students_page(scope, class_id=class_id, after=after, limit=first + 1)
    return Page([mask(r, scope) for r in rows[:first]], len(rows) > first)


async def get_students(principal: Principal, ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    """Students by id the caller may see, searched school by school (one scoped read each)."""
    principal.require_user()
    found: dict[UUID, dict[str, Any]] = {}
    for school_id in principal.school_ids:
        remaining = [i for i in ids if i not in found]
        if not remaining:
            break
        scope = access.student_scope(principal, school_id, strict=False)
        if not (scope.everyone or scope.homeroom or scope.guardian):
            continue
        async with db.tenant(school_id, principal.user_id):
            rows = await repo.students_by_ids(scope, remaining)
        found.update({r["id"]: mask(r, scope) for r in rows})
    return found


async def student_details(
    principal: Principal, school_id: UUID, student_ids: list[UUID]
) -> tuple[dict[UUID, list[dict[str, Any]]], dict[UUID, list[dict[str, Any]]]]:
    """(enrolments by student, guardian links by student) for students the caller may see.

    Staff see every link with contact details; a guardian sees only their own link."""
    scope = access.student_scope(principal, school_id, strict=False)
    async with db.tenant(school_id, principal.user_id):
        visible = [r["id"] for r in await repo.students_by_ids(scope, student_ids)]
        enrolments = await repo.enrolments_of(visible) if visible else []
        only = None if scope.is_staff else scope.user_id
        links = await repo.links_of_students(visible, only) if visible else []
    by_student_e: dict[UUID, list[dict[str, Any]]] = {i: [] for i in student_ids}
    by_student_l: dict[UUID, list[dict[str, Any]]] = {i: [] for i in student_ids}
    for e in enrolments:
        by_student_e[e["student_id"]].append(e)
    hidden = {"contact_phone": None, "contact_email": None, "contact_note": None}
    for link in links:
        shown = link if scope.is_staff else {**link, **hidden}
        by_student_l[link["student_id"]].append(shown)
    return by_student_e, by_student_l


async def my_children(principal: Principal) -> list[dict[str, Any]]:
    """A guardian's children across every school where they hold a guardian membership: one
    tenant-scoped read per school, merged here (never a cross-school query)."""
    user_id = principal.require_user()
    children: list[dict[str, Any]] = []
    for school_id in sorted(principal.school_ids, key=str):
        if Role.GUARDIAN not in principal.roles_in(school_id):
            continue
        scope = access.student_scope(principal, school_id, strict=False)
        async with db.tenant(school_id, user_id):
            rows = await repo.children_of_guardian(school_id, user_id)
        children.extend(mask(r, scope) for r in rows)
    return children


# ---------------------------------------------------------------------------------- changes


async def create_student(
    principal: Principal,
    school_id: UUID,
    *,
    student_code: str,
    full_name: str,
    date_of_birth: date | None,
    gender: str,
    class_id: UUID | None,
    personal_id: str | None,
) -> dict[str, Any]:
    actor = access.require_management(principal, school_id)
    code = student_code.strip().upper()
    if not STUDENT_CODE_RE.match(code):
        raise InvalidInput(
            "student code must be 1-20 letters or digits",
            code=E.INVALID_STUDENT_CODE,
            field="studentCode",
        )
    name = check_name(full_name)
    pid = check_personal_id(personal_id)
    _check_student_fields(gender, date_of_birth)
    async with db.tenant(school_id, actor):
        klass = await _class_in_school(class_id) if class_id else None
        row = await repo.insert_student(
            school_id,
            student_code=code,
            full_name=name,
            date_of_birth=date_of_birth,
            gender=gender,
            class_id=class_id,
            personal_id=pid,
        )
        if row is None:
            raise Conflict(
                "a student with this code exists", code=E.STUDENT_CODE_TAKEN, field="studentCode"
            )
        if klass is not None:
            await repo.upsert_enrolment(school_id, row["id"], klass["id"], klass["school_year"])
        await audit.record_school(
            school_id,
            "student.created",
            actor_user_id=actor,
            target_type="student",
            target_id=str(row["id"]),
            details={"student_code": code, "class_id": str(class_id) if class_id else None},
        )
        created = await repo.student(row["id"])
    assert created is not None
    return created


async def update_student(
    principal: Principal,
    school_id: UUID,
    student_id: UUID,
    *,
    full_name: str | None = None,
    date_of_birth: Any = UNSET,
    gender: str | None = None,
    class_id: Any = UNSET,
    personal_id: Any = UNSET,
) -> dict[str, Any]:
    """Change a student's details or move them to another class (recorded in the history)."""
    actor = access.require_management(principal, school_id)
    async with db.tenant(school_id, actor):
        current = await repo.student(student_id)
        if current is None:
            raise NotFound("student")
        changes: dict[str, Any] = {}
        if full_name is not None:
            changes["full_name"] = check_name(full_name)
        if gender is not None:
            changes["gender"] = gender
        if date_of_birth is not UNSET:
            changes["date_of_birth"] = date_of_birth
        if personal_id is not UNSET:
            changes["personal_id"] = check_personal_id(personal_id)
        _check_student_fields(
            changes.get("gender", current["gender"]),
            changes.get("date_of_birth", current["date_of_birth"]),
        )
        klass = None
        if class_id is not UNSET:
            changes["class_id"] = class_id
            if class_id is not None:
                klass = await _class_in_school(class_id)
        changes = {k: v for k, v in changes.items() if current[k] != v}
        await repo.update_student(student_id, changes)
        if klass is not None and "class_id" in changes:
            await repo.upsert_enrolment(school_id, student_id, klass["id"], klass["school_year"])
        if changes:
            await audit.record_school(
                school_id,
                "student.updated",
                actor_user_id=actor,
                target_type="student",
                target_id=str(student_id),
                details={"fields": sorted(changes)},
            )
        row = await repo.student(student_id)
    assert row is not None
    return row
