"""The container credentials provider against a loopback fake of the endpoint (EKS Pod Identity /
ECS speak plain HTTP + JSON; no test can reach the real agent, so the fake speaks its wire protocol:
``GET`` with ``Authorization: <token>``, answer ``AccessKeyId``/``SecretAccessKey``/``Token``/
``Expiration``). Behaviour checked against botocore's ``ContainerProvider`` and
``RefreshableCredentials``."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio
import pytest

from schoolhub.platform import aws_credentials
from schoolhub.platform.aws_credentials import (
    ContainerCredentials,
    CredentialsError,
    StaticCredentials,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SECRET = "sEcReT/" + "k" * 33
SESSION = "SeSsIoN-" + "t" * 60
AUTH = "eyJhbGciOiJSUzI1NiJ9.pod-identity-token"


class FakeEndpoint:
    """The container credentials endpoint: answers are queued (status, body) or the default."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.answers: list[tuple[int, bytes]] = []
        self.expires = NOW + timedelta(hours=6)
        self.serial = 0
        self.hold: threading.Event | None = None
        self.arrived = threading.Event()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                endpoint.requests.append(dict(self.headers.items()))
                endpoint.arrived.set()
                if endpoint.hold is not None:
                    endpoint.hold.wait(30)
                status, body = endpoint.answer()
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

    def answer(self) -> tuple[int, bytes]:
        if self.answers:
            return self.answers.pop(0)
        self.serial += 1
        return 200, json.dumps(
            {
                "AccessKeyId": f"ASIAFAKE{self.serial:012d}",
                "SecretAccessKey": f"{SECRET}{self.serial}",
                "Token": f"{SESSION}{self.serial}",
                "AccountId": "111122223333",
                "Expiration": self.expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        ).encode()


@pytest.fixture
def endpoint() -> Iterator[FakeEndpoint]:
    fake = FakeEndpoint()
    yield fake
    if fake.hold is not None:
        fake.hold.set()
    fake.server.shutdown()
    fake.server.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = NOW.timestamp()

    def __call__(self) -> float:
        return self.now


def provider(endpoint: FakeEndpoint, clock: Clock, **kwargs: Any) -> ContainerCredentials:
    kwargs.setdefault("token", AUTH)
    return ContainerCredentials(endpoint.url, clock=clock, retry_sleep=0, **kwargs)


async def test_credentials_are_fetched_with_the_token_and_cached(endpoint: FakeEndpoint) -> None:
    creds = provider(endpoint, Clock())
    first = await creds.get()
    assert first.access_key == "ASIAFAKE000000000001"
    assert first.secret_key == f"{SECRET}1" and first.token == f"{SESSION}1"
    assert first.expires_at == endpoint.expires
    assert await creds.get() is first  # cached: one request for both
    assert len(endpoint.requests) == 1
    sent = endpoint.requests[0]
    assert sent["Authorization"] == AUTH and sent["Accept"] == "application/json"


async def test_the_token_file_wins_and_is_read_again_on_every_fetch(
    endpoint: FakeEndpoint, tmp_path: Path
) -> None:
    """Kubernetes rotates the projected Pod Identity token: the file is never cached."""
    token_file = tmp_path / "eks-pod-identity-token"
    token_file.write_text("token-one")
    clock = Clock()
    creds = provider(endpoint, clock, token="env-token", token_file=str(token_file))
    await creds.get()
    token_file.write_text("token-two")
    clock.now = (endpoint.expires - timedelta(minutes=5)).timestamp()
    await creds.get()
    assert [r["Authorization"] for r in endpoint.requests] == ["token-one", "token-two"]

    token_file.write_text("bad\r\nX-Injected: 1")
    clock.now = (endpoint.expires - timedelta(minutes=1)).timestamp()
    with pytest.raises(CredentialsError, match="not a legal header value") as err:
        await creds.get()
    assert "X-Injected" not in str(err.value)

    missing = provider(endpoint, Clock(), token_file=str(tmp_path / "nope"))
    with pytest.raises(CredentialsError, match="cannot read the container authorization token"):
        await missing.get()


async def test_refresh_windows_follow_botocore(
    endpoint: FakeEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    creds = provider(endpoint, clock)
    first = await creds.get()

    # More than 15 minutes left: the cached credentials, no request.
    clock.now = (endpoint.expires - timedelta(minutes=16)).timestamp()
    assert await creds.get() is first and len(endpoint.requests) == 1

    # Advisory window (< 15 min): a refresh is tried; if it fails, the current ones are kept.
    clock.now = (endpoint.expires - timedelta(minutes=12)).timestamp()
    endpoint.answers = [(500, b'{"message":"agent restarting"}')] * 3
    with caplog.at_level(logging.WARNING, logger=aws_credentials.__name__):
        assert await creds.get() is first
    assert len(endpoint.requests) == 4
    assert "advisory" in caplog.text and "HTTP 500" in caplog.text

    # Mandatory window (< 10 min): the refresh must succeed, or it is an error.
    clock.now = (endpoint.expires - timedelta(minutes=9)).timestamp()
    endpoint.answers = [(503, b"unavailable")] * 3
    with pytest.raises(CredentialsError, match="failed after 3 attempt"):
        await creds.get()

    endpoint.expires += timedelta(hours=6)
    second = await creds.get()
    assert second.access_key == "ASIAFAKE000000000002" and second.token == f"{SESSION}2"
    assert await creds.get() is second

    # Expired (the clock passed the expiry): refreshed before use, never used stale.
    clock.now = (endpoint.expires + timedelta(minutes=1)).timestamp()
    endpoint.expires = NOW + timedelta(days=2)
    assert (await creds.get()).access_key == "ASIAFAKE000000000003"

    for record in caplog.records:
        assert SECRET not in record.getMessage() and SESSION not in record.getMessage()


async def test_one_refresh_at_a_time(endpoint: FakeEndpoint) -> None:
    creds = provider(endpoint, Clock())
    endpoint.hold = threading.Event()
    got: list[str] = []

    async def one() -> None:
        got.append((await creds.get()).access_key)

    async with anyio.create_task_group() as tasks:
        for _ in range(20):
            tasks.start_soon(one)
        await anyio.to_thread.run_sync(endpoint.arrived.wait, 30)
        await anyio.sleep(0.3)  # let the other callers reach the lock (a wait, not an assertion)
        endpoint.hold.set()
    assert len(endpoint.requests) == 1
    assert got == ["ASIAFAKE000000000001"] * 20


async def test_retries_then_succeeds(endpoint: FakeEndpoint) -> None:
    endpoint.answers = [(500, b"x"), (200, b"not json")]
    creds = await provider(endpoint, Clock()).get()
    assert creds.access_key == "ASIAFAKE000000000001"
    assert len(endpoint.requests) == 3


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"AccessKeyId": "ASIA1", "SecretAccessKey": SECRET, "Expiration": "x"}, "Token"),
        (
            {
                "AccessKeyId": "ASIA1",
                "SecretAccessKey": SECRET,
                "Token": SESSION,
                "Expiration": "?",
            },
            "Expiration is not an ISO 8601 time",
        ),
        (
            {
                "AccessKeyId": "ASIA1",
                "SecretAccessKey": SECRET,
                "Token": SESSION,
                "Expiration": "2026-11-28T11:00:00Z",
            },
            "already expired",
        ),
        (["not", "an", "object"], "not an object"),
    ],
)
async def test_bad_answers_are_clear_errors_without_secrets(
    endpoint: FakeEndpoint, answer: object, message: str
) -> None:
    endpoint.answers = [(200, json.dumps(answer).encode())]
    with pytest.raises(CredentialsError, match=message) as err:
        await provider(endpoint, Clock()).get()
    assert SECRET not in str(err.value) and SESSION not in str(err.value)


async def test_a_failing_endpoint_never_echoes_the_token(endpoint: FakeEndpoint) -> None:
    endpoint.answers = [(403, f'{{"message":"bad token {AUTH}"}}'.encode())] * 3
    with pytest.raises(CredentialsError) as err:
        await provider(endpoint, Clock()).get()
    message = str(err.value)
    assert "HTTP 403" in message and endpoint.url in message
    assert AUTH not in message and "***" in message


async def test_a_dead_endpoint_is_an_error_not_a_hang() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1/credentials"
    with pytest.raises(CredentialsError, match="ConnectError"):
        await ContainerCredentials(url, retry_sleep=0).get()


def test_environment_like_the_aws_sdks() -> None:
    assert ContainerCredentials.from_environ({}) is None
    full = ContainerCredentials.from_environ(
        {
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1/credentials",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/var/run/token",
        }
    )
    assert full is not None and full.url == "http://169.254.170.23/v1/credentials"
    relative = ContainerCredentials.from_environ(
        {
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1/credentials",
        }
    )
    assert relative is not None and relative.url == "http://169.254.170.2/v2/credentials/abc"
    for allowed in (
        "http://[fd00:ec2::23]/v1/credentials",
        "http://localhost:8080/creds",
        "http://127.0.0.5/creds",
        "http://[::1]/creds",
        "https://creds.example.com/v1",
    ):
        ContainerCredentials(allowed)
    for refused in ("http://10.0.0.1/creds", "http://example.com/creds", "ftp://127.0.0.1/x"):
        with pytest.raises(CredentialsError, match="not"):
            ContainerCredentials(refused)


async def test_secrets_stay_out_of_reprs() -> None:
    static = StaticCredentials("AKIAEXAMPLE", SECRET, SESSION)
    creds = await static.get()
    assert creds.token == SESSION
    for text in (repr(static), repr(creds), str(creds)):
        assert SECRET not in text and SESSION not in text
    assert (await StaticCredentials("AK", "SK", "").get()).token is None
    with pytest.raises(ValueError, match="secret key"):
        StaticCredentials("AK", "")
