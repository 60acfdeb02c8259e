"""`VnpayClient` request bodies, response checksums (VNPAY.md §4, §5, §7) and error typing,
over `httpx.MockTransport` (no network)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from schoolhub.payments.vnpay import (
    MalformedResponseError,
    ResponseSignatureError,
    VnpayClient,
    VnpayMerchant,
    VnpayTimeoutError,
    VnpayTransportError,
    VnpayValidationError,
    pipe_checksum,
)

SECRET = "SECRETKEYDEMO1234567890ABCDEFGH"
MERCHANT = VnpayMerchant("DEMOV210", SECRET)
NOW = datetime(2024, 9, 5, 3, 0, tzinfo=UTC)  # 10:00 GMT+7

# The response orders written out literally from VNPAY.md, independent of the module's tuples.
QUERYDR_ORDER = (
    "{vnp_ResponseId}|{vnp_Command}|{vnp_ResponseCode}|{vnp_Message}|{vnp_TmnCode}|{vnp_TxnRef}"
    "|{vnp_Amount}|{vnp_BankCode}|{vnp_PayDate}|{vnp_TransactionNo}|{vnp_TransactionType}"
    "|{vnp_TransactionStatus}|{vnp_OrderInfo}|{vnp_PromotionCode}|{vnp_PromotionAmount}"
)
REFUND_ORDER = (
    "{vnp_ResponseId}|{vnp_Command}|{vnp_ResponseCode}|{vnp_Message}|{vnp_TmnCode}|{vnp_TxnRef}"
    "|{vnp_Amount}|{vnp_BankCode}|{vnp_PayDate}|{vnp_TransactionNo}|{vnp_TransactionType}"
    "|{vnp_TransactionStatus}|{vnp_OrderInfo}"
)


class Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def signed(
    order: str, body: dict[str, str], *, amount_override: str | None = None
) -> dict[str, str]:
    values = Fields(body)
    if amount_override is not None:
        values["vnp_Amount"] = amount_override
    return {**body, "vnp_SecureHash": pipe_checksum([order.format_map(values)], SECRET)}


QUERYDR_OK = {
    "vnp_ResponseId": "4f0a",
    "vnp_Command": "querydr",
    "vnp_ResponseCode": "00",
    "vnp_Message": "QueryDR Success",
    "vnp_TmnCode": "DEMOV210",
    "vnp_TxnRef": "HP2024090001",
    "vnp_Amount": "15000000",
    "vnp_BankCode": "NCB",
    "vnp_PayDate": "20240905093512",
    "vnp_TransactionNo": "14226112",
    "vnp_TransactionType": "01",
    "vnp_TransactionStatus": "00",
    "vnp_OrderInfo": "Hoc phi thang 9 - lop 6A",
}
REFUND_OK = {
    "vnp_ResponseId": "9b1c",
    "vnp_Command": "refund",
    "vnp_ResponseCode": "00",
    "vnp_Message": "Refund success",
    "vnp_TmnCode": "DEMOV210",
    "vnp_TxnRef": "HP2024090002",
    "vnp_Amount": "250000000",
    "vnp_BankCode": "NCB",
    "vnp_PayDate": "20240906080005",
    "vnp_TransactionNo": "14226200",
    "vnp_TransactionType": "02",
    "vnp_TransactionStatus": "05",
    "vnp_OrderInfo": "Hoan tien GD HP2024090002",
}


def make_client(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> VnpayClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return VnpayClient(MERCHANT, http_client=http, clock=lambda: NOW, **kw)


def answering(body: object, sent: list[dict[str, Any]] | None = None) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/merchant_webapi/api/transaction"
        assert request.headers["content-type"] == "application/json"
        if sent is not None:
            sent.append(json.loads(request.content))
        return httpx.Response(200, json=body)

    return handler


async def query(client: VnpayClient, txn_ref: str = "HP2024090001") -> Any:
    return await client.query_dr(
        txn_ref=txn_ref, transaction_date="20240905093000", ip_addr="203.0.113.10"
    )


async def test_querydr_request_body_matches_worked_example() -> None:
    sent: list[dict[str, Any]] = []
    client = make_client(
        answering(signed(QUERYDR_ORDER, QUERYDR_OK), sent),
        request_id_factory=lambda: "QDR20240905100000001",
    )
    result = await client.query_dr(
        txn_ref="HP2024090001",
        transaction_date=datetime(2024, 9, 5, 2, 30, tzinfo=UTC),
        ip_addr="203.0.113.10",
        transaction_no="14226112",
    )
    (body,) = sent
    assert all(isinstance(v, str) for v in body.values())
    assert body["vnp_CreateDate"] == "20240905100000"
    assert body["vnp_OrderInfo"] == "Truy van GD HP2024090001"
    assert body["vnp_TransactionNo"] == "14226112"
    assert body["vnp_SecureHash"].startswith("ee054151")
    assert body["vnp_SecureHash"].endswith("fac67c1")
    assert result.succeeded
    assert result.signature_verified
    assert (result.amount_vnd, result.promotion_code) == (150_000, None)


async def test_refund_request_body_matches_worked_example() -> None:
    sent: list[dict[str, Any]] = []
    client = VnpayClient(
        MERCHANT,
        http_client=httpx.AsyncClient(
            transport=httpx.MockTransport(answering(signed(REFUND_ORDER, REFUND_OK), sent))
        ),
        clock=lambda: datetime(2024, 9, 6, 1, 0, tzinfo=UTC),
        request_id_factory=lambda: "RF20240906080000001",
    )
    result = await client.refund(
        txn_ref="HP2024090002",
        amount_vnd=2_500_000,
        transaction_date="20240905093000",
        full=True,
        created_by="ketoan01",
        ip_addr="203.0.113.10",
        transaction_no="14226113",
    )
    (body,) = sent
    assert all(isinstance(v, str) for v in body.values())
    assert (body["vnp_Amount"], body["vnp_TransactionType"]) == ("250000000", "02")
    assert body["vnp_SecureHash"].startswith("4f91aa1b")
    assert body["vnp_SecureHash"].endswith("491ef36")
    assert result.accepted
    assert result.amount_vnd == 2_500_000


async def test_refund_without_transaction_no_sends_zero_in_body_and_hash() -> None:
    sent: list[dict[str, Any]] = []
    client = make_client(answering(signed(REFUND_ORDER, REFUND_OK), sent))
    await client.refund(
        txn_ref="HP2024090002",
        amount_vnd=2_500_000,
        transaction_date="20240905093000",
        full=False,
        created_by="ketoan01",
        ip_addr="203.0.113.10",
    )
    assert sent[0]["vnp_TransactionNo"] == "0"
    assert sent[0]["vnp_TransactionType"] == "03"


async def test_refund_response_signed_over_amount_div_100_is_rejected() -> None:
    """The npm library's bug (§7.1): an honest response is signed over the raw x100 amount."""
    buggy = signed(REFUND_ORDER, REFUND_OK, amount_override="2500000")
    client = make_client(answering(buggy))
    with pytest.raises(ResponseSignatureError):
        await client.refund(
            txn_ref="HP2024090002",
            amount_vnd=2_500_000,
            transaction_date="20240905093000",
            full=True,
            created_by="ketoan01",
            ip_addr="203.0.113.10",
        )


async def test_querydr_numbers_and_nulls_in_json() -> None:
    body: dict[str, Any] = {**QUERYDR_OK, "vnp_PromotionCode": None}
    good = signed(QUERYDR_ORDER, QUERYDR_OK)
    body["vnp_SecureHash"] = good["vnp_SecureHash"]
    body["vnp_Amount"] = 15000000  # a JSON number hashes as its digits
    result = await query(make_client(answering(body)))
    assert result.amount_vnd == 150_000
    with pytest.raises(MalformedResponseError):
        await query(make_client(answering({**body, "vnp_Amount": 1.5e7})))


@pytest.mark.parametrize(
    "tamper",
    [
        {"vnp_TransactionStatus": "01"},
        {"vnp_PromotionAmount": "0"},  # even an absent field is covered by the hash
        {"vnp_SecureHash": ""},
    ],
)
async def test_querydr_tampered_or_unsigned_success_is_rejected(tamper: dict[str, str]) -> None:
    body = {**signed(QUERYDR_ORDER, QUERYDR_OK), **tamper}
    with pytest.raises(ResponseSignatureError):
        await query(make_client(answering(body)))


async def test_querydr_upper_case_hex_response_is_accepted() -> None:
    body = signed(QUERYDR_ORDER, QUERYDR_OK)
    body["vnp_SecureHash"] = body["vnp_SecureHash"].upper()
    assert (await query(make_client(answering(body)))).succeeded


async def test_signed_answer_for_another_order_is_rejected() -> None:
    body = signed(QUERYDR_ORDER, {**QUERYDR_OK, "vnp_TxnRef": "HP2024090999"})
    with pytest.raises(MalformedResponseError):
        await query(make_client(answering(body)))


async def test_unsigned_error_answer_is_a_result() -> None:
    result = await query(make_client(answering({"vnp_ResponseCode": "02", "vnp_Message": "x"})))
    assert (result.response_code, result.signature_verified, result.found) == ("02", False, False)


@pytest.mark.parametrize(
    ("handler", "error"),
    [
        (lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=r)), VnpayTimeoutError),
        (
            lambda r: (_ for _ in ()).throw(httpx.ConnectError("down", request=r)),
            VnpayTransportError,
        ),
        (lambda r: httpx.Response(502, text="bad gateway"), VnpayTransportError),
        (lambda r: httpx.Response(200, text="<html>"), MalformedResponseError),
        (lambda r: httpx.Response(200, json=["not", "an", "object"]), MalformedResponseError),
        (lambda r: httpx.Response(200, json={"vnp_Message": "no code"}), MalformedResponseError),
    ],
)
async def test_transport_failures_are_typed(handler: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        await query(make_client(handler))


async def test_request_ids_are_unique_and_short() -> None:
    sent: list[dict[str, Any]] = []
    client = make_client(answering({"vnp_ResponseCode": "91"}, sent))
    for _ in range(3):
        await query(client)
    ids = [body["vnp_RequestId"] for body in sent]
    assert len(set(ids)) == 3
    assert all(len(i) <= 32 and i.isalnum() and i.isascii() for i in ids)


@pytest.mark.parametrize(
    "override",
    [
        {"txn_ref": "HP-2024"},
        {"txn_ref": ""},
        {"txn_ref": "A" * 101},
        {"amount_vnd": 1.5},
        {"ip_addr": "not-an-ip"},
        {"locale": "fr"},
        {"return_url": "javascript:alert(1)"},
        {"bank_code": "N"},
        {"created_at": datetime(2024, 9, 5, 9, 30)},  # naive on purpose
    ],
)
def test_build_payment_url_validates(override: dict[str, Any]) -> None:
    args: dict[str, Any] = {
        "txn_ref": "HP2024090001",
        "amount_vnd": 150_000,
        "order_info": "Hoc phi",
        "return_url": "https://school.example.vn/vnpay/return",
        "ip_addr": "203.0.113.10",
        **override,
    }
    with pytest.raises(VnpayValidationError):
        VnpayClient(MERCHANT).build_payment_url(**args)


def test_domain_package_imports_no_web_framework() -> None:
    code = (
        "import sys, schoolhub.payments.vnpay\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('litestar', 'strawberry')"
        " or m.startswith('schoolhub.graphql')]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
