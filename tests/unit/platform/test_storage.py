"""Storage without a server: type detection by content, size limit, keys, signed links, local disk."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from schoolhub.platform import storage, storage_s3
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
async def test_s3_requests_sign_the_host_header_that_is_sent(
    endpoint: str, path_style: bool, url_start: str, host: str
) -> None:
    """The signed Host must be byte-for-byte what httpx sends (no default port, IPv6 in brackets),
    or every request is a SignatureDoesNotMatch."""
    import httpx

    key = storage.new_key(school_id=uuid4(), org_unit_id=None, area="documents", ext="pdf")
    url, headers = await _s3(endpoint, path_style=path_style)._request("GET", key)
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


# The app and its production infrastructure (infra/terraform) agree ------------------------------

TERRAFORM = Path(__file__).resolve().parents[3] / "infra" / "terraform" / "modules"


def _hcl(path: Path) -> dict[str, Any]:
    import hcl2

    with path.open(encoding="utf-8") as handle:
        document: dict[str, Any] = hcl2.load(handle)
    return document


def _unquote(value: str) -> str:
    return value.strip('"')


def _block(document: dict[str, Any], section: str, kind: str, name: str) -> dict[str, Any]:
    for block in document[section]:
        body = block.get(f'"{kind}"', {}).get(f'"{name}"')
        if body is not None:
            return dict(body)
    raise AssertionError(f"{section} {kind}.{name} not found")


def test_the_pod_policy_allows_exactly_the_owner_prefixes_the_app_writes() -> None:
    document = _hcl(TERRAFORM / "workloads" / "iam.tf")
    statements = _block(document, "data", "aws_iam_policy_document", "app")["statement"]
    objects = next(s for s in statements if _unquote(s["sid"]) == "Objects")
    prefixes = set()
    for resource in objects["resources"]:
        found = re.fullmatch(r"\$\{var\.storage\.bucket_arn\}/([a-z]+)/\*", _unquote(resource))
        assert found, resource  # only the app's bucket, only owner prefixes
        prefixes.add(found.group(1))
    school, office = uuid4(), uuid4()
    written = {
        storage.new_key(school_id=school, org_unit_id=None, area="documents", ext="pdf"),
        storage.new_key(school_id=None, org_unit_id=office, area="documents", ext="pdf"),
        storage.new_recording_key(school_id=school, room_id=uuid4(), ext="webm"),
    }
    assert {key.split("/", 1)[0] for key in written} == prefixes == {"school", "office"}
    actions = {_unquote(a) for a in objects["actions"]}
    # Every object call S3Storage makes; tagging because recording uploads carry x-amz-tagging.
    assert actions == {"s3:GetObject", "s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject"}


def test_the_pods_environment_is_what_get_storage_reads() -> None:
    from schoolhub.platform import aws_credentials

    config = _hcl(TERRAFORM / "workloads" / "main.tf")["locals"][0]["config"]
    region, bucket = "ap-southeast-1", "schoolhub-production-files-111122223333"
    values = {
        "${var.aws_region}": region,
        "${var.storage.bucket}": bucket,
    }
    env = {}
    for name, raw in config.items():
        value = _unquote(raw)
        for expression, concrete in values.items():
            value = value.replace(expression, concrete)
        env[name] = value
    s3_names = {name for name in env if name.startswith("SCHOOLHUB_S3_")}
    assert s3_names == {
        "SCHOOLHUB_S3_ENDPOINT",
        "SCHOOLHUB_S3_BUCKET",
        "SCHOOLHUB_S3_REGION",
        "SCHOOLHUB_S3_PATH_STYLE",
    }
    assert not {"SCHOOLHUB_S3_ACCESS_KEY", "SCHOOLHUB_S3_SECRET_KEY"} & set(env)

    read: set[str] = set()

    class Environ(dict[str, str]):
        def get(self, key: str, default: Any = None) -> Any:
            read.add(key)
            return super().get(key, default)

        def __getitem__(self, key: str) -> str:
            read.add(key)
            return super().__getitem__(key)

    # What EKS Pod Identity injects into every pod of an associated service account.
    pod = Environ(
        env,
        AWS_CONTAINER_CREDENTIALS_FULL_URI="http://169.254.170.23/v1/credentials",
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token",
    )
    store = storage.s3_from_environ(pod, link_secret="s" * 40)
    assert store is not None and s3_names <= read
    assert isinstance(store.credentials, aws_credentials.ContainerCredentials)
    assert store.credentials.url == "http://169.254.170.23/v1/credentials"
    assert (store.endpoint, store.bucket, store.region) == (
        f"https://s3.{region}.amazonaws.com",
        bucket,
        region,
    )
    assert store.path_style is False


def test_the_recording_retention_rules_select_the_tag_the_app_sets() -> None:
    document = _hcl(TERRAFORM / "storage" / "main.tf")
    rules = _block(document, "resource", "aws_s3_bucket_lifecycle_configuration", "files")["rule"]
    tag_key, tag_value = storage_s3.RECORDING_TAGGING.split("=")
    by_id = {_unquote(rule["id"]): rule for rule in rules}
    backstop = by_id["recordings-school-year-backstop"]
    tag = backstop["filter"][0]["tag"][0]
    assert (_unquote(tag["key"]), _unquote(tag["value"])) == (tag_key, tag_value)
    assert backstop["expiration"][0]["days"] == "${var.recording_retention_days}"
    for rule_id, extra in (
        ("recordings-consent-withdrawn", ("consent", "withdrawn")),
        ("recordings-purpose-ended", ("purpose", "ended")),
    ):
        tags = by_id[rule_id]["filter"][0]["and"][0]["tags"]
        assert {k: _unquote(v) for k, v in tags.items()} == dict([(tag_key, tag_value), extra])
    # And no separate recordings bucket any more: everything is in the app's one bucket.
    buckets = {
        _unquote(name)
        for block in document["resource"]
        for name in block.get('"aws_s3_bucket"', {})
    }
    assert buckets == {"files", "audit", "logs"}


def test_s3_settings_from_the_environment() -> None:
    from schoolhub.platform import aws_credentials

    base = {"SCHOOLHUB_S3_ENDPOINT": "http://127.0.0.1:9000", "SCHOOLHUB_S3_BUCKET": "b-1"}
    assert storage.s3_from_environ({}, link_secret="s" * 40) is None

    static = storage.s3_from_environ(
        {
            **base,
            "SCHOOLHUB_S3_ACCESS_KEY": "AK",
            "SCHOOLHUB_S3_SECRET_KEY": "SK",
            "SCHOOLHUB_S3_SESSION_TOKEN": "TOKEN",
            # Keys win over the container endpoint, as configured keys do in the AWS SDKs.
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1/credentials",
        },
        link_secret="s" * 40,
    )
    assert static is not None and static.path_style and static.region == "us-east-1"
    assert isinstance(static.credentials, aws_credentials.StaticCredentials)

    for env, message in (
        ({**base, "SCHOOLHUB_S3_ACCESS_KEY": "AK"}, "SCHOOLHUB_S3_SECRET_KEY is not set"),
        (base, "no credentials"),
        ({"SCHOOLHUB_S3_ENDPOINT": "http://127.0.0.1:9000"}, "SCHOOLHUB_S3_BUCKET"),
        (
            {
                **base,
                "SCHOOLHUB_S3_ACCESS_KEY": "AK",
                "SCHOOLHUB_S3_SECRET_KEY": "SK",
                "SCHOOLHUB_S3_PATH_STYLE": "maybe",
            },
            "PATH_STYLE",
        ),
    ):
        with pytest.raises(RuntimeError, match=message):
            storage.s3_from_environ(env, link_secret="s" * 40)


async def test_a_session_token_is_sent_and_signed() -> None:
    key = storage.new_key(school_id=uuid4(), org_unit_id=None, area="documents", ext="pdf")
    store = storage.S3Storage(
        endpoint="https://s3.example.vn",
        bucket="b-1",
        region="us-east-1",
        access_key="ASIAEXAMPLE",
        secret_key="SK",
        session_token="SESSION/TOKEN==",
        link_secret="s" * 40,
    )
    _url, headers = await store._request("GET", key)
    assert headers["x-amz-security-token"] == "SESSION/TOKEN=="
    assert (
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"
        in headers["authorization"]
    )
    plain = await _s3("https://s3.example.vn")._request("GET", key)
    assert "x-amz-security-token" not in plain[1]
