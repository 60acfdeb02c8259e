"""The weekly timetable: class view, a teacher's own week, clash-checked edits."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.graphql.identity.types import OkPayload
from schoolhub.graphql.workspace.structure.setup import school
from schoolhub.graphql.workspace.structure.types import (
    TeacherWeek,
    TermCode,
    TimetableClash,
    TimetableDay,
    TimetableEntry,
    TimetableEntryPayload,
)
from schoolhub.platform.errors import DomainError
from schoolhub.workspace.structure.timetable import service


@strawberry.input
class TimetableEntryInput:
    term_id: strawberry.ID
    class_id: strawberry.ID
    subject_id: strawberry.ID
    weekday: int = strawberry.field(description="ISO weekday: 1 = Monday (Thứ 2) ... 7 = Sunday.")
    period: int
    teacher_id: strawberry.ID | None = None
    room_id: strawberry.ID | None = None


@strawberry.type
class TimetableQueries:
    @strawberry.field(description="A class's weekly timetable for a term.")
    async def class_timetable(
        self, info: Info, school_id: strawberry.ID, class_id: strawberry.ID, term_id: strawberry.ID
    ) -> list[TimetableEntry]:
        principal = info.context.require_principal()
        rows = await service.class_timetable(
            principal,
            school(school_id),
            class_id=ids.decode(class_id, "SchoolClass", "classId"),
            term_id=ids.decode(term_id, "Term", "termId"),
        )
        return [TimetableEntry.from_row(r) for r in rows]

    @strawberry.field(description="The caller's own teaching week, across every school they teach.")
    async def my_teaching_week(self, info: Info, school_year: str, term: TermCode) -> TeacherWeek:
        principal = info.context.require_principal()
        view = await service.my_week(principal, school_year=school_year, term_code=term.value)
        return TeacherWeek(
            term=view.week.term,
            periods_per_week=view.week.periods_per_week,
            days=[
                TimetableDay(
                    weekday=d.weekday,
                    label=d.label,
                    entries=[TimetableEntry.from_row(view.rows[e.id]) for e in d.entries],
                )
                for d in view.week.days
            ],
        )


@strawberry.type
class TimetableMutations:
    @strawberry.mutation(
        description="Principals: add (no entryId) or move an entry. A teacher, room or class in "
        "two places at once is rejected with TIMETABLE_CLASH and the clashing entries."
    )
    async def set_timetable_entry(
        self,
        info: Info,
        school_id: strawberry.ID,
        input: TimetableEntryInput,
        entry_id: strawberry.ID | None = None,
    ) -> TimetableEntryPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            row = await service.set_entry(
                principal,
                school(school_id),
                service.EntryInput(
                    term_id=ids.decode(input.term_id, "Term", "termId"),
                    class_id=ids.decode(input.class_id, "SchoolClass", "classId"),
                    subject_id=ids.decode(input.subject_id, "Subject", "subjectId"),
                    teacher_id=(
                        ids.decode(input.teacher_id, "User", "teacherId")
                        if input.teacher_id
                        else None
                    ),
                    room_id=ids.decode(input.room_id, "Room", "roomId") if input.room_id else None,
                    weekday=input.weekday,
                    period=input.period,
                ),
                ids.decode(entry_id, "TimetableEntry", "entryId") if entry_id else None,
            )
        except service.TimetableClashError as exc:
            return TimetableEntryPayload(
                clashes=[TimetableClash.from_dict(c) for c in exc.clashes],
                errors=[UserError.of(exc)],
            )
        except DomainError as exc:
            return TimetableEntryPayload(errors=[UserError.of(exc)])
        return TimetableEntryPayload(entry=TimetableEntry.from_row(row))

    @strawberry.mutation(description="Principals: remove a timetable entry.")
    async def delete_timetable_entry(
        self, info: Info, school_id: strawberry.ID, entry_id: strawberry.ID
    ) -> OkPayload:
        principal = info.context.require_principal()  # auth errors stay top-level
        try:
            await service.delete_entry(
                principal, school(school_id), ids.decode(entry_id, "TimetableEntry", "entryId")
            )
        except DomainError as exc:
            return OkPayload(errors=[UserError.of(exc)])
        return OkPayload(ok=True)
