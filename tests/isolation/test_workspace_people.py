"""Tenant isolation of the people area: every role of school B (and B's district admin) runs every
people operation against school A's students, guardians, staff and import jobs. Nothing of A
comes back and A's rows (and every user account) are unchanged."""

from __future__ import annotations

import base64

from schoolhub.graphql import ids
from schoolhub.platform import db
from schoolhub.workspace.people import jobs
from tests.support import factories
from tests.support import workspace_people as wp
from tests.support.gql import GraphQLClient

TEST = "test_school_b_gets_nothing_of_school_a"
ISOLATION_COVERS = dict.fromkeys(
    (
        "students",
        "myChildren",
        "staffDirectory",
        "schoolProfile",
        "searchPeople",
        "importJob",
        "createStudent",
        "updateStudent",
        "linkGuardian",
        "updateGuardianLink",
        "importRoster",
        "updateSchoolProfile",
        "createStaffAccount",
        "resetStaffPassword",
        "deactivateStaffMembership",
    ),
    TEST,
)
ROLES = ["principal", "vice_principal", "teacher", "accountant", "staff", "guardian", "student",
         "district_admin"]  # fmt: skip


def _refused(data: dict, key: str, payload: str) -> None:  # type: ignore[type-arg]
    result = data[key]
    assert result[payload] in (None, False), result
    assert result["errors"][0]["code"] in {"NOT_FOUND", "FORBIDDEN"}, result


async def test_school_b_gets_nothing_of_school_a(gql: GraphQLClient, database: str) -> None:
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    principal_a = wp.manager(a.school_id, a.user_ids["principal"])
    job = await jobs.start_import(
        principal_a,
        a.school_id,
        content=wp.csv_bytes([wp.HEADER[1:], wp.roster_row(1)[1:]]),
        filename="a.csv",
        dry_run=False,
    )
    async with db.tenant(a.school_id):
        link = await db.fetchrow("SELECT id FROM workspace_guardian_link LIMIT 1")
        staff_m = await db.fetchrow(
            "SELECT id FROM tenants_membership WHERE role = 'teacher' LIMIT 1"
        )
    assert link is not None and staff_m is not None
    school = ids.encode("School", a.school_id)
    student = ids.encode("Student", a.student_ids[0])
    csv = base64.b64encode(wp.csv_bytes([wp.HEADER[1:], wp.roster_row(9)[1:]])).decode()
    before = await wp.snapshot(database, a.school_id)
    for role in ROLES:
        token = await gql.token(b.logins[role])
        for query, key in (
            ("query($s: ID!) { students(schoolId: $s) { edges { node { id } } } }", "students"),
            ("query($s: ID!) { staffDirectory(schoolId: $s) { fullName } }", "staffDirectory"),
            ("query($s: ID!) { schoolProfile(schoolId: $s) { name } }", "schoolProfile"),
            (
                'query($s: ID!) { searchPeople(schoolId: $s, query: "hoc sinh") { id } }',
                "searchPeople",
            ),
        ):
            body = await gql.raw(query, {"s": school}, token)
            assert body.get("data") is None, (role, key, body)
            assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", (role, key)
        children = await gql.ok("{ myChildren { id } }", token=token)
        assert student not in {c["id"] for c in children["myChildren"]}
        found = await gql.ok(
            "query($j: ID!, $s: ID!, $l: ID!) { importJob(id: $j) { id } node(id: $s) { id }"
            " link: node(id: $l) { id } }",
            {
                "j": ids.encode("ImportJob", job["id"]),
                "s": student,
                "l": ids.encode("GuardianLink", link["id"]),
            },
            token,
        )
        assert found == {"importJob": None, "node": None, "link": None}, role
        for mutation, variables, key, payload in (
            (
                "mutation($i: CreateStudentInput!) { createStudent(input: $i)"
                " { student { id } errors { code } } }",
                {"i": {"schoolId": school, "studentCode": "EVIL1", "fullName": "X"}},
                "createStudent",
                "student",
            ),
            (
                "mutation($i: UpdateStudentInput!) { updateStudent(input: $i)"
                " { student { id } errors { code } } }",
                {"i": {"schoolId": school, "studentId": student, "fullName": "X"}},
                "updateStudent",
                "student",
            ),
            (
                "mutation($i: LinkGuardianInput!) { linkGuardian(input: $i)"
                " { guardianLink { id } errors { code } } }",
                {
                    "i": {
                        "schoolId": school,
                        "studentId": student,
                        "phone": "0987000111",
                        "fullName": "X",
                        "relationship": "OTHER",
                    }
                },
                "linkGuardian",
                "guardianLink",
            ),
            (
                "mutation($i: UpdateGuardianLinkInput!) { updateGuardianLink(input: $i)"
                " { guardianLink { id } errors { code } } }",
                {
                    "i": {
                        "schoolId": school,
                        "guardianLinkId": ids.encode("GuardianLink", link["id"]),
                        "contactNote": "x",
                    }
                },
                "updateGuardianLink",
                "guardianLink",
            ),
            (
                'mutation($s: ID!, $c: String!) { importRoster(schoolId: $s, filename: "x.csv",'
                " contentBase64: $c) { importJob { id } errors { code } } }",
                {"s": school, "c": csv},
                "importRoster",
                "importJob",
            ),
            (
                "mutation($i: UpdateSchoolProfileInput!) { updateSchoolProfile(input: $i)"
                " { schoolProfile { name } errors { code } } }",
                {"i": {"schoolId": school, "name": "Hacked"}},
                "updateSchoolProfile",
                "schoolProfile",
            ),
            (
                "mutation($i: CreateStaffAccountInput!) { createStaffAccount(input: $i)"
                " { membership { id } errors { code } } }",
                {
                    "i": {
                        "schoolId": school,
                        "login": f"evil{factories.n()}",
                        "fullName": "X",
                        "password": "Evil@12345",
                        "role": "TEACHER",
                    }
                },
                "createStaffAccount",
                "membership",
            ),
            (
                "mutation($s: ID!, $u: ID!) { resetStaffPassword(schoolId: $s, userId: $u,"
                ' newPassword: "Evil@12345") { ok errors { code } } }',
                {"s": school, "u": ids.encode("User", a.user_ids["teacher"])},
                "resetStaffPassword",
                "ok",
            ),
            (
                "mutation($s: ID!, $m: ID!) { deactivateStaffMembership(schoolId: $s,"
                " membershipId: $m) { membership { id } errors { code } } }",
                {"s": school, "m": ids.encode("Membership", staff_m["id"])},
                "deactivateStaffMembership",
                "membership",
            ),
        ):
            data = await gql.ok(mutation, variables, token)
            try:
                _refused(data, key, payload)
            except AssertionError as exc:
                raise AssertionError(f"{role} -> {key}: {exc}") from exc
        # The attacker's own school id with the victim's objects: still nothing.
        own = ids.encode("School", b.school_id)
        data = await gql.ok(
            "mutation($i: UpdateStudentInput!) { updateStudent(input: $i)"
            " { student { id } errors { code } } }",
            {"i": {"schoolId": own, "studentId": student, "fullName": "X"}},
            token,
        )
        _refused(data, "updateStudent", "student")
    assert await wp.snapshot(database, a.school_id) == before
