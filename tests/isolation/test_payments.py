"""Payments isolation: a school never sees another school's payments; a guardian never sees another
family's invoices. Every payments operation is listed in ``ISOLATION_COVERS``."""

from __future__ import annotations

from typing import Any

from schoolhub.graphql import ids
from schoolhub.payments import reconciliation_report as rr
from tests.graphql.payments import test_reconciliation_matrix as recon
from tests.graphql.payments.test_payments_matrix import CASES, _ctx, paid_intent
from tests.support import payments as pay
from tests.support.gql import GraphQLClient

_SCHOOL = "test_a_school_never_sees_another_schools_payments"
_FAMILY = "test_a_guardian_never_sees_another_familys_invoices"
_RECON = "test_a_school_never_sees_another_schools_reconciliation"
ISOLATION_COVERS = (
    dict.fromkeys(CASES, _SCHOOL)
    | {
        "myOutstandingInvoices": _FAMILY,
        "createPaymentIntent": _FAMILY,
        "cancelPaymentIntent": _FAMILY,
        "myReceipts": _FAMILY,
        "receiptDownload": _FAMILY,
    }
    | dict.fromkeys(recon.CASES, _RECON)
)
simulator = pay.simulator  # the session fixture (VNPay simulator -> our IPN endpoint)

B_ROLES = [
    "principal",
    "vice_principal",
    "teacher",
    "accountant",
    "staff",
    "guardian",
    "student",
    "district_admin",
]


def _leaks(body: dict[str, Any], secrets: list[str]) -> bool:
    text = repr(body.get("data"))
    return any(s in text for s in secrets)


async def test_a_school_never_sees_another_schools_payments(gql: GraphQLClient) -> None:
    fam = await pay.family()
    ctx = await _ctx(fam)
    await paid_intent(gql, fam, ctx)
    before = await pay.snapshot(fam.a.school_id)
    victim_ids = [*ctx["invoices"], ctx["intent"], ctx["item"], ctx["refund"], ctx["receipt"]]
    for role in B_ROLES:
        token = await gql.token(fam.b.logins[role])
        for name, (document, variables, _, _) in CASES.items():
            body = await gql.raw(document, variables(ctx), token)
            assert not _leaks(body, victim_ids), (role, name, body)
            payload = (body.get("data") or {}).get(name)
            if isinstance(payload, dict):
                assert all(v is None for k, v in payload.items() if k != "errors"), (role, name)
        nodes = await gql.ok(
            "query($i: [ID!]!) { nodes(ids: $i) { id } }", {"i": victim_ids}, token
        )
        assert nodes["nodes"] == [None] * len(victim_ids), role
        own = await gql.raw(
            "query($s: ID!) { schoolInvoices(schoolId: $s) { id } }",
            {"s": ids.encode("School", fam.b.school_id)},
            token,
        )
        assert not _leaks(own, victim_ids)
    assert await pay.snapshot(fam.a.school_id) == before


async def test_a_guardian_never_sees_another_familys_invoices(gql: GraphQLClient) -> None:
    fam = await pay.family()
    ctx = await _ctx(fam)
    await paid_intent(gql, fam, ctx)
    before = await pay.snapshot(fam.a.school_id)
    token = await gql.token(fam.other_guardian_login)
    mine = (await gql.ok("{ myOutstandingInvoices { id } }", token=token))["myOutstandingInvoices"]
    assert len(mine) == 1 and mine[0]["id"] not in ctx["invoices"]
    for name in (
        "createPaymentIntent",
        "cancelPaymentIntent",
        "addInvoiceAdjustment",
        "requestRefund",
    ):
        document, variables, _, _ = CASES[name]
        body = await gql.raw(document, variables(ctx), token)
        payload = body["data"][name]
        assert all(v is None for k, v in payload.items() if k != "errors"), body
        assert payload["errors"][0]["code"] in {"NOT_FOUND", "FORBIDDEN"}, body
    receipts = (await gql.ok("{ myReceipts { id } }", token=token))["myReceipts"]
    assert receipts == []
    document, variables, _, _ = CASES["receiptDownload"]
    download = (await gql.raw(document, variables(ctx), token))["data"]["receiptDownload"]
    assert download["url"] is None and download["errors"][0]["code"] == "NOT_FOUND"
    victim_ids = [*ctx["invoices"], ctx["intent"], ctx["receipt"]]
    nodes = await gql.ok("query($i: [ID!]!) { nodes(ids: $i) { id } }", {"i": victim_ids}, token)
    assert nodes["nodes"] == [None] * len(victim_ids)
    # The paying guardian sees their own intent and invoices through node().
    owner = await gql.token(fam.guardian_login)
    seen = await gql.ok("query($i: [ID!]!) { nodes(ids: $i) { id } }", {"i": victim_ids}, owner)
    assert [n["id"] for n in seen["nodes"]] == victim_ids
    assert await pay.snapshot(fam.a.school_id) == before


async def test_a_school_never_sees_another_schools_reconciliation(
    gql: GraphQLClient, simulator: str
) -> None:
    fam = await pay.family(gateway_url=simulator)
    ctx = await recon.reconciled(fam)
    report = await rr.get_report(pay.staff(fam.a, "accountant"), fam.a.school_id, rr.today_vn())
    assert report is not None
    run_id = ids.encode("ReconciliationRun", report[0]["id"])
    victim = [ctx["item"], run_id, ctx["txn_ref"]]
    before = (await recon.state(fam))[:4]  # school A's rows (B may reconcile its own day)
    for role in B_ROLES:
        token = await gql.token(fam.b.logins[role])
        for name, (document, variables, _) in recon.CASES.items():
            body = await gql.raw(document, variables(ctx), token)
            assert not _leaks(body, victim), (role, name, body)
            payload = (body.get("data") or {}).get(name)
            if isinstance(payload, dict):
                assert all(v is None for k, v in payload.items() if k != "errors"), (role, name)
            own = {**ctx, "school": ids.encode("School", fam.b.school_id)}
            body = await gql.raw(document, variables(own), token)
            assert not _leaks(body, victim), (role, name, body)
        nodes = await gql.ok(
            "query($i: [ID!]!) { nodes(ids: $i) { id } }", {"i": victim[:2]}, token
        )
        assert nodes["nodes"] == [None, None], role
        assert (await recon.state(fam))[:4] == before, role
    # A's accountant sees them through node().
    owner = await gql.token(fam.a.logins["accountant"])
    seen = await gql.ok("query($i: [ID!]!) { nodes(ids: $i) { id } }", {"i": victim[:2]}, owner)
    assert [n["id"] for n in seen["nodes"]] == victim[:2]
