"""The real `VnpayClient` against the VNPay simulator over loopback HTTP.

The simulator signs with its own WHATWG encoder, so every passing round trip cross-checks
two independent implementations of VNPAY.md §2.2.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from schoolhub.payments.vnpay import (
    PaymentUrl,
    ResponseSignatureError,
    VerifiedCallback,
    VnpayClient,
    VnpayMerchant,
    VnpayTimeoutError,
    VnpayTransportError,
)
from schoolhub.simulators.vnpay import run_simulator_in_thread


def new_ref() -> str:
    return f"T{uuid.uuid4().hex[:15].upper()}"


def build(sim: Any, amount_vnd: int = 150_000, txn_ref: str | None = None) -> PaymentUrl:
    return sim.client.build_payment_url(
        txn_ref=txn_ref or new_ref(),
        amount_vnd=amount_vnd,
        order_info="Học phí tháng 9 - lớp 6A (HK1)",
        return_url=sim.return_url,
        ip_addr=sim.customer_ip,
    )


async def open_page(sim: Any, payment: PaymentUrl) -> httpx.Response:
    return await sim.http.get(payment.url)


async def pay(sim: Any, payment: PaymentUrl, outcome: str = "success", **extra: Any) -> str:
    """Open the payment page, choose an outcome via the JSON twin; return the return URL."""
    assert (await open_page(sim, payment)).status_code == 200
    response = await sim.http.post(
        f"{sim.url}/simulator/pay",
        json={"txn_ref": payment.txn_ref, "outcome": outcome, **extra},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["return_url"])


def callback_of(sim: Any, return_url: str) -> VerifiedCallback:
    assert return_url.startswith(sim.return_url + "&")
    return sim.client.verify_callback(dict(parse_qsl(urlsplit(return_url).query)))


async def test_payment_url_accepted_shows_buttons(sim: Any) -> None:
    payment = build(sim)
    page = await open_page(sim, payment)
    assert page.status_code == 200
    assert "Approve" in page.text
    assert "Cancel" in page.text
    assert "150,000 VND" in page.text
    txn = await sim.transaction(payment.txn_ref)
    assert txn["state"] == "pending"
    assert txn["order_info"] == "Hoc phi thang 9 - lop 6A HK1"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda url: url.replace("vnp_Amount=15000000", "vnp_Amount=15000100"),
        lambda url: url[:-4] + ("0000" if not url.endswith("0000") else "1111"),
        lambda url: url.replace("vnp_Locale=vn", "vnp_Locale=en"),
    ],
    ids=["amount", "hash", "locale"],
)
async def test_wrong_signature_shows_error_70(sim: Any, tamper: Any) -> None:
    payment = build(sim)
    page = await sim.http.get(tamper(payment.url))
    assert page.status_code == 400
    assert 'data-code="70"' in page.text
    assert "Sai chữ ký" in page.text
    assert await sim.transaction(payment.txn_ref) is None


async def test_reused_txn_ref_with_other_params_is_rejected(sim: Any) -> None:
    first = build(sim)
    assert (await open_page(sim, first)).status_code == 200
    assert (await open_page(sim, first)).status_code == 200  # a reload is fine
    second = build(sim, amount_vnd=99_000, txn_ref=first.txn_ref)
    page = await open_page(sim, second)
    assert page.status_code == 400
    assert 'data-code="01"' in page.text


async def test_approve_form_redirects_and_delivers_verified_ipn(sim: Any) -> None:
    payment = build(sim)
    assert (await open_page(sim, payment)).status_code == 200
    response = await sim.http.post(
        f"{sim.url}/paymentv2/approve",
        data={"tmn_code": sim.merchant.tmn_code, "txn_ref": payment.txn_ref},
    )
    assert response.status_code == 302
    returned = callback_of(sim, response.headers["location"])
    assert returned.succeeded
    assert returned.amount_vnd == 150_000
    assert returned.txn_ref == payment.txn_ref
    assert returned.bank_code == "NCB"
    txn = await sim.wait_for(payment.txn_ref, lambda t: t["ipn"]["state"] == "acknowledged")
    assert [a["rsp_code"] for a in txn["ipn"]["attempts"]] == ["00"]
    (ipn,) = sim.receiver.calls_for(payment.txn_ref)
    assert isinstance(ipn, VerifiedCallback)
    assert ipn.succeeded
    assert ipn.transaction_no == returned.transaction_no == txn["transaction_no"]


async def test_ipn_retried_on_99_and_non_json_until_00(sim: Any) -> None:
    payment = build(sim)
    sim.receiver.script[payment.txn_ref] = ["99", "nonjson", "00", "00"]
    await pay(sim, payment)
    txn = await sim.wait_for(payment.txn_ref, lambda t: t["ipn"]["state"] == "acknowledged")
    attempts = txn["ipn"]["attempts"]
    assert [a["rsp_code"] for a in attempts] == ["99", None, "00"]
    assert attempts[1]["error"] == "non-JSON reply"
    calls = sim.receiver.calls_for(payment.txn_ref)
    assert len(calls) == 3
    assert all(isinstance(c, VerifiedCallback) and c.succeeded for c in calls)


async def test_ipn_reply_02_stops_retries(sim: Any) -> None:
    payment = build(sim)
    sim.receiver.script[payment.txn_ref] = ["02"]
    await pay(sim, payment)
    txn = await sim.wait_for(payment.txn_ref, lambda t: t["ipn"]["state"] == "acknowledged")
    assert [a["rsp_code"] for a in txn["ipn"]["attempts"]] == ["02"]


async def test_ipn_gives_up_after_ten_calls(sim: Any) -> None:
    payment = build(sim)
    sim.receiver.script[payment.txn_ref] = ["99", "01", "04", "97"] * 5
    await pay(sim, payment)
    txn = await sim.wait_for(payment.txn_ref, lambda t: t["ipn"]["state"] == "gave_up")
    assert len(txn["ipn"]["attempts"]) == 10
    assert len(sim.receiver.calls_for(payment.txn_ref)) == 10


async def test_cancel_gives_response_code_24(sim: Any) -> None:
    payment = build(sim)
    assert (await open_page(sim, payment)).status_code == 200
    response = await sim.http.post(
        f"{sim.url}/paymentv2/cancel",
        data={"tmn_code": sim.merchant.tmn_code, "txn_ref": payment.txn_ref},
    )
    assert response.status_code == 302
    returned = callback_of(sim, response.headers["location"])
    assert (returned.response_code, returned.transaction_status) == ("24", "02")
    assert returned.transaction_no == "0"
    assert returned.bank_tran_no is None
    assert not returned.succeeded
    await sim.wait_for(payment.txn_ref, lambda t: t["ipn"]["state"] == "acknowledged")
    (ipn,) = sim.receiver.calls_for(payment.txn_ref)
    assert isinstance(ipn, VerifiedCallback)
    assert ipn.response_code == "24"


async def test_insufficient_funds_gives_51(sim: Any) -> None:
    payment = build(sim)
    returned = callback_of(sim, await pay(sim, payment, "insufficient_funds"))
    assert (returned.response_code, returned.transaction_status) == ("51", "02")
    assert not returned.succeeded


async def test_paid_twice_is_refused(sim: Any) -> None:
    payment = build(sim)
    await pay(sim, payment, deliver_ipn=False)
    again = await sim.http.post(
        f"{sim.url}/simulator/pay", json={"txn_ref": payment.txn_ref, "outcome": "cancel"}
    )
    assert again.status_code == 409


async def test_querydr_round_trip(sim: Any) -> None:
    payment = build(sim)
    returned = callback_of(sim, await pay(sim, payment))
    result = await sim.client.query_dr(
        txn_ref=payment.txn_ref, transaction_date=payment.create_date, ip_addr=sim.server_ip
    )
    assert result.signature_verified
    assert result.found
    assert result.succeeded
    assert result.amount_vnd == 150_000
    assert result.transaction_no == returned.transaction_no
    assert result.transaction_type == "01"
    assert result.promotion_code is None  # absent, hashed as "" (VNPAY.md §4)


async def test_querydr_pending_unknown_and_wrong_date(sim: Any) -> None:
    payment = build(sim)
    assert (await open_page(sim, payment)).status_code == 200
    pending = await sim.client.query_dr(
        txn_ref=payment.txn_ref, transaction_date=payment.create_date, ip_addr=sim.server_ip
    )
    assert (pending.response_code, pending.transaction_status) == ("00", "01")
    assert not pending.succeeded
    unknown = await sim.client.query_dr(
        txn_ref=new_ref(), transaction_date=payment.create_date, ip_addr=sim.server_ip
    )
    assert unknown.response_code == "91"
    assert unknown.signature_verified
    wrong_date = await sim.client.query_dr(
        txn_ref=payment.txn_ref, transaction_date="20200101000000", ip_addr=sim.server_ip
    )
    assert wrong_date.response_code == "91"


async def test_full_refund_then_visible_in_querydr(sim: Any) -> None:
    payment = build(sim)
    returned = callback_of(sim, await pay(sim, payment))
    refund = await sim.client.refund(
        txn_ref=payment.txn_ref,
        amount_vnd=150_000,
        transaction_date=payment.create_date,
        full=True,
        created_by="ketoan01",
        ip_addr=sim.server_ip,
        transaction_no=returned.transaction_no,
    )
    assert refund.accepted
    assert refund.signature_verified
    assert (refund.amount_vnd, refund.transaction_type) == (150_000, "02")
    after = await sim.client.query_dr(
        txn_ref=payment.txn_ref, transaction_date=payment.create_date, ip_addr=sim.server_ip
    )
    assert (after.transaction_type, after.transaction_status) == ("02", "06")
    assert not after.succeeded
    again = await sim.client.refund(
        txn_ref=payment.txn_ref,
        amount_vnd=1_000,
        transaction_date=payment.create_date,
        full=False,
        created_by="ketoan01",
        ip_addr=sim.server_ip,
    )
    assert again.response_code == "93"


async def test_partial_refunds_and_too_large_refund(sim: Any) -> None:
    payment = build(sim)
    await pay(sim, payment)

    async def refund(amount_vnd: int, *, full: bool = False) -> str:
        result = await sim.client.refund(
            txn_ref=payment.txn_ref,
            amount_vnd=amount_vnd,
            transaction_date=payment.create_date,
            full=full,
            created_by="ketoan01",
            ip_addr=sim.server_ip,
        )
        assert result.signature_verified
        return str(result.response_code)

    assert await refund(150_001) == "93"
    assert await refund(50_000) == "00"
    after = await sim.client.query_dr(
        txn_ref=payment.txn_ref, transaction_date=payment.create_date, ip_addr=sim.server_ip
    )
    assert (after.transaction_type, after.transaction_status) == ("03", "06")
    assert await refund(100_001) == "93"
    assert await refund(150_000, full=True) == "04"
    assert await refund(100_000) == "00"
    assert await refund(1) == "93"
    txn = await sim.transaction(payment.txn_ref)
    assert [r["amount"] for r in txn["refunds"]] == [5_000_000, 10_000_000]


async def test_refund_of_cancelled_payment_is_refused(sim: Any) -> None:
    payment = build(sim)
    await pay(sim, payment, "cancel")
    result = await sim.client.refund(
        txn_ref=payment.txn_ref,
        amount_vnd=150_000,
        transaction_date=payment.create_date,
        full=True,
        created_by="ketoan01",
        ip_addr=sim.server_ip,
    )
    assert result.response_code == "95"


async def test_return_url_without_ipn_then_querydr_settles(sim: Any) -> None:
    payment = build(sim)
    returned = callback_of(sim, await pay(sim, payment, deliver_ipn=False))
    assert returned.succeeded
    txn = await sim.transaction(payment.txn_ref)
    assert txn["ipn"] == {"state": "suppressed", "attempts": []}
    assert sim.receiver.calls_for(payment.txn_ref) == []
    settled = await sim.client.query_dr(
        txn_ref=payment.txn_ref, transaction_date=payment.create_date, ip_addr=sim.server_ip
    )
    assert settled.succeeded


async def test_config_switch_suppresses_ipn(sim: Any) -> None:
    switched = await sim.http.post(f"{sim.url}/simulator/config", json={"deliver_ipn": False})
    assert switched.json()["deliver_ipn"] is False
    try:
        payment = build(sim)
        await pay(sim, payment)
    finally:
        await sim.http.post(f"{sim.url}/simulator/config", json={"deliver_ipn": True})
    txn = await sim.transaction(payment.txn_ref)
    assert txn["ipn"]["state"] == "suppressed"
    assert "SECRET" not in str(switched.json())


async def test_api_rejects_bad_checksum_and_unknown_terminal(sim: Any) -> None:
    body = {
        "vnp_RequestId": uuid.uuid4().hex,
        "vnp_Version": "2.1.0",
        "vnp_Command": "querydr",
        "vnp_TmnCode": sim.merchant.tmn_code,
        "vnp_TxnRef": "X1",
        "vnp_TransactionDate": "20240905093000",
        "vnp_CreateDate": "20240905100000",
        "vnp_IpAddr": sim.server_ip,
        "vnp_OrderInfo": "Truy van",
        "vnp_SecureHash": "00" * 64,
    }
    endpoint = f"{sim.url}/merchant_webapi/api/transaction"
    bad = (await sim.http.post(endpoint, json=body)).json()
    assert bad["vnp_ResponseCode"] == "97"
    unknown = (await sim.http.post(endpoint, json={**body, "vnp_TmnCode": "NOSUCH01"})).json()
    assert unknown["vnp_ResponseCode"] == "02"
    assert "vnp_SecureHash" not in unknown


async def test_duplicate_request_id_gives_94(simulator_url: str) -> None:
    async with VnpayClient(
        VnpayMerchant("SIMTEST1", "SIMSECRET0123456789ABCDEFGHIJKLM"),
        base_url=simulator_url,
        request_id_factory=lambda: "FIXEDREQUEST0001",
    ) as client:
        first = await client.query_dr(
            txn_ref="A1", transaction_date="20240905093000", ip_addr="::1"
        )
        second = await client.query_dr(
            txn_ref="A1", transaction_date="20240905093000", ip_addr="::1"
        )
    assert (first.response_code, second.response_code) == ("91", "94")


async def test_response_signed_with_another_secret_is_rejected(simulator_url: str) -> None:
    impostor = VnpayMerchant("SIMTEST1", "NOT-THE-SECRET")
    async with VnpayClient(impostor, base_url=simulator_url) as client:
        with pytest.raises(ResponseSignatureError):
            await client.query_dr(
                txn_ref="A2", transaction_date="20240905093000", ip_addr="127.0.0.1"
            )


async def test_timeout_and_http_errors_are_typed(ipn_receiver: Any) -> None:
    base = ipn_receiver.url.removesuffix("/ipn")
    merchant = VnpayMerchant("SIMTEST1", "x")
    async with VnpayClient(merchant, base_url=f"{base}/slow", timeout=httpx.Timeout(0.2)) as client:
        with pytest.raises(VnpayTimeoutError):
            await client.query_dr(txn_ref="A3", transaction_date="20240905093000", ip_addr="::1")
    async with VnpayClient(merchant, base_url=f"{base}/broken") as client:
        with pytest.raises(VnpayTransportError) as info:
            await client.query_dr(txn_ref="A3", transaction_date="20240905093000", ip_addr="::1")
    assert info.value.status_code == 503


@pytest.fixture(scope="module")
def impatient_simulator(ipn_receiver: Any) -> Iterator[str]:
    """A second simulator whose IPN timeout (0.15 s) is shorter than the receiver's "sleep"."""
    base_url, stop = run_simulator_in_thread(
        {"SIMTEST1": "SIMSECRET0123456789ABCDEFGHIJKLM"},
        {"SIMTEST1": ipn_receiver.url},
        ipn_retry_interval=0.01,
        ipn_timeout=0.15,
    )
    yield base_url
    stop()


async def test_ipn_timeout_is_retried(sim: Any, impatient_simulator: str) -> None:
    payment = build(sim)
    sim.receiver.script[payment.txn_ref] = ["sleep", "00"]
    assert (await sim.http.get(payment.url.replace(sim.url, impatient_simulator))).is_success
    paid = await sim.http.post(
        f"{impatient_simulator}/simulator/pay", json={"txn_ref": payment.txn_ref}
    )
    assert paid.status_code == 200
    sim.url = impatient_simulator
    txn = await sim.wait_for(payment.txn_ref, lambda t: t["ipn"]["state"] == "acknowledged")
    attempts = txn["ipn"]["attempts"]
    assert [(a["error"], a["rsp_code"]) for a in attempts] == [("timeout", None), (None, "00")]
