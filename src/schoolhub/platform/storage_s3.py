"""``S3Storage``: the ``Storage`` protocol on an S3-compatible bucket (AWS, MinIO, Viettel/FPT).

Requests are SigV4 header-signed over httpx (no SDK dependency); the payload's SHA-256 is signed too.
Credentials come from a ``CredentialsProvider`` (``schoolhub.platform.aws_credentials``): fixed keys,
or the temporary ones of EKS Pod Identity, whose session token is sent as ``X-Amz-Security-Token``
and signed. Server-produced recordings (``school/<id>/recordings/<room>/...`` of class sessions and
``office/<org_unit_id>/recordings/<meeting>/...`` of office meetings: ``RECORDING_KEY_RE``) are
uploaded with the object tag ``kind=recording``: the bucket's lifecycle rules expire them by that tag
(infra/terraform/modules/storage). ``schoolhub.platform.storage`` re-exports everything here, so
callers keep importing from there.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit
from uuid import UUID

import anyio
import httpx

from schoolhub.platform.aws_credentials import (
    AwsCredentials,
    CredentialsError,
    CredentialsProvider,
    StaticCredentials,
)
from schoolhub.platform.errors import NotFound
from schoolhub.platform.storage import (
    CHUNK,
    MAX_RECORDING_BYTES,
    RECORDING_KEY_RE,
    FileError,
    LinkSigner,
    SignedRef,
    stored_key_owner,
)

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
RECORDING_TAGGING = "kind=recording"
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
    session_token: str | None = None,
) -> str:
    """A SigV4 query-string-signed URL (AWS "Authenticating Requests: Using Query Parameters"),
    for handing a direct, short-lived link to someone else. ``S3Storage`` itself signs headers.
    With temporary credentials the session token is the signed ``X-Amz-Security-Token`` parameter
    (and the link dies with the credentials, whatever ``expires_in`` says)."""
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
    if session_token:
        query["X-Amz-Security-Token"] = session_token
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
    session_token: str | None = None,
    query: str = "",
) -> dict[str, str]:
    """The headers of a SigV4 header-signed request (AWS "Signature Calculations for the
    Authorization Header: Transferring Payload in a Single Chunk"). ``path`` is already
    URI-encoded, ``query`` is the canonical query string (e.g. ``tagging=``); ``host`` must be
    exactly the Host header sent. Every header given is signed, and so is ``x-amz-security-token``
    when temporary credentials carry a session token."""
    signed: dict[str, str] = {
        "host": host,
        "x-amz-content-sha256": payload_sha256,
        "x-amz-date": now.strftime("%Y%m%dT%H%M%SZ"),
    }
    for name, value in (headers or {}).items():
        signed[name.lower()] = " ".join(value.split())
    if session_token:
        signed["x-amz-security-token"] = session_token
    names = sorted(signed)
    canonical_headers = "".join(f"{name}:{signed[name]}\n" for name in names)
    signed_names = ";".join(names)
    canonical = "\n".join([method, path, query, canonical_headers, signed_names, payload_sha256])
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
    ``delete``. Anything else the store answers (bad credentials, a missing bucket, 5xx), a network
    failure or credentials that cannot be obtained is a ``StorageError``, never a silent "not found".

    Credentials: ``credentials`` (any ``CredentialsProvider``), or ``access_key``/``secret_key``
    (with an optional ``session_token``) for fixed keys.
    """

    def __init__(
        self,
        *,
        endpoint: str,
        bucket: str,
        region: str,
        link_secret: str,
        access_key: str | None = None,
        secret_key: str | None = None,
        session_token: str | None = None,
        credentials: CredentialsProvider | None = None,
        path_style: bool = True,
        url_prefix: str = "/files",
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the S3 endpoint is a URL such as https://s3.example.com")
        if parts.path.strip("/") or parts.query:
            raise ValueError("the S3 endpoint has no path: the bucket is a separate setting")
        if not bucket:
            raise ValueError("an S3 bucket is required")
        if credentials is None:
            if not access_key or not secret_key:
                raise ValueError("an S3 access key and secret key (or a credentials provider)")
            credentials = StaticCredentials(access_key, secret_key, session_token)
        elif access_key or secret_key or session_token:
            raise ValueError("give either keys or a credentials provider, not both")
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
        self.credentials, self.path_style = credentials, path_style
        self.signer = LinkSigner(link_secret)
        self.url_prefix = url_prefix

    async def _credentials(self, method: str, key: str) -> AwsCredentials:
        try:
            return await self.credentials.get()
        except CredentialsError as exc:
            raise StorageError(
                f"S3 {method} {self.bucket}/{key} failed: no credentials: {exc}"
            ) from exc

    async def _request(
        self,
        method: str,
        key: str,
        payload_sha256: str = EMPTY_SHA256,
        headers: dict[str, str] | None = None,
        *,
        query: str = "",
    ) -> tuple[str, dict[str, str]]:
        stored_key_owner(key)  # validates the pattern before anything leaves the process
        path = quote(f"/{self.bucket}/{key}" if self.path_style else f"/{key}", safe="/-_.~")
        creds = await self._credentials(method, key)
        signed = sign_s3_headers(
            method,
            host=self._host,
            path=path,
            region=self.region,
            access_key=creds.access_key,
            secret_key=creds.secret_key,
            payload_sha256=payload_sha256,
            now=datetime.now(UTC),
            headers=headers,
            session_token=creds.token,
            query=query,
        )
        url = f"{self._scheme}://{self._host}{path}"
        return (f"{url}?{query}" if query else url), signed

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
        query: str = "",
    ) -> httpx.Response:
        url, signed = await self._request(method, key, payload_sha256, headers, query=query)
        try:
            async with self._client(seconds) as http:
                response = await http.request(method, url, content=content, headers=signed)
        except httpx.HTTPError as exc:
            raise StorageError(f"S3 {method} {self.bucket}/{key} failed: {exc!r}") from exc
        return response

    @staticmethod
    def _put_headers(key: str) -> dict[str, str]:
        """Recordings carry the tag the bucket's retention rules select them by."""
        return {"x-amz-tagging": RECORDING_TAGGING} if RECORDING_KEY_RE.match(key) else {}

    async def put(self, key: str, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()
        response = await self._send(
            "PUT", key, content=data, payload_sha256=digest, headers=self._put_headers(key)
        )
        if response.status_code != 200:
            raise self._error("PUT", key, response, response.content)

    async def put_file(self, key: str, path: Path) -> int:
        """Stream a server-produced recording from disk (never loaded whole); returns its size.
        The object is tagged ``kind=recording`` (see the module docstring)."""
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
            headers={"content-length": str(size), **self._put_headers(key)},
            seconds=600.0,
        )
        if response.status_code != 200:
            raise self._error("PUT", key, response, response.content)
        return size

    async def tags(self, key: str) -> dict[str, str]:
        """The object's tags (``GET ?tagging``); ``NotFound`` for a missing object."""
        response = await self._send("GET", key, query="tagging=", seconds=30.0)
        if response.status_code == 200:
            text = response.content.decode("utf-8", "replace")
            pairs = re.findall(
                r"<Tag>\s*<Key>([^<]*)</Key>\s*<Value>([^<]*)</Value>\s*</Tag>", text
            )
            return dict(pairs)
        if self._missing(response, response.content):
            raise NotFound("file")
        raise self._error("GET", key, response, response.content)

    async def read(self, key: str) -> bytes:
        response = await self._send("GET", key)
        if response.status_code == 200:
            return response.content
        if self._missing(response, response.content):
            raise NotFound("file")
        raise self._error("GET", key, response, response.content)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        url, signed = await self._request("GET", key)
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
