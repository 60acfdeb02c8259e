"""Factories of primary (TT27) assessment: a grade-4 class on top of a ``workspace_structure``
school, its subjects and assignments, and the arena + operations of the matrix/isolation suites."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from schoolhub.graphql import ids
from schoolhub.platform import db
from schoolhub.tenants import service as tenants
from schoolhub.workspace import repository as ws_repo
from schoolhub.workspace.structure.grades import primary
from schoolhub.workspace.structure.grades import service as grades
from schoolhub.workspace.structure.setup import service as setup
from tests.support import factories
from tests.support import workspace_structure as ws

# Grade 4: end-of-year tests in all six tested subjects (TT27 Điều 7), mid-term in TV and Toán.
HOMEROOM_SUBJECTS = ("TIENG_VIET", "TOAN", "LICH_SU_DIA_LI", "KHOA_HOC", "DAO_DUC")
SPECIALIST_SUBJECTS = ("NGOAI_NGU_1", "TIN_HOC_CONG_NGHE")  # taught by ``subject_teacher``
TESTED = ("TIENG_VIET", "TOAN", "LICH_SU_DIA_LI", "KHOA_HOC", "NGOAI_NGU_1", "TIN_HOC_CONG_NGHE")


@dataclass
class Primary:
    """Class 4A (grade 4) of the school of ``s``: the homeroom teacher is ``teacher`` (who teaches
    the homeroom subjects); ``subject_teacher`` teaches Ngoại ngữ 1 and Tin học và Công nghệ.
    Its first student's guardian is the world's guardian."""

    s: ws.Structure
    class_id: UUID
    student_ids: list[UUID]
    subjects: dict[str, UUID]

    @property
    def sid(self) -> UUID:
        return self.s.world.school_id


async def add_primary(p: factories.Province, s: ws.Structure, students: int = 2) -> Primary:
    boss = ws.as_role(s.world, "principal")
    sid = s.world.school_id
    subjects = {"TOAN": s.math}
    for code in (*HOMEROOM_SUBJECTS, *SPECIALIST_SUBJECTS):
        if code not in subjects:
            row = await setup.create_subject(
                boss, sid, code=code, name=code.title(), kind="scored", periods_per_year=70
            )
            subjects[code] = row["id"]
    async with db.tenant(sid):
        klass = await ws_repo.insert_class(sid, ws.YEAR, "4A", 4, s.world.user_ids["teacher"])
        student_ids = []
        for i in range(students):
            st = await ws_repo.insert_student(
                sid, f"HS{factories.n()}", f"Học sinh tiểu học {i}", None, "male", klass["id"]
            )
            student_ids.append(st["id"])
        await ws_repo.insert_guardian_link(
            sid, student_ids[0], s.world.user_ids["guardian"], "mother", True
        )
    for term in (s.hk1, s.hk2):
        for code, subject_id in subjects.items():
            teacher = (
                s.subject_teacher if code in SPECIALIST_SUBJECTS else s.world.user_ids["teacher"]
            )
            await setup.assign_teacher(
                boss,
                sid,
                class_id=klass["id"],
                subject_id=subject_id,
                term_id=term,
                teacher_id=teacher,
            )
    return Primary(s, klass["id"], student_ids, subjects)


ALL_QUALITIES = (
    "YEU_NUOC", "NHAN_AI", "CHAM_CHI", "TRUNG_THUC", "TRACH_NHIEM",
    "TU_CHU_TU_HOC", "GIAO_TIEP_HOP_TAC", "GIAI_QUYET_VAN_DE",
    "NGON_NGU", "TINH_TOAN", "KHOA_HOC", "CONG_NGHE", "TIN_HOC", "THAM_MI", "THE_CHAT",
)  # fmt: skip


async def bulk_primary(pr: Primary, student_ids: list[UUID], level: str, score: int) -> None:
    """CN entries of every subject (tests where TT27 has them), every quality at TOT: one
    statement per table (for the query-count test)."""
    keys = [(st, code, sub) for st in student_ids for code, sub in pr.subjects.items()]
    async with db.tenant(pr.sid):
        await db.execute(
            "INSERT INTO workspace_primary_assessment (school_id, student_id, subject_id, term_id,"
            " period, level, test_score, recorded_by) SELECT $1, k.st, k.su, $2, 'CN', $3, k.sc, $4"
            " FROM unnest($5::uuid[], $6::uuid[], $7::int[]) AS k(st, su, sc)",
            pr.sid,
            pr.s.hk2,
            level,
            pr.s.world.user_ids["principal"],
            [k[0] for k in keys],
            [k[2] for k in keys],
            [score if k[1] in TESTED else None for k in keys],
        )
        quality_keys = [(st, q) for st in student_ids for q in ALL_QUALITIES]
        await db.execute(
            "INSERT INTO workspace_primary_quality (school_id, student_id, term_id, period, code,"
            " level, recorded_by) SELECT $1, k.st, $2, 'CN', k.code, 'TOT', $3"
            " FROM unnest($4::uuid[], $5::text[]) AS k(st, code)",
            pr.sid,
            pr.s.hk2,
            pr.s.world.user_ids["principal"],
            [k[0] for k in quality_keys],
            [k[1] for k in quality_keys],
        )


@dataclass
class PrimaryArena:
    """School A with class 4A; a child of 4B with their own guardian; school B. HK1 of 4A is
    locked with one pending correction request (CK1, Toán of the first student)."""

    a: ws.Structure
    pr: Primary
    b: factories.SchoolWorld
    other_child: UUID
    other_guardian_login: str
    request_id: UUID


async def primary_arena(p: factories.Province) -> PrimaryArena:
    a = await ws.structure(p, await factories.school(p, tag="A"))
    pr = await add_primary(p, a)
    b = await factories.school(p, tag="B")
    sid, boss = a.world.school_id, ws.as_role(a.world, "principal")
    login = f"ph{factories.n()}"
    guardian = await factories.user(login, "Phụ huynh khác")
    await tenants.grant_membership(p.admin, school_id=sid, user_id=guardian, role="guardian")
    async with db.tenant(sid):
        klass = await ws_repo.insert_class(sid, ws.YEAR, "4B", 4, None)
        child = await ws_repo.insert_student(
            sid, f"HS{factories.n()}", "Con nhà khác", None, "male", klass["id"]
        )
        await ws_repo.insert_guardian_link(sid, child["id"], guardian, "father", True)
    first = pr.student_ids[0]
    await primary.record_assessment(
        boss, sid, primary.PrimaryAssessment(first, pr.subjects["TOAN"], "CK1", "H", 6, "Cố gắng")
    )
    await grades.lock_grades(boss, sid, class_id=pr.class_id, term_id=a.hk1)
    request = await primary.request_correction(
        boss,
        sid,
        primary.PrimaryCorrection(
            "SUBJECT", first, "CK1", pr.subjects["TOAN"], level="T", test_score=9
        ),
        reason="Chấm sót câu 5",
    )
    return PrimaryArena(a, pr, b, child["id"], login, request["id"])


PRIMARY_TABLES = (
    *ws.STRUCTURE_TABLES,
    "workspace_primary_assessment",
    "workspace_primary_quality",
    "workspace_primary_year_result",
)


async def snapshot(database: str, school_id: UUID) -> str:
    """Every row of the grades tables (TT22 and TT27) of one school, read as the owner."""
    import json

    import asyncpg

    conn = await asyncpg.connect(database)
    try:
        parts = []
        for table in PRIMARY_TABLES:
            rows = await conn.fetch(f"SELECT * FROM {table} WHERE school_id = $1", school_id)
            dumped = sorted(json.dumps(dict(r), default=str, sort_keys=True) for r in rows)
            parts.append(f"{table}: {dumped}")
    finally:
        await conn.close()
    return "\n".join(parts)


def _g(kind: str, value: UUID) -> str:
    return ids.encode(kind, value)


def ops() -> list[ws.Op]:
    """Every primary operation (``allowed`` as in ``ws.Op``; ``teacher`` = homeroom of 4A)."""

    def first(r: PrimaryArena) -> str:
        return _g("Student", r.pr.student_ids[0])

    return [
        ws.Op(
            "primaryGradeSheet",
            "query($s: ID!, $c: ID!) { primaryGradeSheet(schoolId: $s, classId: $c, period: CK1)"
            " { className rows { studentId cells { subjectId level testScore } } } }",
            lambda r: {"s": r.a.school, "c": _g("SchoolClass", r.pr.class_id)},
            "subject_teacher",
        ),
        ws.Op(
            "studentRecord",
            "query($s: ID!, $st: ID!) { studentRecord(schoolId: $s, studentId: $st) { fullName"
            " primary { periods { period cells { level testScore } } yearResult { level } } } }",
            lambda r: {"s": r.a.school, "st": first(r)},
            "guardian",
        ),
        ws.Op(
            "primaryGradeCorrections",
            "query($s: ID!) { primaryGradeCorrections(schoolId: $s) { id status newValue } }",
            lambda r: {"s": r.a.school},
            "principal",
            # a teacher sees only their own requests (none here)
            also=ws.STAFF | {"subject_teacher"},
        ),
        ws.Op(
            "recordPrimaryAssessment",
            "mutation($s: ID!, $i: PrimaryAssessmentInput!) { recordPrimaryAssessment("
            "schoolId: $s, input: $i) { assessment { level testScore } errors { code } } }",
            lambda r: {
                "s": r.a.school,
                "i": {
                    "studentId": first(r),
                    "subjectId": _g("Subject", r.pr.subjects["TOAN"]),
                    "period": "GK2",
                    "level": "T",
                    "testScore": "9",
                    "comment": "Tiến bộ",
                },
            },
            "teacher",
            "assessment",
        ),
        ws.Op(
            "recordPrimaryQualities",
            "mutation($s: ID!, $st: ID!) { recordPrimaryQualities(schoolId: $s, studentId: $st,"
            ' period: CN, levels: [{code: "CHAM_CHI", level: TOT}]) { qualities { code level }'
            " errors { code } } }",
            lambda r: {"s": r.a.school, "st": first(r)},
            "teacher",
            "qualities",
        ),
        ws.Op(
            "setPrimaryYearResult",
            "mutation($s: ID!, $st: ID!) { setPrimaryYearResult(schoolId: $s, studentId: $st,"
            ' outstandingRecognised: true, comment: "Ngoan") { entry { outstandingRecognised }'
            " errors { code } } }",
            lambda r: {"s": r.a.school, "st": first(r)},
            "teacher",
            "entry",
        ),
        ws.Op(
            "requestPrimaryGradeCorrection",
            "mutation($s: ID!, $i: PrimaryCorrectionInput!) { requestPrimaryGradeCorrection("
            'schoolId: $s, input: $i, reason: "Nhập nhầm mức") { correction { id status }'
            " errors { code } } }",
            lambda r: {
                "s": r.a.school,
                "i": {
                    "target": "SUBJECT",
                    "studentId": first(r),
                    "period": "CK1",
                    "subjectId": _g("Subject", r.pr.subjects["TIENG_VIET"]),
                    "level": "H",
                    "testScore": "7",
                },
            },
            "teacher",
            "correction",
        ),
        ws.Op(
            "decidePrimaryGradeCorrection",
            "mutation($s: ID!, $q: ID!) { decidePrimaryGradeCorrection(schoolId: $s,"
            " requestId: $q, approve: true) { correction { id status } errors { code } } }",
            lambda r: {"s": r.a.school, "q": _g("PrimaryCorrectionRequest", r.request_id)},
            "principal",
            "correction",
        ),
    ]


def login_of(r: PrimaryArena, actor: str) -> str:
    return {
        "principal": r.a.world.logins["principal"],
        "teacher": r.a.world.logins["teacher"],
        "subject_teacher": r.a.subject_teacher_login,
        "guardian": r.a.world.logins["guardian"],
        "guardian_other": r.other_guardian_login,
        "teacher_unassigned": r.a.other_teacher_login,
        "other_school": r.b.logins["principal"],
    }[actor]


def secrets(r: PrimaryArena) -> set[str]:
    a = r.a
    return {
        a.gid("SchoolClass", r.pr.class_id),
        a.gid("Term", a.hk1),
        a.gid("Term", a.hk2),
        a.gid("PrimaryCorrectionRequest", r.request_id),
        *(a.gid("Subject", x) for x in r.pr.subjects.values()),
        *(a.gid("Student", x) for x in r.pr.student_ids),
        a.world.code,
    }
