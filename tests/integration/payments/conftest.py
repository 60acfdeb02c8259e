"""Fixtures: the VNPay simulator and a tiny merchant IPN receiver, both on loopback threads.

The receiver verifies every IPN with the real `VnpayClient` and answers with a per-order
script of replies (default `00`), so tests can drive VNPay's retry rule deterministically.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar import Litestar, Request, Response, get, post

from schoolhub.payments.vnpay import (
    VerifiedCallback,
    VnpayClient,
    VnpayError,
    VnpayMerchant,
    ipn_reply,
)
from schoolhub.simulators.server import run_app_in_thread
from schoolhub.simulators.vnpay import run_simulator_in_thread

TMN_CODE = "SIMTEST1"
SECRET = "SIMSECRET0123456789ABCDEFGHIJKLM"
MERCHANT = VnpayMerchant(TMN_CODE, SECRET)
RETURN_URL = "https://school.example.vn/vnpay/return?school=abc"
CUSTOMER_IP = "203.0.113.10"
SERVER_IP = "198.51.100.7"


@dataclass
class IpnReceiver:
    """What the merchant's IPN endpoint saw; `script[txn_ref]` lists replies to give."""

    url: str = ""
    script: dict[str, list[str]] = field(default_factory=dict)
    calls: dict[str, list[VerifiedCallback | str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def calls_for(self, txn_ref: str) -> list[VerifiedCallback | str]:
        with self.lock:
            return list(self.calls.get(txn_ref, []))


def _receiver_app(receiver: IpnReceiver) -> Litestar:
    client = VnpayClient(MERCHANT)

    @get("/ipn")
    async def ipn(request: Request[Any, Any, Any]) -> Response[Any]:
        query = dict(request.query_params)
        txn_ref = query.get("vnp_TxnRef", "?")
        try:
            outcome: VerifiedCallback | str = client.verify_callback(query)
            default = "00"
        except VnpayError as exc:
            outcome, default = type(exc).__name__, "97"
        with receiver.lock:
            receiver.calls.setdefault(txn_ref, []).append(outcome)
            script = receiver.script.get(txn_ref, [])
            reply = script.pop(0) if script else default
        if reply == "sleep":  # slower than the simulator's IPN timeout
            await asyncio.sleep(0.5)
            return Response(ipn_reply("00"))
        if reply == "nonjson":
            return Response("<html>oops</html>", media_type="text/html")
        return Response(ipn_reply(reply))

    @post("/slow/merchant_webapi/api/transaction", status_code=200)
    async def slow() -> dict[str, str]:
        await asyncio.sleep(0.6)
        return {}

    @post("/broken/merchant_webapi/api/transaction", status_code=503)
    async def broken() -> dict[str, str]:
        return {"error": "maintenance"}

    return Litestar(route_handlers=[ipn, slow, broken])


@pytest.fixture(scope="session")
def ipn_receiver() -> Iterator[IpnReceiver]:
    receiver = IpnReceiver()
    base_url, stop = run_app_in_thread(_receiver_app(receiver))
    receiver.url = f"{base_url}/ipn"
    yield receiver
    stop()


@pytest.fixture(scope="session")
def simulator_url(ipn_receiver: IpnReceiver) -> Iterator[str]:
    base_url, stop = run_simulator_in_thread(
        {TMN_CODE: SECRET},
        {TMN_CODE: ipn_receiver.url},
        ipn_retry_interval=0.02,
        ipn_timeout=2.0,
    )
    yield base_url
    stop()


@dataclass
class SimEnv:
    """Everything a test needs: the simulator, the receiver, a raw HTTP client, our client."""

    url: str
    receiver: IpnReceiver
    http: httpx.AsyncClient
    client: VnpayClient
    merchant: VnpayMerchant = MERCHANT
    return_url: str = RETURN_URL
    customer_ip: str = CUSTOMER_IP
    server_ip: str = SERVER_IP

    async def transaction(self, txn_ref: str) -> dict[str, Any] | None:
        listing = (
            await self.http.get(f"{self.url}/simulator/transactions", params={"txn_ref": txn_ref})
        ).json()
        found = [t for t in listing["transactions"] if t["txn_ref"] == txn_ref]
        return found[0] if found else None

    async def wait_for(
        self,
        txn_ref: str,
        predicate: Callable[[dict[str, Any]], bool],
        within: float = 5.0,
    ) -> dict[str, Any]:
        """Poll the inspection endpoint until `predicate(txn)` holds (no fixed sleeps)."""
        deadline = time.monotonic() + within
        while True:
            txn = await self.transaction(txn_ref)
            if txn is not None and predicate(txn):
                return txn
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting on {txn_ref}: {txn}")
            await asyncio.sleep(0.01)


@pytest.fixture
async def sim(simulator_url: str, ipn_receiver: IpnReceiver) -> AsyncIterator[SimEnv]:
    async with (
        httpx.AsyncClient(timeout=5.0) as http,
        VnpayClient(MERCHANT, base_url=simulator_url, timeout=httpx.Timeout(5.0)) as client,
    ):
        yield SimEnv(simulator_url, ipn_receiver, http, client)
