"""Mutations of the people area. Thin: decode ids, call one service, map the result or errors."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.graphql.identity.types import OkPayload, User
from schoolhub.graphql.tenants.types import Membership, Role
from schoolhub.graphql.workspace.people.types import (
    GuardianLink,
    GuardianRelationship,
    ImportJob,
    SchoolProfile,
    Student,
    StudentGender,
)
from schoolhub.platform.errors import DomainError, InvalidInput
from schoolhub.workspace.people import jobs, links, staff
from schoolhub.workspace.people import service as people
from schoolhub.workspace.people.errors import WorkspacePeopleErrorCode as E


def _opt(value: Any, convert: Any = None) -> Any:
    """UNSET -> service default (unchanged); None stays None; else converted."""
    if value is strawberry.UNSET:
        return people.UNSET
    if value is None or convert is None:
        return value
    return convert(value)


@strawberry.type
class StudentPayload:
    student: Student | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class GuardianLinkPayload:
    guardian_link: GuardianLink | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ImportJobPayload:
    import_job: ImportJob | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SchoolProfilePayload:
    school_profile: SchoolProfile | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StaffAccountPayload:
    user: User | None = None
    membership: Membership | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StaffMembershipPayload:
    membership: Membership | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateStudentInput:
    school_id: strawberry.ID
    student_code: str
    full_name: str
    gender: StudentGender = StudentGender.UNKNOWN
    date_of_birth: date | None = None
    class_id: strawberry.ID | None = None
    personal_id: str | None = None


@strawberry.input(description="Omitted fields are unchanged; null clears an optional one.")
class UpdateStudentInput:
    school_id: strawberry.ID
    student_id: strawberry.ID
    full_name: str | None = strawberry.UNSET
    gender: StudentGender | None = strawberry.UNSET
    date_of_birth: date | None = strawberry.UNSET
    class_id: strawberry.ID | None = strawberry.UNSET
    personal_id: str | None = strawberry.UNSET


@strawberry.input
class LinkGuardianInput:
    school_id: strawberry.ID
    student_id: strawberry.ID
    phone: str
    full_name: str
    relationship: GuardianRelationship
    is_primary: bool = False
    custody_restricted: bool = False


@strawberry.input(
    description="Management changes any field; a homeroom teacher only the contact fields."
)
class UpdateGuardianLinkInput:
    school_id: strawberry.ID
    guardian_link_id: strawberry.ID
    relationship: GuardianRelationship | None = strawberry.UNSET
    is_primary: bool | None = strawberry.UNSET
    custody_restricted: bool | None = strawberry.UNSET
    contact_phone: str | None = strawberry.UNSET
    contact_email: str | None = strawberry.UNSET
    contact_note: str | None = strawberry.UNSET


@strawberry.input
class UpdateSchoolProfileInput:
    school_id: strawberry.ID
    name: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None


@strawberry.input
class CreateStaffAccountInput:
    school_id: strawberry.ID
    login: str
    full_name: str
    password: str
    role: Role
    phone: str | None = None


def _class_id(raw: strawberry.ID | None) -> UUID | None:
    return ids.decode_any(raw, "classId")[1] if raw else None


def _none_if_unset(value: Any) -> Any:
    return None if value is strawberry.UNSET else value


@strawberry.type
class PeopleMutations:
    @strawberry.mutation(description="Principal, vice-principals: add a student.")
    async def create_student(self, info: Info, input: CreateStudentInput) -> StudentPayload:
        principal = info.context.require_principal()
        try:
            row = await people.create_student(
                principal,
                ids.decode(input.school_id, "School", "schoolId"),
                student_code=input.student_code,
                full_name=input.full_name,
                date_of_birth=input.date_of_birth,
                gender=input.gender.value,
                class_id=_class_id(input.class_id),
                personal_id=input.personal_id,
            )
        except DomainError as exc:
            return StudentPayload(errors=[UserError.of(exc)])
        return StudentPayload(student=Student.from_row(row))

    @strawberry.mutation(description="Principal, vice-principals: edit a student or change class.")
    async def update_student(self, info: Info, input: UpdateStudentInput) -> StudentPayload:
        principal = info.context.require_principal()
        try:
            row = await people.update_student(
                principal,
                ids.decode(input.school_id, "School", "schoolId"),
                ids.decode(input.student_id, "Student", "studentId"),
                full_name=_none_if_unset(input.full_name),
                gender=input.gender.value if input.gender else None,
                date_of_birth=_opt(input.date_of_birth),
                class_id=_opt(input.class_id, _class_id),
                personal_id=_opt(input.personal_id),
            )
        except DomainError as exc:
            return StudentPayload(errors=[UserError.of(exc)])
        return StudentPayload(student=Student.from_row(row))

    @strawberry.mutation(
        description="Principal, vice-principals: link a guardian (found or created by phone)."
    )
    async def link_guardian(self, info: Info, input: LinkGuardianInput) -> GuardianLinkPayload:
        principal = info.context.require_principal()
        try:
            row = await links.link_guardian(
                principal,
                ids.decode(input.school_id, "School", "schoolId"),
                ids.decode(input.student_id, "Student", "studentId"),
                phone=input.phone,
                full_name=input.full_name,
                relationship=input.relationship.value,
                is_primary=input.is_primary,
                custody_restricted=input.custody_restricted,
            )
        except DomainError as exc:
            return GuardianLinkPayload(errors=[UserError.of(exc)])
        return GuardianLinkPayload(guardian_link=GuardianLink.from_row(row, staff=True))

    @strawberry.mutation(
        description="Management: change a guardian link; homeroom teacher: its contact details."
    )
    async def update_guardian_link(
        self, info: Info, input: UpdateGuardianLinkInput
    ) -> GuardianLinkPayload:
        principal = info.context.require_principal()
        try:
            row = await links.update_guardian_link(
                principal,
                ids.decode(input.school_id, "School", "schoolId"),
                ids.decode(input.guardian_link_id, "GuardianLink", "guardianLinkId"),
                relationship=input.relationship.value if input.relationship else None,
                is_primary=_none_if_unset(input.is_primary),
                custody_restricted=_none_if_unset(input.custody_restricted),
                contact_phone=_opt(input.contact_phone),
                contact_email=_opt(input.contact_email),
                contact_note=_opt(input.contact_note),
            )
        except DomainError as exc:
            return GuardianLinkPayload(errors=[UserError.of(exc)])
        return GuardianLinkPayload(guardian_link=GuardianLink.from_row(row, staff=True))

    @strawberry.mutation(
        description="Principal, vice-principals: import a roster (CSV/XLSX as base64; "
        "POST /workspace/imports takes the file itself). All-or-nothing, idempotent by student "
        "code; large files run in the background (poll importJob)."
    )
    async def import_roster(
        self,
        info: Info,
        school_id: strawberry.ID,
        filename: str,
        content_base64: str,
        dry_run: bool = False,
        school_year: str | None = None,
    ) -> ImportJobPayload:
        principal = info.context.require_principal()
        try:
            school = ids.decode(school_id, "School", "schoolId")
            try:
                content = base64.b64decode(content_base64, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise InvalidInput(
                    "content is not base64", code=E.IMPORT_BAD_CONTENT, field="contentBase64"
                ) from exc
            row = await jobs.start_import(
                principal,
                school,
                content=content,
                filename=filename,
                dry_run=dry_run,
                school_year=school_year,
            )
        except DomainError as exc:
            return ImportJobPayload(errors=[UserError.of(exc)])
        errors = []
        if row["status"] in ("rejected", "failed"):  # the job (with its issues) is returned too
            refused = InvalidInput(
                "the file was refused; see importJob.issues",
                code=row["error_code"] or E.IMPORT_FAILED,
                field="contentBase64",
            )
            errors.append(UserError.of(refused))
        return ImportJobPayload(import_job=ImportJob.from_row(row), errors=errors)

    @strawberry.mutation(description="Principal: edit the school's name, address, phone, e-mail.")
    async def update_school_profile(
        self, info: Info, input: UpdateSchoolProfileInput
    ) -> SchoolProfilePayload:
        principal = info.context.require_principal()
        try:
            row = await staff.update_school_profile(
                principal,
                ids.decode(input.school_id, "School", "schoolId"),
                name=input.name,
                address=input.address,
                phone=input.phone,
                email=input.email,
            )
        except DomainError as exc:
            return SchoolProfilePayload(errors=[UserError.of(exc)])
        return SchoolProfilePayload(school_profile=SchoolProfile.from_row(row))

    @strawberry.mutation(description="Principal: create a staff account with its role in one step.")
    async def create_staff_account(
        self, info: Info, input: CreateStaffAccountInput
    ) -> StaffAccountPayload:
        principal = info.context.require_principal()
        try:
            user, membership = await staff.create_staff_account(
                principal,
                ids.decode(input.school_id, "School", "schoolId"),
                login=input.login,
                full_name=input.full_name,
                phone=input.phone,
                password=input.password,
                role=input.role.value,
            )
        except DomainError as exc:
            return StaffAccountPayload(errors=[UserError.of(exc)])
        return StaffAccountPayload(
            user=User.from_row(user), membership=Membership.from_row(membership)
        )

    @strawberry.mutation(
        description="Principal: set a new password for a teacher, accountant or staff member "
        "(ends their sessions)."
    )
    async def reset_staff_password(
        self, info: Info, school_id: strawberry.ID, user_id: strawberry.ID, new_password: str
    ) -> OkPayload:
        principal = info.context.require_principal()
        try:
            await staff.reset_staff_password(
                principal,
                ids.decode(school_id, "School", "schoolId"),
                ids.decode(user_id, "User", "userId"),
                new_password,
            )
        except DomainError as exc:
            return OkPayload(errors=[UserError.of(exc)])
        return OkPayload(ok=True)

    @strawberry.mutation(description="Principal: end a teacher's, accountant's or staff role.")
    async def deactivate_staff_membership(
        self, info: Info, school_id: strawberry.ID, membership_id: strawberry.ID
    ) -> StaffMembershipPayload:
        principal = info.context.require_principal()
        try:
            row = await staff.deactivate_staff_membership(
                principal,
                ids.decode(school_id, "School", "schoolId"),
                ids.decode(membership_id, "Membership", "membershipId"),
            )
        except DomainError as exc:
            return StaffMembershipPayload(errors=[UserError.of(exc)])
        return StaffMembershipPayload(membership=Membership.from_row(row))
