"""Factories of the school structure: a school year, subjects, assignments, a second teacher."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from schoolhub.graphql import ids
from schoolhub.platform import db
from schoolhub.platform.principal import Principal, Role
from schoolhub.tenants import service as tenants
from schoolhub.workspace import repository as ws_repo
from schoolhub.workspace.structure.grades import service as grades
from schoolhub.workspace.structure.setup import service as setup
from tests.support import factories

YEAR = "2026-2027"


def as_role(world: factories.SchoolWorld, role: str) -> Principal:
    return Principal(
        user_id=world.user_ids[role], school_roles={world.school_id: frozenset({Role(role)})}
    )


@dataclass
class Structure:
    """On top of a SchoolWorld (class 6A, its homeroom teacher is ``teacher``)."""

    world: factories.SchoolWorld
    year_id: UUID
    hk1: UUID
    hk2: UUID
    math: UUID  # scored, 140 periods -> 4 TX; taught by ``teacher``
    literature: UUID  # scored, 35 periods -> 2 TX; taught by ``subject_teacher``
    pe: UUID  # comment subject, taught by ``subject_teacher``
    subject_teacher: UUID
    subject_teacher_login: str
    other_teacher: UUID  # a teacher of the school with nothing to do with 6A
    other_teacher_login: str
    extra: dict[str, UUID] = field(default_factory=dict)

    def gid(self, type_name: str, value: UUID) -> str:
        return ids.encode(type_name, value)

    @property
    def school(self) -> str:
        return ids.encode("School", self.world.school_id)


async def _teacher(p: factories.Province, world: factories.SchoolWorld) -> tuple[UUID, str]:
    login = f"gv{factories.n()}"
    uid = await factories.user(login, "Giáo viên bộ môn")
    await tenants.grant_membership(p.admin, school_id=world.school_id, user_id=uid, role="teacher")
    return uid, login


async def structure(p: factories.Province, world: factories.SchoolWorld) -> Structure:
    boss = as_role(world, "principal")
    sid = world.school_id
    year = await setup.create_school_year(
        boss,
        sid,
        name=YEAR,
        dates=setup.TermDates(
            date(2026, 9, 5), date(2027, 1, 15), date(2027, 1, 18), date(2027, 5, 25)
        ),
        periods_per_day=10,
    )
    _, terms = await setup.list_school_years(boss, sid)
    by_code = {t["code"]: t["id"] for t in terms}
    math = await setup.create_subject(
        boss, sid, code="TOAN", name="Toán", kind="scored", periods_per_year=140
    )
    lit = await setup.create_subject(
        boss, sid, code="NGU_VAN", name="Ngữ văn", kind="scored", periods_per_year=35
    )
    pe = await setup.create_subject(
        boss, sid, code="GDTC", name="Giáo dục thể chất", kind="comment", periods_per_year=70
    )
    subject_teacher, st_login = await _teacher(p, world)
    other, other_login = await _teacher(p, world)
    assert world.class_id is not None
    for term in by_code.values():
        for subj, who in (
            (math["id"], world.user_ids["teacher"]),
            (lit["id"], subject_teacher),
            (pe["id"], subject_teacher),
        ):
            await setup.assign_teacher(
                boss, sid, class_id=world.class_id, subject_id=subj, term_id=term, teacher_id=who
            )
    return Structure(
        world,
        year["id"],
        by_code["HK1"],
        by_code["HK2"],
        math["id"],
        lit["id"],
        pe["id"],
        subject_teacher,
        st_login,
        other,
        other_login,
    )


async def add_students(s: Structure, count: int) -> list[UUID]:
    out = []
    async with db.tenant(s.world.school_id):
        for i in range(count):
            row = await ws_repo.insert_student(
                s.world.school_id,
                f"HS{factories.n()}",
                f"Học sinh thêm {i}",
                None,
                "male",
                s.world.class_id,
            )
            out.append(row["id"])
    return out


async def fill_scores(s: Structure, student_ids: list[UUID], term: UUID) -> None:
    """Every assessment of math, literature and PE for these students in one term."""
    boss = as_role(s.world, "principal")
    plan = [(s.math, "TX", 4, "8"), (s.literature, "TX", 2, "7.5")]
    for student in student_ids:
        for subject, kind, n, value in plan:
            for slot in range(1, n + 1):
                await grades.record_score(
                    boss,
                    s.world.school_id,
                    grades.Assessment(student, subject, term, kind, slot, Decimal(value), None),
                )
            for k in ("GK", "CK"):
                await grades.record_score(
                    boss,
                    s.world.school_id,
                    grades.Assessment(student, subject, term, k, 1, Decimal(value), None),
                )
        for kind, slot in (("TX", 1), ("TX", 2), ("GK", 1), ("CK", 1)):
            await grades.record_score(
                boss,
                s.world.school_id,
                grades.Assessment(student, s.pe, term, kind, slot, None, "DAT"),
            )


async def bulk_scores(s: Structure, student_ids: list[UUID], term: UUID) -> None:
    """Complete scores for many students in one statement (for the query-count test and bench)."""
    keys: list[tuple[UUID, UUID, str, int, Decimal | None, str | None]] = []
    for student in student_ids:
        for subject, n in ((s.math, 4), (s.literature, 2)):
            keys += [(student, subject, "TX", i, Decimal("8.5"), None) for i in range(1, n + 1)]
            keys += [(student, subject, k, 1, Decimal("7"), None) for k in ("GK", "CK")]
        keys += [
            (student, s.pe, k, i, None, "DAT")
            for k, i in (("TX", 1), ("TX", 2), ("GK", 1), ("CK", 1))
        ]
    async with db.tenant(s.world.school_id):
        await db.execute(
            "INSERT INTO workspace_score (school_id, student_id, subject_id, term_id, kind, slot,"
            " score, rating, recorded_by) SELECT $1, k.st, k.su, $2, k.kind, k.slot, k.score,"
            " k.rating, $3 FROM unnest($4::uuid[], $5::uuid[], $6::text[], $7::int[],"
            " $8::numeric[], $9::text[]) AS k(st, su, kind, slot, score, rating)",
            s.world.school_id,
            term,
            s.world.user_ids["principal"],
            [k[0] for k in keys],
            [k[1] for k in keys],
            [k[2] for k in keys],
            [k[3] for k in keys],
            [k[4] for k in keys],
            [k[5] for k in keys],
        )


@dataclass
class Arena:
    """School A with its structure; a child of another class (6B) with their own guardian; school B
    (the other school); a timetable entry; HK2 locked with one pending correction request."""

    a: Structure
    b: factories.SchoolWorld
    other_class: UUID
    other_child: UUID
    other_guardian_login: str
    entry_id: UUID
    request_id: UUID


async def arena(p: factories.Province) -> Arena:
    from schoolhub.workspace.structure.timetable import service as timetable

    a = await structure(p, await factories.school(p, tag="A"))
    b = await factories.school(p, tag="B")
    sid, boss = a.world.school_id, as_role(a.world, "principal")
    login = f"ph{factories.n()}"
    guardian = await factories.user(login, "Phụ huynh khác")
    await tenants.grant_membership(p.admin, school_id=sid, user_id=guardian, role="guardian")
    async with db.tenant(sid):
        klass = await ws_repo.insert_class(sid, YEAR, "6B", 6, None)
        child = await ws_repo.insert_student(
            sid, f"HS{factories.n()}", "Con nhà khác", None, "male", klass["id"]
        )
        await ws_repo.insert_guardian_link(sid, child["id"], guardian, "father", True)
    entry = await timetable.set_entry(
        boss,
        sid,
        timetable.EntryInput(
            a.hk1,
            a.world.class_id,
            a.math,
            a.world.user_ids["teacher"],
            None,
            2,
            3,  # type: ignore[arg-type]
        ),
    )
    await grades.lock_grades(boss, sid, class_id=a.world.class_id, term_id=a.hk2)  # type: ignore[arg-type]
    request = await grades.request_correction(
        boss,
        sid,
        grades.Assessment(a.world.student_ids[0], a.math, a.hk2, "GK", 1, Decimal(9), None),
        reason="Nhập nhầm điểm",
    )
    return Arena(a, b, klass["id"], child["id"], login, entry["id"], request["id"])


STRUCTURE_TABLES = (
    "workspace_school_year",
    "workspace_term",
    "workspace_subject",
    "workspace_room",
    "workspace_class",
    "workspace_teaching_assignment",
    "workspace_timetable_entry",
    "workspace_score",
    "workspace_subject_comment",
    "workspace_grade_lock",
    "workspace_correction_request",
    "school_audit_log",
)


async def snapshot(database: str, school_id: UUID) -> str:
    """Every row of this area's tables for one school, read as the owner (no RLS)."""
    import json

    import asyncpg

    conn = await asyncpg.connect(database)
    try:
        parts = []
        for table in STRUCTURE_TABLES:
            rows = await conn.fetch(f"SELECT * FROM {table} WHERE school_id = $1", school_id)
            dumped = sorted(json.dumps(dict(r), default=str, sort_keys=True) for r in rows)
            parts.append(f"{table}: {dumped}")
    finally:
        await conn.close()
    return "\n".join(parts)


@dataclass(frozen=True)
class Op:
    """One GraphQL operation of this area for the matrix and isolation suites.

    ``allowed``: the actor of school A that may run it (``principal``, ``teacher`` = homeroom and
    math teacher of 6A, ``subject_teacher`` = literature/PE teacher of 6A, ``guardian`` = guardian
    of a 6A child). ``also``: which of ``guardian_other`` (guardian of a 6B child) and
    ``teacher_unassigned`` (a teacher with nothing to do with 6A) may run it too.
    """

    name: str
    doc: str
    variables: Any
    allowed: str
    payload: str | None = None  # mutation payload field holding the object; None for queries
    also: frozenset[str] = frozenset()


def _g(kind: str, value: UUID) -> str:
    return ids.encode(kind, value)


def _score_input(r: Arena, term: UUID, kind: str, value: str) -> dict[str, Any]:
    return {
        "studentId": _g("Student", r.a.world.student_ids[0]),
        "subjectId": _g("Subject", r.a.math),
        "termId": _g("Term", term),
        "kind": kind,
        "score": value,
    }


MEMBERS = frozenset({"guardian_other", "teacher_unassigned"})
STAFF = frozenset({"teacher_unassigned"})


def ops() -> list[Op]:
    def cls(r: Arena) -> str:
        assert r.a.world.class_id is not None
        return _g("SchoolClass", r.a.world.class_id)

    return [
        Op(
            "schoolYears",
            "query($s: ID!) { schoolYears(schoolId: $s) { id name terms { id code } } }",
            lambda r: {"s": r.a.school},
            "principal",
            also=MEMBERS,
        ),
        Op(
            "subjects",
            "query($s: ID!) { subjects(schoolId: $s) { id code regularAssessments } }",
            lambda r: {"s": r.a.school},
            "principal",
            also=MEMBERS,
        ),
        Op(
            "rooms",
            "query($s: ID!) { rooms(schoolId: $s) { id name } }",
            lambda r: {"s": r.a.school},
            "principal",
            also=STAFF,
        ),
        Op(
            "schoolClasses",
            "query($s: ID!) { schoolClasses(schoolId: $s) { id name studentCount sizeWarning } }",
            lambda r: {"s": r.a.school},
            "principal",
            also=STAFF,
        ),
        Op(
            "teachingAssignments",
            "query($s: ID!, $t: ID!) { teachingAssignments(schoolId: $s, termId: $t)"
            " { id teacherId } }",
            lambda r: {"s": r.a.school, "t": _g("Term", r.a.hk1)},
            "principal",
            also=STAFF,
        ),
        Op(
            "classTimetable",
            "query($s: ID!, $c: ID!, $t: ID!) { classTimetable(schoolId: $s, classId: $c,"
            " termId: $t) { id weekday period subjectCode } }",
            lambda r: {"s": r.a.school, "c": cls(r), "t": _g("Term", r.a.hk1)},
            "guardian",
            also=STAFF,
        ),
        Op(
            "gradeSheet",
            "query($s: ID!, $c: ID!, $t: ID!) { gradeSheet(schoolId: $s, classId: $c, termId: $t)"
            " { className rows { studentId cells { subjectId regular termAverage } } } }",
            lambda r: {"s": r.a.school, "c": cls(r), "t": _g("Term", r.a.hk1)},
            "subject_teacher",
        ),
        Op(
            "studentRecord",
            "query($s: ID!, $st: ID!) { studentRecord(schoolId: $s, studentId: $st)"
            " { fullName subjects { subject { code } year { average } } } }",
            lambda r: {"s": r.a.school, "st": _g("Student", r.a.world.student_ids[0])},
            "guardian",
        ),
        Op(
            "gradeCorrections",
            "query($s: ID!) { gradeCorrections(schoolId: $s) { id status newValue } }",
            lambda r: {"s": r.a.school},
            "principal",
            also=STAFF,  # a teacher sees only their own requests (none here)
        ),
        Op(
            "createSchoolYear",
            'mutation($s: ID!) { createSchoolYear(schoolId: $s, input: {name: "2027-2028",'
            ' hk1Start: "2027-09-05", hk1End: "2028-01-15", hk2Start: "2028-01-17",'
            ' hk2End: "2028-05-25"}) { schoolYear { id } errors { code } } }',
            lambda r: {"s": r.a.school},
            "principal",
            "schoolYear",
        ),
        Op(
            "createSubject",
            'mutation($s: ID!) { createSubject(schoolId: $s, input: {code: "TIN_HOC",'
            ' name: "Tin học", kind: SCORED, periodsPerYear: 35}) { subject { id } errors { code } } }',
            lambda r: {"s": r.a.school},
            "principal",
            "subject",
        ),
        Op(
            "createRoom",
            'mutation($s: ID!) { createRoom(schoolId: $s, name: "P202", capacity: 40)'
            " { room { id } errors { code } } }",
            lambda r: {"s": r.a.school},
            "principal",
            "room",
        ),
        Op(
            "createSchoolClass",
            'mutation($s: ID!) { createSchoolClass(schoolId: $s, input: {schoolYear: "2026-2027",'
            ' name: "7C", grade: 7}) { schoolClass { id } errors { code } } }',
            lambda r: {"s": r.a.school},
            "principal",
            "schoolClass",
        ),
        Op(
            "updateSchoolClass",
            "mutation($s: ID!, $c: ID!) { updateSchoolClass(schoolId: $s, classId: $c,"
            ' input: {name: "6A1"}) { schoolClass { id name } errors { code } } }',
            lambda r: {"s": r.a.school, "c": cls(r)},
            "principal",
            "schoolClass",
        ),
        Op(
            "assignTeacher",
            "mutation($s: ID!, $i: TeachingAssignmentInput!) { assignTeacher(schoolId: $s,"
            " input: $i) { assignment { id } errors { code } } }",
            lambda r: {
                "s": r.a.school,
                "i": {
                    "classId": cls(r),
                    "subjectId": _g("Subject", r.a.math),
                    "termId": _g("Term", r.a.hk2),
                    "teacherId": _g("User", r.a.subject_teacher),
                },
            },
            "principal",
            "assignment",
        ),
        Op(
            "setTimetableEntry",
            "mutation($s: ID!, $i: TimetableEntryInput!) { setTimetableEntry(schoolId: $s,"
            " input: $i) { entry { id } clashes { kind } errors { code } } }",
            lambda r: {
                "s": r.a.school,
                "i": {
                    "termId": _g("Term", r.a.hk1),
                    "classId": cls(r),
                    "subjectId": _g("Subject", r.a.literature),
                    "weekday": 4,
                    "period": 1,
                },
            },
            "principal",
            "entry",
        ),
        Op(
            "deleteTimetableEntry",
            "mutation($s: ID!, $e: ID!) { deleteTimetableEntry(schoolId: $s, entryId: $e)"
            " { ok errors { code } } }",
            lambda r: {"s": r.a.school, "e": _g("TimetableEntry", r.entry_id)},
            "principal",
            "ok",
        ),
        Op(
            "recordScore",
            "mutation($s: ID!, $i: ScoreInput!) { recordScore(schoolId: $s, input: $i)"
            " { score { label score } errors { code } } }",
            lambda r: {"s": r.a.school, "i": _score_input(r, r.a.hk1, "GK", "8.5")},
            "teacher",
            "score",
        ),
        Op(
            "setSubjectComment",
            "mutation($s: ID!, $st: ID!, $su: ID!, $t: ID!) { setSubjectComment(schoolId: $s,"
            ' studentId: $st, subjectId: $su, termId: $t, body: "Chăm chỉ") { comment errors { code } } }',
            lambda r: {
                "s": r.a.school,
                "st": _g("Student", r.a.world.student_ids[0]),
                "su": _g("Subject", r.a.math),
                "t": _g("Term", r.a.hk1),
            },
            "teacher",
            "comment",
        ),
        Op(
            "lockGrades",
            "mutation($s: ID!, $c: ID!, $t: ID!) { lockGrades(schoolId: $s, classId: $c,"
            " termId: $t) { lock { lockedAt } errors { code } } }",
            lambda r: {"s": r.a.school, "c": cls(r), "t": _g("Term", r.a.hk1)},
            "principal",
            "lock",
        ),
        Op(
            "requestGradeCorrection",
            "mutation($s: ID!, $i: ScoreInput!) { requestGradeCorrection(schoolId: $s, input: $i,"
            ' reason: "Sửa điểm thi") { correction { id status } errors { code } } }',
            lambda r: {"s": r.a.school, "i": _score_input(r, r.a.hk2, "CK", "7")},
            "teacher",
            "correction",
        ),
        Op(
            "decideGradeCorrection",
            "mutation($s: ID!, $q: ID!) { decideGradeCorrection(schoolId: $s, requestId: $q,"
            " approve: true) { correction { id status } errors { code } } }",
            lambda r: {"s": r.a.school, "q": _g("CorrectionRequest", r.request_id)},
            "principal",
            "correction",
        ),
    ]


MY_WEEK = (
    'query { myTeachingWeek(schoolYear: "2026-2027", term: HK1) { periodsPerWeek'
    " days { weekday entries { id schoolId className } } } }"
)


def login_of(r: Arena, actor: str) -> str:
    return {
        "principal": r.a.world.logins["principal"],
        "teacher": r.a.world.logins["teacher"],
        "subject_teacher": r.a.subject_teacher_login,
        "guardian": r.a.world.logins["guardian"],
        "guardian_other": r.other_guardian_login,
        "teacher_unassigned": r.a.other_teacher_login,
        "other_school": r.b.logins["principal"],
    }[actor]
