"""Storage without a server: type detection by content, size limit, keys, signed links, local disk."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from uuid import uuid4

import pytest

from schoolhub.platform import storage
from schoolhub.platform.errors import InvalidInput, NotFound

PDF = b"%PDF-1.7\n" + b"x" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\0" * 32


def office_zip(part: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{part}/document.xml", "<x/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "ext"),
    [
        ("cv.pdf", PDF, "pdf"),
        ("a.PNG", PNG, "png"),
        ("b.jpeg", JPG, "jpg"),
        ("c.docx", office_zip("word"), "docx"),
        ("d.xlsx", office_zip("xl"), "xlsx"),
    ],
)
def test_allowed_types_are_recognised_by_content(name: str, data: bytes, ext: str) -> None:
    assert storage.check_upload(name, data) == ext


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("evil.pdf", b"MZ\x90\x00 an exe"),  # extension lies
        ("x.docx", PDF),  # content is another allowed type
        ("x.exe", PDF),
        ("x.zip", office_zip("other")),
        ("x.docx", b"PK\x03\x04 broken zip"),
        ("x.pdf", b""),
        ("noext", PDF),
    ],
)
def test_forbidden_types_are_refused(name: str, data: bytes) -> None:
    with pytest.raises(storage.FileError) as err:
        storage.check_upload(name, data)
    assert err.value.code == "FILE_TYPE_NOT_ALLOWED"


def test_too_large_is_refused_before_anything_else() -> None:
    with pytest.raises(storage.FileError) as err:
        storage.check_upload("big.pdf", PDF + b"0" * storage.MAX_BYTES)
    assert err.value.code == "FILE_TOO_LARGE"


def test_keys_carry_their_owner_and_reject_traversal() -> None:
    school = uuid4()
    key = storage.new_key(school_id=school, org_unit_id=None, area="documents", ext="pdf")
    assert key.startswith(f"school/{school}/documents/")
    assert storage.key_owner(key) == ("school", school)
    for bad in (f"school/{school}/../../etc/passwd", "/etc/passwd", f"school/{school}/a/b.pdf"):
        with pytest.raises(InvalidInput):
            storage.key_owner(bad)


def test_links_are_signed_scoped_and_expire() -> None:
    signer = storage.LinkSigner("s" * 40)
    school = uuid4()
    key = storage.new_key(school_id=school, org_unit_id=None, area="documents", ext="pdf")
    token = signer.sign(key, 60, school_id=school, now=1000.0)
    ref = signer.verify(token, now=1059.0)
    assert (ref.key, ref.school_id, ref.org_unit_id) == (key, school, None)
    with pytest.raises(NotFound):  # expired
        signer.verify(token, now=1061.0)
    body, mac = token.split(".")
    other = signer.sign(
        storage.new_key(school_id=uuid4(), org_unit_id=None, area="documents", ext="pdf"),
        60,
        school_id=uuid4(),
        now=1000.0,
    )
    for forged in (body + "." + other.split(".")[1], body[:-2] + "AA." + mac, "garbage", ""):
        with pytest.raises(NotFound):
            signer.verify(forged, now=1001.0)
    with pytest.raises(NotFound):  # another secret (e.g. another deployment) cannot verify
        storage.LinkSigner("t" * 40).verify(token, now=1001.0)


async def test_local_storage_round_trip(tmp_path: Path) -> None:
    store = storage.LocalStorage(tmp_path, "s" * 40)
    school = uuid4()
    key = storage.new_key(school_id=school, org_unit_id=None, area="documents", ext="pdf")
    await store.put(key, PDF)
    assert await store.exists(key)
    assert await store.read(key) == PDF
    assert b"".join([c async for c in store.open(key)]) == PDF
    assert (tmp_path / key).is_file()
    url = store.signed_url(key, 60, school)
    assert url.startswith("/files/") and store.verify(url.removeprefix("/files/")).key == key
    await store.delete(key)
    assert not await store.exists(key)
    with pytest.raises(NotFound):
        await store.read(key)


def test_s3_presign_matches_the_aws_documented_example() -> None:
    """AWS S3 docs, "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)"."""
    from datetime import UTC, datetime

    url = storage.presign_s3(
        "GET",
        endpoint="https://s3.amazonaws.com",
        bucket="examplebucket",
        key="test.txt",
        region="us-east-1",
        access_key="AKIAIOSFODNN7EXAMPLE",
        secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        expires_in=86400,
        now=datetime(2013, 5, 24, tzinfo=UTC),
        path_style=False,
    )
    assert url.startswith("https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=")
    assert url.endswith(
        "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )


def test_s3_header_signature_matches_the_aws_documented_example() -> None:
    """AWS S3 docs, "Signature Calculations for the Authorization Header", example GET Object."""
    from datetime import UTC, datetime

    headers = storage.sign_s3_headers(
        "GET",
        host="examplebucket.s3.amazonaws.com",
        path="/test.txt",
        region="us-east-1",
        access_key="AKIAIOSFODNN7EXAMPLE",
        secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        payload_sha256=storage.EMPTY_SHA256,
        now=datetime(2013, 5, 24, tzinfo=UTC),
        headers={"Range": "bytes=0-9"},
    )
    assert headers["authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
    assert headers["x-amz-date"] == "20130524T000000Z" and headers["range"] == "bytes=0-9"


def _s3(endpoint: str, *, path_style: bool = True) -> storage.S3Storage:
    return storage.S3Storage(
        endpoint=endpoint,
        bucket="b-1",
        region="us-east-1",
        access_key="AK",
        secret_key="SK",
        link_secret="s" * 40,
        path_style=path_style,
    )


@pytest.mark.parametrize(
    ("endpoint", "path_style", "url_start", "host"),
    [
        ("https://s3.example.vn", True, "https://s3.example.vn/b-1/school/", "s3.example.vn"),
        ("https://S3.example.vn:443/", True, "https://s3.example.vn/b-1/", "s3.example.vn"),
        ("http://127.0.0.1:9000", True, "http://127.0.0.1:9000/b-1/", "127.0.0.1:9000"),
        ("http://[::1]:9000", True, "http://[::1]:9000/b-1/", "[::1]:9000"),
        ("https://s3.example.vn", False, "https://b-1.s3.example.vn/school/", "b-1.s3.example.vn"),
    ],
)
def test_s3_requests_sign_the_host_header_that_is_sent(
    endpoint: str, path_style: bool, url_start: str, host: str
) -> None:
    """The signed Host must be byte-for-byte what httpx sends (no default port, IPv6 in brackets),
    or every request is a SignatureDoesNotMatch."""
    import httpx

    key = storage.new_key(school_id=uuid4(), org_unit_id=None, area="documents", ext="pdf")
    url, headers = _s3(endpoint, path_style=path_style)._request("GET", key)
    assert url.startswith(url_start) and url.endswith(key)
    assert headers["host"] == host
    sent = httpx.Request("GET", url, headers=headers)
    assert sent.headers["host"] == host
    assert "SignedHeaders=host;x-amz-content-sha256;x-amz-date," in headers["authorization"]


@pytest.mark.parametrize(
    "endpoint", ["s3.example.vn", "ftp://s3.example.vn", "https://s3.example.vn/bucket", "https://"]
)
def test_s3_endpoint_must_be_a_bare_http_url(endpoint: str) -> None:
    with pytest.raises(ValueError, match="endpoint"):
        _s3(endpoint)
