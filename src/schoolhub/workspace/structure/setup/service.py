"""School years and terms, subjects, rooms, classes and teaching assignments.

Principals and vice-principals manage them; every member of staff reads them. A class over the
legal size (35 primary, 45 secondary: DOMAIN §3.2) is a warning, never a block: overcrowded classes
exist and the principal may override.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from schoolhub.platform import audit, db
from schoolhub.platform.errors import Conflict, InvalidInput, NotFound
from schoolhub.platform.principal import Principal
from schoolhub.workspace.grading import required_regular_count
from schoolhub.workspace.grading_rules import (
    TT22_2021,
    SchoolYearInvalid,
    SubjectKind,
    SubjectSpec,
    school_year_start,
)
from schoolhub.workspace.structure import access
from schoolhub.workspace.structure.errors import WorkspaceStructureErrorCode as E
from schoolhub.workspace.structure.setup import repository as repo

SUBJECT_CODE_RE = re.compile(r"^[A-Z0-9_]{1,32}$")
PRIMARY_MAX_CLASS_SIZE = 35
SECONDARY_MAX_CLASS_SIZE = 45


@dataclass(frozen=True)
class TermDates:
    hk1_start: date
    hk1_end: date
    hk2_start: date
    hk2_end: date


def check_school_year(name: str) -> str:
    name = name.strip()
    try:
        school_year_start(name)
    except SchoolYearInvalid as exc:
        raise InvalidInput(
            "school year must look like 2026-2027", code=E.INVALID_SCHOOL_YEAR, field="schoolYear"
        ) from exc
    return name


def regular_assessments(subject: dict[str, Any]) -> int:
    """ĐĐGtx per semester from the subject's periods per year (TT22 Điều 6 khoản 2)."""
    spec = SubjectSpec(subject["code"], SubjectKind(subject["kind"]), subject["periods_per_year"])
    return required_regular_count(spec, TT22_2021)


def max_class_size(grade: int) -> int:
    return PRIMARY_MAX_CLASS_SIZE if grade <= 5 else SECONDARY_MAX_CLASS_SIZE


def size_warning(grade: int, size: int) -> str | None:
    limit = max_class_size(grade)
    if size > limit:
        return f"{size} students: over the limit of {limit} for grade {grade}"
    return None


async def _require_teacher(school_id: UUID, user_id: UUID, field: str) -> None:
    if "teacher" not in await repo.live_roles(school_id, user_id):
        raise InvalidInput(
            "that user is not a teacher of this school", code=E.NOT_A_TEACHER, field=field
        )


async def create_school_year(
    principal: Principal, school_id: UUID, *, name: str, dates: TermDates, periods_per_day: int
) -> dict[str, Any]:
    actor = access.require_manager(principal, school_id)
    name = check_school_year(name)
    start = school_year_start(name)
    ordered = (dates.hk1_start, dates.hk1_end, dates.hk2_start, dates.hk2_end)
    if not (
        all(a < b for a, b in itertools.pairwise(ordered))
        and dates.hk1_start.year in (start, start + 1)
        and dates.hk2_end.year in (start, start + 1)
    ):
        raise InvalidInput(
            "terms must be HK1 then HK2, in order, inside the school year",
            code=E.INVALID_TERM_DATES,
            field="hk1Start",
        )
    if not 1 <= periods_per_day <= 12:
        raise InvalidInput("periods per day must be 1-12", field="periodsPerDay")
    terms = [("HK1", dates.hk1_start, dates.hk1_end), ("HK2", dates.hk2_start, dates.hk2_end)]
    async with db.tenant(school_id, actor):
        row = await repo.insert_school_year(school_id, name, periods_per_day, terms)
        if row is None:
            raise Conflict(f"school year {name} exists", code=E.DUPLICATE_SCHOOL_YEAR, field="name")
        await audit.record_school(
            school_id,
            "school_year.created",
            actor_user_id=actor,
            target_type="school_year",
            target_id=str(row["id"]),
            details={"name": name},
        )
    return row


async def list_school_years(
    principal: Principal, school_id: UUID
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """School years and all their terms (two queries for any number of years)."""
    actor = access.require_member(principal, school_id)
    async with db.tenant(school_id, actor):
        return await repo.school_years(school_id), await repo.terms_of_school(school_id)


async def create_subject(
    principal: Principal,
    school_id: UUID,
    *,
    code: str,
    name: str,
    kind: str,
    periods_per_year: int,
) -> dict[str, Any]:
    actor = access.require_manager(principal, school_id)
    code, name = code.strip().upper(), " ".join(name.split())
    if not SUBJECT_CODE_RE.match(code) or not 1 <= len(name) <= 100:
        raise InvalidInput(
            "code: 1-32 of A-Z, 0-9, _; name: 1-100 characters",
            code=E.INVALID_SUBJECT,
            field="code",
        )
    if kind not in ("scored", "comment") or not 0 <= periods_per_year <= 400:
        raise InvalidInput(
            "invalid kind or periods", code=E.INVALID_SUBJECT, field="periodsPerYear"
        )
    async with db.tenant(school_id, actor):
        row = await repo.insert_subject(school_id, code, name, kind, periods_per_year)
        if row is None:
            raise Conflict(f"subject {code} exists", code=E.DUPLICATE_SUBJECT, field="code")
    return row


async def list_subjects(principal: Principal, school_id: UUID) -> list[dict[str, Any]]:
    actor = access.require_member(principal, school_id)
    async with db.tenant(school_id, actor):
        return await repo.subjects(school_id)


async def create_room(
    principal: Principal, school_id: UUID, *, name: str, capacity: int | None
) -> dict[str, Any]:
    actor = access.require_manager(principal, school_id)
    name = " ".join(name.split())
    if not 1 <= len(name) <= 64 or (capacity is not None and not 1 <= capacity <= 500):
        raise InvalidInput("name 1-64 characters, capacity 1-500", field="name")
    async with db.tenant(school_id, actor):
        row = await repo.insert_room(school_id, name, capacity)
        if row is None:
            raise Conflict(f"room {name} exists", code=E.DUPLICATE_ROOM, field="name")
    return row


async def list_rooms(principal: Principal, school_id: UUID) -> list[dict[str, Any]]:
    actor = access.require_staff(principal, school_id)
    async with db.tenant(school_id, actor):
        return await repo.rooms(school_id)


def _check_class(name: str, grade: int) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 32 or not 1 <= grade <= 12:
        raise InvalidInput(
            "class name 1-32 characters, grade 1-12", code=E.INVALID_CLASS, field="name"
        )
    return name


async def create_class(
    principal: Principal,
    school_id: UUID,
    *,
    school_year: str,
    name: str,
    grade: int,
    homeroom_teacher_id: UUID | None,
) -> dict[str, Any]:
    actor = access.require_manager(principal, school_id)
    school_year, name = check_school_year(school_year), _check_class(name, grade)
    async with db.tenant(school_id, actor):
        if homeroom_teacher_id is not None:
            await _require_teacher(school_id, homeroom_teacher_id, "homeroomTeacherId")
        row = await repo.insert_class(school_id, school_year, name, grade, homeroom_teacher_id)
        if row is None:
            raise Conflict(
                f"class {name} exists in {school_year}", code=E.DUPLICATE_CLASS, field="name"
            )
    return {**row, "student_count": 0, "size_warning": None}


async def update_class(
    principal: Principal,
    school_id: UUID,
    class_id: UUID,
    *,
    name: str | None,
    homeroom_teacher_id: UUID | None,
    clear_homeroom: bool = False,
) -> dict[str, Any]:
    actor = access.require_manager(principal, school_id)
    async with db.tenant(school_id, actor):
        current = await repo.school_class(school_id, class_id)
        if current is None:
            raise NotFound("class")
        new_name = _check_class(name, current["grade"]) if name is not None else current["name"]
        homeroom = current["homeroom_teacher_id"]
        if clear_homeroom:
            homeroom = None
        elif homeroom_teacher_id is not None:
            await _require_teacher(school_id, homeroom_teacher_id, "homeroomTeacherId")
            homeroom = homeroom_teacher_id
        if await repo.class_name_taken(school_id, current["school_year"], new_name, class_id):
            raise Conflict(f"class {new_name} exists", code=E.DUPLICATE_CLASS, field="name")
        row = await repo.update_class(school_id, class_id, new_name, homeroom)
        assert row is not None
        size = await repo.class_size(school_id, class_id)
    return {**row, "student_count": size, "size_warning": size_warning(row["grade"], size)}


async def list_classes(
    principal: Principal, school_id: UUID, school_year: str | None
) -> list[dict[str, Any]]:
    actor = access.require_staff(principal, school_id)
    if school_year is not None:
        school_year = check_school_year(school_year)
    async with db.tenant(school_id, actor):
        rows = await repo.classes_with_sizes(school_id, school_year)
    return [
        {
            **r,
            "student_count": int(r["student_count"]),
            "size_warning": size_warning(r["grade"], int(r["student_count"])),
        }
        for r in rows
    ]


async def assign_teacher(
    principal: Principal,
    school_id: UUID,
    *,
    class_id: UUID,
    subject_id: UUID,
    term_id: UUID,
    teacher_id: UUID,
) -> dict[str, Any]:
    """Assign (or re-assign) the teacher of a class x subject x term; audited."""
    actor = access.require_manager(principal, school_id)
    async with db.tenant(school_id, actor):
        if await repo.school_class(school_id, class_id) is None:
            raise NotFound("class")
        if await repo.subject(school_id, subject_id) is None:
            raise NotFound("subject")
        if await repo.term(school_id, term_id) is None:
            raise NotFound("term")
        await _require_teacher(school_id, teacher_id, "teacherId")
        row = await repo.upsert_assignment(school_id, class_id, subject_id, term_id, teacher_id)
        await audit.record_school(
            school_id,
            "teaching.assigned",
            actor_user_id=actor,
            target_type="teaching_assignment",
            target_id=str(row["id"]),
            details={"teacher": str(teacher_id)},
        )
    return row


async def list_assignments(
    principal: Principal, school_id: UUID, *, term_id: UUID, class_id: UUID | None
) -> list[dict[str, Any]]:
    actor = access.require_staff(principal, school_id)
    async with db.tenant(school_id, actor):
        return await repo.assignments(school_id, term_id, class_id, None)
