"""GraphQL types of the people area: students, guardian links, staff, import jobs, search hits."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from schoolhub.graphql.tenants.types import Role, School
from schoolhub.platform.principal import STAFF_ROLES
from schoolhub.workspace.importing import IssueCode
from schoolhub.workspace.people import service as people

ImportIssueCode = strawberry.enum(
    IssueCode, name="ImportIssueCode", description="Why a roster row was refused (or warned)."
)


@strawberry.enum
class StudentGender(Enum):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


@strawberry.enum
class GuardianRelationship(Enum):
    FATHER = "father"
    MOTHER = "mother"
    GRANDPARENT = "grandparent"
    OTHER = "other"


@strawberry.enum
class ImportJobStatus(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    REJECTED = "rejected"
    FAILED = "failed"


@strawberry.enum
class SearchHitKind(Enum):
    STUDENT = "student"
    STAFF = "staff"


Details = tuple[list[dict[str, Any]], list[dict[str, Any]]]


class _PeopleLoaders:
    """Per-request batch of enrolments + guardian links, grouped by school (one read each)."""

    def __init__(self, info: Info) -> None:
        context = info.context

        async def load(keys: list[tuple[UUID, UUID]]) -> list[Details]:
            by_school: dict[UUID, list[UUID]] = defaultdict(list)
            for school_id, student_id in keys:
                by_school[school_id].append(student_id)
            found: dict[tuple[UUID, UUID], Details] = {}
            for school_id, student_ids in by_school.items():
                enrolments, links = await people.student_details(
                    context.require_principal(), school_id, student_ids
                )
                for sid in student_ids:
                    found[(school_id, sid)] = (enrolments.get(sid, []), links.get(sid, []))
            return [found.get(k, ([], [])) for k in keys]

        self.details: DataLoader[tuple[UUID, UUID], Details] = DataLoader(load_fn=load)


def _loaders(info: Info) -> _PeopleLoaders:
    # Stored on the request's Loaders object so it lives exactly as long as the request.
    holder = info.context.loaders
    found = getattr(holder, "_workspace_people", None)
    if found is None:
        found = _PeopleLoaders(info)
        holder._workspace_people = found
    return found


@strawberry.type(description="One class placement of a student in one school year.")
class StudentEnrolment:
    school_year: str
    class_name: str
    grade: int


@strawberry.type(description="A guardian of a student in one school.")
class GuardianLink(relay.Node):
    id: relay.NodeID[str]
    full_name: str
    relationship: GuardianRelationship
    is_primary: bool
    custody_restricted: bool
    phone: str | None = strawberry.field(description="Sign-in phone; staff of the school only.")
    contact_phone: str | None = strawberry.field(description="School-local; staff only.")
    contact_email: str | None = strawberry.field(description="School-local; staff only.")
    contact_note: str | None = strawberry.field(description="School-local; staff only.")

    @classmethod
    def from_row(cls, row: dict[str, Any], *, staff: bool) -> GuardianLink:
        return cls(
            id=str(row["id"]),
            full_name=row["guardian_name"],
            relationship=GuardianRelationship(row["relationship"]),
            is_primary=row["is_primary"],
            custody_restricted=row["custody_restricted"] if staff else False,
            phone=row["guardian_phone"] if staff else None,
            contact_phone=row["contact_phone"] if staff else None,
            contact_email=row["contact_email"] if staff else None,
            contact_note=row["contact_note"] if staff else None,
        )


@strawberry.type(description="A student (học sinh) of one school.")
class Student(relay.Node):
    id: relay.NodeID[str]
    student_code: str = strawberry.field(description="Mã định danh: unique in the school.")
    full_name: str
    date_of_birth: date | None
    gender: StudentGender
    class_name: str | None = strawberry.field(description="The current class, e.g. 6A.")
    school_year: str | None = strawberry.field(description="School year of the current class.")
    personal_id: str | None = strawberry.field(
        description="12-digit số định danh cá nhân; principal and vice-principals only."
    )
    school_uuid: strawberry.Private[UUID]

    @strawberry.field
    async def school(self, info: Info) -> School | None:
        row = await info.context.loaders.school.load(self.school_uuid)
        return School.from_row(row) if row else None

    @strawberry.field(description="Class history, oldest school year first.")
    async def enrolments(self, info: Info) -> list[StudentEnrolment]:
        rows, _ = await _loaders(info).details.load((self.school_uuid, UUID(self.id)))
        return [
            StudentEnrolment(
                school_year=r["school_year"], class_name=r["class_name"], grade=r["grade"]
            )
            for r in rows
        ]

    @strawberry.field(
        description="Guardians: all of them for staff; a guardian sees only their own link."
    )
    async def guardians(self, info: Info) -> list[GuardianLink]:
        _, rows = await _loaders(info).details.load((self.school_uuid, UUID(self.id)))
        principal = info.context.require_principal()
        staff = principal.has_school_role(self.school_uuid, STAFF_ROLES)
        return [GuardianLink.from_row(r, staff=staff) for r in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Student:
        return cls(
            id=str(row["id"]),
            student_code=row["student_code"],
            full_name=row["full_name"],
            date_of_birth=row["date_of_birth"],
            gender=StudentGender(row["gender"]),
            class_name=row.get("class_name"),
            school_year=row.get("class_school_year"),
            personal_id=row.get("personal_id"),
            school_uuid=row["school_id"],
        )


@strawberry.type(description="A staff member of a school (contacts visible to staff only).")
class StaffMember:
    user_id: strawberry.ID
    full_name: str
    roles: list[Role]
    membership_ids: list[strawberry.ID]
    phone: str | None
    email: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> StaffMember:
        from schoolhub.graphql import ids

        return cls(
            user_id=strawberry.ID(ids.encode("User", row["user_id"])),
            full_name=row["full_name"],
            roles=[Role(r) for r in row["roles"]],
            membership_ids=[
                strawberry.ID(ids.encode("Membership", m)) for m in row["membership_ids"]
            ],
            phone=row["phone"],
            email=row["email"],
        )


@strawberry.type(description="Contact details of a school, edited by its principal.")
class SchoolProfile:
    school_id: strawberry.ID
    code: str
    name: str
    address: str
    phone: str | None
    email: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SchoolProfile:
        from schoolhub.graphql import ids

        return cls(
            school_id=strawberry.ID(ids.encode("School", row["id"])),
            code=row["code"],
            name=row["name"],
            address=row["address"],
            phone=row["phone"],
            email=row["email"],
        )


@strawberry.type(description="One refused (or warned) cell of a roster file.")
class ImportIssue:
    line: int = strawberry.field(description="1-based line in the file; the header is line 1.")
    column: str | None = strawberry.field(description="Header text as written in the file.")
    code: ImportIssueCode  # type: ignore[valid-type]
    value: str | None
    related_line: int | None = strawberry.field(description="First occurrence, for duplicates.")


def _issue(raw: dict[str, Any]) -> ImportIssue:
    return ImportIssue(
        line=raw["line"],
        column=raw["column"],
        code=IssueCode(raw["code"]),
        value=raw["value"],
        related_line=raw["related_line"],
    )


@strawberry.type(description="A roster upload and its outcome; poll it while it runs.")
class ImportJob(relay.Node):
    id: relay.NodeID[str]
    status: ImportJobStatus
    phase: str = strawberry.field(description="queued, parsing, applying or the final status.")
    dry_run: bool
    filename: str
    school_year: str
    processed: int
    total: int
    created_count: int
    updated_count: int
    unchanged_count: int
    guardians_created: int
    error_code: str | None = strawberry.field(description="Why the file was refused or failed.")
    issues: list[ImportIssue] = strawberry.field(description="Rows refused; nothing was written.")
    warnings: list[ImportIssue]
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ImportJob:
        issues = row.get("issues") or []
        return cls(
            id=str(row["id"]),
            status=ImportJobStatus(row["status"]),
            phase=row.get("phase", row["status"]),
            dry_run=row["dry_run"],
            filename=row["filename"],
            school_year=row["school_year"],
            processed=row["processed"],
            total=row["total"],
            created_count=row["created_count"],
            updated_count=row["updated_count"],
            unchanged_count=row["unchanged_count"],
            guardians_created=row["guardians_created"],
            error_code=row["error_code"],
            issues=[_issue(i) for i in issues if not i.get("warning")],
            warnings=[_issue(i) for i in issues if i.get("warning")],
            created_at=row["created_at"],
            finished_at=row["finished_at"],
        )


@strawberry.type(description="A person found by search, best match first.")
class SearchHit:
    kind: SearchHitKind
    id: strawberry.ID = strawberry.field(description="A Student id or a User id (staff).")
    full_name: str
    detail: str = strawberry.field(description="Student code and class, or staff roles.")
    score: int = strawberry.field(description="Higher is better; exact-diacritic matches > 10.")
