"""Authorization matrix of the people operations: anonymous, another school, a guardian of another
child, a custody-restricted guardian, a teacher not of the class, and the allowed roles. Denied
callers get no data, and the school's rows are unchanged."""

from __future__ import annotations

import base64
from typing import Any

from schoolhub.graphql import ids
from tests.support import workspace_people as wp
from tests.support.gql import GraphQLClient

STUDENTS = (
    "query($s: ID!) { students(schoolId: $s, first: 100) { edges { node { id studentCode"
    " personalId guardians { fullName phone } } } } }"
)
DENIED_MUTATION = {"anonymous", "other_school", "guardian", "guardian_other",
                   "guardian_restricted", "teacher", "teacher_other", "accountant"}  # fmt: skip


def _student_ids(body: dict[str, Any]) -> set[str]:
    data = (body.get("data") or {}).get("students") or {"edges": []}
    return {e["node"]["id"] for e in data["edges"]}


async def test_students_and_node_matrix(gql: GraphQLClient) -> None:
    w = await wp.people_world(gql)
    s0, s1 = w.student(0), w.student(1)
    other = ids.encode("Student", w.other_child_id)
    expected = {
        "anonymous": set(),
        "other_school": set(),
        "guardian": {s0, s1},
        "guardian_other": {other},
        "guardian_restricted": set(),
        "teacher": {s0, s1},
        "teacher_other": {other},
        "principal": {s0, s1, other},
        "accountant": {s0, s1, other},
    }
    for actor, want in expected.items():
        body = await gql.raw(STUDENTS, {"s": w.school}, w.tokens[actor])
        if actor in ("anonymous", "other_school"):
            wp.no_data(body, "students")
            assert body.get("data") is None
        assert _student_ids(body) == want, actor
        for sid in (s0, s1, other):
            node = await gql.raw(
                "query($id: ID!) { node(id: $id) { id } }", {"id": sid}, w.tokens[actor]
            )
            seen = (node.get("data") or {}).get("node")
            assert (seen is not None) == (sid in want), (actor, sid)
    # Personal ids and guardian phones: management only / staff only.
    principal = await gql.ok(STUDENTS, {"s": w.school}, w.tokens["principal"])
    guardian = await gql.ok(STUDENTS, {"s": w.school}, w.tokens["guardian"])
    assert all(
        g["phone"] is None for e in guardian["students"]["edges"] for g in e["node"]["guardians"]
    )
    names = {g["fullName"] for e in guardian["students"]["edges"] for g in e["node"]["guardians"]}
    assert names == {"Người guardian"}  # a guardian sees only their own link
    assert any(
        g["fullName"] == "Người guardian_restricted"
        for e in principal["students"]["edges"]
        for g in e["node"]["guardians"]
    )


async def test_my_children_matrix(gql: GraphQLClient) -> None:
    w = await wp.people_world(gql)
    query = "{ myChildren { id fullName school { code } } }"
    assert (await gql.raw(query))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    expected = {
        "guardian": {w.student(0), w.student(1)},
        "guardian_other": {ids.encode("Student", w.other_child_id)},
        "guardian_restricted": set(),
        "other_school": set(),
        "teacher_other": set(),
        "principal": set(),
    }
    for actor, want in expected.items():
        data = await gql.ok(query, token=w.tokens[actor])
        assert {c["id"] for c in data["myChildren"]} == want, actor


async def test_my_children_merges_every_school(gql: GraphQLClient) -> None:
    """A parent with children in two schools: one scoped read per school, merged."""
    from schoolhub.platform import db
    from schoolhub.workspace import repository as ws_repo

    w = await wp.people_world(gql)
    guardian = w.a.user_ids["guardian"]
    async with db.tenant(w.b.school_id):
        await db.execute(
            "INSERT INTO tenants_membership (school_id, user_id, role) VALUES ($1, $2, 'guardian')",
            w.b.school_id,
            guardian,
        )
        await ws_repo.insert_guardian_link(
            w.b.school_id, w.b.student_ids[0], guardian, "mother", True
        )
    token = await gql.token(w.a.logins["guardian"])
    data = await gql.ok("{ myChildren { id school { code } } }", token=token)
    assert sorted(c["school"]["code"] for c in data["myChildren"]) == sorted(
        [w.a.code, w.a.code, w.b.code]
    )


async def test_staff_directory_and_profile_matrix(gql: GraphQLClient) -> None:
    w = await wp.people_world(gql)
    directory = (
        "query($s: ID!) { staffDirectory(schoolId: $s) { fullName roles phone } "
        "schoolProfile(schoolId: $s) { name phone } }"
    )
    for actor in ("anonymous", "other_school"):
        body = await gql.raw(directory, {"s": w.school}, w.tokens[actor])
        wp.no_data(body, "staffDirectory")
        assert body.get("data") is None
    staff_view = await gql.ok(directory, {"s": w.school}, w.tokens["teacher_other"])
    roles = {r for m in staff_view["staffDirectory"] for r in m["roles"]}
    assert roles == {"PRINCIPAL", "VICE_PRINCIPAL", "TEACHER", "ACCOUNTANT", "STAFF"}
    guardian_view = await gql.ok(directory, {"s": w.school}, w.tokens["guardian_restricted"])
    assert len(guardian_view["staffDirectory"]) == len(staff_view["staffDirectory"])
    assert all(m["phone"] is None for m in guardian_view["staffDirectory"])


async def test_search_matrix(gql: GraphQLClient) -> None:
    w = await wp.people_world(gql)
    query = (
        "query($s: ID!, $q: String!) { searchPeople(schoolId: $s, query: $q) { kind id fullName } }"
    )
    hits = {}
    for actor in ("anonymous", "other_school", "guardian", "guardian_restricted"):
        body = await gql.raw(query, {"s": w.school, "q": "hoc sinh"}, w.tokens[actor])
        wp.no_data(body, "searchPeople")
        assert body.get("data") is None
    for actor in ("teacher_other", "principal"):
        data = await gql.ok(query, {"s": w.school, "q": "hoc sinh"}, w.tokens[actor])
        hits[actor] = {h["id"] for h in data["searchPeople"]}
    assert hits["principal"] == {w.student(0), w.student(1)}
    assert hits["teacher_other"] == set()  # not the homeroom teacher of 6A


async def _mutation_matrix(
    gql: GraphQLClient,
    database: str,
    w: wp.PeopleWorld,
    mutation: str,
    variables: dict[str, Any],
    key: str,
    payload_key: str,
    allowed: str = "principal",
    denied: set[str] = DENIED_MUTATION,
) -> dict[str, Any]:
    before = await wp.snapshot(database, w.a.school_id)
    for actor in sorted(denied):
        body = await gql.raw(mutation, variables, w.tokens[actor])
        if actor == "anonymous":
            assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            continue
        result = body["data"][key]
        assert result[payload_key] in (None, False), (actor, result)
        assert result["errors"][0]["code"] in {"FORBIDDEN", "NOT_FOUND"}, (actor, result)
    assert await wp.snapshot(database, w.a.school_id) == before
    ok = (await gql.ok(mutation, variables, w.tokens[allowed]))[key]
    assert ok["errors"] == [], ok
    assert await wp.snapshot(database, w.a.school_id) != before
    return ok


async def test_create_and_update_student_matrix(gql: GraphQLClient, database: str) -> None:
    w = await wp.people_world(gql)
    created = await _mutation_matrix(
        gql,
        database,
        w,
        "mutation($i: CreateStudentInput!) { createStudent(input: $i)"
        " { student { id studentCode className personalId } errors { code } } }",
        {
            "i": {
                "schoolId": w.school,
                "studentCode": "hs777",
                "fullName": "Lê Thị Mới",
                "gender": "FEMALE",
                "dateOfBirth": "2014-05-06",
                "classId": ids.encode("SchoolClass", w.a.class_id),  # type: ignore[arg-type]
                "personalId": "045314000123",
            }
        },
        "createStudent",
        "student",
    )
    assert created["student"]["studentCode"] == "HS777"
    assert created["student"]["personalId"] == "045314000123"
    await _mutation_matrix(
        gql,
        database,
        w,
        "mutation($i: UpdateStudentInput!) { updateStudent(input: $i)"
        " { student { className enrolments { schoolYear className } } errors { code } } }",
        {
            "i": {
                "schoolId": w.school,
                "studentId": w.student(0),
                "classId": ids.encode("SchoolClass", w.class_b_id),
            }
        },
        "updateStudent",
        "student",
        allowed="vice_principal",
    )


async def test_guardian_link_matrix(gql: GraphQLClient, database: str) -> None:
    w = await wp.people_world(gql)
    linked = await _mutation_matrix(
        gql,
        database,
        w,
        "mutation($i: LinkGuardianInput!) { linkGuardian(input: $i)"
        " { guardianLink { id fullName phone isPrimary } errors { code } } }",
        {
            "i": {
                "schoolId": w.school,
                "studentId": w.student(1),
                "phone": "0912 345 678",
                "fullName": "Hồ Văn Bố",
                "relationship": "FATHER",
                "isPrimary": True,
            }
        },
        "linkGuardian",
        "guardianLink",
    )
    link_id = linked["guardianLink"]["id"]
    assert linked["guardianLink"]["phone"] == "+84912345678"
    contact = (
        "mutation($i: UpdateGuardianLinkInput!) { updateGuardianLink(input: $i)"
        " { guardianLink { contactEmail custodyRestricted } errors { code } } }"
    )
    # The homeroom teacher of 6A may record contact details; the teacher of 6B may not.
    await _mutation_matrix(
        gql,
        database,
        w,
        contact,
        {"i": {"schoolId": w.school, "guardianLinkId": link_id, "contactEmail": "bo@example.vn"}},
        "updateGuardianLink",
        "guardianLink",
        allowed="teacher",
        denied=DENIED_MUTATION - {"teacher"},
    )
    # Custody is management's call, even for the homeroom teacher.
    body = await gql.ok(
        contact,
        {"i": {"schoolId": w.school, "guardianLinkId": link_id, "custodyRestricted": True}},
        w.tokens["teacher"],
    )
    assert body["updateGuardianLink"]["errors"][0]["code"] == "FORBIDDEN"
    restricted = await gql.ok(
        contact,
        {"i": {"schoolId": w.school, "guardianLinkId": link_id, "custodyRestricted": True}},
        w.tokens["principal"],
    )
    assert restricted["updateGuardianLink"]["guardianLink"]["custodyRestricted"] is True


async def test_import_roster_and_job_matrix(gql: GraphQLClient, database: str) -> None:
    w = await wp.people_world(gql)
    content = wp.csv_bytes([wp.HEADER[1:], wp.roster_row(1)[1:]])
    ok = await _mutation_matrix(
        gql,
        database,
        w,
        'mutation($s: ID!, $c: String!) { importRoster(schoolId: $s, filename: "r.csv",'
        " contentBase64: $c) { importJob { id status createdCount } errors { code } } }",
        {"s": w.school, "c": base64.b64encode(content).decode()},
        "importRoster",
        "importJob",
    )
    assert ok["importJob"]["status"] == "SUCCEEDED" and ok["importJob"]["createdCount"] == 1
    job = ok["importJob"]["id"]
    query = "query($id: ID!) { importJob(id: $id) { id createdCount } }"
    for actor, token in w.tokens.items():
        body = await gql.raw(query, {"id": job}, token)
        if actor in ("principal", "vice_principal"):
            assert body["data"]["importJob"] == {"id": job, "createdCount": 1}
        else:
            assert (body.get("data") or {}).get("importJob") is None, actor


async def test_school_profile_and_staff_management_matrix(
    gql: GraphQLClient, database: str
) -> None:
    w = await wp.people_world(gql)
    denied = DENIED_MUTATION | {"vice_principal"}
    await _mutation_matrix(
        gql,
        database,
        w,
        "mutation($i: UpdateSchoolProfileInput!) { updateSchoolProfile(input: $i)"
        " { schoolProfile { name phone email } errors { code } } }",
        {"i": {"schoolId": w.school, "phone": "0233 3852 123", "email": "c2@quangtri.edu.vn"}},
        "updateSchoolProfile",
        "schoolProfile",
        denied=denied,
    )
    created = await _mutation_matrix(
        gql,
        database,
        w,
        "mutation($i: CreateStaffAccountInput!) { createStaffAccount(input: $i)"
        " { user { id login } membership { id role } errors { code } } }",
        {
            "i": {
                "schoolId": w.school,
                "login": "gv.moi",
                "fullName": "Giáo viên Mới",
                "password": "Matkhau@2026",
                "role": "TEACHER",
            }
        },
        "createStaffAccount",
        "membership",
        denied=denied,
    )
    user_id, membership_id = created["user"]["id"], created["membership"]["id"]
    await _mutation_matrix(
        gql,
        database,
        w,
        "mutation($s: ID!, $u: ID!) { resetStaffPassword(schoolId: $s, userId: $u,"
        ' newPassword: "Moi@123456") { ok errors { code } } }',
        {"s": w.school, "u": user_id},
        "resetStaffPassword",
        "ok",
        denied=denied,
    )
    assert await gql.token("gv.moi", "Moi@123456")
    await _mutation_matrix(
        gql,
        database,
        w,
        "mutation($s: ID!, $m: ID!) { deactivateStaffMembership(schoolId: $s, membershipId: $m)"
        " { membership { id } errors { code } } }",
        {"s": w.school, "m": membership_id},
        "deactivateStaffMembership",
        "membership",
        denied=denied,
    )


async def test_guardian_link_node_matrix(gql: GraphQLClient) -> None:
    from schoolhub.platform import db

    w = await wp.people_world(gql)
    async with db.tenant(w.a.school_id):
        rows = await db.fetch(
            "SELECT id, guardian_user_id FROM workspace_guardian_link WHERE student_id = $1",
            w.a.student_ids[0],
        )
    by_guardian = {r["guardian_user_id"]: ids.encode("GuardianLink", r["id"]) for r in rows}
    own = by_guardian[w.a.user_ids["guardian"]]
    restricted = by_guardian[w.user_ids["guardian_restricted"]]
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    expected = {
        "other_school": [None, None],
        "guardian_other": [None, None],
        "guardian_restricted": [None, None],  # not even their own link to that child
        "teacher_other": [None, None],
        "guardian": [{"id": own}, None],
        "teacher": [{"id": own}, {"id": restricted}],
        "principal": [{"id": own}, {"id": restricted}],
    }
    for actor, want in expected.items():
        data = await gql.ok(query, {"ids": [own, restricted]}, w.tokens[actor])
        assert data["nodes"] == want, actor
