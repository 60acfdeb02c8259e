"""``S3Storage`` against a real S3 wire-protocol server (moto), side by side with ``LocalStorage``.

The server runs in its own locked environment (``s3_server/``, see its pyproject for why it is not a
dev dependency) with IAM authentication switched on once the bucket and an access key exist, so
every request's SigV4 signature is checked by botocore's implementation, not by ours. The same
tests run on both backends: the app can switch between them without a caller noticing.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import uuid4

import httpx
import pytest

from schoolhub.graphql import ids
from schoolhub.platform import aws_credentials, storage
from schoolhub.platform.errors import InvalidInput, NotFound
from schoolhub.platform.settings import Settings
from tests.support import factories
from tests.support.gql import GraphQLClient

HERE = Path(__file__).resolve().parent
SERVER_PROJECT = HERE / "s3_server"
SERVER_ENV = HERE.parents[2] / ".data" / "s3-test-server"
BUCKET = "schoolhub-test"
REGION = "us-east-1"
LINK_SECRET = "link-secret-" + "x" * 40
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 4096  # 1 MiB: several chunks on every path


@dataclass(frozen=True)
class Session:
    """Temporary credentials issued by moto's STS (AssumeRole): an ``ASIA…`` key and a token."""

    access_key: str
    secret_key: str
    token: str


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str
    sessions: tuple[Session, ...] = ()


def _install_server() -> Path:
    uv = os.environ.get("UV") or shutil.which("uv")
    if not uv:
        pytest.fail(
            "uv is needed to install the S3 test server (tests/integration/platform/s3_server)"
        )
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["UV_PROJECT_ENVIRONMENT"] = str(SERVER_ENV)
    subprocess.run(
        [uv, "sync", "--frozen", "--quiet", "--project", str(SERVER_PROJECT)],
        check=True,
        env=env,
        timeout=280,
    )
    return SERVER_ENV / "bin" / "moto_server"


def _iam(
    http: httpx.Client, endpoint: str, action: str, *, service: str = "iam", **params: str
) -> str:
    """An IAM (or STS) call while authentication is still off (the header only routes it)."""
    version = "2011-06-15" if service == "sts" else "2010-05-08"
    response = http.post(
        endpoint,
        data={"Action": action, "Version": version, **params},
        headers={
            "Authorization": f"AWS4-HMAC-SHA256 Credential=AKIASETUP/20260101/us-east-1/{service}/"
            "aws4_request, SignedHeaders=host, Signature=0"
        },
    )
    assert response.status_code == 200, response.text
    return response.text


def _xml(text: str, tag: str) -> str:
    found = re.search(rf"<{tag}>([^<]+)</{tag}>", text)
    assert found, text
    return found.group(1)


def _assume_role(http: httpx.Client, endpoint: str, role_arn: str, name: str) -> Session:
    issued = _iam(
        http, endpoint, "AssumeRole", service="sts", RoleArn=role_arn, RoleSessionName=name
    )
    return Session(
        _xml(issued, "AccessKeyId"), _xml(issued, "SecretAccessKey"), _xml(issued, "SessionToken")
    )


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    moto_server = _install_server()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("moto") / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(moto_server), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log
        )
    try:
        with httpx.Client(timeout=10) as http:
            for _ in range(600):  # a readiness wait, not an assertion on time
                if proc.poll() is not None:
                    pytest.fail(f"moto_server exited: {log_path.read_text()}")
                try:
                    http.get(f"{endpoint}/moto-api/")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            else:
                pytest.fail(f"moto_server did not start: {log_path.read_text()}")
            assert http.put(f"{endpoint}/{BUCKET}").status_code == 200
            _iam(http, endpoint, "CreateUser", UserName="schoolhub")
            policy = {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
            _iam(
                http,
                endpoint,
                "PutUserPolicy",
                UserName="schoolhub",
                PolicyName="bucket",
                PolicyDocument=json.dumps(policy),
            )
            created = _iam(http, endpoint, "CreateAccessKey", UserName="schoolhub")
            # The pods' role (EKS Pod Identity): temporary credentials from STS AssumeRole, which
            # moto's S3 accepts only with their session token (X-Amz-Security-Token).
            trust = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "pods.eks.amazonaws.com"},
                        "Action": ["sts:AssumeRole", "sts:TagSession"],
                    }
                ],
            }
            role = _iam(
                http,
                endpoint,
                "CreateRole",
                RoleName="schoolhub-app-pods",
                AssumeRolePolicyDocument=json.dumps(trust),
            )
            _iam(
                http,
                endpoint,
                "PutRolePolicy",
                RoleName="schoolhub-app-pods",
                PolicyName="objects",
                PolicyDocument=json.dumps(policy),
            )
            role_arn = _xml(role, "Arn")
            sessions = tuple(_assume_role(http, endpoint, role_arn, f"pod-{n}") for n in range(2))
            # From here on every request must carry a valid signature of that key.
            assert http.post(f"{endpoint}/moto-api/reset-auth", content=b"0").status_code == 200
        yield S3Server(
            endpoint,
            _xml(created, "AccessKeyId"),
            _xml(created, "SecretAccessKey"),
            sessions,
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def s3_store(
    server: S3Server,
    *,
    bucket: str = BUCKET,
    access_key: str | None = None,
    secret_key: str | None = None,
    endpoint: str | None = None,
) -> storage.S3Storage:
    return storage.S3Storage(
        endpoint=endpoint or server.endpoint,
        bucket=bucket,
        region=REGION,
        access_key=access_key or server.access_key,
        secret_key=secret_key or server.secret_key,
        link_secret=LINK_SECRET,
    )


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> storage.Storage:
    if request.param == "local":
        return storage.LocalStorage(tmp_path / "files", LINK_SECRET)
    return s3_store(request.getfixturevalue("s3"))


def _key(area: str = "documents") -> str:
    return storage.new_key(school_id=uuid4(), org_unit_id=None, area=area, ext="pdf")


async def _collect(store: storage.Storage, key: str) -> list[bytes]:
    return [chunk async for chunk in store.open(key)]


async def test_round_trip_overwrite_and_delete(store: storage.Storage) -> None:
    key = _key()
    assert not await store.exists(key)
    await store.put(key, PDF)
    assert await store.exists(key)
    assert await store.read(key) == PDF
    chunks = await _collect(store, key)
    assert b"".join(chunks) == PDF
    assert len(chunks) > 1 and max(len(c) for c in chunks) <= storage.CHUNK  # streamed

    await store.put(key, b"%PDF-2.0 replaced")
    assert await store.read(key) == b"%PDF-2.0 replaced"

    await store.delete(key)
    assert not await store.exists(key)
    with pytest.raises(NotFound):
        await store.read(key)


async def test_a_missing_key_behaves_the_same(store: storage.Storage) -> None:
    """What the callers rely on: ``read``/``open`` raise ``NotFound`` (the download route and
    receipts turn it into a 404), ``exists`` is ``False``, ``delete`` is a no-op."""
    key = _key()
    with pytest.raises(NotFound):
        await store.read(key)
    with pytest.raises(NotFound):
        await _collect(store, key)
    assert await store.exists(key) is False
    await store.delete(key)
    assert await store.exists(key) is False


async def test_put_file_streams_a_multi_megabyte_recording(
    store: storage.Storage, tmp_path: Path
) -> None:
    school, room = uuid4(), uuid4()
    source = tmp_path / "segment.webm"
    data = os.urandom(5 * 1024 * 1024 + 123)
    source.write_bytes(data)
    key = storage.new_recording_key(school_id=school, room_id=room, ext="webm")

    assert await store.put_file(key, source) == len(data)
    assert await store.exists(key)
    assert b"".join(await _collect(store, key)) == data
    assert await store.read(key) == data

    document_key = storage.new_key(school_id=school, org_unit_id=None, area="documents", ext="pdf")
    with pytest.raises(ValueError, match="recording keys only"):
        await store.put_file(document_key, source)
    assert not await store.exists(document_key)


@pytest.mark.parametrize(
    "bad",
    [
        "school/{school}/documents/Công văn số 12.pdf",
        "school/{school}/documents/ke hoach.pdf",
        "school/{school}/../../other/{hex}.pdf",
        "/school/{school}/documents/{hex}.pdf",
        "school/{school}/documents/{hex}.exe",
    ],
)
async def test_keys_outside_the_scheme_are_refused_before_any_io(
    store: storage.Storage, bad: str
) -> None:
    """Keys are generated (uuid hex), so Vietnamese names and spaces never reach a key: they
    live in the document's ``filename``. Both backends refuse such a key the same way."""
    key = bad.format(school=uuid4(), hex=uuid4().hex)
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: store.put(key, PDF),
        lambda: store.read(key),
        lambda: store.exists(key),
        lambda: store.delete(key),
        lambda: _collect(store, key),
    ]
    for call in calls:
        with pytest.raises(InvalidInput) as err:
            await call()
        assert err.value.code == "INVALID_FILE_KEY"
    with pytest.raises(InvalidInput):
        store.signed_url(key, 60, uuid4())


async def test_download_links_are_the_same_on_both_backends(
    store: storage.Storage, tmp_path: Path
) -> None:
    school, office = uuid4(), uuid4()
    key = storage.new_key(school_id=school, org_unit_id=None, area="documents", ext="pdf")
    url = store.signed_url(key, 60, school)
    assert url.startswith("/files/")
    token = url.removeprefix("/files/")
    ref = store.verify(token)
    assert (ref.key, ref.school_id, ref.org_unit_id) == (key, school, None)

    # A link issued before switching backends still verifies after (same link secret).
    local = storage.LocalStorage(tmp_path / "other", LINK_SECRET)
    assert local.verify(token) == ref

    office_key = storage.new_key(school_id=None, org_unit_id=office, area="documents", ext="pdf")
    office_ref = store.verify(store.signed_url(office_key, 60, None, org_unit_id=office)[7:])
    assert (office_ref.school_id, office_ref.org_unit_id) == (None, office)

    body, mac = token.split(".")
    for forged in (body[:-2] + "AA." + mac, token + "x", "garbage"):
        with pytest.raises(NotFound):
            store.verify(forged)
    with pytest.raises(NotFound):  # another deployment's secret
        storage.LocalStorage(tmp_path, "t" * 40).verify(token)


async def test_wrong_credentials_are_a_clear_error_for_every_operation(
    s3: S3Server, tmp_path: Path
) -> None:
    good = s3_store(s3)
    key = _key()
    await good.put(key, PDF)
    recording = tmp_path / "r.webm"
    recording.write_bytes(b"\x1aE\xdf\xa3" + b"0" * 1000)
    rec_key = storage.new_recording_key(school_id=uuid4(), room_id=uuid4(), ext="webm")

    for bad, code in (
        (s3_store(s3, secret_key="not-the-secret"), "SignatureDoesNotMatch"),
        (s3_store(s3, access_key="AKIAUNKNOWNKEY000000"), "InvalidAccessKeyId"),
    ):
        calls: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            (code, lambda s=bad: s.put(_key(), PDF)),
            (code, lambda s=bad: s.put_file(rec_key, recording)),
            (code, lambda s=bad: s.read(key)),
            (code, lambda s=bad: s.delete(key)),
            (code, lambda s=bad: _collect(s, key)),
            # Not a silent False, which would read as "file not found". HEAD has no error body.
            ("check the S3 access key", lambda s=bad: s.exists(key)),
        ]
        for expected, call in calls:
            with pytest.raises(storage.StorageError) as err:
                await call()
            message = str(err.value)
            assert "HTTP 403" in message and expected in message, message
            assert s3.secret_key not in message and "Signature=" not in message

    assert await good.read(key) == PDF  # the refused delete deleted nothing
    assert not await good.exists(rec_key)  # and the refused upload wrote nothing


async def test_a_missing_bucket_or_a_dead_endpoint_is_not_a_missing_file(s3: S3Server) -> None:
    no_bucket = s3_store(s3, bucket="no-such-bucket")
    key = _key()
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: no_bucket.put(key, PDF),
        lambda: no_bucket.read(key),
        lambda: no_bucket.delete(key),
        lambda: _collect(no_bucket, key),
    ]
    for call in calls:
        with pytest.raises(storage.StorageError, match="HTTP 404 NoSuchBucket"):
            await call()

    with socket.socket() as sock:  # a port nothing listens on: refused at once, no hang
        sock.bind(("127.0.0.1", 0))
        dead = s3_store(s3, endpoint=f"http://127.0.0.1:{sock.getsockname()[1]}")
    calls = [
        lambda: dead.put(key, PDF),
        lambda: dead.read(key),
        lambda: dead.exists(key),
        lambda: dead.delete(key),
        lambda: _collect(dead, key),
    ]
    for call in calls:
        with pytest.raises(storage.StorageError, match="ConnectError"):
            await call()


# The app, configured for S3 the way production is -------------------------------------------

CREATE = (
    "mutation($s: ID!, $i: OfficialDocumentInput!) { createDocument(schoolId: $s,"
    " direction: INCOMING, input: $i) { document { attachments { filename url contentType } }"
    " errors { code } } }"
)


def _local_files(settings: Settings, school: Any) -> list[Path]:
    root = settings.data_dir / "files" / "school" / str(school)
    return sorted(root.rglob("*")) if root.exists() else []


async def test_document_attachment_round_trips_through_s3(
    app: httpx.AsyncClient,
    gql: GraphQLClient,
    settings: Settings,
    s3: S3Server,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "SCHOOLHUB_S3_ENDPOINT": s3.endpoint,
        "SCHOOLHUB_S3_BUCKET": BUCKET,
        "SCHOOLHUB_S3_REGION": REGION,
        "SCHOOLHUB_S3_ACCESS_KEY": s3.access_key,
        "SCHOOLHUB_S3_SECRET_KEY": s3.secret_key,
    }.items():
        monkeypatch.setenv(name, value)
    storage.set_storage(None)
    try:
        assert isinstance(storage.get_storage(), storage.S3Storage)
        p = await factories.province()
        a = await factories.school(p, tag="A")
        b = await factories.school(p, tag="B")
        staff = await gql.token(a.logins["staff"])
        up = await app.post(
            "/files",
            params={"schoolId": ids.encode("School", a.school_id)},
            content=PDF,
            headers={"X-Filename": quote("Công văn số 12.pdf"), "Authorization": f"Bearer {staff}"},
        )
        assert up.status_code == 201, up.text
        key = up.json()["key"]
        # The bytes are in the bucket (read back with a separate client), not on local disk.
        assert await s3_store(s3).read(key) == PDF
        assert _local_files(settings, a.school_id) == []

        doc = await gql.ok(
            CREATE,
            {
                "s": ids.encode("School", a.school_id),
                "i": {
                    "number": "12/SGDĐT",
                    "issuedOn": "2026-11-02",
                    "sender": "Sở GDĐT",
                    "subject": "Kế hoạch",
                    "attachments": [{"key": key, "filename": "Công văn số 12.pdf"}],
                },
            },
            staff,
        )
        attachment = doc["createDocument"]["document"]["attachments"][0]
        assert attachment["filename"] == "Công văn số 12.pdf"

        got = await app.get(attachment["url"], headers={"Authorization": f"Bearer {staff}"})
        assert got.status_code == 200 and got.content == PDF
        assert got.headers["content-type"].startswith("application/pdf")
        for other in (b.logins["principal"], b.logins["staff"]):
            refused = await app.get(
                attachment["url"], headers={"Authorization": f"Bearer {await gql.token(other)}"}
            )
            assert refused.status_code == 404 and PDF[:32] not in refused.content
        assert (await app.get(attachment["url"])).status_code == 401
        # A link minted for school B over A's key is refused as well.
        for_b = storage.LinkSigner(settings.jwt_secret).sign(key, 60, school_id=b.school_id)
        b_token = await gql.token(b.logins["principal"])
        assert (
            await app.get(f"/files/{for_b}", headers={"Authorization": f"Bearer {b_token}"})
        ).status_code == 404
    finally:
        storage.set_storage(None)


# Temporary credentials: session tokens, EKS Pod Identity, recording tags ----------------------


class ContainerEndpoint:
    """A loopback fake of the container credentials endpoint (the EKS Pod Identity agent): it
    checks the ``Authorization`` token and answers with moto STS sessions, in turn."""

    def __init__(self, sessions: Sequence[Session], token: str) -> None:
        self.sessions = list(sessions)
        self.requests: list[str] = []
        self.fail = False
        self.expires = datetime.now(UTC) + timedelta(hours=6)
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                given = self.headers.get("Authorization", "")
                endpoint.requests.append(given)
                if endpoint.fail or given != token:
                    status = 500 if endpoint.fail else 401
                    body = json.dumps({"message": f"refused {given}"}).encode()
                else:
                    status = 200
                    session = endpoint.sessions[min(len(endpoint.requests), 2) - 1]
                    body = json.dumps(
                        {
                            "AccessKeyId": session.access_key,
                            "SecretAccessKey": session.secret_key,
                            "Token": session.token,
                            "AccountId": "123456789012",
                            "Expiration": endpoint.expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        }
                    ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/credentials"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


POD_TOKEN = "eyJhbGciOiJSUzI1NiJ9.projected-pod-identity-token"


@pytest.fixture
def pod_identity(s3: S3Server, tmp_path: Path) -> Iterator[tuple[ContainerEndpoint, Path]]:
    token_file = tmp_path / "eks-pod-identity-token"
    token_file.write_text(POD_TOKEN)
    endpoint = ContainerEndpoint(s3.sessions, POD_TOKEN)
    yield endpoint, token_file
    endpoint.close()


async def test_session_credentials_need_their_token_and_it_is_signed(
    s3: S3Server, tmp_path: Path
) -> None:
    session = s3.sessions[0]
    assert session.access_key.startswith("ASIA") and session.token
    store = s3_store(s3, access_key=session.access_key, secret_key=session.secret_key)
    key = _key()
    # Without the token moto does not know the key (as AWS: a temporary key alone is refused) ...
    with pytest.raises(storage.StorageError, match="HTTP 403"):
        await store.put(key, PDF)
    # ... with a wrong token it is refused as well ...
    wrong = storage.S3Storage(
        endpoint=s3.endpoint,
        bucket=BUCKET,
        region=REGION,
        access_key=session.access_key,
        secret_key=session.secret_key,
        session_token=session.token[:-4] + "AAAA",
        link_secret=LINK_SECRET,
    )
    with pytest.raises(storage.StorageError, match="HTTP 400 InvalidToken") as err:
        await wrong.put(key, PDF)
    assert session.token[:-4] not in str(err.value) and session.secret_key not in str(err.value)
    # ... and with it every operation works: the token is sent and signed.
    good = storage.S3Storage(
        endpoint=s3.endpoint,
        bucket=BUCKET,
        region=REGION,
        access_key=session.access_key,
        secret_key=session.secret_key,
        session_token=session.token,
        link_secret=LINK_SECRET,
    )
    _url, headers = await good._request("GET", key)
    assert headers["x-amz-security-token"] == session.token
    assert "x-amz-security-token" in headers["authorization"].split("SignedHeaders=")[1]
    await good.put(key, PDF)
    assert await good.exists(key) and await good.read(key) == PDF
    assert b"".join(await _collect(good, key)) == PDF
    recording = tmp_path / "r.webm"
    recording.write_bytes(b"\x1aE\xdf\xa3" + os.urandom(300_000))
    rec_key = storage.new_recording_key(school_id=uuid4(), room_id=uuid4(), ext="webm")
    assert await good.put_file(rec_key, recording) == recording.stat().st_size
    await good.delete(key)
    assert not await good.exists(key)


async def test_pod_identity_credentials_from_the_environment(
    s3: S3Server,
    pod_identity: tuple[ContainerEndpoint, Path],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a pod sees: no keys, the agent's URL and token file (EKS injects both)."""
    endpoint, token_file = pod_identity
    for name in ("SCHOOLHUB_S3_ACCESS_KEY", "SCHOOLHUB_S3_SECRET_KEY", "SCHOOLHUB_S3_REGION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "SCHOOLHUB_S3_ENDPOINT": s3.endpoint,
        "SCHOOLHUB_S3_BUCKET": BUCKET,
        "AWS_REGION": REGION,
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url,
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file),
    }.items():
        monkeypatch.setenv(name, value)
    storage.set_storage(None)
    try:
        store = storage.get_storage()
        assert isinstance(store, storage.S3Storage)
        assert isinstance(store.credentials, aws_credentials.ContainerCredentials)
        key = _key()
        await store.put(key, PDF)
        assert await store.read(key) == PDF and await store.exists(key)
        assert endpoint.requests == [POD_TOKEN]  # fetched once, with the token, then cached
        # The object really is in the bucket (read back with the long-lived user key).
        assert await s3_store(s3).read(key) == PDF
    finally:
        storage.set_storage(None)


async def test_expiring_credentials_are_refreshed_before_use(
    s3: S3Server, pod_identity: tuple[ContainerEndpoint, Path]
) -> None:
    endpoint, token_file = pod_identity
    now = [time.time()]
    creds = aws_credentials.ContainerCredentials(
        endpoint.url, token_file=str(token_file), clock=lambda: now[0], retry_sleep=0
    )
    store = storage.S3Storage(
        endpoint=s3.endpoint,
        bucket=BUCKET,
        region=REGION,
        credentials=creds,
        link_secret=LINK_SECRET,
    )
    key = _key()
    await store.put(key, PDF)
    assert (await creds.get()).access_key == s3.sessions[0].access_key
    now[0] = endpoint.expires.timestamp() - 60  # one minute left: must refresh first
    assert await store.read(key) == PDF
    assert len(endpoint.requests) == 2
    assert (await creds.get()).access_key == s3.sessions[1].access_key
    await store.delete(key)
    assert not await store.exists(key)


async def test_a_failing_credentials_endpoint_is_a_clear_storage_error(
    s3: S3Server,
    pod_identity: tuple[ContainerEndpoint, Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    endpoint, token_file = pod_identity
    endpoint.fail = True
    store = storage.S3Storage(
        endpoint=s3.endpoint,
        bucket=BUCKET,
        region=REGION,
        credentials=aws_credentials.ContainerCredentials(
            endpoint.url, token_file=str(token_file), retry_sleep=0
        ),
        link_secret=LINK_SECRET,
    )
    key = _key()
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: store.put(key, PDF),
        lambda: store.read(key),
        lambda: store.exists(key),
        lambda: store.delete(key),
        lambda: _collect(store, key),
    ]
    with caplog.at_level(logging.DEBUG):
        for call in calls:
            with pytest.raises(storage.StorageError) as err:
                await call()
            message = str(err.value)
            assert "no credentials" in message and "HTTP 500" in message, message
            assert endpoint.url in message and key in message
            assert POD_TOKEN not in message
    assert POD_TOKEN not in caplog.text
    for session in s3.sessions:
        assert session.secret_key not in caplog.text and session.token not in caplog.text
    assert not await s3_store(s3).exists(key)


async def test_recordings_are_tagged_for_the_retention_rules(tmp_path: Path, s3: S3Server) -> None:
    """The bucket's lifecycle expires recordings by the tag ``kind=recording`` (terraform
    modules/storage); documents carry no tag and are never selected by those rules."""
    store = s3_store(s3)
    school = uuid4()
    source = tmp_path / "segment.webm"
    source.write_bytes(b"\x1aE\xdf\xa3" + os.urandom(100_000))
    rec_key = storage.new_recording_key(school_id=school, room_id=uuid4(), ext="webm")
    await store.put_file(rec_key, source)
    assert await store.tags(rec_key) == {"kind": "recording"}

    doc_key = storage.new_key(school_id=school, org_unit_id=None, area="documents", ext="pdf")
    office_key = storage.new_key(school_id=None, org_unit_id=uuid4(), area="documents", ext="pdf")
    for key in (doc_key, office_key):
        await store.put(key, PDF)
        assert await store.tags(key) == {}
    with pytest.raises(NotFound):
        await store.tags(storage.new_key(school_id=school, org_unit_id=None, area="x", ext="pdf"))
