"""Authorization matrix of every payments query and mutation.

Actors: anonymous, another school's principal, a guardian of another family in the same school, a
teacher, the accountant, the principal (and the paying guardian). Denied actors get no data and
change nothing (every payments row of both schools compared before/after); the allowed actor
runs last and succeeds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from schoolhub.graphql import ids
from schoolhub.platform import db
from tests.support import payments as pay
from tests.support.gql import GraphQLClient

ACTORS = ["anonymous", "other_school", "other_guardian", "teacher", "accountant", "principal"]
DENIED = {"NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED"}


async def _ctx(fam: pay.Family) -> dict[str, Any]:
    async with db.tenant(fam.a.school_id):
        item = await db.fetchrow("SELECT id FROM payments_fee_item LIMIT 1")
        invoices = await db.fetch(
            "SELECT i.id FROM payments_invoice i JOIN workspace_guardian_link g"
            " ON g.student_id = i.student_id WHERE g.guardian_user_id = $1 ORDER BY i.number",
            fam.guardian_id,
        )
    assert item is not None
    return {
        "school": ids.encode("School", fam.a.school_id),
        "item": ids.encode("FeeItem", item["id"]),
        "invoices": [ids.encode("Invoice", r["id"]) for r in invoices],
        "student": ids.encode("Student", fam.a.student_ids[0]),
        "district": ids.encode("OrgUnit", fam.a.district_id),
    }


async def _intent(gql: GraphQLClient, fam: pay.Family, ctx: dict[str, Any]) -> str:
    token = await gql.token(fam.guardian_login)
    data = await gql.ok(
        "mutation($i: [ID!]!) { createPaymentIntent(invoiceIds: $i) { paymentIntent { id }"
        " errors { code } } }",
        {"i": ctx["invoices"]},
        token,
    )
    return str(data["createPaymentIntent"]["paymentIntent"]["id"])


# name -> (document, variables(ctx), allowed actors, result extractor -> data or None)
Case = tuple[str, Callable[[dict[str, Any]], dict[str, Any]], set[str], str]
CASES: dict[str, Case] = {
    "feeItems": (
        "query($s: ID!) { feeItems(schoolId: $s) { id name amountVnd } }",
        lambda c: {"s": c["school"]},
        {"accountant", "principal"},
        "query",
    ),
    "schoolInvoices": (
        "query($s: ID!) { schoolInvoices(schoolId: $s) { id totalVnd lines { amountVnd } } }",
        lambda c: {"s": c["school"]},
        {"accountant", "principal"},
        "query",
    ),
    "myOutstandingInvoices": (
        "{ myOutstandingInvoices { id number } }",
        lambda c: {},
        {"guardian"},
        "list",
    ),
    "configureVnpayMerchant": (
        'mutation($s: ID!) { configureVnpayMerchant(schoolId: $s, tmnCode: "NEWTERM1",'
        ' hashSecret: "x-secret") { merchant { tmnCode } errors { code } } }',
        lambda c: {"s": c["school"]},
        {"principal"},
        "payload",
    ),
    "createFeeItem": (
        'mutation($s: ID!) { createFeeItem(schoolId: $s, input: {name: "CLB bóng đá",'
        " amountVnd: 100000, mandatory: false, period: MONTHLY, category: CLUB})"
        " { feeItem { id } errors { code } } }",
        lambda c: {"s": c["school"]},
        {"accountant", "principal"},
        "payload",
    ),
    "createFeePlan": (
        "mutation($f: ID!) { createFeePlan(feeItemId: $f, grade: 7, installments: 2)"
        " { feePlan { id } errors { code } } }",
        lambda c: {"f": c["item"]},
        {"accountant", "principal"},
        "payload",
    ),
    "grantFeeExemption": (
        "mutation($s: ID!, $st: ID!) { grantFeeExemption(schoolId: $s, studentId: $st,"
        ' kind: PERCENT, value: 50, reason: "Hộ nghèo") { exemption { id } errors { code } } }',
        lambda c: {"s": c["school"], "st": c["student"]},
        {"principal"},
        "payload",
    ),
    "generateInvoices": (
        'mutation($s: ID!) { generateInvoices(schoolId: $s, period: "2026-10",'
        ' periodKind: MONTHLY, dueDate: "2026-10-31") { created errors { code } } }',
        lambda c: {"s": c["school"]},
        {"accountant", "principal"},
        "payload",
    ),
    "addInvoiceAdjustment": (
        "mutation($i: ID!) { addInvoiceAdjustment(invoiceId: $i, amountVnd: -50000,"
        ' reason: "Nghỉ ốm 3 ngày") { invoice { totalVnd } errors { code } } }',
        lambda c: {"i": c["invoices"][0]},
        {"accountant", "principal"},
        "payload",
    ),
    "createPaymentIntent": (
        "mutation($i: [ID!]!) { createPaymentIntent(invoiceIds: $i) { paymentIntent { id }"
        " paymentUrl errors { code } } }",
        lambda c: {"i": c["invoices"]},
        {"guardian"},
        "payload",
    ),
    "cancelPaymentIntent": (
        "mutation($p: ID!) { cancelPaymentIntent(paymentIntentId: $p) { paymentIntent { status }"
        " errors { code } } }",
        lambda c: {"p": c["intent"]},
        {"guardian"},
        "payload",
    ),
    "paymentsReport": (
        "query($s: ID!) { paymentsReport(schoolId: $s) { byClass { label billedVnd"
        " collectedVnd outstandingVnd } byFeeItem { label } byPeriod { key } } }",
        lambda c: {"s": c["school"]},
        {"accountant", "principal"},
        "query",
    ),
    "districtPaymentTotals": (
        "query($o: ID!) { districtPaymentTotals(orgUnitId: $o) { schoolCode billedVnd } }",
        lambda c: {"o": c["district"]},
        {"district_admin"},
        "query",
    ),
    "requestRefund": (
        "mutation($p: ID!) { requestRefund(paymentIntentId: $p, amountVnd: 50000,"
        ' reason: "Thu trùng") { refund { id status } errors { code } } }',
        lambda c: {"p": c["intent"]},
        {"accountant"},
        "payload",
    ),
    "approveRefund": (
        "mutation($r: ID!) { approveRefund(refundId: $r) { refund { id status } errors { code } } }",
        lambda c: {"r": c["refund"]},
        {"principal"},
        "payload",
    ),
    "receipts": (
        "query($s: ID!) { receipts(schoolId: $s) { id number totalVnd } }",
        lambda c: {"s": c["school"]},
        {"accountant", "principal"},
        "query",
    ),
    "myReceipts": (
        "{ myReceipts { id number } }",
        lambda c: {},
        {"guardian"},
        "list",
    ),
    "receiptDownload": (
        "query($r: ID!) { receiptDownload(receiptId: $r) { url errors { code } } }",
        lambda c: {"r": c["receipt"]},
        {"guardian", "accountant", "principal"},
        "payload",
    ),
    "paymentsReportExport": (
        "query($s: ID!) { paymentsReportExport(schoolId: $s) { url errors { code } } }",
        lambda c: {"s": c["school"]},
        {"accountant", "principal"},
        "payload",
    ),
    "districtPaymentsReportExport": (
        "query($o: ID!) { districtPaymentsReportExport(orgUnitId: $o) { url errors { code } } }",
        lambda c: {"o": c["district"]},
        {"district_admin"},
        "payload",
    ),
}
NEEDS_PAYMENT = {"requestRefund", "approveRefund", "receipts", "myReceipts", "receiptDownload"}


async def paid_intent(gql: GraphQLClient, fam: pay.Family, ctx: dict[str, Any]) -> None:
    """A succeeded intent (signed IPN to the real endpoint) and a requested refund of it."""
    from schoolhub.payments import refunds

    ctx["intent"] = await _intent(gql, fam, ctx)
    intent_id = ids.decode(ctx["intent"], "PaymentIntent")
    async with db.tenant(fam.a.school_id):
        row = await db.fetchrow("SELECT * FROM payments_intent WHERE id = $1", intent_id)
    assert row is not None
    reply = await gql.http.get(
        "/payments/vnpay/ipn", params=pay.ipn_params(fam.a, row["txn_ref"], row["amount_vnd"])
    )
    assert reply.json()["RspCode"] == "00"
    await pay.render_receipts(fam.a.school_id)
    async with db.tenant(fam.a.school_id):
        receipt = await db.fetchrow(
            "SELECT id FROM payments_receipt WHERE intent_id = $1 ORDER BY sequence LIMIT 1",
            intent_id,
        )
    assert receipt is not None
    ctx["receipt"] = ids.encode("Receipt", receipt["id"])
    refund = await refunds.request_refund(
        pay.staff(fam.a, "accountant"), intent_id, amount_vnd=10_000, reason="Thu trùng"
    )
    ctx["refund"] = ids.encode("Refund", refund["id"])


async def _token(gql: GraphQLClient, fam: pay.Family, actor: str) -> str | None:
    logins = {
        "other_school": fam.b.logins["principal"],
        "other_guardian": fam.other_guardian_login,
        "guardian": fam.guardian_login,
    }
    if actor == "anonymous":
        return None
    return await gql.token(logins.get(actor) or fam.a.logins[actor])


def _result(body: dict[str, Any], name: str, shape: str, ctx: dict[str, Any]) -> Any:
    data = body.get("data") or {}
    if shape == "list":  # the family's invoices/receipts only; others may see their own
        mine = {*ctx["invoices"], ctx.get("receipt")}
        return [i for i in data.get(name) or [] if i["id"] in mine] or None
    if shape == "payload":
        payload = data.get(name)
        if payload is None:
            return None
        values = [v for k, v in payload.items() if k != "errors"]
        return payload if any(v is not None for v in values) else None
    return data.get(name) or None


async def _state(fam: pay.Family) -> list[Any]:
    return [await pay.snapshot(w.school_id) for w in (fam.a, fam.b)]


@pytest.mark.parametrize("name", sorted(CASES))
async def test_matrix(gql: GraphQLClient, name: str) -> None:
    fam = await pay.family()
    ctx = await _ctx(fam)
    document, variables, allowed, shape = CASES[name]
    if name == "cancelPaymentIntent":
        ctx["intent"] = await _intent(gql, fam, ctx)
    if name in NEEDS_PAYMENT:
        await paid_intent(gql, fam, ctx)
    actors = [a for a in ACTORS if a not in allowed] + sorted(allowed)
    if "guardian" not in allowed:
        actors.insert(0, "guardian")
    succeeded = False
    for actor in actors:
        before = await _state(fam)
        body = await gql.raw(document, variables(ctx), await _token(gql, fam, actor))
        result = _result(body, name, shape, ctx)
        if actor in allowed:
            if succeeded and shape == "payload":  # e.g. a duplicate now: a business error
                assert not {e["code"] for e in body["data"][name]["errors"]} & DENIED, body
                continue
            assert result is not None, (actor, body)
            if shape == "payload":
                assert body["data"][name]["errors"] == [], (actor, body)
            succeeded = True
            continue
        assert result is None, (actor, body)
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or []}
        if shape == "payload" and body.get("data") and body["data"].get(name):
            codes |= {e["code"] for e in body["data"][name]["errors"]}
        if shape != "list":
            assert codes and codes <= DENIED, (actor, body)
        assert await _state(fam) == before, actor
    await pay.assert_credit_invariant()
