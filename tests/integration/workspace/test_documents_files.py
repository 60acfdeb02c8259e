"""File upload and download over HTTP: limits and types refused with codes and nothing written,
links scoped to the school and the caller, expiring."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from schoolhub.graphql import ids
from schoolhub.platform import storage
from schoolhub.platform.settings import Settings
from tests.support import factories
from tests.support.gql import GraphQLClient

PDF = b"%PDF-1.7\n" + b"hello" * 50
CREATE = (
    "mutation($s: ID!, $i: OfficialDocumentInput!) { createDocument(schoolId: $s,"
    " direction: INCOMING, input: $i) { document { id attachments { filename url contentType } }"
    " errors { code } } }"
)


def _files(settings: Settings, school: Any) -> list[Path]:
    root = settings.data_dir / "files" / "school" / str(school)
    return sorted(root.rglob("*")) if root.exists() else []


async def _upload(
    http: httpx.AsyncClient, token: str | None, school: Any, name: str, data: bytes
) -> httpx.Response:
    headers = {"X-Filename": quote(name)}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return await http.post(
        "/files", params={"schoolId": ids.encode("School", school)}, content=data, headers=headers
    )


async def test_upload_limits_and_scoped_download(
    app: httpx.AsyncClient, gql: GraphQLClient, settings: Settings
) -> None:
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    staff = await gql.token(a.logins["staff"])

    too_big = await _upload(app, staff, a.school_id, "big.pdf", PDF + b"0" * storage.MAX_BYTES)
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "FILE_TOO_LARGE"
    fake = await _upload(app, staff, a.school_id, "cv.pdf", b"MZ\x90\x00 not a pdf")
    assert fake.status_code == 415 and fake.json()["error"]["code"] == "FILE_TYPE_NOT_ALLOWED"
    anonymous = await _upload(app, None, a.school_id, "cv.pdf", PDF)
    assert anonymous.status_code == 401
    outsider = await _upload(app, await gql.token(b.logins["staff"]), a.school_id, "cv.pdf", PDF)
    assert outsider.status_code == 404
    guardian = await _upload(app, await gql.token(a.logins["guardian"]), a.school_id, "x.pdf", PDF)
    assert guardian.status_code == 403
    assert _files(settings, a.school_id) == []

    ok = await _upload(app, staff, a.school_id, "Công văn 12.pdf", PDF)
    assert ok.status_code == 201, ok.text
    key = ok.json()["key"]
    assert key.startswith(f"school/{a.school_id}/documents/")
    doc = await gql.ok(
        CREATE,
        {
            "s": ids.encode("School", a.school_id),
            "i": {
                "number": "12/SGDĐT",
                "issuedOn": "2026-11-02",
                "sender": "Sở GDĐT",
                "subject": "Kế hoạch",
                "attachments": [{"key": key, "filename": "Công văn 12.pdf"}],
            },
        },
        staff,
    )
    link = doc["createDocument"]["document"]["attachments"][0]
    assert link["filename"] == "Công văn 12.pdf" and link["contentType"] == "application/pdf"

    got = await app.get(link["url"], headers={"Authorization": f"Bearer {staff}"})
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["cache-control"] == "private, no-store"
    assert (await app.get(link["url"])).status_code == 401
    other = await app.get(
        link["url"], headers={"Authorization": f"Bearer {await gql.token(b.logins['principal'])}"}
    )
    assert other.status_code == 404

    # A link minted for school B (even with A's key) and an expired link are both 404.
    signer = storage.LinkSigner(settings.jwt_secret)
    b_principal = await gql.token(b.logins["principal"])
    for_b = signer.sign(key, 60, school_id=b.school_id)
    assert (
        await app.get(f"/files/{for_b}", headers={"Authorization": f"Bearer {b_principal}"})
    ).status_code == 404
    expired = signer.sign(key, 60, school_id=a.school_id, now=time.time() - 120)
    assert (
        await app.get(f"/files/{expired}", headers={"Authorization": f"Bearer {staff}"})
    ).status_code == 404

    # A key of another school cannot be attached to a document.
    b_file = await _upload(app, await gql.token(b.logins["staff"]), b.school_id, "b.pdf", PDF)
    stolen = await gql.ok(
        CREATE,
        {
            "s": ids.encode("School", a.school_id),
            "i": {
                "number": "13",
                "issuedOn": "2026-11-02",
                "sender": "X",
                "subject": "Y",
                "attachments": [{"key": b_file.json()["key"], "filename": "b.pdf"}],
            },
        },
        staff,
    )
    assert stolen["createDocument"] == {
        "document": None,
        "errors": [{"code": "DOCUMENT_ATTACHMENT_NOT_FOUND"}],
    }


async def test_office_file_reaches_only_the_recipient_school(
    app: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, a.district_id, tag="B")  # same district, not a recipient
    district = await gql.token(a.logins["district_admin"])
    unit = ids.encode("OrgUnit", a.district_id)
    up = await app.post(
        "/files",
        params={"orgUnitId": unit},
        content=PDF,
        headers={"X-Filename": "cv.pdf", "Authorization": f"Bearer {district}"},
    )
    assert up.status_code == 201 and up.json()["key"].startswith(f"office/{a.district_id}/")
    sent = await gql.ok(
        "mutation($o: ID!, $ss: [ID!]!, $i: OfficialDocumentInput!) { sendOfficeDocument("
        "orgUnitId: $o, schoolIds: $ss, input: $i) { document { attachments { url } } errors { code } } }",
        {
            "o": unit,
            "ss": [ids.encode("School", a.school_id)],
            "i": {
                "number": "7/PGD",
                "issuedOn": "2026-11-02",
                "subject": "Lịch thi",
                "attachments": [{"key": up.json()["key"], "filename": "Lịch thi.pdf"}],
            },
        },
        district,
    )
    office_url = sent["sendOfficeDocument"]["document"]["attachments"][0]["url"]
    assert (
        await app.get(office_url, headers={"Authorization": f"Bearer {district}"})
    ).content == PDF
    a_staff, b_staff = await gql.token(a.logins["staff"]), await gql.token(b.logins["staff"])
    inbox = await gql.ok(
        "query($s: ID!) { documentDeliveries(schoolId: $s) { document { attachments { url } } } }",
        {"s": ids.encode("School", a.school_id)},
        a_staff,
    )
    school_url = inbox["documentDeliveries"][0]["document"]["attachments"][0]["url"]
    assert (
        await app.get(school_url, headers={"Authorization": f"Bearer {a_staff}"})
    ).content == PDF
    for token in (b_staff, await gql.token(b.logins["principal"])):
        for url in (school_url, office_url):
            got = await app.get(url, headers={"Authorization": f"Bearer {token}"})
            assert got.status_code == 404
