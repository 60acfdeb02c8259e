"""Tenant isolation of documents, tasks, deliveries and file links (RELIABILITY.md §3.4 items 1, 3
and 4): school B's members and B's district admin act on school A's objects and A's office."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from schoolhub.graphql import ids
from schoolhub.platform import storage
from schoolhub.platform.principal import OfficeGrant, Principal, Role
from schoolhub.workspace.attendance.service import today
from schoolhub.workspace.documents import office
from schoolhub.workspace.documents import service as documents
from tests.support import factories
from tests.support.gql import GraphQLClient

ISOLATION_COVERS = dict.fromkeys(
    (
        "createDocument",
        "documents",
        "assignDocumentTask",
        "updateDocumentTask",
        "myDocumentTasks",
        "sendOfficeDocument",
        "documentDeliveries",
        "receiveDocumentDelivery",
        "officeDocuments",
    ),
    "test_other_school_gets_no_documents",
)
ROLES = ["principal", "staff", "teacher", "guardian", "district_admin"]
PDF = b"%PDF-1.4\n" + b"a" * 64
TABLES = (
    "workspace_document",
    "workspace_document_task",
    "workspace_document_delivery",
    "platform_outbox",
    "school_audit_log",
)


async def _snapshot(database: str, school_id: Any) -> str:
    conn = await asyncpg.connect(database)
    try:
        parts = [
            json.dumps(
                [
                    dict(r)
                    for r in await conn.fetch(
                        f"SELECT * FROM {t} WHERE school_id = $1 ORDER BY id", school_id
                    )
                ],
                default=str,
                sort_keys=True,
            )
            for t in TABLES
        ]
        parts.append(str(await conn.fetchval("SELECT count(*) FROM office_document")))
    finally:
        await conn.close()
    return "\n".join(parts)


def _nothing(body: dict[str, Any], field: str, key: str | None = None) -> None:
    data = (body.get("data") or {}).get(field)
    if data is None:
        assert body.get("errors"), body
    elif key is None:
        assert data == [], body  # only the caller's own (empty) task list may come back
    else:
        assert data[key] is None and data["errors"], body


def _p(world: factories.SchoolWorld, role: str) -> Principal:
    return Principal(
        user_id=world.user_ids[role], school_roles={world.school_id: frozenset({Role(role)})}
    )


async def test_other_school_gets_no_documents(gql: GraphQLClient, database: str, app: Any) -> None:
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    stored = await documents.upload_school_file(_p(a, "staff"), a.school_id, "a.pdf", PDF)
    doc = await documents.create_document(
        _p(a, "principal"),
        a.school_id,
        "incoming",
        documents.DocumentInput(
            "1/A", today(), "Sở", "Bí mật của A", None, [documents.Attachment(stored.key, "a.pdf")]
        ),
    )
    task = await documents.assign_task(
        _p(a, "principal"), a.school_id, doc["id"], a.user_ids["teacher"]
    )
    district = Principal(
        user_id=a.user_ids["district_admin"],
        office_grants=(OfficeGrant(a.district_id, "district", Role.DISTRICT_ADMIN),),
    )
    sent = await office.send_office_document(
        district,
        a.district_id,
        documents.DocumentInput("2/PGD", today(), "", "Gửi A", None, []),
        [a.school_id],
    )
    [delivery] = await office.inbox(_p(a, "staff"), a.school_id, 10)
    link = storage.get_storage().signed_url(stored.key, 300, a.school_id)
    before = await _snapshot(database, a.school_id)

    a_gid, b_gid = ids.encode("School", a.school_id), ids.encode("School", b.school_id)
    doc_gid = ids.encode("OfficialDocument", doc["id"])
    task_gid = ids.encode("DocumentTask", task["id"])
    delivery_gid = ids.encode("DocumentDelivery", delivery["id"])
    dA = ids.encode("OrgUnit", a.district_id)
    user_gid = ids.encode("User", b.user_ids["teacher"])
    doc_input = {"number": "X", "issuedOn": "2026-11-02", "sender": "X", "subject": "X"}
    for role in ROLES:
        token = await gql.token(b.logins[role])
        for school in (a_gid, b_gid):
            _nothing(
                await gql.raw(
                    "mutation($s: ID!, $i: OfficialDocumentInput!) { createDocument(schoolId: $s,"
                    " direction: OUTGOING, input: $i) { document { id } errors { code } } }",
                    {
                        "s": school,
                        "i": {
                            **doc_input,
                            "attachments": [{"key": stored.key, "filename": "a.pdf"}],
                        },
                    },
                    token,
                ),
                "createDocument",
                "document",
            )
            body = await gql.raw(
                "query($s: ID!) { documents(schoolId: $s) { id subject } }", {"s": school}, token
            )
            assert "Bí mật của A" not in json.dumps(body, ensure_ascii=False)
            if school == a_gid:
                _nothing(body, "documents")
            _nothing(
                await gql.raw(
                    "mutation($s: ID!, $d: ID!, $u: ID!) { assignDocumentTask(schoolId: $s,"
                    " documentId: $d, assigneeId: $u) { task { id } errors { code } } }",
                    {"s": school, "d": doc_gid, "u": user_gid},
                    token,
                ),
                "assignDocumentTask",
                "task",
            )
            _nothing(
                await gql.raw(
                    "mutation($s: ID!, $t: ID!) { updateDocumentTask(schoolId: $s, taskId: $t,"
                    " status: DONE) { task { id } errors { code } } }",
                    {"s": school, "t": task_gid},
                    token,
                ),
                "updateDocumentTask",
                "task",
            )
            _nothing(
                await gql.raw(
                    "query($s: ID!) { myDocumentTasks(schoolId: $s) { id } }", {"s": school}, token
                ),
                "myDocumentTasks",
            )
            body = await gql.raw(
                "query($s: ID!) { documentDeliveries(schoolId: $s) { id } }", {"s": school}, token
            )
            assert delivery_gid not in json.dumps(body)
            _nothing(
                await gql.raw(
                    "mutation($s: ID!, $v: ID!) { receiveDocumentDelivery(schoolId: $s,"
                    " deliveryId: $v) { delivery { id } errors { code } } }",
                    {"s": school, "v": delivery_gid},
                    token,
                ),
                "receiveDocumentDelivery",
                "delivery",
            )
        _nothing(
            await gql.raw(
                "mutation($o: ID!, $ss: [ID!]!, $i: OfficialDocumentInput!) { sendOfficeDocument("
                "orgUnitId: $o, schoolIds: $ss, input: $i) { document { id } errors { code } } }",
                {"o": dA, "ss": [a_gid], "i": doc_input},
                token,
            ),
            "sendOfficeDocument",
            "document",
        )
        _nothing(
            await gql.raw(
                "query($o: ID!) { officeDocuments(orgUnitId: $o) { id deliveries { readAt } } }",
                {"o": dA},
                token,
            ),
            "officeDocuments",
        )
        for gid in (doc_gid, task_gid, delivery_gid, ids.encode("OfficialDocument", sent["id"])):
            node = await gql.raw("query($id: ID!) { node(id: $id) { id } }", {"id": gid}, token)
            assert (node.get("data") or {}).get("node") is None
        got = await app.get(link, headers={"Authorization": f"Bearer {token}"})
        assert got.status_code == 404 and PDF not in got.content
    assert await _snapshot(database, a.school_id) == before
