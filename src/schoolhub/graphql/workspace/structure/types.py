"""GraphQL types of school structure, timetable, grades and records."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.workspace import timetable_rules
from schoolhub.workspace.structure.setup.service import regular_assessments


def gid(type_name: str, value: UUID | str | None) -> strawberry.ID | None:
    if value is None:
        return None
    return strawberry.ID(ids.encode(type_name, value if isinstance(value, UUID) else UUID(value)))


@strawberry.enum(description="Semester of a school year.")
class TermCode(Enum):
    HK1 = "HK1"
    HK2 = "HK2"


@strawberry.enum(description="TT22 Điều 5: scored (with comments) or comment-only (Đạt/Chưa đạt).")
class SubjectKind(Enum):
    SCORED = "scored"
    COMMENT = "comment"


@strawberry.enum(description="TX = regular (thường xuyên), GK = mid-term, CK = end-of-term.")
class AssessmentKind(Enum):
    TX = "TX"
    GK = "GK"
    CK = "CK"


@strawberry.enum(description="Result of a comment-only assessment.")
class Rating(Enum):
    DAT = "DAT"
    CHUA_DAT = "CHUA_DAT"


@strawberry.enum
class CorrectionStatus(Enum):
    PENDING = "pending"
    APPLIED = "applied"
    REJECTED = "rejected"


@strawberry.type(description="A semester (học kỳ) with its dates.")
class Term(relay.Node):
    id: relay.NodeID[str]
    code: TermCode
    school_year: str
    starts_on: date
    ends_on: date

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Term:
        return cls(
            id=str(row["id"]),
            code=TermCode(row["code"]),
            school_year=row["school_year"],
            starts_on=row["starts_on"],
            ends_on=row["ends_on"],
        )


@strawberry.type(description="A school year (năm học) of one school, e.g. 2026-2027.")
class SchoolYear(relay.Node):
    id: relay.NodeID[str]
    name: str
    periods_per_day: int
    terms: list[Term]


@strawberry.type(description="A subject as taught in this school.")
class Subject(relay.Node):
    id: relay.NodeID[str]
    code: str
    name: str
    kind: SubjectKind
    periods_per_year: int
    regular_assessments: int = strawberry.field(
        description="Regular assessments (ĐĐGtx) per semester, from the periods per year (TT22 Điều 6)."
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Subject:
        return cls(
            id=str(row["id"]),
            code=row["code"],
            name=row["name"],
            kind=SubjectKind(row["kind"]),
            periods_per_year=row["periods_per_year"],
            regular_assessments=regular_assessments(row),
        )


@strawberry.type
class Room(relay.Node):
    id: relay.NodeID[str]
    name: str
    capacity: int | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Room:
        return cls(id=str(row["id"]), name=row["name"], capacity=row["capacity"])


@strawberry.type(description="A class (lớp) of a school year; grade (khối) 1-12.")
class SchoolClass(relay.Node):
    id: relay.NodeID[str]
    school_year: str
    name: str
    grade: int
    homeroom_teacher_id: strawberry.ID | None
    student_count: int
    size_warning: str | None = strawberry.field(
        description="Set when the class is over 35 (primary) or 45 (secondary) students."
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SchoolClass:
        return cls(
            id=str(row["id"]),
            school_year=row["school_year"],
            name=row["name"],
            grade=row["grade"],
            homeroom_teacher_id=gid("User", row["homeroom_teacher_id"]),
            student_count=row["student_count"],
            size_warning=row["size_warning"],
        )


@strawberry.type(description="Who teaches a subject to a class in a term.")
class TeachingAssignment(relay.Node):
    id: relay.NodeID[str]
    class_id: strawberry.ID
    subject_id: strawberry.ID
    term_id: strawberry.ID
    teacher_id: strawberry.ID

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TeachingAssignment:
        return cls(
            id=str(row["id"]),
            class_id=strawberry.ID(ids.encode("SchoolClass", row["class_id"])),
            subject_id=strawberry.ID(ids.encode("Subject", row["subject_id"])),
            term_id=strawberry.ID(ids.encode("Term", row["term_id"])),
            teacher_id=strawberry.ID(ids.encode("User", row["teacher_user_id"])),
        )


@strawberry.type(description="One lesson slot of the weekly timetable (ISO weekday, period).")
class TimetableEntry(relay.Node):
    id: relay.NodeID[str]
    school_id: strawberry.ID
    term_id: strawberry.ID
    class_id: strawberry.ID
    class_name: str
    subject_id: strawberry.ID
    subject_code: str
    subject_name: str
    teacher_id: strawberry.ID | None
    teacher_name: str | None
    room_id: strawberry.ID | None
    room_name: str | None
    weekday: int
    weekday_label: str
    period: int

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TimetableEntry:
        return cls(
            id=str(row["id"]),
            school_id=strawberry.ID(ids.encode("School", row["school_id"])),
            term_id=strawberry.ID(ids.encode("Term", row["term_id"])),
            class_id=strawberry.ID(ids.encode("SchoolClass", row["class_id"])),
            class_name=row["class_name"],
            subject_id=strawberry.ID(ids.encode("Subject", row["subject_id"])),
            subject_code=row["subject_code"],
            subject_name=row["subject_name"],
            teacher_id=gid("User", row["teacher_user_id"]),
            teacher_name=row["teacher_name"],
            room_id=gid("Room", row["room_id"]),
            room_name=row["room_name"],
            weekday=row["weekday"],
            weekday_label=timetable_rules.weekday_label(row["weekday"]),
            period=row["period"],
        )


@strawberry.type(description="Two entries in the same slot sharing a teacher, a room or a class.")
class TimetableClash:
    kind: str
    resource_id: strawberry.ID
    weekday: int
    period: int
    first_entry_id: strawberry.ID
    second_entry_id: strawberry.ID

    @classmethod
    def from_dict(cls, c: dict[str, Any]) -> TimetableClash:
        resource_type = {
            "teacher_double_booked": "User",
            "room_double_booked": "Room",
            "class_double_booked": "SchoolClass",
        }[c["kind"]]
        return cls(
            kind=c["kind"],
            resource_id=strawberry.ID(ids.encode(resource_type, UUID(c["resource"]))),
            weekday=c["weekday"],
            period=c["period"],
            first_entry_id=strawberry.ID(ids.encode("TimetableEntry", UUID(c["first_id"]))),
            second_entry_id=strawberry.ID(ids.encode("TimetableEntry", UUID(c["second_id"]))),
        )


@strawberry.type
class TimetableDay:
    weekday: int
    label: str
    entries: list[TimetableEntry]


@strawberry.type(description="A teacher's lessons for one term across every school they teach in.")
class TeacherWeek:
    term: str
    periods_per_week: int
    days: list[TimetableDay]


@strawberry.type
class SchoolYearPayload:
    school_year: SchoolYear | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SubjectPayload:
    subject: Subject | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RoomPayload:
    room: Room | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SchoolClassPayload:
    school_class: SchoolClass | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TeachingAssignmentPayload:
    assignment: TeachingAssignment | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TimetableEntryPayload:
    entry: TimetableEntry | None = None
    clashes: list[TimetableClash] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)
