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
* ``S3Storage`` (module ``storage_s3``, re-exported here) speaks to any S3-compatible store (AWS,
  MinIO, Viettel/FPT object storage) with SigV4 header-signed requests over httpx (no SDK
  dependency); the payload's SHA-256 is signed too. Credentials are fixed keys or, on EKS, the
  temporary ones of Pod Identity (``aws_credentials``), see :func:`s3_from_environ`. It behaves like
  ``LocalStorage`` (a missing object is ``NotFound``/``False``), and anything else the store answers
  is a ``StorageError``, never a silent "not found". Recordings are tagged ``kind=recording`` for
  the bucket's retention rules. ``tests/integration/platform/test_storage_s3.py`` runs both against
  a real S3 server (moto with signature checking on). Clients still download through
  ``/files/<token>`` so the school check happens in our code; the bucket is never public.
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
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

import anyio

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
# Server-produced room recordings (never user uploads): ``school/<id>/recordings/<room>/<file>``
# for class sessions, ``office/<org_unit_id>/recordings/<meeting>/<file>`` for office meetings.
RECORDING_KEY_RE = re.compile(
    r"^(school|office)/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
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


def new_recording_key(
    *, school_id: UUID | None = None, org_unit_id: UUID | None = None, room_id: UUID, ext: str
) -> str:
    """A key for one recording segment of a school's room or an office's meeting (exactly one
    owner; ``ext``: ``webm`` or ``mkv``)."""
    if (school_id is None) == (org_unit_id is None):
        raise ValueError("a recording belongs to exactly one school or one office")
    owner = f"school/{school_id}" if school_id is not None else f"office/{org_unit_id}"
    key = f"{owner}/recordings/{room_id}/{uuid.uuid4().hex}.{ext}"
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


# The S3 implementation lives in ``storage_s3`` (which imports this module); its names are
# re-exported here lazily, so ``from schoolhub.platform.storage import S3Storage`` keeps working.
_S3_EXPORTS = frozenset(
    {"EMPTY_SHA256", "S3Storage", "StorageError", "presign_s3", "sign_s3_headers"}
)

if TYPE_CHECKING:
    from schoolhub.platform.storage_s3 import EMPTY_SHA256 as EMPTY_SHA256  # noqa: PLC0414
    from schoolhub.platform.storage_s3 import S3Storage as S3Storage  # noqa: PLC0414
    from schoolhub.platform.storage_s3 import StorageError as StorageError  # noqa: PLC0414
    from schoolhub.platform.storage_s3 import presign_s3 as presign_s3  # noqa: PLC0414
    from schoolhub.platform.storage_s3 import sign_s3_headers as sign_s3_headers  # noqa: PLC0414


def __getattr__(name: str) -> object:
    if name in _S3_EXPORTS:
        from schoolhub.platform import storage_s3

        return getattr(storage_s3, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_storage: Storage | None = None


def s3_from_environ(environ: Mapping[str, str], *, link_secret: str) -> S3Storage | None:
    """The ``S3Storage`` the environment describes, or ``None`` without ``SCHOOLHUB_S3_ENDPOINT``.

    ``SCHOOLHUB_S3_BUCKET`` is required; ``SCHOOLHUB_S3_REGION`` (else ``AWS_REGION``, else
    us-east-1); ``SCHOOLHUB_S3_PATH_STYLE=false`` for virtual-hosted addressing
    (``<bucket>.s3.<region>.amazonaws.com``). Credentials: ``SCHOOLHUB_S3_ACCESS_KEY`` and
    ``_SECRET_KEY`` (optional ``_SESSION_TOKEN``) when set, else the container credentials endpoint
    (EKS Pod Identity, ECS: ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` / ``_RELATIVE_URI``)."""
    from schoolhub.platform.aws_credentials import (
        ContainerCredentials,
        CredentialsProvider,
        StaticCredentials,
    )
    from schoolhub.platform.storage_s3 import S3Storage

    endpoint = environ.get("SCHOOLHUB_S3_ENDPOINT", "")
    if not endpoint:
        return None
    bucket = environ.get("SCHOOLHUB_S3_BUCKET", "")
    if not bucket:
        raise RuntimeError("SCHOOLHUB_S3_ENDPOINT is set but not SCHOOLHUB_S3_BUCKET")
    access = environ.get("SCHOOLHUB_S3_ACCESS_KEY", "")
    secret = environ.get("SCHOOLHUB_S3_SECRET_KEY", "")
    credentials: CredentialsProvider | None
    if access or secret:
        if not (access and secret):
            missing = "SCHOOLHUB_S3_SECRET_KEY" if access else "SCHOOLHUB_S3_ACCESS_KEY"
            raise RuntimeError(f"SCHOOLHUB_S3_ACCESS_KEY/_SECRET_KEY: {missing} is not set")
        credentials = StaticCredentials(
            access, secret, environ.get("SCHOOLHUB_S3_SESSION_TOKEN") or None
        )
    else:
        credentials = ContainerCredentials.from_environ(environ)
        if credentials is None:
            raise RuntimeError(
                "SCHOOLHUB_S3_ENDPOINT is set but there are no credentials: set "
                "SCHOOLHUB_S3_ACCESS_KEY and SCHOOLHUB_S3_SECRET_KEY, or run with container "
                "credentials (EKS Pod Identity: AWS_CONTAINER_CREDENTIALS_FULL_URI)"
            )
    path_style = environ.get("SCHOOLHUB_S3_PATH_STYLE", "true").strip().lower()
    if path_style not in ("true", "false"):
        raise RuntimeError("SCHOOLHUB_S3_PATH_STYLE is true or false")
    return S3Storage(
        endpoint=endpoint,
        bucket=bucket,
        region=environ.get("SCHOOLHUB_S3_REGION") or environ.get("AWS_REGION") or "us-east-1",
        credentials=credentials,
        link_secret=link_secret,
        path_style=path_style == "true",
    )


def get_storage() -> Storage:
    """The process-wide storage: S3-compatible when ``SCHOOLHUB_S3_ENDPOINT`` is set (see
    :func:`s3_from_environ`), else local disk under ``SCHOOLHUB_DATA_DIR/files``."""
    global _storage
    from schoolhub.platform import settings as settings_mod

    cfg = settings_mod.current()
    if _storage is None:
        _storage = s3_from_environ(os.environ, link_secret=cfg.jwt_secret)
    root = cfg.data_dir / "files"
    if _storage is None or (isinstance(_storage, LocalStorage) and _storage.root != root):
        _storage = LocalStorage(root, cfg.jwt_secret)
    return _storage


def set_storage(storage: Storage | None) -> None:
    global _storage
    _storage = storage
