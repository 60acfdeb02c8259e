"""School years, subjects, rooms, classes and teaching assignments: queries and mutations."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.graphql.workspace.structure.types import (
    Room,
    RoomPayload,
    SchoolClass,
    SchoolClassPayload,
    SchoolYear,
    SchoolYearPayload,
    Subject,
    SubjectKind,
    SubjectPayload,
    TeachingAssignment,
    TeachingAssignmentPayload,
    Term,
)
from schoolhub.platform.errors import DomainError
from schoolhub.workspace.structure.setup import service


def school(raw: strawberry.ID) -> UUID:
    return ids.decode(raw, "School", "schoolId")


@strawberry.input
class SchoolYearInput:
    name: str
    hk1_start: date
    hk1_end: date
    hk2_start: date
    hk2_end: date
    periods_per_day: int = 10


@strawberry.input
class SubjectInput:
    code: str
    name: str
    kind: SubjectKind
    periods_per_year: int


@strawberry.input
class SchoolClassInput:
    school_year: str
    name: str
    grade: int
    homeroom_teacher_id: strawberry.ID | None = None


@strawberry.input
class UpdateSchoolClassInput:
    name: str | None = None
    homeroom_teacher_id: strawberry.ID | None = None
    clear_homeroom_teacher: bool = False


@strawberry.input
class TeachingAssignmentInput:
    class_id: strawberry.ID
    subject_id: strawberry.ID
    term_id: strawberry.ID
    teacher_id: strawberry.ID


@strawberry.type
class StructureSetupQueries:
    @strawberry.field(description="School years of a school, newest first, with their terms.")
    async def school_years(self, info: Info, school_id: strawberry.ID) -> list[SchoolYear]:
        principal = info.context.require_principal()
        years, terms = await service.list_school_years(principal, school(school_id))
        return [
            SchoolYear(
                id=str(y["id"]),
                name=y["name"],
                periods_per_day=y["periods_per_day"],
                terms=[Term.from_row(t) for t in terms if t["school_year_id"] == y["id"]],
            )
            for y in years
        ]

    @strawberry.field(description="Subjects of a school, by code.")
    async def subjects(self, info: Info, school_id: strawberry.ID) -> list[Subject]:
        principal = info.context.require_principal()
        rows = await service.list_subjects(principal, school(school_id))
        return [Subject.from_row(r) for r in rows]

    @strawberry.field(description="Rooms of a school (staff only).")
    async def rooms(self, info: Info, school_id: strawberry.ID) -> list[Room]:
        principal = info.context.require_principal()
        return [Room.from_row(r) for r in await service.list_rooms(principal, school(school_id))]

    @strawberry.field(
        description="Classes of a school (staff only), optionally of one school year."
    )
    async def school_classes(
        self, info: Info, school_id: strawberry.ID, school_year: str | None = None
    ) -> list[SchoolClass]:
        principal = info.context.require_principal()
        rows = await service.list_classes(principal, school(school_id), school_year)
        return [SchoolClass.from_row(r) for r in rows]

    @strawberry.field(
        description="Teaching assignments of a term (staff only), optionally one class."
    )
    async def teaching_assignments(
        self,
        info: Info,
        school_id: strawberry.ID,
        term_id: strawberry.ID,
        class_id: strawberry.ID | None = None,
    ) -> list[TeachingAssignment]:
        principal = info.context.require_principal()
        rows = await service.list_assignments(
            principal,
            school(school_id),
            term_id=ids.decode(term_id, "Term", "termId"),
            class_id=ids.decode(class_id, "SchoolClass", "classId") if class_id else None,
        )
        return [TeachingAssignment.from_row(r) for r in rows]


@strawberry.type
class StructureSetupMutations:
    @strawberry.mutation(description="Principals: open a school year with its two semesters.")
    async def create_school_year(
        self, info: Info, school_id: strawberry.ID, input: SchoolYearInput
    ) -> SchoolYearPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            sid = school(school_id)
            row = await service.create_school_year(
                principal,
                sid,
                name=input.name,
                dates=service.TermDates(
                    input.hk1_start, input.hk1_end, input.hk2_start, input.hk2_end
                ),
                periods_per_day=input.periods_per_day,
            )
            _, terms = await service.list_school_years(principal, sid)
        except DomainError as exc:
            return SchoolYearPayload(errors=[UserError.of(exc)])
        return SchoolYearPayload(
            school_year=SchoolYear(
                id=str(row["id"]),
                name=row["name"],
                periods_per_day=row["periods_per_day"],
                terms=[Term.from_row(t) for t in terms if t["school_year_id"] == row["id"]],
            )
        )

    @strawberry.mutation(description="Principals: add a subject.")
    async def create_subject(
        self, info: Info, school_id: strawberry.ID, input: SubjectInput
    ) -> SubjectPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            row = await service.create_subject(
                principal,
                school(school_id),
                code=input.code,
                name=input.name,
                kind=input.kind.value,
                periods_per_year=input.periods_per_year,
            )
        except DomainError as exc:
            return SubjectPayload(errors=[UserError.of(exc)])
        return SubjectPayload(subject=Subject.from_row(row))

    @strawberry.mutation(description="Principals: add a room.")
    async def create_room(
        self, info: Info, school_id: strawberry.ID, name: str, capacity: int | None = None
    ) -> RoomPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            row = await service.create_room(
                principal, school(school_id), name=name, capacity=capacity
            )
        except DomainError as exc:
            return RoomPayload(errors=[UserError.of(exc)])
        return RoomPayload(room=Room.from_row(row))

    @strawberry.mutation(description="Principals: create a class with its homeroom teacher.")
    async def create_school_class(
        self, info: Info, school_id: strawberry.ID, input: SchoolClassInput
    ) -> SchoolClassPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            homeroom = input.homeroom_teacher_id
            row = await service.create_class(
                principal,
                school(school_id),
                school_year=input.school_year,
                name=input.name,
                grade=input.grade,
                homeroom_teacher_id=(
                    ids.decode(homeroom, "User", "homeroomTeacherId") if homeroom else None
                ),
            )
        except DomainError as exc:
            return SchoolClassPayload(errors=[UserError.of(exc)])
        return SchoolClassPayload(school_class=SchoolClass.from_row(row))

    @strawberry.mutation(description="Principals: rename a class or change its homeroom teacher.")
    async def update_school_class(
        self,
        info: Info,
        school_id: strawberry.ID,
        class_id: strawberry.ID,
        input: UpdateSchoolClassInput,
    ) -> SchoolClassPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            homeroom = input.homeroom_teacher_id
            row = await service.update_class(
                principal,
                school(school_id),
                ids.decode(class_id, "SchoolClass", "classId"),
                name=input.name,
                homeroom_teacher_id=(
                    ids.decode(homeroom, "User", "homeroomTeacherId") if homeroom else None
                ),
                clear_homeroom=input.clear_homeroom_teacher,
            )
        except DomainError as exc:
            return SchoolClassPayload(errors=[UserError.of(exc)])
        return SchoolClassPayload(school_class=SchoolClass.from_row(row))

    @strawberry.mutation(description="Principals: set the teacher of a class x subject x term.")
    async def assign_teacher(
        self, info: Info, school_id: strawberry.ID, input: TeachingAssignmentInput
    ) -> TeachingAssignmentPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            row = await service.assign_teacher(
                principal,
                school(school_id),
                class_id=ids.decode(input.class_id, "SchoolClass", "classId"),
                subject_id=ids.decode(input.subject_id, "Subject", "subjectId"),
                term_id=ids.decode(input.term_id, "Term", "termId"),
                teacher_id=ids.decode(input.teacher_id, "User", "teacherId"),
            )
        except DomainError as exc:
            return TeachingAssignmentPayload(errors=[UserError.of(exc)])
        return TeachingAssignmentPayload(assignment=TeachingAssignment.from_row(row))
