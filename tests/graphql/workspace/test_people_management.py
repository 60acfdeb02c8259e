"""Principal management and student records: what changes, what is refused, what is audited."""

from __future__ import annotations

from typing import Any

from schoolhub.graphql import ids
from schoolhub.platform import db
from schoolhub.workspace import repository as ws_repo
from tests.support import factories
from tests.support.gql import GraphQLClient


async def _school_audit(school_id: Any) -> list[str]:
    async with db.tenant(school_id):
        rows = await db.fetch("SELECT action FROM school_audit_log ORDER BY id")
    return [r["action"] for r in rows]


async def test_staff_management_and_profile_are_audited(gql: GraphQLClient) -> None:
    p = await factories.province()
    w = await factories.school(p)
    school = ids.encode("School", w.school_id)
    token = await gql.token(w.logins["principal"])
    profile = await gql.ok(
        "mutation($i: UpdateSchoolProfileInput!) { updateSchoolProfile(input: $i)"
        " { schoolProfile { name address phone email } errors { code field } } }",
        {"i": {"schoolId": school, "address": "Đông Hà, Quảng Trị", "email": "bad"}},
        token,
    )
    assert profile["updateSchoolProfile"]["errors"] == [{"code": "INVALID_EMAIL", "field": "email"}]
    profile = await gql.ok(
        "mutation($i: UpdateSchoolProfileInput!) { updateSchoolProfile(input: $i)"
        " { schoolProfile { address email } errors { code } } }",
        {"i": {"schoolId": school, "address": "Đông Hà, Quảng Trị", "email": "c2@qt.edu.vn"}},
        token,
    )
    assert profile["updateSchoolProfile"]["schoolProfile"] == {
        "address": "Đông Hà, Quảng Trị",
        "email": "c2@qt.edu.vn",
    }
    create = (
        "mutation($i: CreateStaffAccountInput!) { createStaffAccount(input: $i)"
        " { user { id } membership { id role } errors { code } } }"
    )
    refused = await gql.ok(
        create,
        {
            "i": {
                "schoolId": school,
                "login": "vp.moi",
                "fullName": "Phó HT",
                "password": "Abc@123456",
                "role": "VICE_PRINCIPAL",
            }
        },
        token,
    )
    assert refused["createStaffAccount"]["errors"] == [{"code": "NOT_A_STAFF_ROLE"}]
    async with db.system():
        assert await db.fetchrow("SELECT 1 FROM identity_user WHERE login = 'vp.moi'") is None
    made = await gql.ok(
        create,
        {
            "i": {
                "schoolId": school,
                "login": "ketoan.moi",
                "fullName": "Kế toán",
                "password": "Abc@123456",
                "role": "ACCOUNTANT",
            }
        },
        token,
    )
    user_id = made["createStaffAccount"]["user"]["id"]
    old_token = await gql.token("ketoan.moi", "Abc@123456")
    # Management accounts are the department's business.
    vp = await gql.ok(
        "mutation($s: ID!, $u: ID!) { resetStaffPassword(schoolId: $s, userId: $u,"
        ' newPassword: "Zzz@123456") { ok errors { code } } }',
        {"s": school, "u": ids.encode("User", w.user_ids["vice_principal"])},
        token,
    )
    assert vp["resetStaffPassword"]["errors"] == [{"code": "FORBIDDEN"}]
    reset = await gql.ok(
        "mutation($s: ID!, $u: ID!) { resetStaffPassword(schoolId: $s, userId: $u,"
        ' newPassword: "Moi@123456") { ok errors { code } } }',
        {"s": school, "u": user_id},
        token,
    )
    assert reset["resetStaffPassword"] == {"ok": True, "errors": []}
    stale = await gql.raw("{ me { id } }", token=old_token)
    assert stale["errors"], "the old session ends with the reset"
    assert (await gql.login("ketoan.moi", "Abc@123456"))["errors"]
    assert await gql.token("ketoan.moi", "Moi@123456")
    async with db.tenant(w.school_id):
        principal_m = await db.fetchrow(
            "SELECT id FROM tenants_membership WHERE role = 'principal' LIMIT 1"
        )
    assert principal_m is not None
    deactivate = (
        "mutation($s: ID!, $m: ID!) { deactivateStaffMembership(schoolId: $s, membershipId: $m)"
        " { membership { id } errors { code } } }"
    )
    own = await gql.ok(
        deactivate, {"s": school, "m": ids.encode("Membership", principal_m["id"])}, token
    )
    assert own["deactivateStaffMembership"]["errors"] == [{"code": "NOT_FOUND"}]
    done = await gql.ok(
        deactivate, {"s": school, "m": made["createStaffAccount"]["membership"]["id"]}, token
    )
    assert done["deactivateStaffMembership"]["errors"] == []
    actions = await _school_audit(w.school_id)
    for action in (
        "school.profile_updated",
        "membership.granted",
        "staff.password_reset",
        "membership.revoked",
    ):
        assert action in actions, actions


async def test_student_records_history_and_personal_id(gql: GraphQLClient) -> None:
    p = await factories.province()
    w = await factories.school(p)
    school = ids.encode("School", w.school_id)
    async with db.tenant(w.school_id):
        next_year = await ws_repo.insert_class(w.school_id, "2027-2028", "7A", 7, None)
    vp = await gql.token(w.logins["vice_principal"])
    created = await gql.ok(
        "mutation($i: CreateStudentInput!) { createStudent(input: $i)"
        " { student { id } errors { code field } } }",
        {
            "i": {
                "schoolId": school,
                "studentCode": "QT0001",
                "fullName": "Võ Thị Hoa",
                "gender": "FEMALE",
                "classId": ids.encode("SchoolClass", w.class_id),  # type: ignore[arg-type]
                "personalId": "045314000999",
            }
        },
        vp,
    )
    student = created["createStudent"]["student"]["id"]
    duplicate = await gql.ok(
        "mutation($i: CreateStudentInput!) { createStudent(input: $i)"
        " { student { id } errors { code field } } }",
        {"i": {"schoolId": school, "studentCode": "qt0001", "fullName": "Khác"}},
        vp,
    )
    assert duplicate["createStudent"]["errors"] == [
        {"code": "STUDENT_CODE_TAKEN", "field": "studentCode"}
    ]
    bad_id = await gql.ok(
        "mutation($i: UpdateStudentInput!) { updateStudent(input: $i)"
        " { student { id } errors { code } } }",
        {"i": {"schoolId": school, "studentId": student, "personalId": "12345"}},
        vp,
    )
    assert bad_id["updateStudent"]["errors"] == [{"code": "INVALID_PERSONAL_ID"}]
    await gql.ok(
        "mutation($i: UpdateStudentInput!) { updateStudent(input: $i)"
        " { student { id } errors { code } } }",
        {
            "i": {
                "schoolId": school,
                "studentId": student,
                "classId": ids.encode("SchoolClass", next_year["id"]),
            }
        },
        vp,
    )
    query = (
        "query($id: ID!) { node(id: $id) { ... on Student { className schoolYear personalId"
        " enrolments { schoolYear className } } } }"
    )
    seen_by_vp = (await gql.ok(query, {"id": student}, vp))["node"]
    assert seen_by_vp == {
        "className": "7A",
        "schoolYear": "2027-2028",
        "personalId": "045314000999",
        "enrolments": [
            {"schoolYear": "2026-2027", "className": "6A"},
            {"schoolYear": "2027-2028", "className": "7A"},
        ],
    }
    accountant = await gql.token(w.logins["accountant"])
    seen = (await gql.ok(query, {"id": student}, accountant))["node"]
    assert seen["personalId"] is None and seen["className"] == "7A"
    assert {"student.created", "student.updated"} <= set(await _school_audit(w.school_id))
