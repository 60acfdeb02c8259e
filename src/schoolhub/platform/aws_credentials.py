"""AWS credentials for the object store: fixed keys, or the container credentials endpoint.

Production pods get temporary credentials from EKS Pod Identity, which (like ECS task roles) is
the *container credentials provider* of the AWS SDKs. This module follows botocore's
``ContainerProvider``, ``ContainerMetadataFetcher`` and ``RefreshableCredentials``:

* ``AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`` (ECS) wins and means ``http://169.254.170.2<uri>``;
  otherwise ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` (EKS Pod Identity sets
  ``http://169.254.170.23/v1/credentials``). A plain-HTTP URL must name a loopback address or one of
  the agents' hosts (169.254.170.2, 169.254.170.23, fd00:ec2::23, localhost); HTTPS may name any.
* The ``Authorization`` header is the content of ``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`` (read
  again on every fetch: Kubernetes rotates the projected token), else
  ``AWS_CONTAINER_AUTHORIZATION_TOKEN``; a token with CR or LF is refused. ``Accept:
  application/json``; 2 s per attempt, 3 attempts 1 s apart.
* The answer is JSON ``AccessKeyId``/``SecretAccessKey``/``Token``/``Expiration`` (ISO 8601).
* Credentials are cached. Within 15 minutes of expiry one caller refreshes (the others keep the
  current credentials meanwhile; a failed refresh is logged and the current ones are kept); within
  10 minutes every caller waits for the refresh, and a failure is an error. One refresh at a time.

Errors are ``CredentialsError`` (``S3Storage`` turns them into a ``StorageError``). No message,
log line or ``repr`` carries a secret key, a session token or the authorization token.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit

import anyio
import httpx

log = logging.getLogger(__name__)

RELATIVE_URI_ENV = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
FULL_URI_ENV = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
TOKEN_ENV = "AWS_CONTAINER_AUTHORIZATION_TOKEN"  # noqa: S105 - a variable name
TOKEN_FILE_ENV = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"  # noqa: S105
ECS_HOST = "169.254.170.2"
ALLOWED_HTTP_HOSTS = frozenset({ECS_HOST, "169.254.170.23", "fd00:ec2::23", "localhost"})

ADVISORY_REFRESH_SECONDS = 15 * 60
MANDATORY_REFRESH_SECONDS = 10 * 60
TIMEOUT_SECONDS = 2.0
ATTEMPTS = 3
RETRY_SLEEP_SECONDS = 1.0


class CredentialsError(RuntimeError):
    """Credentials could not be obtained. The message never carries a secret."""


@dataclass(frozen=True)
class AwsCredentials:
    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None


class CredentialsProvider(Protocol):
    async def get(self) -> AwsCredentials: ...


class StaticCredentials:
    """Fixed keys (MinIO, a provider's object storage, or AWS keys with an optional session token)."""

    def __init__(self, access_key: str, secret_key: str, token: str | None = None) -> None:
        if not access_key or not secret_key:
            raise ValueError("an access key and a secret key are required")
        self._credentials = AwsCredentials(access_key, secret_key, token or None)

    async def get(self) -> AwsCredentials:
        return self._credentials

    def __repr__(self) -> str:
        return f"StaticCredentials(access_key={self._credentials.access_key!r})"


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme != "http" or not parts.hostname:
        raise CredentialsError(f"container credentials URL {url!r} is not an http(s) URL")
    try:
        if ipaddress.ip_address(parts.hostname).is_loopback:
            return
    except ValueError:
        pass
    if parts.hostname not in ALLOWED_HTTP_HOSTS:
        raise CredentialsError(
            f"container credentials URL host {parts.hostname!r} is not allowed over plain HTTP: "
            f"only a loopback address or one of {', '.join(sorted(ALLOWED_HTTP_HOSTS))}"
        )


class ContainerCredentials:
    """The container credentials endpoint (EKS Pod Identity agent, ECS), cached and refreshed.

    The fetch is blocking I/O run in a worker thread, and the refresh lock is a thread lock, so one
    provider is safe to share between event loops and threads (the process-wide storage is)."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        token_file: str | None = None,
        timeout: float = TIMEOUT_SECONDS,
        attempts: int = ATTEMPTS,
        retry_sleep: float = RETRY_SLEEP_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        _check_url(url)
        self.url = url
        self._token, self._token_file = token, token_file
        self._timeout, self._attempts, self._retry_sleep = timeout, max(1, attempts), retry_sleep
        self._clock = clock
        self._current: AwsCredentials | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> ContainerCredentials | None:
        """The provider the AWS SDKs would build from these variables, or ``None`` if unset."""
        env = os.environ if environ is None else environ
        if env.get(RELATIVE_URI_ENV):
            url = f"http://{ECS_HOST}{env[RELATIVE_URI_ENV]}"
        elif env.get(FULL_URI_ENV):
            url = env[FULL_URI_ENV]
        else:
            return None
        return cls(url, token=env.get(TOKEN_ENV), token_file=env.get(TOKEN_FILE_ENV))

    def __repr__(self) -> str:
        return f"ContainerCredentials(url={self.url!r})"

    def _remaining(self, credentials: AwsCredentials | None) -> float:
        if credentials is None or credentials.expires_at is None:
            return -1.0
        return credentials.expires_at.timestamp() - self._clock()

    async def get(self) -> AwsCredentials:
        current = self._current
        if current is not None and self._remaining(current) >= ADVISORY_REFRESH_SECONDS:
            return current  # the common case: no thread, no lock
        return await anyio.to_thread.run_sync(self._refresh)

    def _refresh(self) -> AwsCredentials:
        """botocore ``RefreshableCredentials._refresh``, with "no credentials yet" as mandatory."""
        if self._lock.acquire(blocking=False):
            try:
                current = self._current
                if current is not None and self._remaining(current) >= ADVISORY_REFRESH_SECONDS:
                    return current
                mandatory = current is None or self._remaining(current) < MANDATORY_REFRESH_SECONDS
                return self._protected_refresh(mandatory=mandatory)
            finally:
                self._lock.release()
        current = self._current
        if current is not None and self._remaining(current) >= MANDATORY_REFRESH_SECONDS:
            return current  # advisory period: another caller is refreshing, use these meanwhile
        with self._lock:  # mandatory: wait for the refresh under way, then look again
            current = self._current
            if current is not None and self._remaining(current) >= MANDATORY_REFRESH_SECONDS:
                return current
            return self._protected_refresh(mandatory=True)

    def _protected_refresh(self, *, mandatory: bool) -> AwsCredentials:
        try:
            fresh = self._fetch()
        except CredentialsError as exc:
            if mandatory or self._current is None:
                raise
            log.warning("refreshing container credentials failed (advisory period): %s", exc)
            return self._current
        if self._remaining(fresh) <= 0:
            raise CredentialsError(
                f"container credentials from {self.url} are already expired "
                f"(Expiration {fresh.expires_at:%Y-%m-%dT%H:%M:%SZ})"
            )
        self._current = fresh
        return fresh

    def _auth_token(self) -> str | None:
        token: str | None
        if self._token_file:
            try:
                with open(self._token_file, encoding="utf-8") as handle:
                    token = handle.read()
            except OSError as exc:
                raise CredentialsError(
                    f"cannot read the container authorization token file {self._token_file}: "
                    f"{exc.strerror or type(exc).__name__}"
                ) from None
        else:
            token = self._token
        if token is not None and ("\r" in token or "\n" in token):
            raise CredentialsError("the container authorization token is not a legal header value")
        return token

    def _fetch(self) -> AwsCredentials:
        token = self._auth_token()
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = token
        secrets = [token] if token else []
        error = ""
        for attempt in range(self._attempts):
            if attempt:
                time.sleep(self._retry_sleep)
            try:
                with httpx.Client(timeout=self._timeout) as http:
                    response = http.get(self.url, headers=headers)
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code != 200:
                body = response.text[:200]
                error = f"HTTP {response.status_code}: {_redact(body, secrets)}"
                continue
            try:
                data = json.loads(response.text)
            except ValueError:
                error = "the answer is not JSON"
                continue
            return _parse(data, self.url)
        raise CredentialsError(
            f"container credentials endpoint {self.url} failed after {self._attempts} "
            f"attempt(s): {_redact(error, secrets)}"
        )


def _redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _parse(data: object, url: str) -> AwsCredentials:
    if not isinstance(data, dict):
        raise CredentialsError(f"container credentials from {url}: the answer is not an object")
    fields = ("AccessKeyId", "SecretAccessKey", "Token", "Expiration")
    missing = [name for name in fields if not isinstance(data.get(name), str) or not data[name]]
    if missing:
        raise CredentialsError(
            f"container credentials from {url}: the answer did not contain {', '.join(missing)}"
        )
    try:
        expires = datetime.fromisoformat(data["Expiration"])
    except ValueError:
        raise CredentialsError(
            f"container credentials from {url}: Expiration is not an ISO 8601 time"
        ) from None
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    return AwsCredentials(data["AccessKeyId"], data["SecretAccessKey"], data["Token"], expires)
