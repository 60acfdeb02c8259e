"""Receipts (biên lai): per-school consecutive numbers issued with the credit, a PDF rendered after
commit by the outbox handler, and signed download links through ``receiptDownload``."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from schoolhub.graphql import ids
from schoolhub.payments.receipts import VIETNAM_TZ, format_receipt_number
from schoolhub.platform import db, storage
from tests.integration.payments.test_ipn_vnpay import _acknowledged, _pay_on_simulator
from tests.support import payments as pay
from tests.support.gql import GraphQLClient

simulator = pay.simulator

CREATE = (
    "mutation($ids: [ID!]!) { createPaymentIntent(invoiceIds: $ids) {"
    " paymentIntent { id amountVnd txnRef } paymentUrl errors { code } } }"
)
DOWNLOAD = (
    "query($r: ID!) { receiptDownload(receiptId: $r) { url receipt { number totalVnd }"
    " errors { code } } }"
)


@pytest.fixture
async def fam(gql: GraphQLClient, simulator: str) -> AsyncIterator[pay.Family]:
    family = await pay.family(gateway_url=simulator)
    yield family
    await pay.assert_credit_invariant()


def _number(n: int) -> str:
    return format_receipt_number(datetime.now(VIETNAM_TZ).year, n)


async def _invoice_of(world: Any, student_id: Any) -> str:
    async with db.tenant(world.school_id):
        row = await db.fetchrow("SELECT id FROM payments_invoice WHERE student_id = $1", student_id)
    assert row is not None
    return ids.encode("Invoice", row["id"])


async def _intent(gql: GraphQLClient, login: str, invoices: list[str]) -> dict[str, Any]:
    token = await gql.token(login)
    result = (await gql.ok(CREATE, {"ids": invoices}, token))["createPaymentIntent"]
    assert result["errors"] == [], result
    return dict(result)


async def _pay(gql: GraphQLClient, sim: str, login: str, invoices: list[str]) -> None:
    result = await _intent(gql, login, invoices)
    txn_ref = result["paymentIntent"]["txnRef"]
    await _pay_on_simulator(sim, result["paymentUrl"], txn_ref)
    txn = await _acknowledged(sim, txn_ref)
    assert [a["rsp_code"] for a in txn["ipn"]["attempts"]] == ["00"]


async def test_each_payment_gets_the_next_number_of_its_school(
    gql: GraphQLClient, app: httpx.AsyncClient, fam: pay.Family, simulator: str
) -> None:
    first, second = fam.a.student_ids[:2]
    await _pay(gql, simulator, fam.guardian_login, [await _invoice_of(fam.a, first)])
    (receipt,) = await pay.receipts_of(fam.a.school_id)
    assert receipt["number"] == _number(1)
    assert receipt["total_vnd"] == pay.MEAL_FEE and receipt["rendered_at"] is None
    await _pay(gql, simulator, fam.guardian_login, [await _invoice_of(fam.a, second)])
    # School B numbers on its own counter.
    await _pay(
        gql, simulator, fam.guardian_login, [await _invoice_of(fam.b, fam.b.student_ids[-1])]
    )
    rows = await pay.receipts_of(fam.a.school_id)
    assert [r["number"] for r in rows] == [_number(1), _number(2)]
    assert [r["student_id"] for r in rows] == [first, second]
    assert [r["number"] for r in await pay.receipts_of(fam.b.school_id)] == [_number(1)]

    # The PDF is rendered after commit by the outbox handler, then downloadable via a signed link.
    assert await pay.render_receipts(fam.a.school_id) == 2
    assert await pay.render_receipts(fam.a.school_id) == 0
    rows = await pay.receipts_of(fam.a.school_id)
    for row in rows:
        assert row["pdf_key"].startswith(f"school/{fam.a.school_id}/receipts/")
        pdf = await storage.get_storage().read(row["pdf_key"])
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        assert row["student_name"] in text
        assert row["number"] in text
    token = await gql.token(fam.guardian_login)
    got = (await gql.ok(DOWNLOAD, {"r": ids.encode("Receipt", rows[0]["id"])}, token))[
        "receiptDownload"
    ]
    assert got["errors"] == [] and got["receipt"]["number"] == _number(1)
    response = await app.get(got["url"], headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    mine = (await gql.ok("{ myReceipts { number } }", token=token))["myReceipts"]
    assert sorted(r["number"] for r in mine) == [_number(1), _number(1), _number(2)]
    # Another guardian of the school: not their family -> nothing, and the link does not open.
    other = await gql.token(fam.other_guardian_login)
    assert (await gql.ok("{ myReceipts { number } }", token=other))["myReceipts"] == []
    denied = await gql.ok(DOWNLOAD, {"r": ids.encode("Receipt", rows[0]["id"])}, other)
    assert denied["receiptDownload"]["url"] is None
    assert denied["receiptDownload"]["errors"][0]["code"] == "NOT_FOUND"
    outsider = await gql.token(fam.b.logins["principal"])
    response = await app.get(got["url"], headers={"Authorization": f"Bearer {outsider}"})
    assert response.status_code == 404


async def test_one_intent_for_siblings_gives_one_receipt_per_child(
    gql: GraphQLClient, fam: pay.Family, simulator: str
) -> None:
    invoices = [await _invoice_of(fam.a, s) for s in fam.a.student_ids[:2]]
    await _pay(gql, simulator, fam.guardian_login, invoices)
    rows = await pay.receipts_of(fam.a.school_id)
    assert [r["number"] for r in rows] == [_number(1), _number(2)]
    assert {r["student_id"] for r in rows} == set(fam.a.student_ids[:2])
    assert len({r["intent_id"] for r in rows}) == 1
    token = await gql.token(fam.a.logins["accountant"])
    listed = await gql.ok(
        "query($s: ID!) { receipts(schoolId: $s) { number totalVnd rendered lines { amountVnd } } }",
        {"s": ids.encode("School", fam.a.school_id)},
        token,
    )
    assert sorted(r["number"] for r in listed["receipts"]) == [_number(1), _number(2)]
    assert all(r["totalVnd"] == pay.MEAL_FEE for r in listed["receipts"])
    assert all(sum(x["amountVnd"] for x in r["lines"]) == r["totalVnd"] for r in listed["receipts"])
    not_ready = await gql.ok(DOWNLOAD, {"r": ids.encode("Receipt", rows[0]["id"])}, token)
    assert not_ready["receiptDownload"]["errors"][0]["code"] == "RECEIPT_NOT_READY"


async def test_concurrent_credits_get_distinct_consecutive_numbers(
    gql: GraphQLClient, app: httpx.AsyncClient, fam: pay.Family
) -> None:
    intents = [
        (await _intent(gql, fam.guardian_login, [await _invoice_of(fam.a, s)]))["paymentIntent"]
        for s in fam.a.student_ids[:2]
    ]
    intents.append(
        (
            await _intent(
                gql, fam.other_guardian_login, [await _invoice_of(fam.a, fam.other_student)]
            )
        )["paymentIntent"]
    )
    queries = [pay.ipn_params(fam.a, i["txnRef"], i["amountVnd"]) for i in intents]
    replies = await asyncio.gather(
        *(app.get("/payments/vnpay/ipn", params=q) for q in queries for _ in range(3))
    )
    assert sorted(r.json()["RspCode"] for r in replies) == ["00"] * 3 + ["02"] * 6
    rows = await pay.receipts_of(fam.a.school_id)
    assert [r["number"] for r in rows] == [_number(n) for n in (1, 2, 3)]
    assert len({r["intent_id"] for r in rows}) == 3
