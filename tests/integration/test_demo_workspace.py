"""The demo province is walkable: after ``demo-data`` a demo teacher or principal finds a timetable,
grade sheets with computed results, the last school day's roll call and documents, all through the
GraphQL API; and a second run changes nothing."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import asyncpg

from schoolhub.demo import DEMO_PASSWORD, load_demo
from schoolhub.demo_workspace import DEPARTMENT_DOC, SCHOOL_YEAR, last_school_day
from schoolhub.workspace.attendance.service import today
from tests.support.gql import GraphQLClient

SECONDARY = "QT-DH-THCS2"  # Trường THCS Trần Hưng Đạo (also taught by the shared gv.lien)
PRIMARY = "QT-DH-TH1"  # Trường Tiểu học Nguyễn Trãi

# Rows of what the workspace seed writes, and of what the province seed writes before it.
COUNTED = [
    "workspace_school_year",
    "workspace_term",
    "workspace_subject",
    "workspace_teaching_assignment",
    "workspace_timetable_entry",
    "workspace_score",
    "workspace_primary_assessment",
    "workspace_attendance_record",
    "workspace_leave_request",
    "workspace_document",
    "workspace_document_task",
    "office_document",
    "workspace_document_delivery",
    "identity_user",
    "tenants_membership",
    "workspace_student",
    "workspace_class",
]


async def _counts(database: str) -> dict[str, int | str]:
    conn = await asyncpg.connect(database)  # the owner: sees every school's rows
    try:
        out: dict[str, int | str] = {
            t: int(await conn.fetchval(f"SELECT count(*) FROM {t}")) for t in COUNTED
        }
        # audit rows of the seeded actions (outbox handlers may add other rows meanwhile)
        out["audit"] = int(
            await conn.fetchval(
                "SELECT count(*) FROM school_audit_log WHERE action LIKE ANY($1::text[])",
                ["school_year.%", "teaching.%", "attendance.%", "document.%", "grades.%"],
            )
        )
        # a re-run must not even re-record a value (an upsert keeps the count, not the time)
        out["latest_write"] = str(
            await conn.fetchval(
                "SELECT greatest((SELECT max(recorded_at) FROM workspace_score),"
                " (SELECT max(recorded_at) FROM workspace_primary_assessment),"
                " (SELECT max(coalesce(updated_at, recorded_at)) FROM workspace_attendance_record),"
                " (SELECT max(created_at) FROM workspace_timetable_entry))"
            )
        )
        return out
    finally:
        await conn.close()


async def _school(gql: GraphQLClient, token: str, code: str) -> str:
    data = await gql.ok("{ me { memberships { school { id code } } } }", token=token)
    return next(m["school"]["id"] for m in data["me"]["memberships"] if m["school"]["code"] == code)


async def _term_and_classes(
    gql: GraphQLClient, token: str, school_id: str
) -> tuple[dict[str, str], dict[str, str]]:
    data = await gql.ok(
        "query($s: ID!, $y: String!) { schoolYears(schoolId: $s) { name terms { id code } }"
        " schoolClasses(schoolId: $s, schoolYear: $y) { id name } }",
        {"s": school_id, "y": SCHOOL_YEAR},
        token,
    )
    year = next(y for y in data["schoolYears"] if y["name"] == SCHOOL_YEAR)
    return (
        {t["code"]: t["id"] for t in year["terms"]},
        {c["name"]: c["id"] for c in data["schoolClasses"]},
    )


def _tt22_average(regular: list[str], midterm: str, final: str) -> Decimal:
    total = sum(Decimal(r) for r in regular) + 2 * Decimal(midterm) + 3 * Decimal(final)
    return (total / (len(regular) + 5)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


async def _check_teacher_week(gql: GraphQLClient) -> None:
    token = await gql.token("gv1.qtdhthcs2", DEMO_PASSWORD)
    data = await gql.ok(
        "query($y: String!) { myTeachingWeek(schoolYear: $y, term: HK1) { periodsPerWeek"
        " days { weekday entries { subjectCode className period } } } }",
        {"y": SCHOOL_YEAR},
        token,
    )
    week = data["myTeachingWeek"]
    entries = [(d["weekday"], e) for d in week["days"] for e in d["entries"]]
    assert week["periodsPerWeek"] == len(entries) > 0
    # gv1 of a lower-secondary school teaches the sciences to both classes
    assert {e["subjectCode"] for _, e in entries} == {"TOAN", "KHTN", "TIN_HOC", "CONG_NGHE"}
    assert {e["className"] for _, e in entries} == {"6A", "8A"}
    slots = [(day, e["period"]) for day, e in entries]
    assert len(slots) == len(set(slots))  # never in two classes at once

    # the teacher shared by two schools: one week across both, still without a clash
    shared = await gql.token("gv.lien", DEMO_PASSWORD)
    data = await gql.ok(
        "query($y: String!) { myTeachingWeek(schoolYear: $y, term: HK1) {"
        " days { weekday entries { className period } } } }",
        {"y": SCHOOL_YEAR},
        shared,
    )
    lien = [
        (d["weekday"], e["period"]) for d in data["myTeachingWeek"]["days"] for e in d["entries"]
    ]
    assert len(lien) == 8 and len(set(lien)) == 8  # arts: 2 periods x 2 classes x 2 schools


async def _check_secondary_sheet(gql: GraphQLClient) -> None:
    token = await gql.token("hieutruong.qtdhthcs2", DEMO_PASSWORD)
    school = await _school(gql, token, SECONDARY)
    terms, classes = await _term_and_classes(gql, token, school)
    data = await gql.ok(
        "query($s: ID!, $c: ID!, $t: ID!) { gradeSheet(schoolId: $s, classId: $c, termId: $t) {"
        " subjects { id code } rows { studentCode cells { subjectId regular midterm final"
        " termAverage termRating missing } } } }",
        {"s": school, "c": classes["6A"], "t": terms["HK1"]},
        token,
    )
    sheet = data["gradeSheet"]
    subject_ids = {s["code"]: s["id"] for s in sheet["subjects"]}
    rows = sorted(sheet["rows"], key=lambda r: r["studentCode"])
    assert len(rows) == 8

    def cell(row: dict[str, Any], code: str) -> dict[str, Any]:
        return next(c for c in row["cells"] if c["subjectId"] == subject_ids[code])

    for row in rows[:6]:  # complete: TX1-4, GK, CK -> the semester average, by the TT22 formula
        for code in ("TOAN", "NGU_VAN", "NGOAI_NGU_1"):
            c = cell(row, code)
            assert c["missing"] == [] and len(c["regular"]) == 4
            assert Decimal(c["termAverage"]) == _tt22_average(
                c["regular"], c["midterm"], c["final"]
            )
        assert cell(row, "GDTC")["termRating"] in ("DAT", "CHUA_DAT")
    for row in rows[6:]:  # incomplete: no average, the missing assessments named
        c = cell(row, "TOAN")
        assert c["termAverage"] is None and "CK" in c["missing"]
    assert cell(rows[7], "TOAN")["missing"] == ["TX3", "TX4", "GK", "CK"]


async def _check_primary_sheet(gql: GraphQLClient) -> None:
    token = await gql.token("hieutruong.qtdhth1", DEMO_PASSWORD)
    school = await _school(gql, token, PRIMARY)
    _, classes = await _term_and_classes(gql, token, school)
    query = (
        "query($s: ID!, $c: ID!, $p: PrimaryPeriod!) { primaryGradeSheet(schoolId: $s,"
        " classId: $c, period: $p) { subjects { id code } rows { cells { subjectId level"
        " testScore testApplicable } } } }"
    )
    gk1 = (await gql.ok(query, {"s": school, "c": classes["4A"], "p": "GK1"}, token))[
        "primaryGradeSheet"
    ]
    codes = {s["id"]: s["code"] for s in gk1["subjects"]}
    assert {"TIENG_VIET", "TOAN", "KHOA_HOC", "LICH_SU_DIA_LI"} <= set(codes.values())
    assert len(gk1["rows"]) == 8
    for row in gk1["rows"]:
        for c in row["cells"]:
            if codes[c["subjectId"]] not in ("TU_NHIEN_XA_HOI",):  # a grade-3 subject
                assert c["level"] in ("T", "H", "C")
            # grade 4 has mid-semester tests in Tiếng Việt and Toán only
            assert (c["testScore"] is not None) == (codes[c["subjectId"]] in ("TIENG_VIET", "TOAN"))
    ck1 = (await gql.ok(query, {"s": school, "c": classes["4A"], "p": "CK1"}, token))[
        "primaryGradeSheet"
    ]
    tested = {
        "TIENG_VIET",
        "TOAN",
        "NGOAI_NGU_1",
        "TIN_HOC_CONG_NGHE",
        "LICH_SU_DIA_LI",
        "KHOA_HOC",
    }
    for row in ck1["rows"]:
        recorded = {codes[c["subjectId"]] for c in row["cells"] if c["level"] is not None}
        assert recorded == tested
        assert all(
            c["testScore"] is not None for c in row["cells"] if codes[c["subjectId"]] in tested
        )


async def _check_attendance(gql: GraphQLClient) -> None:
    token = await gql.token("gv1.qtdhth1", DEMO_PASSWORD)  # homeroom teacher of 3A
    school = await _school(gql, token, PRIMARY)
    _, classes = await _term_and_classes(gql, token, school)
    day = last_school_day(today()).isoformat()
    data = await gql.ok(
        "query($s: ID!, $c: ID!, $d: Date!) { attendanceSheet(schoolId: $s, classId: $c,"
        " date: $d) { records { studentId status } }"
        " leaveRequests(schoolId: $s, classId: $c) { studentId status fromDate } }",
        {"s": school, "c": classes["3A"], "d": day},
        token,
    )
    records = data["attendanceSheet"]["records"]
    assert len(records) == 8
    absent = {r["status"]: r["studentId"] for r in records if r["status"] != "PRESENT"}
    assert sorted(absent) == ["ABSENT_EXCUSED", "ABSENT_UNEXCUSED"]
    [leave] = data["leaveRequests"]
    assert leave == {"studentId": absent["ABSENT_EXCUSED"], "status": "APPROVED", "fromDate": day}


async def _check_documents(gql: GraphQLClient) -> None:
    head = await gql.token("hieutruong.qtdhth1", DEMO_PASSWORD)
    school = await _school(gql, head, PRIMARY)
    query = (
        "query($s: ID!) { documents(schoolId: $s) { number direction tasks { status } }"
        " myDocumentTasks(schoolId: $s) { status } }"
    )
    data = await gql.ok(query, {"s": school}, head)
    [doc] = data["documents"]
    assert doc["direction"] == "INCOMING" and doc["number"].endswith("/PGDĐT")
    assert [t["status"] for t in doc["tasks"]] == ["NEW"]
    deliveries = await gql.ok(
        "query($s: ID!) { documentDeliveries(schoolId: $s) { readAt document { number } } }",
        {"s": school},
        head,
    )
    [delivery] = deliveries["documentDeliveries"]
    assert delivery["document"]["number"] == DEPARTMENT_DOC.number and delivery["readAt"] is None
    teacher = await gql.token("gv1.qtdhth1", DEMO_PASSWORD)  # the assignee sees it too
    mine = await gql.ok(query, {"s": school}, teacher)
    assert [d["number"] for d in mine["documents"]] == [doc["number"]]
    assert [t["status"] for t in mine["myDocumentTasks"]] == ["NEW"]


async def test_demo_workspace_is_walkable_and_idempotent(gql: GraphQLClient, database: str) -> None:
    accounts = await load_demo()
    first = await _counts(database)
    assert first["workspace_school_year"] == 18 and first["workspace_term"] == 36
    assert first["office_document"] == 1 and first["workspace_document_delivery"] == 18

    await _check_teacher_week(gql)
    await _check_secondary_sheet(gql)
    await _check_primary_sheet(gql)
    await _check_attendance(gql)
    await _check_documents(gql)

    assert await load_demo() == accounts
    assert await _counts(database) == first
