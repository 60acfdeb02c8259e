"""Authorization matrix of official documents, tasks and office deliveries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from schoolhub.graphql import ids
from schoolhub.platform import db
from schoolhub.workspace.attendance.service import today
from tests.support import factories
from tests.support import workspace_attendance as wa
from tests.support.gql import GraphQLClient

DOC = {"number": "15/KH-THCS", "issuedOn": "2026-11-02", "sender": "UBND xã", "subject": "Kế hoạch"}
CREATE = (
    "mutation($s: ID!, $i: OfficialDocumentInput!) { createDocument(schoolId: $s,"
    " direction: INCOMING, input: $i) { document { id number } errors { code } } }"
)
LIST = "query($s: ID!) { documents(schoolId: $s) { id tasks { status assigneeId } } }"
ASSIGN = (
    "mutation($s: ID!, $d: ID!, $u: ID!, $due: Date) { assignDocumentTask(schoolId: $s,"
    " documentId: $d, assigneeId: $u, dueOn: $due) { task { id status } errors { code } } }"
)
UPDATE = (
    "mutation($s: ID!, $t: ID!) { updateDocumentTask(schoolId: $s, taskId: $t, status: DONE)"
    " { task { status } errors { code } } }"
)
MINE = "query($s: ID!) { myDocumentTasks(schoolId: $s) { id status } }"
SEND = (
    "mutation($o: ID!, $ss: [ID!]!, $i: OfficialDocumentInput!) { sendOfficeDocument(orgUnitId: $o,"
    " schoolIds: $ss, input: $i) { document { id sender } errors { code } } }"
)
INBOX = "query($s: ID!) { documentDeliveries(schoolId: $s) { id readAt document { number } } }"
RECEIVE = (
    "mutation($s: ID!, $v: ID!, $a: Boolean!) { receiveDocumentDelivery(schoolId: $s,"
    " deliveryId: $v, answered: $a) { delivery { readAt answeredAt registeredDocument { id } }"
    " errors { code } } }"
)
SENT = (
    "query($o: ID!) { officeDocuments(orgUnitId: $o) { number tasks { id }"
    " deliveries { schoolId schoolName readAt answeredAt } } }"
)
DENIED = {"UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND"}


def _denied(body: dict[str, Any], field: str, key: str | None = None) -> None:
    data = (body.get("data") or {}).get(field)
    if key is None or data is None:
        assert data is None, body
        assert {e["extensions"]["code"] for e in body["errors"]} <= DENIED, body
    else:
        assert data[key] is None and data["errors"][0]["code"] in DENIED, body


async def _count(school: Any, table: str) -> int:
    return await wa.count_rows(school, table)


async def test_document_book_and_tasks_matrix(gql: GraphQLClient) -> None:
    w = await wa.attendance_world()
    s = w.school_gid
    outsiders = ["anonymous", "other_school_principal", "other_school_guardian", "district_admin"]
    family = ["guardian", "restricted", "other_guardian", "student"]
    for actor in [*outsiders, *family, "teacher", "accountant"]:
        _denied(
            await gql.raw(CREATE, {"s": s, "i": DOC}, await w.token(gql, actor)),
            "createDocument",
            "document",
        )
    assert await _count(w.a.school_id, "workspace_document") == 0
    doc = await gql.ok(CREATE, {"s": s, "i": DOC}, await w.token(gql, "principal"))
    doc_id = doc["createDocument"]["document"]["id"]

    for actor in [*outsiders, *family]:
        _denied(await gql.raw(LIST, {"s": s}, await w.token(gql, actor)), "documents")
    assert (await gql.ok(LIST, {"s": s}, await w.token(gql, "teacher")))["documents"] == []

    teacher_gid = ids.encode("User", w.a.user_ids["teacher"])
    past = (today() - timedelta(days=1)).isoformat()
    assign = {"s": s, "d": doc_id, "u": teacher_gid, "due": past}
    for actor in [*outsiders, *family, "teacher", "accountant"]:
        _denied(
            await gql.raw(ASSIGN, assign, await w.token(gql, actor)), "assignDocumentTask", "task"
        )
    assert await _count(w.a.school_id, "workspace_document_task") == 0
    guardian_gid = ids.encode("User", w.a.user_ids["guardian"])
    bad = await gql.ok(ASSIGN, {**assign, "u": guardian_gid}, await w.token(gql, "principal"))
    assert bad["assignDocumentTask"]["errors"] == [{"code": "DOCUMENT_ASSIGNEE_NOT_STAFF"}]
    task = (await gql.ok(ASSIGN, assign, await w.token(gql, "vice_principal")))[
        "assignDocumentTask"
    ]
    assert task["task"]["status"] == "OVERDUE"  # computed from the past due date
    assert len(await wa.outbox_events(w.a.school_id, "documents.task_assigned")) == 1

    teacher_view = await gql.ok(LIST, {"s": s}, await w.token(gql, "teacher"))
    assert teacher_view["documents"] == [
        {"id": doc_id, "tasks": [{"status": "OVERDUE", "assigneeId": teacher_gid}]}
    ]
    node = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    node_ids = {"ids": [doc_id, task["task"]["id"]]}
    for actor in [*outsiders, *family, "accountant"]:
        body = await gql.raw(node, node_ids, await w.token(gql, actor))
        assert (body.get("data") or {}).get("nodes") in (None, [None, None]), (actor, body)
    for actor in ("teacher", "staff"):
        data = await gql.ok(node, node_ids, await w.token(gql, actor))
        assert data["nodes"] == [{"id": i} for i in node_ids["ids"]]
    for actor in [*outsiders, *family, "accountant", "staff"]:
        _denied(
            await gql.raw(UPDATE, {"s": s, "t": task["task"]["id"]}, await w.token(gql, actor)),
            "updateDocumentTask",
            "task",
        )
    for actor in ["anonymous", "other_school_principal", "district_admin"]:
        _denied(await gql.raw(MINE, {"s": s}, await w.token(gql, actor)), "myDocumentTasks")
    assert (await gql.ok(MINE, {"s": s}, await w.token(gql, "guardian")))["myDocumentTasks"] == []
    done = await gql.ok(UPDATE, {"s": s, "t": task["task"]["id"]}, await w.token(gql, "teacher"))
    assert done["updateDocumentTask"] == {"task": {"status": "DONE"}, "errors": []}


async def test_office_sends_to_its_subtree_and_sees_only_receipts(gql: GraphQLClient) -> None:
    p = await factories.province()
    d1, d2 = await factories.district(p), await factories.district(p)
    a = await factories.school(p, d1, tag="A")
    b = await factories.school(p, d2, tag="B")
    district = await gql.token(a.logins["district_admin"])
    d1_gid = ids.encode("OrgUnit", d1)
    a_gid, b_gid = ids.encode("School", a.school_id), ids.encode("School", b.school_id)

    refused = await gql.ok(SEND, {"o": d1_gid, "ss": [a_gid, b_gid], "i": DOC}, district)
    assert refused["sendOfficeDocument"] == {
        "document": None,
        "errors": [{"code": "DOCUMENT_RECIPIENT_OUTSIDE_SUBTREE"}],
    }
    async with db.system():
        assert await db.fetch("SELECT id FROM office_document") == []
    for token in (
        await gql.token(b.logins["district_admin"]),  # another district
        await gql.token(a.logins["principal"]),  # a school
        None,
    ):
        _denied(
            await gql.raw(SEND, {"o": d1_gid, "ss": [a_gid], "i": DOC}, token),
            "sendOfficeDocument",
            "document",
        )
    sent = await gql.ok(SEND, {"o": d1_gid, "ss": [a_gid], "i": DOC}, district)
    assert sent["sendOfficeDocument"]["errors"] == []
    dept = await gql.ok(
        SEND,
        {"o": ids.encode("OrgUnit", p.department_id), "ss": [a_gid, b_gid], "i": DOC},
        await gql.token(p.admin_login),
    )
    assert dept["sendOfficeDocument"]["errors"] == []

    a_staff, b_staff = await gql.token(a.logins["staff"]), await gql.token(b.logins["staff"])
    inbox = (await gql.ok(INBOX, {"s": a_gid}, a_staff))["documentDeliveries"]
    assert len(inbox) == 2 and all(d["readAt"] is None for d in inbox)
    assert len((await gql.ok(INBOX, {"s": b_gid}, b_staff))["documentDeliveries"]) == 1
    for token in (await gql.token(a.logins["guardian"]), b_staff, None):
        _denied(await gql.raw(INBOX, {"s": a_gid}, token), "documentDeliveries")
    # a's delivery of the district's document is the older one
    delivery = inbox[-1]["id"]
    for token, school in (
        (b_staff, b_gid),
        (b_staff, a_gid),
        (await gql.token(a.logins["teacher"]), a_gid),
    ):
        _denied(
            await gql.raw(RECEIVE, {"s": school, "v": delivery, "a": False}, token),
            "receiveDocumentDelivery",
            "delivery",
        )
    opened = await gql.ok(RECEIVE, {"s": a_gid, "v": delivery, "a": False}, a_staff)
    local = opened["receiveDocumentDelivery"]["delivery"]
    assert local["readAt"] and local["answeredAt"] is None and local["registeredDocument"]
    # The school assigns it internally; the office never sees that.
    await gql.ok(
        ASSIGN,
        {
            "s": a_gid,
            "d": local["registeredDocument"]["id"],
            "u": ids.encode("User", a.user_ids["teacher"]),
            "due": None,
        },
        await gql.token(a.logins["principal"]),
    )
    await gql.ok(RECEIVE, {"s": a_gid, "v": delivery, "a": True}, a_staff)

    seen = (await gql.ok(SENT, {"o": d1_gid}, district))["officeDocuments"]
    assert len(seen) == 1 and seen[0]["tasks"] is None
    [receipt] = seen[0]["deliveries"]
    assert receipt["schoolId"] == a_gid and receipt["readAt"] and receipt["answeredAt"]
    for token in (await gql.token(b.logins["district_admin"]), a_staff, None):
        _denied(await gql.raw(SENT, {"o": d1_gid}, token), "officeDocuments")
