"""Queries of the people area: students, my children, staff directory, profile, search, jobs."""

from __future__ import annotations

import base64
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.workspace.people.types import (
    ImportJob,
    SchoolProfile,
    SearchHit,
    SearchHitKind,
    StaffMember,
    Student,
)
from schoolhub.platform.errors import InvalidInput
from schoolhub.workspace.people import jobs, search, staff
from schoolhub.workspace.people import service as people


def _cursor(folded: str, student_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"student:{student_id}:{folded}".encode()).decode()


def _after(cursor: str | None) -> tuple[str, UUID] | None:
    if cursor is None:
        return None
    try:
        kind, raw_id, folded = base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 2)
        if kind != "student":
            raise ValueError(kind)
        return folded, UUID(raw_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("malformed cursor", code="INVALID_ID", field="after") from exc


@strawberry.type
class PeopleQueries:
    @strawberry.field(
        description="Students of a school the caller may see (management, accountant and staff: "
        "all; a teacher: their homeroom classes; a guardian: their own children), by name."
    )
    async def students(
        self,
        info: Info,
        school_id: strawberry.ID,
        first: int = 50,
        after: str | None = None,
        class_id: strawberry.ID | None = None,
    ) -> relay.Connection[Student]:
        principal = info.context.require_principal()
        if not 1 <= first <= 100:
            raise InvalidInput("first must be between 1 and 100", field="first")
        page = await people.list_students(
            principal,
            ids.decode(school_id, "School", "schoolId"),
            class_id=ids.decode_any(class_id, "classId")[1] if class_id else None,
            after=_after(after),
            first=first,
        )
        edges = [
            relay.Edge(node=Student.from_row(r), cursor=_cursor(r["name_folded"], r["id"]))
            for r in page.items
        ]
        return relay.Connection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field(
        description="A guardian's children across every school (custody-restricted links hidden)."
    )
    async def my_children(self, info: Info) -> list[Student]:
        rows = await people.my_children(info.context.require_principal())
        return [Student.from_row(r) for r in rows]

    @strawberry.field(description="Staff of a school; phone and e-mail for its staff only.")
    async def staff_directory(self, info: Info, school_id: strawberry.ID) -> list[StaffMember]:
        principal = info.context.require_principal()
        rows = await staff.staff_directory(principal, ids.decode(school_id, "School", "schoolId"))
        return [StaffMember.from_row(r) for r in rows]

    @strawberry.field(description="A school's contact details; members of the school.")
    async def school_profile(self, info: Info, school_id: strawberry.ID) -> SchoolProfile:
        principal = info.context.require_principal()
        row = await staff.school_profile(principal, ids.decode(school_id, "School", "schoolId"))
        return SchoolProfile.from_row(row)

    @strawberry.field(
        description="Diacritic-insensitive search of a school's students and staff (staff only); "
        "matches with the diacritics as typed come first."
    )
    async def search_people(
        self, info: Info, school_id: strawberry.ID, query: str, first: int = 20
    ) -> list[SearchHit]:
        principal = info.context.require_principal()
        if not 1 <= first <= 50:
            raise InvalidInput("first must be between 1 and 50", field="first")
        rows = await search.search_people(
            principal, ids.decode(school_id, "School", "schoolId"), query, first=first
        )
        return [
            SearchHit(
                kind=SearchHitKind(r["kind"]),
                id=strawberry.ID(
                    ids.encode("Student" if r["kind"] == "student" else "User", r["id"])
                ),
                full_name=r["full_name"],
                detail=r["detail"],
                score=r["score"],
            )
            for r in rows
        ]

    @strawberry.field(description="A roster import job (principal and vice-principals).")
    async def import_job(self, info: Info, id: strawberry.ID) -> ImportJob | None:
        principal = info.context.require_principal()
        job_id = ids.decode(id, "ImportJob", "id")
        found = await jobs.get_jobs(principal, [job_id])
        return ImportJob.from_row(found[job_id]) if job_id in found else None
