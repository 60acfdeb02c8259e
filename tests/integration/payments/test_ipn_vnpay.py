"""The IPN endpoint of the real server, driven by the VNPay simulator and by hand-signed queries.

After every test: sum credited to invoices == sum of succeeded intents == sum of crediting IPNs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from schoolhub.payments import intents
from schoolhub.platform import db
from schoolhub.platform.principal import Principal, Role
from tests.support import payments as pay
from tests.support.gql import GraphQLClient

OUTSTANDING = "{ myOutstandingInvoices { id number outstandingVnd school { code } } }"
CREATE = (
    "mutation($ids: [ID!]!) { createPaymentIntent(invoiceIds: $ids) {"
    " paymentIntent { id status amountVnd txnRef } paymentUrl errors { code } } }"
)

simulator = pay.simulator  # the session fixture (VNPay simulator -> our IPN endpoint)


@pytest.fixture
async def fam(gql: GraphQLClient, simulator: str) -> AsyncIterator[pay.Family]:
    family = await pay.family(gateway_url=simulator)
    yield family
    await pay.assert_credit_invariant()


async def _intent_for(gql: GraphQLClient, fam: pay.Family, school: str = "A") -> dict[str, Any]:
    token = await gql.token(fam.guardian_login)
    code = (fam.a if school == "A" else fam.b).code
    invoices = (await gql.ok(OUTSTANDING, token=token))["myOutstandingInvoices"]
    mine = [i["id"] for i in invoices if i["school"]["code"] == code]
    result = (await gql.ok(CREATE, {"ids": mine}, token))["createPaymentIntent"]
    assert result["errors"] == [], result
    return result


async def _intent_row(txn_ref: str, school_id: Any) -> dict[str, Any]:
    async with db.tenant(school_id):
        row = await db.fetchrow("SELECT * FROM payments_intent WHERE txn_ref = $1", txn_ref)
    assert row is not None
    return row


async def _invoices(school_id: Any) -> list[dict[str, Any]]:
    async with db.tenant(school_id):
        return await db.fetch("SELECT status, paid_vnd, total_vnd FROM payments_invoice")


async def _wait(predicate: Callable[[], Any], within: float = 10.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        value = await predicate()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def _sim_txn(http: httpx.AsyncClient, sim: str, txn_ref: str) -> dict[str, Any] | None:
    listing = (await http.get(f"{sim}/simulator/transactions", params={"txn_ref": txn_ref})).json()
    found = [t for t in listing["transactions"] if t["txn_ref"] == txn_ref]
    return found[0] if found else None


async def _pay_on_simulator(sim: str, url: str, txn_ref: str, outcome: str = "success") -> str:
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(url)).status_code == 200
        response = await http.post(
            f"{sim}/simulator/pay", json={"txn_ref": txn_ref, "outcome": outcome}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["return_url"])


async def _acknowledged(sim: str, txn_ref: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as http:

        async def done() -> dict[str, Any] | None:
            txn = await _sim_txn(http, sim, txn_ref)
            return txn if txn and txn["ipn"]["state"] in ("acknowledged", "gave_up") else None

        txn: dict[str, Any] = await _wait(done)
    return txn


async def test_end_to_end_through_the_simulator(
    gql: GraphQLClient, app: httpx.AsyncClient, fam: pay.Family, simulator: str
) -> None:
    result = await _intent_for(gql, fam)
    intent = result["paymentIntent"]
    assert intent["status"] == "REQUIRES_PAYMENT"
    assert intent["amountVnd"] == 2 * pay.MEAL_FEE
    assert result["paymentUrl"].startswith(simulator)
    return_url = await _pay_on_simulator(simulator, result["paymentUrl"], intent["txnRef"])
    txn = await _acknowledged(simulator, intent["txnRef"])
    assert [a["rsp_code"] for a in txn["ipn"]["attempts"]] == ["00"]
    row = await _intent_row(intent["txnRef"], fam.a.school_id)
    assert row["status"] == "succeeded"
    # Both children in A are paid; the other family's child in A and the child in B are not.
    assert sorted(i["status"] for i in await _invoices(fam.a.school_id)) == ["open", "paid", "paid"]
    assert {i["status"] for i in await _invoices(fam.b.school_id)} == {"open"}
    # The return URL shows the result and a deep link, and changes nothing.
    before = await pay.snapshot(fam.a.school_id)
    page = await app.get(
        "/payments/vnpay/return", params=dict(parse_qsl(urlsplit(return_url).query))
    )
    assert page.status_code == 200
    assert 'data-succeeded="true"' in page.text
    assert f"schoolhub://payments/{intent['id']}" in page.text
    assert await pay.snapshot(fam.a.school_id) == before
    token = await gql.token(fam.guardian_login)
    left = (await gql.ok(OUTSTANDING, token=token))["myOutstandingInvoices"]
    assert {i["school"]["code"] for i in left} == {fam.b.code}
    # The signed internal event is in the outbox and verifies.
    from schoolhub.payments.secrets import verify_event

    async with db.tenant(fam.a.school_id):
        events = await db.fetch(
            "SELECT payload FROM platform_outbox WHERE topic = 'payment_intent.succeeded'"
        )
    import json

    (event,) = events
    envelope = (
        json.loads(event["payload"]) if isinstance(event["payload"], str) else event["payload"]
    )
    assert verify_event(envelope)
    envelope["payload"]["amount_vnd"] += 1
    assert not verify_event(envelope)


async def test_cancelled_payment_fails_the_intent_and_replies_00(
    gql: GraphQLClient, fam: pay.Family, simulator: str
) -> None:
    result = await _intent_for(gql, fam)
    intent = result["paymentIntent"]
    await _pay_on_simulator(simulator, result["paymentUrl"], intent["txnRef"], "cancel")
    txn = await _acknowledged(simulator, intent["txnRef"])
    assert [a["rsp_code"] for a in txn["ipn"]["attempts"]] == ["00"]
    assert (await _intent_row(intent["txnRef"], fam.a.school_id))["status"] == "failed"
    assert {i["status"] for i in await _invoices(fam.a.school_id)} == {"open"}
    assert sum(i["paid_vnd"] for i in await _invoices(fam.a.school_id)) == 0


async def test_crash_after_commit_before_reply_gets_02_on_retry(
    gql: GraphQLClient, fam: pay.Family, simulator: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from schoolhub.web import payments as web

    real = web._reply
    crashed: list[str] = []

    def crash_once(code: str) -> Any:
        if code == "00" and not crashed:
            crashed.append(code)
            raise RuntimeError("connection lost after commit")
        return real(code)

    monkeypatch.setattr(web, "_reply", crash_once)
    result = await _intent_for(gql, fam)
    intent = result["paymentIntent"]
    await _pay_on_simulator(simulator, result["paymentUrl"], intent["txnRef"])
    txn = await _acknowledged(simulator, intent["txnRef"])
    codes = [(a["http_status"], a["rsp_code"]) for a in txn["ipn"]["attempts"]]
    assert codes == [(500, None), (200, "02")], codes
    async with db.tenant(fam.a.school_id):
        credited = await db.fetch("SELECT 1 FROM payments_notification WHERE credited")
    assert len(credited) == 1


async def test_twenty_concurrent_identical_ipns_credit_once(
    gql: GraphQLClient, app: httpx.AsyncClient, fam: pay.Family
) -> None:
    intent = (await _intent_for(gql, fam))["paymentIntent"]
    query = pay.ipn_params(fam.a, intent["txnRef"], intent["amountVnd"])
    replies = await asyncio.gather(
        *(app.get("/payments/vnpay/ipn", params=query) for _ in range(20))
    )
    codes = sorted(r.json()["RspCode"] for r in replies)
    assert codes == ["00"] + ["02"] * 19
    assert all(r.json()["Message"] for r in replies)
    async with db.tenant(fam.a.school_id):
        stored = await db.fetch("SELECT rsp_code, credited FROM payments_notification")
        paid = await db.fetchrow("SELECT sum(paid_vnd) AS s FROM payments_invoice")
    assert len(stored) == 20
    assert sum(r["credited"] for r in stored) == 1
    assert paid is not None and paid["s"] == intent["amountVnd"]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("tampered", "97"),
        ("unknown_ref", "01"),
        ("wrong_amount", "04"),
        ("replay", "02"),
        ("other_school_terminal", "01"),
        ("unknown_terminal", "97"),
        ("malformed_amount", "99"),
    ],
)
async def test_ipn_reply_codes(
    gql: GraphQLClient, app: httpx.AsyncClient, fam: pay.Family, case: str, expected: str
) -> None:
    intent = (await _intent_for(gql, fam))["paymentIntent"]
    ref, amount = intent["txnRef"], intent["amountVnd"]
    query = pay.ipn_params(fam.a, ref, amount)
    if case == "tampered":
        query["vnp_Amount"] = str(amount * 100 + 100)
    elif case == "unknown_ref":
        query = pay.ipn_params(fam.a, "SHNOSUCHREF", amount)
    elif case == "wrong_amount":
        query = pay.ipn_params(fam.a, ref, amount - 1)
    elif case == "replay":
        first = await app.get("/payments/vnpay/ipn", params=query)
        assert first.json() == {"RspCode": "00", "Message": "Confirm Success"}
    elif case == "other_school_terminal":
        # Validly signed by school B for B's terminal, naming A's order: B cannot touch A.
        query = pay.ipn_params(fam.b, ref, amount)
    elif case == "unknown_terminal":
        query = {**query, "vnp_TmnCode": "NOSUCH01"}
    elif case == "malformed_amount":
        query = pay.ipn_params(fam.a, ref, amount, vnp_Amount="12.5")
    before_b = await pay.snapshot(fam.b.school_id)
    reply = await app.get("/payments/vnpay/ipn", params=query)
    assert reply.status_code == 200
    assert reply.json()["RspCode"] == expected
    row = await _intent_row(ref, fam.a.school_id)
    assert row["status"] == ("succeeded" if case == "replay" else "requires_payment")
    assert await pay.snapshot(fam.b.school_id) == before_b
    async with db.tenant(fam.a.school_id):
        stored = await db.fetch("SELECT rsp_code FROM payments_notification ORDER BY id")
    async with db.system():
        orphan = await db.fetch("SELECT rsp_code FROM payments_notification")
    async with db.tenant(fam.b.school_id):
        at_b = await db.fetch("SELECT rsp_code FROM payments_notification")
    every = [r["rsp_code"] for r in stored + orphan + at_b]
    assert expected in every  # every raw notification is stored, whatever its outcome


async def test_guardian_cannot_mix_schools_and_nothing_is_written(
    gql: GraphQLClient, fam: pay.Family
) -> None:
    token = await gql.token(fam.guardian_login)
    invoices = (await gql.ok(OUTSTANDING, token=token))["myOutstandingInvoices"]
    assert len(invoices) == 3  # two children in A, one in B
    before = [await pay.snapshot(w.school_id) for w in (fam.a, fam.b)]
    result = (await gql.ok(CREATE, {"ids": [i["id"] for i in invoices]}, token))[
        "createPaymentIntent"
    ]
    assert result["paymentIntent"] is None
    assert result["errors"][0]["code"] == "INVOICES_FROM_SEVERAL_SCHOOLS"
    assert [await pay.snapshot(w.school_id) for w in (fam.a, fam.b)] == before


async def test_custody_restricted_child_is_never_shown(gql: GraphQLClient, fam: pay.Family) -> None:
    async with db.tenant(fam.a.school_id):
        await db.execute(
            "UPDATE workspace_guardian_link SET custody_restricted = true WHERE student_id = $1",
            fam.a.student_ids[0],
        )
    token = await gql.token(fam.guardian_login)
    invoices = (await gql.ok(OUTSTANDING, token=token))["myOutstandingInvoices"]
    assert len(invoices) == 2
    principal = Principal(
        user_id=fam.guardian_id,
        school_roles={fam.a.school_id: frozenset({Role.GUARDIAN})},
    )
    async with db.tenant(fam.a.school_id):
        restricted = await db.fetchrow(
            "SELECT id FROM payments_invoice WHERE student_id = $1", fam.a.student_ids[0]
        )
    assert restricted is not None
    from schoolhub.platform.errors import DomainError

    with pytest.raises(DomainError):
        await intents.create_intent(principal, [restricted["id"]], ip_addr="127.0.0.1")
