"""Workspace content of the demo province, so every demo login lands on a populated screen.

For each demo school: the school year 2026-2027 (HK1/HK2), the subjects of its level, teaching
assignments of its teachers to its classes for both terms, a clash-free weekly timetable, HK1
scores (TT22, secondary) or GK1/CK1 assessments (TT27, primary), attendance of the last school day
(two absences, one covered by a leave request the homeroom teacher approved) and an incoming
document with a task for a teacher; and one department document delivered to every school.

Everything goes through the domain services, as the user who would do it (principal, teacher,
guardian, department admin), so the seed obeys every rule a user faces. Reads that only decide
whether a step is already done are plain SQL. Idempotent: each step is skipped when its content
exists (a re-run, even on a later day, writes nothing). Deterministic: one seeded random generator
per school, timetables planned by a pure function before anything is written.

Dates: the 2026-2027 frame is not published (DOMAIN §3.1); the terms follow the 2025-2026 frame
(QĐ 2269: opening 5/9, HK1 over before 18/1, the year over before 31/5).
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from schoolhub.platform import db
from schoolhub.platform.principal import OfficeGrant, Principal, Role
from schoolhub.workspace.attendance import leave as leave_svc
from schoolhub.workspace.attendance import service as attendance
from schoolhub.workspace.documents import office as office_docs
from schoolhub.workspace.documents import service as documents
from schoolhub.workspace.grading_primary import PrimaryPeriod, periodic_test_subjects
from schoolhub.workspace.grading_rules import tt27_rules
from schoolhub.workspace.structure.grades import primary as primary_grades
from schoolhub.workspace.structure.grades import service as grades
from schoolhub.workspace.structure.setup import service as setup
from schoolhub.workspace.structure.timetable import service as timetable

SCHOOL_YEAR = "2026-2027"
TERMS = setup.TermDates(
    hk1_start=date(2026, 9, 5),
    hk1_end=date(2027, 1, 16),
    hk2_start=date(2027, 1, 18),
    hk2_end=date(2027, 5, 29),
)
PERIODS_PER_DAY = 7  # two sessions: 4 periods in the morning, 3 in the afternoon
SCHOOL_DAYS = (1, 2, 3, 4, 5)  # ISO weekdays, Monday to Friday
WEEKS = 35
CONCURRENCY = 4  # schools seeded at once (the CLI pool has 5 connections)

# (code, name, kind, periods per year, grades, teacher group). Group 0/1 = the homeroom teacher of
# the class (primary) or a subject teacher (secondary); see ``_teacher_for``.
Subject = tuple[str, str, str, int, tuple[int, ...], int]
PRIMARY: list[Subject] = [
    ("TIENG_VIET", "Tiếng Việt", "scored", 245, (3, 4), 0),
    ("TOAN", "Toán", "scored", 175, (3, 4), 0),
    ("NGOAI_NGU_1", "Tiếng Anh", "scored", 140, (3, 4), 2),
    ("DAO_DUC", "Đạo đức", "comment", 35, (3, 4), 0),
    ("TU_NHIEN_XA_HOI", "Tự nhiên và Xã hội", "comment", 70, (3,), 0),
    ("LICH_SU_DIA_LI", "Lịch sử và Địa lí", "scored", 70, (4,), 0),
    ("KHOA_HOC", "Khoa học", "scored", 70, (4,), 0),
    ("TIN_HOC_CONG_NGHE", "Tin học và Công nghệ", "scored", 70, (3, 4), 2),
    ("GDTC", "Giáo dục thể chất", "comment", 70, (3, 4), 2),
    ("NGHE_THUAT", "Nghệ thuật (Âm nhạc, Mĩ thuật)", "comment", 70, (3, 4), 3),
    ("HDTN", "Hoạt động trải nghiệm", "comment", 105, (3, 4), 0),
]
SECONDARY: list[Subject] = [
    ("TOAN", "Toán", "scored", 140, (6, 8), 0),
    ("KHTN", "Khoa học tự nhiên", "scored", 140, (6, 8), 0),
    ("TIN_HOC", "Tin học", "scored", 35, (6, 8), 0),
    ("CONG_NGHE", "Công nghệ", "scored", 35, (6, 8), 0),
    ("NGU_VAN", "Ngữ văn", "scored", 140, (6, 8), 1),
    ("LICH_SU_DIA_LI", "Lịch sử và Địa lí", "scored", 105, (6, 8), 1),
    ("GDCD", "Giáo dục công dân", "scored", 35, (6, 8), 1),
    ("NDGDDP", "Nội dung giáo dục địa phương", "comment", 35, (6, 8), 1),
    ("NGOAI_NGU_1", "Tiếng Anh", "scored", 105, (6, 8), 2),
    ("GDTC", "Giáo dục thể chất", "comment", 70, (6, 8), 2),
    ("NGHE_THUAT", "Nghệ thuật", "comment", 70, (6, 8), 3),
    ("HDTN_HN", "Hoạt động trải nghiệm, hướng nghiệp", "comment", 105, (6, 8), 2),
]
SCORED_HK1 = ("TOAN", "NGU_VAN", "NGOAI_NGU_1", "GDTC")  # TT22 subjects with HK1 scores
COMPLETE_STUDENTS = 6  # of 8 per class: the last two miss some assessments
PRIMARY_COMMENTS = [
    "Tiếp thu bài nhanh, tích cực phát biểu.",
    "Hoàn thành tốt các bài tập; cần cẩn thận hơn khi trình bày.",
    "Có tiến bộ; cần luyện thêm kĩ năng đọc hiểu.",
    "Chăm chỉ, biết hợp tác với bạn trong nhóm.",
]
DEPARTMENT_DOC = documents.DocumentInput(
    number="2150/SGDĐT-GDPT",
    issued_on=date(2026, 11, 16),
    sender="",
    subject="Về việc tổ chức kiểm tra, đánh giá cuối học kì I năm học 2026-2027",
    due_on=date(2026, 12, 31),
    attachments=[],
)


@dataclass
class SchoolCtx:
    id: UUID
    code: str
    level: str
    district_name: str
    principal: UUID
    teachers: list[UUID]  # gv1, gv2, gv3, then the teacher shared with another school
    classes: list[dict[str, Any]]  # id, name, grade, homeroom_teacher_id; by name
    students: dict[UUID, list[dict[str, Any]]]  # class -> id, student_code, guardian_id
    subjects: list[Subject] = field(default_factory=list)

    def staff(self, user_id: UUID, role: Role) -> Principal:
        return Principal(user_id=user_id, school_roles={self.id: frozenset({role})})

    @property
    def head(self) -> Principal:
        return self.staff(self.principal, Role.PRINCIPAL)

    def teacher_for(self, klass: dict[str, Any], group: int) -> UUID:
        """Primary: the homeroom teacher teaches the core subjects, gv3 the specialist ones.
        Secondary: gv1 sciences, gv2 humanities, gv3 languages and activities. Group 3 (arts) goes
        to the teacher shared with another school where there is one, else to gv3."""
        if group == 3:
            return self.teachers[3] if len(self.teachers) > 3 else self.teachers[2]
        if group == 0 and self.level == "primary":
            return UUID(str(klass["homeroom_teacher_id"]))
        return self.teachers[group]


def last_school_day(today: date) -> date:
    """The most recent school day (Monday-Friday) before ``today``."""
    day = today - timedelta(days=1)
    while day.isoweekday() not in SCHOOL_DAYS:
        day -= timedelta(days=1)
    return day


# --- Timetable planning (pure) -----------------------------------------------------------------

Slot = tuple[int, int]  # (ISO weekday, period)


def plan_week(
    lessons: list[tuple[str, UUID]], busy: set[tuple[UUID, Slot]]
) -> dict[Slot, tuple[str, UUID]]:
    """Place one class's weekly lessons (subject code, teacher) so no teacher is in two places.

    ``busy`` holds the (teacher, slot) pairs already taken by other classes (across schools: a
    teacher may work in two) and is updated. Lessons are interleaved round-robin so a subject
    spreads over the week, each day is filled from period 1, and a bipartite matching (augmenting
    paths) repairs any slot a teacher cannot take, so a plan is found whenever one exists."""
    by_subject: dict[str, list[tuple[str, UUID]]] = defaultdict(list)
    for lesson in lessons:
        by_subject[lesson[0]].append(lesson)
    queues = sorted(by_subject.values(), key=lambda q: (-len(q), q[0][0]))
    ordered: list[tuple[str, UUID]] = []
    while any(queues):
        ordered += [q.pop() for q in queues if q]
    per_day, extra = divmod(len(ordered), len(SCHOOL_DAYS))
    ideal = [
        (d, p)
        for i, d in enumerate(SCHOOL_DAYS)
        for p in range(1, per_day + (1 if i < extra else 0) + 1)
    ]
    rest = [
        (d, p) for d in SCHOOL_DAYS for p in range(1, PERIODS_PER_DAY + 1) if (d, p) not in ideal
    ]
    if len(ordered) > len(ideal) + len(rest):
        raise ValueError("more lessons than slots in the week")
    owner: dict[Slot, int] = {}

    def prefs(i: int) -> list[Slot]:
        return ideal[i:] + ideal[:i] + rest

    def place(i: int, seen: set[Slot]) -> bool:
        teacher = ordered[i][1]
        for slot in prefs(i):
            if slot in seen or (teacher, slot) in busy:
                continue
            seen.add(slot)
            if slot not in owner or place(owner[slot], seen):
                owner[slot] = i
                return True
        return False

    for i in range(len(ordered)):
        if not place(i, set()):
            raise ValueError("no clash-free timetable for this class")
    week = {slot: ordered[i] for slot, i in owner.items()}
    busy.update((teacher, slot) for slot, (_, teacher) in week.items())
    return week


def weekly_lessons(ctx: SchoolCtx, klass: dict[str, Any]) -> list[tuple[str, UUID]]:
    return [
        (code, ctx.teacher_for(klass, group))
        for code, _, _, periods, grades, group in ctx.subjects
        if klass["grade"] in grades
        for _ in range(round(periods / WEEKS))
    ]


# --- Reading what exists (plain SQL reads; every write is a service call) ----------------------


async def _contexts() -> list[SchoolCtx]:
    async with db.system():
        schools = await db.fetch(
            "SELECT s.id, s.code, s.level, o.name AS district FROM tenants_school s"
            " JOIN tenants_org_unit o ON o.id = s.org_unit_id WHERE s.code LIKE 'QT-%'"
            " ORDER BY s.code"
        )
    out = []
    for s in schools:
        async with db.tenant(s["id"]):
            members = await db.fetch(
                "SELECT user_id, role FROM tenants_membership WHERE school_id = $1"
                " AND revoked_at IS NULL AND role IN ('principal', 'teacher')",
                s["id"],
            )
            classes = await db.fetch(
                "SELECT id, name, grade, homeroom_teacher_id FROM workspace_class"
                " WHERE school_id = $1 AND school_year = $2 ORDER BY name",
                s["id"],
                SCHOOL_YEAR,
            )
            students = await db.fetch(
                "SELECT st.id, st.class_id, st.student_code, g.guardian_user_id AS guardian_id"
                " FROM workspace_student st LEFT JOIN workspace_guardian_link g"
                " ON g.school_id = st.school_id AND g.student_id = st.id AND g.is_primary"
                " WHERE st.school_id = $1 ORDER BY st.student_code",
                s["id"],
            )
        async with db.system():
            logins = {
                r["id"]: r["login"]
                for r in await db.fetch(
                    "SELECT id, login FROM identity_user WHERE id = ANY($1::uuid[])",
                    [m["user_id"] for m in members],
                )
            }
        teachers = sorted(
            (m["user_id"] for m in members if m["role"] == "teacher"),
            key=lambda u: (logins[u] == "gv.lien", logins[u]),
        )
        principal = next((m["user_id"] for m in members if m["role"] == "principal"), None)
        if principal is None or len(teachers) < 3 or not classes:
            continue  # not a school the demo built
        by_class: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
        for st in students:
            by_class[st["class_id"]].append(st)
        level = str(s["level"])
        out.append(
            SchoolCtx(
                s["id"], s["code"], level, s["district"], principal, teachers, classes, by_class,
                PRIMARY if level == "primary" else SECONDARY,
            )
        )  # fmt: skip
    return out


async def _exists(school_id: UUID, sql: str, *args: Any) -> bool:
    """``sql`` is ``SELECT EXISTS (...) AS found`` with the school id as $1."""
    async with db.tenant(school_id):
        row = await db.fetchrow(sql, school_id, *args)
    return bool(row and row["found"])


# --- Seeding one school ------------------------------------------------------------------------


async def _structure(ctx: SchoolCtx) -> tuple[dict[str, UUID], dict[str, UUID]]:
    """The school year, its terms, the subjects and both terms' teaching assignments."""
    head = ctx.head
    years, terms = await setup.list_school_years(head, ctx.id)
    if not any(y["name"] == SCHOOL_YEAR for y in years):
        await setup.create_school_year(
            head, ctx.id, name=SCHOOL_YEAR, dates=TERMS, periods_per_day=PERIODS_PER_DAY
        )
        years, terms = await setup.list_school_years(head, ctx.id)
    term_ids = {t["code"]: t["id"] for t in terms if t["school_year"] == SCHOOL_YEAR}
    existing = {s["code"]: s["id"] for s in await setup.list_subjects(head, ctx.id)}
    for code, name, kind, periods, _, _ in ctx.subjects:
        if code not in existing:
            row = await setup.create_subject(
                head, ctx.id, code=code, name=name, kind=kind, periods_per_year=periods
            )
            existing[code] = row["id"]
    for term_id in term_ids.values():
        done = {
            (a["class_id"], a["subject_id"])
            for a in await setup.list_assignments(head, ctx.id, term_id=term_id, class_id=None)
        }
        for klass in ctx.classes:
            for code, _, _, _, grades_, group in ctx.subjects:
                if klass["grade"] in grades_ and (klass["id"], existing[code]) not in done:
                    await setup.assign_teacher(
                        head,
                        ctx.id,
                        class_id=klass["id"],
                        subject_id=existing[code],
                        term_id=term_id,
                        teacher_id=ctx.teacher_for(klass, group),
                    )
    return term_ids, existing


async def _timetable(
    ctx: SchoolCtx,
    plans: dict[UUID, dict[Slot, tuple[str, UUID]]],
    term_ids: dict[str, UUID],
    subjects: dict[str, UUID],
) -> None:
    for term_id in term_ids.values():
        for klass in ctx.classes:
            if await timetable.class_timetable(
                ctx.head, ctx.id, class_id=klass["id"], term_id=term_id
            ):
                continue
            for (weekday, period), (code, teacher) in sorted(plans[klass["id"]].items()):
                entry = timetable.EntryInput(
                    term_id, klass["id"], subjects[code], teacher, None, weekday, period
                )
                await timetable.set_entry(ctx.head, ctx.id, entry)


def _score(rng: random.Random, ability: float) -> Decimal:
    return Decimal(min(20, max(6, round((ability + rng.gauss(0, 0.9)) * 2)))) / 2


async def _secondary_scores(
    ctx: SchoolCtx, rng: random.Random, term_id: UUID, subjects: dict[str, UUID]
) -> None:
    """HK1 scores: the first students complete (averages show), the last two incomplete."""
    for klass in ctx.classes:
        if await _exists(
            ctx.id,
            "SELECT EXISTS (SELECT 1 FROM workspace_score s JOIN workspace_student st"
            " ON st.school_id = s.school_id AND st.id = s.student_id WHERE s.school_id = $1"
            " AND st.class_id = $2 AND s.term_id = $3) AS found",
            klass["id"],
            term_id,
        ):
            continue
        for n, student in enumerate(ctx.students[klass["id"]]):
            ability = rng.uniform(5.0, 9.2)
            for code, _, kind, periods, _, group in ctx.subjects:
                if code not in SCORED_HK1:
                    continue
                teacher = ctx.staff(ctx.teacher_for(klass, group), Role.TEACHER)
                spec = {"code": code, "kind": kind, "periods_per_year": periods}
                slots = [("TX", i) for i in range(1, setup.regular_assessments(spec) + 1)]
                slots += [("GK", 1), ("CK", 1)]
                if n == COMPLETE_STUDENTS:
                    slots = slots[:-1]  # the end-of-term test is still to be taken
                elif n > COMPLETE_STUDENTS:
                    slots = slots[:2]
                for assessment, slot in slots:
                    comment = kind == "comment"
                    await grades.record_score(
                        teacher,
                        ctx.id,
                        grades.Assessment(
                            student["id"], subjects[code], term_id, assessment, slot,
                            None if comment else _score(rng, ability),
                            ("DAT" if rng.random() < 0.95 else "CHUA_DAT") if comment else None,
                        ),
                    )  # fmt: skip


async def _primary_assessments(
    ctx: SchoolCtx, rng: random.Random, term_id: UUID, subjects: dict[str, UUID]
) -> None:
    """GK1 levels of every subject and CK1 levels with the periodic tests of the tested subjects
    (tests only where TT27 has one for the grade and period)."""
    for klass in ctx.classes:
        if await _exists(
            ctx.id,
            "SELECT EXISTS (SELECT 1 FROM workspace_primary_assessment a JOIN workspace_student st"
            " ON st.school_id = a.school_id AND st.id = a.student_id WHERE a.school_id = $1"
            " AND st.class_id = $2 AND a.term_id = $3) AS found",
            klass["id"],
            term_id,
        ):
            continue
        rules = tt27_rules(SCHOOL_YEAR, klass["grade"])
        tests = {
            period: periodic_test_subjects(klass["grade"], PrimaryPeriod(period), rules)
            for period in ("GK1", "CK1")
        }
        for student in ctx.students[klass["id"]]:
            ability = rng.uniform(5.5, 9.8)
            for code, _, _, _, grades_, group in ctx.subjects:
                if klass["grade"] not in grades_:
                    continue
                teacher = ctx.staff(ctx.teacher_for(klass, group), Role.TEACHER)
                for period in ("GK1", "CK1"):
                    if period == "CK1" and code not in rules.end_term_test_subjects:
                        continue
                    score = min(10, max(3, round(ability + rng.gauss(0, 1))))
                    level = "T" if score >= 9 else "H" if score >= 5 else "C"
                    await primary_grades.record_assessment(
                        teacher,
                        ctx.id,
                        primary_grades.PrimaryAssessment(
                            student["id"], subjects[code], period, level,
                            score if code in tests[period] else None,
                            rng.choice(PRIMARY_COMMENTS) if period == "CK1" else None,
                        ),
                    )  # fmt: skip


async def _attendance(ctx: SchoolCtx, rng: random.Random, day: date) -> None:
    """Each class's roll call of ``day``: one absence excused by an approved leave request (the
    guardian asked, the homeroom teacher approved), one unexcused absence."""
    if await _exists(
        ctx.id,
        "SELECT EXISTS (SELECT 1 FROM workspace_attendance_record WHERE school_id = $1) AS found",
    ):
        return
    for klass in ctx.classes:
        homeroom = ctx.staff(UUID(str(klass["homeroom_teacher_id"])), Role.TEACHER)
        excused, unexcused = rng.sample(
            [s for s in ctx.students[klass["id"]] if s["guardian_id"]], 2
        )
        guardian = ctx.staff(excused["guardian_id"], Role.GUARDIAN)
        leave = await leave_svc.request_leave(
            guardian, ctx.id, excused["id"], day, day, "Cháu bị sốt, gia đình xin cho cháu nghỉ."
        )
        await leave_svc.decide_leave(homeroom, ctx.id, leave["id"], approve=True)
        await attendance.take_attendance(
            homeroom,
            ctx.id,
            klass["id"],
            day,
            [
                attendance.Entry(excused["id"], "absent_unexcused"),
                attendance.Entry(
                    unexcused["id"], "absent_unexcused", "Chưa liên lạc được gia đình"
                ),
            ],
        )


async def _document(ctx: SchoolCtx) -> None:
    """An incoming document registered by the principal, assigned to the first teacher."""
    number = f"{412 + sum(map(ord, ctx.code)) % 300}/PGDĐT"
    if await _exists(
        ctx.id,
        "SELECT EXISTS (SELECT 1 FROM workspace_document WHERE school_id = $1 AND number = $2)"
        " AS found",
        number,
    ):
        return
    doc = await documents.create_document(
        ctx.head,
        ctx.id,
        "incoming",
        documents.DocumentInput(
            number=number,
            issued_on=date(2026, 11, 9),
            sender=ctx.district_name,
            subject="Về việc tổ chức Hội thi giáo viên dạy giỏi cấp trường năm học 2026-2027",
            due_on=date(2026, 12, 18),
            attachments=[],
        ),
    )
    await documents.assign_task(
        ctx.head,
        ctx.id,
        doc["id"],
        ctx.teachers[0],
        note="Đăng ký tham gia hội thi và nộp kế hoạch bài dạy trước hạn.",
        due_on=date(2026, 12, 18),
    )


async def _seed_school(
    ctx: SchoolCtx, plans: dict[UUID, dict[Slot, tuple[str, UUID]]], day: date | None
) -> None:
    rng = random.Random(f"demo-workspace/{ctx.code}")
    term_ids, subjects = await _structure(ctx)
    await _timetable(ctx, plans, term_ids, subjects)
    if ctx.level == "primary":
        await _primary_assessments(ctx, rng, term_ids["HK1"], subjects)
    else:
        await _secondary_scores(ctx, rng, term_ids["HK1"], subjects)
    if day is not None:
        await _attendance(ctx, rng, day)
    await _document(ctx)


async def _department_document(school_ids: list[UUID]) -> None:
    async with db.system():
        admin = await db.fetchrow(
            "SELECT om.org_unit_id, om.user_id FROM tenants_office_membership om"
            " JOIN tenants_org_unit ou ON ou.id = om.org_unit_id WHERE ou.code = 'SGDDT-QT'"
            " AND om.role = 'department_admin' AND om.revoked_at IS NULL ORDER BY om.created_at"
        )
    if admin is None:
        return
    dept = admin["org_unit_id"]
    head = Principal(
        user_id=admin["user_id"],
        office_grants=(OfficeGrant(dept, "department", Role.DEPARTMENT_ADMIN),),
    )
    sent = await office_docs.office_documents(head, dept, 100)
    if not any(d["number"] == DEPARTMENT_DOC.number for d in sent):
        await office_docs.send_office_document(head, dept, DEPARTMENT_DOC, school_ids)


async def seed_workspace() -> None:
    """Fill every demo school's workspace (see the module docstring); safe to run again."""
    contexts = await _contexts()
    busy: set[tuple[UUID, Slot]] = set()
    plans = {
        klass["id"]: plan_week(weekly_lessons(ctx, klass), busy)
        for ctx in contexts
        for klass in ctx.classes
    }
    last = last_school_day(attendance.today())
    day: date | None = last
    if not (
        TERMS.hk1_start <= last <= TERMS.hk2_end
        and (attendance.today() - last).days <= attendance.MAX_DAYS_BACK
    ):
        day = None  # outside the school year: no roll call to take
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(ctx: SchoolCtx) -> None:
        async with gate:
            await _seed_school(ctx, plans, day)

    await asyncio.gather(*(one(ctx) for ctx in contexts))
    if contexts:
        await _department_document([ctx.id for ctx in contexts])
