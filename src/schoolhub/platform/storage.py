"""File storage: one interface, a local-disk implementation, signed expiring download links.

Design note (RELIABILITY.md §3.4 item 4):

* Every object key starts with its owner: ``school/<school_id>/...`` or ``office/<org_unit_id>/...``.
  Keys are generated here (never taken from a client as-is) and validated against a strict pattern,
  so a key can neither escape the storage root nor name another owner's prefix by accident.
* Uploads are checked before anything is written: at most ``MAX_BYTES`` and one of a few types,
  recognised by their magic bytes (a ``.pdf`` that is really a ZIP is refused). The stored content
  type is the detected one, never the client's claim.
* A download link is ``/files/<token>``: an HMAC-SHA256 signed, expiring reference to (key, the
  school or office it was issued for). The key is derived from ``settings.jwt_secret`` with a
  purpose label, so a JWT can never be replayed as a file token or vice versa. The HTTP route
  (``schoolhub.web.workspace_documents``) also requires a Bearer token whose principal belongs to
  the link's school (or office): a leaked link alone is useless, and school A's link is a 404 for a
  user of school B.
* ``S3Storage`` speaks to any S3-compatible store (AWS, MinIO, Viettel/FPT object storage) with
  SigV4 header-signed requests over httpx (no SDK dependency); the payload's SHA-256 is signed too.
  It behaves like ``LocalStorage`` (a missing object is ``NotFound``/``False``), and anything else
  the store answers is a ``StorageError``, never a silent "not found".
  ``tests/integration/platform/test_storage_s3.py`` runs both against a real S3 server (moto with
  signature checking on). Clients still download through ``/files/<token>`` so the school check
  happens in our code; the bucket is never public.
  Payments receipts and realtime recordings should depend on the ``Storage`` protocol only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import re
import time
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlsplit
from uuid import UUID

import anyio
import httpx

from schoolhub.platform.errors import DomainError, InvalidInput, NotFound

MAX_BYTES = 20 * 1024 * 1024
CHUNK = 256 * 1024
KEY_RE = re.compile(
    r"^(school|office)/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"/[a-z0-9_-]{1,32}/[0-9a-f]{32}\.(pdf|docx|xlsx|jpg|png)$"
)
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
    "webm": "video/webm",
    "mkv": "video/x-matroska",
}
# Server-produced room recordings (never user uploads): ``school/<id>/recordings/<room>/<file>``.
RECORDING_KEY_RE = re.compile(
    r"^school/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"/recordings/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"/[0-9a-f]{32}\.(webm|mkv)$"
)
MAX_RECORDING_BYTES = 2 * 1024 * 1024 * 1024
_EXT_ALIASES = {"jpeg": "jpg"}


class FileError(DomainError):
    """Codes are mirrored in ``DocumentsErrorCode`` so the GraphQL enum carries them."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class SignedRef:
    key: str
    school_id: UUID | None
    org_unit_id: UUID | None
    expires_at: int


def detect_type(data: bytes) -> str | None:
    """The file's real type from its content (None if not one of the allowed types)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
    return None


def check_upload(filename: str, data: bytes) -> str:
    """Validate an upload; return its extension. Raises a coded ``FileError``; writes nothing."""
    if len(data) > MAX_BYTES:
        raise FileError(
            f"file is larger than {MAX_BYTES // (1024 * 1024)} MB",
            code="FILE_TOO_LARGE",
            field="file",
        )
    if not data:
        raise FileError("file is empty", code="FILE_TYPE_NOT_ALLOWED", field="file")
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    ext = _EXT_ALIASES.get(ext, ext)
    detected = detect_type(data)
    if detected is None or detected != ext:
        raise FileError(
            "only pdf, docx, xlsx, jpg and png files are accepted (checked by content)",
            code="FILE_TYPE_NOT_ALLOWED",
            field="file",
        )
    return detected


def clean_filename(filename: str) -> str:
    name = os.path.basename(filename.replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?')
    return name[:200] or "file"


def new_key(*, school_id: UUID | None, org_unit_id: UUID | None, area: str, ext: str) -> str:
    if (school_id is None) == (org_unit_id is None):
        raise ValueError("a key belongs to exactly one school or one office")
    owner = f"school/{school_id}" if school_id else f"office/{org_unit_id}"
    key = f"{owner}/{area}/{uuid.uuid4().hex}.{ext}"
    if not KEY_RE.match(key):
        raise ValueError(f"bad key {key!r}")
    return key


def new_recording_key(*, school_id: UUID, room_id: UUID, ext: str) -> str:
    """A key for one recording segment of a school's room (``ext``: ``webm`` or ``mkv``)."""
    key = f"school/{school_id}/recordings/{room_id}/{uuid.uuid4().hex}.{ext}"
    if not RECORDING_KEY_RE.match(key):
        raise ValueError(f"bad recording key {key!r}")
    return key


def key_owner(key: str) -> tuple[str, UUID]:
    """Owner of a user-file key (documents, uploads). Recording keys are refused here, so a
    recording can never be attached to a document and shown beyond the class; storage and
    links use :func:`stored_key_owner`."""
    if not KEY_RE.match(key):
        raise InvalidInput("malformed file key", code="INVALID_FILE_KEY", field="key")
    kind, owner, _ = key.split("/", 2)
    return kind, UUID(owner)


def stored_key_owner(key: str) -> tuple[str, UUID]:
    """Owner of any stored key: user files and server-produced recordings."""
    if not (KEY_RE.match(key) or RECORDING_KEY_RE.match(key)):
        raise InvalidInput("malformed file key", code="INVALID_FILE_KEY", field="key")
    kind, owner, _ = key.split("/", 2)
    return kind, UUID(owner)


class LinkSigner:
    """HMAC-signed, expiring file references (the key is derived, never the JWT secret itself)."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("a signing secret is required")
        self._key = hmac.new(secret.encode(), b"schoolhub.storage.link.v1", hashlib.sha256).digest()

    def _mac(self, body: bytes) -> str:
        digest = hmac.new(self._key, body, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(
        self,
        key: str,
        expires_in: int,
        *,
        school_id: UUID | None = None,
        org_unit_id: UUID | None = None,
        now: float | None = None,
    ) -> str:
        if (school_id is None) == (org_unit_id is None):
            raise ValueError("a link is issued for exactly one school or one office")
        if not 1 <= expires_in <= 3600:
            raise ValueError("links live between 1 second and 1 hour")
        stored_key_owner(key)
        exp = int((now if now is not None else time.time()) + expires_in)
        claims = {"k": key, "e": exp, "s": str(school_id or ""), "o": str(org_unit_id or "")}
        body = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode())
        raw = body.rstrip(b"=")
        return f"{raw.decode()}.{self._mac(raw)}"

    def verify(self, token: str, *, now: float | None = None) -> SignedRef:
        """The reference, or ``NotFound`` for anything forged, malformed or expired (no oracle)."""
        body, _, mac = token.partition(".")
        if not body or not mac or not hmac.compare_digest(self._mac(body.encode()), mac):
            raise NotFound("file")
        try:
            padded = body + "=" * (-len(body) % 4)
            claims = json.loads(base64.urlsafe_b64decode(padded.encode()))
            key, exp = str(claims["k"]), int(claims["e"])
            school = UUID(claims["s"]) if claims["s"] else None
            office = UUID(claims["o"]) if claims["o"] else None
        except (ValueError, KeyError, TypeError) as exc:
            raise NotFound("file") from exc
        if exp < (now if now is not None else time.time()):
            raise NotFound("file")
        return SignedRef(key=key, school_id=school, org_unit_id=office, expires_at=exp)


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    async def put_file(self, key: str, path: Path) -> int: ...

    async def read(self, key: str) -> bytes: ...

    def open(self, key: str) -> AsyncIterator[bytes]: ...

    async def delete(self, key: str) -> None: ...

    async def exists(self, key: str) -> bool: ...

    def signed_url(
        self,
        key: str,
        expires_in: int,
        school_id: UUID | None,
        *,
        org_unit_id: UUID | None = None,
    ) -> str: ...

    def verify(self, token: str) -> SignedRef: ...


class LocalStorage:
    """Files under ``<root>/<key>``; writes go to a temporary file then an atomic rename."""

    def __init__(self, root: Path, secret: str, url_prefix: str = "/files") -> None:
        self.root = root
        self.signer = LinkSigner(secret)
        self.url_prefix = url_prefix

    def _path(self, key: str) -> Path:
        stored_key_owner(key)  # validates the pattern: no "..", no absolute paths
        return self.root / key

    async def put(self, key: str, data: bytes) -> None:
        path = self._path(key)

        def _write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)

        await anyio.to_thread.run_sync(_write)

    async def put_file(self, key: str, path: Path) -> int:
        """Copy a server-produced recording (streamed, never loaded whole); returns its size."""
        if not RECORDING_KEY_RE.match(key):
            raise ValueError("put_file is for recording keys only")
        target = self._path(key)

        def _copy() -> int:
            size = path.stat().st_size
            if size > MAX_RECORDING_BYTES:
                raise FileError("recording is too large", code="FILE_TOO_LARGE", field="file")
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
            with path.open("rb") as src, tmp.open("wb") as dst:
                while chunk := src.read(CHUNK):
                    dst.write(chunk)
            os.replace(tmp, target)
            return size

        return await anyio.to_thread.run_sync(_copy)

    async def read(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await anyio.to_thread.run_sync(path.read_bytes)
        except FileNotFoundError as exc:
            raise NotFound("file") from exc

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            handle = await anyio.open_file(path, "rb")
        except FileNotFoundError as exc:
            raise NotFound("file") from exc
        async with handle:
            while chunk := await handle.read(CHUNK):
                yield chunk

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))

    async def exists(self, key: str) -> bool:
        path = self._path(key)
        return await anyio.to_thread.run_sync(path.is_file)

    def signed_url(
        self,
        key: str,
        expires_in: int,
        school_id: UUID | None,
        *,
        org_unit_id: UUID | None = None,
    ) -> str:
        token = self.signer.sign(key, expires_in, school_id=school_id, org_unit_id=org_unit_id)
        return f"{self.url_prefix}/{token}"

    def verify(self, token: str) -> SignedRef:
        return self.signer.verify(token)


EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_S3_ERROR_CODE = re.compile(r"<Code>([^<]{1,64})</Code>")
_S3_ERROR_MESSAGE = re.compile(r"<Message>([^<]{0,300})</Message>")


class StorageError(RuntimeError):
    """The object store refused or failed a request (bad credentials, missing bucket, outage).

    Not a ``DomainError``: it is an operator's problem, logged and shown to clients as an internal
    error. The message names the method, the key, the HTTP status and the store's error code; it
    never carries a signature or a secret."""


def _sigv4_signing_key(secret_key: str, day: str, region: str) -> bytes:
    signing = f"AWS4{secret_key}".encode()
    for part in (day, region, "s3", "aws4_request"):
        signing = hmac.new(signing, part.encode(), hashlib.sha256).digest()
    return signing


def _sigv4_signature(secret_key: str, now: datetime, region: str, canonical: str) -> str:
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    signing = _sigv4_signing_key(secret_key, day, region)
    return hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()


def presign_s3(
    method: str,
    *,
    endpoint: str,
    bucket: str,
    key: str,
    region: str,
    access_key: str,
    secret_key: str,
    expires_in: int,
    now: datetime,
    path_style: bool = True,
) -> str:
    """A SigV4 query-string-signed URL (AWS "Authenticating Requests: Using Query Parameters"),
    for handing a direct, short-lived link to someone else. ``S3Storage`` itself signs headers."""
    parts = urlsplit(endpoint)
    host = parts.netloc if path_style else f"{bucket}.{parts.netloc}"
    path = (f"/{bucket}/{key}" if path_style else f"/{key}").replace("//", "/")
    canonical_path = quote(path, safe="/-_.~")
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    query = {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": f"{access_key}/{day}/{region}/s3/aws4_request",
        "X-Amz-Date": stamp,
        "X-Amz-Expires": str(expires_in),
        "X-Amz-SignedHeaders": "host",
    }
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query.items())
    )
    canonical = "\n".join(
        [method, canonical_path, canonical_query, f"host:{host}", "", "host", "UNSIGNED-PAYLOAD"]
    )
    signature = _sigv4_signature(secret_key, now, region, canonical)
    return f"{parts.scheme}://{host}{canonical_path}?{canonical_query}&X-Amz-Signature={signature}"


def sign_s3_headers(
    method: str,
    *,
    host: str,
    path: str,
    region: str,
    access_key: str,
    secret_key: str,
    payload_sha256: str,
    now: datetime,
    headers: dict[str, str] | None = None,
) -> dict[str, str]:
    """The headers of a SigV4 header-signed request (AWS "Signature Calculations for the
    Authorization Header: Transferring Payload in a Single Chunk"). ``path`` is already
    URI-encoded; ``host`` must be exactly the Host header sent. Every header given is signed."""
    signed: dict[str, str] = {
        "host": host,
        "x-amz-content-sha256": payload_sha256,
        "x-amz-date": now.strftime("%Y%m%dT%H%M%SZ"),
    }
    for name, value in (headers or {}).items():
        signed[name.lower()] = " ".join(value.split())
    names = sorted(signed)
    canonical_headers = "".join(f"{name}:{signed[name]}\n" for name in names)
    signed_names = ";".join(names)
    canonical = "\n".join([method, path, "", canonical_headers, signed_names, payload_sha256])
    signature = _sigv4_signature(secret_key, now, region, canonical)
    scope = f"{now.strftime('%Y%m%d')}/{region}/s3/aws4_request"
    signed["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope},"
        f"SignedHeaders={signed_names},Signature={signature}"
    )
    return signed


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class S3Storage:
    """An S3-compatible bucket, spoken to with SigV4 header-signed requests over httpx.

    Every request signs its payload's SHA-256 (the store refuses a body altered on the way, or a
    recording that changed while it was uploaded). Outcomes map to the ``LocalStorage`` ones: a
    missing object is ``NotFound`` for ``read``/``open``, ``False`` for ``exists``, nothing for
    ``delete``. Anything else the store answers (bad credentials, a missing bucket, 5xx) or a
    network failure is a ``StorageError``, never a silent "not found".
    """

    def __init__(
        self,
        *,
        endpoint: str,
        bucket: str,
        region: str,
        access_key: str,
        secret_key: str,
        link_secret: str,
        path_style: bool = True,
        url_prefix: str = "/files",
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the S3 endpoint is a URL such as https://s3.example.com")
        if parts.path.strip("/") or parts.query:
            raise ValueError("the S3 endpoint has no path: the bucket is a separate setting")
        if not bucket or not access_key or not secret_key:
            raise ValueError("an S3 bucket, access key and secret key are required")
        # The Host header httpx sends (and so the one to sign): no default port, IPv6 bracketed.
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        if parts.port is not None and (parts.scheme, parts.port) not in (
            ("http", 80),
            ("https", 443),
        ):
            host = f"{host}:{parts.port}"
        self.endpoint, self.bucket, self.region = f"{parts.scheme}://{host}", bucket, region
        self._host = host if path_style else f"{bucket}.{host}"
        self._scheme = parts.scheme
        self._access, self._secret, self.path_style = access_key, secret_key, path_style
        self.signer = LinkSigner(link_secret)
        self.url_prefix = url_prefix

    def _request(
        self,
        method: str,
        key: str,
        payload_sha256: str = EMPTY_SHA256,
        headers: dict[str, str] | None = None,
    ) -> tuple[str, dict[str, str]]:
        stored_key_owner(key)  # validates the pattern before anything leaves the process
        path = quote(f"/{self.bucket}/{key}" if self.path_style else f"/{key}", safe="/-_.~")
        signed = sign_s3_headers(
            method,
            host=self._host,
            path=path,
            region=self.region,
            access_key=self._access,
            secret_key=self._secret,
            payload_sha256=payload_sha256,
            now=datetime.now(UTC),
            headers=headers,
        )
        return f"{self._scheme}://{self._host}{path}", signed

    @staticmethod
    def _client(seconds: float = 60.0) -> httpx.AsyncClient:
        """Bounded waits: 10 s to connect, ``seconds`` for each read or write (a dead or
        black-holed endpoint is an error, never a hang)."""
        return httpx.AsyncClient(timeout=httpx.Timeout(seconds, connect=10.0))

    @staticmethod
    def _code(body: bytes) -> str:
        found = _S3_ERROR_CODE.search(body[:4096].decode("utf-8", "replace"))
        return found.group(1) if found else ""

    def _error(self, method: str, key: str, response: httpx.Response, body: bytes) -> StorageError:
        text = body[:4096].decode("utf-8", "replace")
        message = _S3_ERROR_MESSAGE.search(text)
        detail = f": {message.group(1)}" if message else ""
        code = self._code(body) or response.reason_phrase
        return StorageError(
            f"S3 {method} {self.bucket}/{key} failed: HTTP {response.status_code} {code}{detail}"
        )

    def _missing(self, response: httpx.Response, body: bytes) -> bool:
        """A 404 for the object itself (not for the bucket, which is a configuration error)."""
        return response.status_code == 404 and self._code(body) != "NoSuchBucket"

    async def _send(
        self,
        method: str,
        key: str,
        *,
        content: bytes | AsyncIterator[bytes] | None = None,
        payload_sha256: str = EMPTY_SHA256,
        headers: dict[str, str] | None = None,
        seconds: float = 60.0,
    ) -> httpx.Response:
        url, signed = self._request(method, key, payload_sha256, headers)
        try:
            async with self._client(seconds) as http:
                response = await http.request(method, url, content=content, headers=signed)
        except httpx.HTTPError as exc:
            raise StorageError(f"S3 {method} {self.bucket}/{key} failed: {exc!r}") from exc
        return response

    async def put(self, key: str, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()
        response = await self._send("PUT", key, content=data, payload_sha256=digest)
        if response.status_code != 200:
            raise self._error("PUT", key, response, response.content)

    async def put_file(self, key: str, path: Path) -> int:
        """Stream a server-produced recording from disk (never loaded whole); returns its size."""
        if not RECORDING_KEY_RE.match(key):
            raise ValueError("put_file is for recording keys only")
        size = (await anyio.Path(path).stat()).st_size
        if size > MAX_RECORDING_BYTES:
            raise FileError("recording is too large", code="FILE_TOO_LARGE", field="file")
        digest = await anyio.to_thread.run_sync(_file_sha256, path)

        async def _chunks() -> AsyncIterator[bytes]:
            handle = await anyio.open_file(path, "rb")
            async with handle:
                while chunk := await handle.read(CHUNK):
                    yield chunk

        # An explicit Content-Length: S3 refuses a chunked transfer-encoding on PUT.
        response = await self._send(
            "PUT",
            key,
            content=_chunks(),
            payload_sha256=digest,
            headers={"content-length": str(size)},
            seconds=600.0,
        )
        if response.status_code != 200:
            raise self._error("PUT", key, response, response.content)
        return size

    async def read(self, key: str) -> bytes:
        response = await self._send("GET", key)
        if response.status_code == 200:
            return response.content
        if self._missing(response, response.content):
            raise NotFound("file")
        raise self._error("GET", key, response, response.content)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        url, signed = self._request("GET", key)
        try:
            async with (
                self._client() as http,
                http.stream("GET", url, headers=signed) as response,
            ):
                if response.status_code != 200:
                    body = await response.aread()
                    if self._missing(response, body):
                        raise NotFound("file")
                    raise self._error("GET", key, response, body)
                async for chunk in response.aiter_bytes(CHUNK):
                    yield chunk
        except httpx.HTTPError as exc:
            raise StorageError(f"S3 GET {self.bucket}/{key} failed: {exc!r}") from exc

    async def delete(self, key: str) -> None:
        response = await self._send("DELETE", key, seconds=30.0)
        if response.status_code in (200, 204):
            return
        if self._missing(response, response.content):
            return
        raise self._error("DELETE", key, response, response.content)

    async def exists(self, key: str) -> bool:
        """A HEAD answer has no body, so a missing bucket also reads as ``False`` here; every
        other failure (403 for bad credentials, 5xx) raises instead of hiding as a missing file."""
        response = await self._send("HEAD", key, seconds=30.0)
        if response.status_code == 200:
            return True
        if response.status_code == 404:
            return False
        error = self._error("HEAD", key, response, b"")
        if response.status_code == 403:  # no body to name the cause: say where to look
            error = StorageError(f"{error} (check the S3 access key, secret key and policy)")
        raise error

    def signed_url(
        self,
        key: str,
        expires_in: int,
        school_id: UUID | None,
        *,
        org_unit_id: UUID | None = None,
    ) -> str:
        token = self.signer.sign(key, expires_in, school_id=school_id, org_unit_id=org_unit_id)
        return f"{self.url_prefix}/{token}"

    def verify(self, token: str) -> SignedRef:
        return self.signer.verify(token)


_storage: Storage | None = None


def get_storage() -> Storage:
    """The process-wide storage: S3-compatible when ``SCHOOLHUB_S3_ENDPOINT`` (with ``_BUCKET``,
    ``_REGION``, ``_ACCESS_KEY``, ``_SECRET_KEY``) is set, else local disk under
    ``SCHOOLHUB_DATA_DIR/files``."""
    global _storage
    from schoolhub.platform import settings as settings_mod

    cfg = settings_mod.current()
    endpoint = os.environ.get("SCHOOLHUB_S3_ENDPOINT", "")
    if endpoint and _storage is None:
        required = ("SCHOOLHUB_S3_BUCKET", "SCHOOLHUB_S3_ACCESS_KEY", "SCHOOLHUB_S3_SECRET_KEY")
        missing = [name for name in required if not os.environ.get(name)]
        if missing:
            raise RuntimeError(f"SCHOOLHUB_S3_ENDPOINT is set but not {', '.join(missing)}")
        _storage = S3Storage(
            endpoint=endpoint,
            bucket=os.environ["SCHOOLHUB_S3_BUCKET"],
            region=os.environ.get("SCHOOLHUB_S3_REGION") or "us-east-1",
            access_key=os.environ["SCHOOLHUB_S3_ACCESS_KEY"],
            secret_key=os.environ["SCHOOLHUB_S3_SECRET_KEY"],
            link_secret=cfg.jwt_secret,
        )
    root = cfg.data_dir / "files"
    if _storage is None or (isinstance(_storage, LocalStorage) and _storage.root != root):
        _storage = LocalStorage(root, cfg.jwt_secret)
    return _storage


def set_storage(storage: Storage | None) -> None:
    global _storage
    _storage = storage
