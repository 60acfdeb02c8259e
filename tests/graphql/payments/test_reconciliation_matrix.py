"""Authorization matrix of the reconciliation report operations.

Actors: anonymous, another school's principal, the paying guardian, a guardian of another family,
a teacher, then the accountant and the principal (allowed). Denied actors get no data and change
nothing (payments rows, reconciliation rows and audit entries of both schools compared).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from schoolhub.graphql import ids
from schoolhub.payments import intents
from schoolhub.payments import reconciliation_report as rr
from schoolhub.platform import db
from schoolhub.platform.principal import Principal, Role
from tests.support import payments as pay
from tests.support.gql import GraphQLClient

simulator = pay.simulator  # the session fixture (VNPay simulator -> our IPN endpoint)

ACTORS = ["anonymous", "other_school", "guardian", "other_guardian", "teacher"]
ALLOWED = ["accountant", "principal"]
DENIED = {"NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED"}

Case = tuple[str, Callable[[dict[str, Any]], dict[str, Any]], str]
CASES: dict[str, Case] = {
    "reconciliationReport": (
        "query($s: ID!, $d: Date!) { reconciliationReport(schoolId: $s, date: $d) {"
        " run { id totalCount } items { id txnRef outcome ourAmountVnd } } }",
        lambda c: {"s": c["school"], "d": c["date"]},
        "query",
    ),
    "unmatchedPayments": (
        "query($s: ID!) { unmatchedPayments(schoolId: $s) { id txnRef outcome } }",
        lambda c: {"s": c["school"]},
        "query",
    ),
    "runReconciliation": (
        "mutation($s: ID!, $d: Date!) { runReconciliation(schoolId: $s, date: $d) {"
        " report { run { id totalCount } items { id txnRef } } errors { code } } }",
        lambda c: {"s": c["school"], "d": c["date"]},
        "payload",
    ),
    "resolveUnmatchedPayment": (
        "mutation($i: ID!) { resolveUnmatchedPayment(itemId: $i,"
        ' note: "Phụ huynh bỏ giao dịch") { item { id resolution } errors { code } } }',
        lambda c: {"i": c["item"]},
        "payload",
    ),
}


async def reconciled(fam: pay.Family) -> dict[str, Any]:
    """An intent VNPay never saw, reconciled today: one open item in A's queue."""
    guardian = Principal(user_id=fam.guardian_id, school_roles={fam.a.school_id: {Role.GUARDIAN}})
    rows = await intents.outstanding_invoices(guardian)
    mine = [r["id"] for r in rows if r["school_id"] == fam.a.school_id]
    intent, _ = await intents.create_intent(guardian, mine, ip_addr="203.0.113.10")
    day = rr.today_vn()
    await rr.run_daily_report(fam.a.school_id, day)
    await rr.run_daily_report(fam.b.school_id, day)
    (item,) = await rr.open_items(pay.staff(fam.a, "accountant"), fam.a.school_id)
    return {
        "school": ids.encode("School", fam.a.school_id),
        "date": day.isoformat(),
        "item": ids.encode("ReconciliationItem", item["id"]),
        "txn_ref": intent["txn_ref"],
    }


async def state(fam: pay.Family) -> list[Any]:
    out: list[Any] = []
    for world in (fam.a, fam.b):
        out.append(await pay.snapshot(world.school_id))
        async with db.tenant(world.school_id):
            for sql in (
                "SELECT * FROM payments_reconciliation_run",
                "SELECT * FROM payments_reconciliation_item",
                "SELECT action, target_id FROM school_audit_log"
                " WHERE action LIKE 'payments.reconciliation.%'",
            ):
                out.append(sorted(repr(sorted(r.items())) for r in await db.fetch(sql)))
    return out


async def token(gql: GraphQLClient, fam: pay.Family, actor: str) -> str | None:
    logins = {
        "other_school": fam.b.logins["principal"],
        "other_guardian": fam.other_guardian_login,
        "guardian": fam.guardian_login,
    }
    if actor == "anonymous":
        return None
    return await gql.token(logins.get(actor) or fam.a.logins[actor])


def _result(body: dict[str, Any], name: str, shape: str) -> Any:
    data = (body.get("data") or {}).get(name)
    if shape == "payload" and data is not None:
        return data if any(v is not None for k, v in data.items() if k != "errors") else None
    return data or None


@pytest.mark.parametrize("name", sorted(CASES))
async def test_matrix(gql: GraphQLClient, simulator: str, name: str) -> None:
    fam = await pay.family(gateway_url=simulator)
    ctx = await reconciled(fam)
    document, variables, shape = CASES[name]
    succeeded = False
    for actor in [*ACTORS, *ALLOWED]:
        before = await state(fam)
        body = await gql.raw(document, variables(ctx), await token(gql, fam, actor))
        result = _result(body, name, shape)
        if actor in ALLOWED:
            if succeeded and name == "resolveUnmatchedPayment":  # already resolved now
                codes = {e["code"] for e in body["data"][name]["errors"]}
                assert codes == {"RECONCILIATION_ITEM_RESOLVED"}, body
                continue
            assert result is not None, (actor, body)
            if shape == "payload":
                assert body["data"][name]["errors"] == [], (actor, body)
            assert ctx["txn_ref"] in repr(body["data"]) or name == "resolveUnmatchedPayment"
            succeeded = True
            continue
        assert result is None, (actor, body)
        assert ctx["txn_ref"] not in repr(body.get("data")), (actor, body)
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or []}
        if shape == "payload" and body.get("data") and body["data"].get(name):
            codes |= {e["code"] for e in body["data"][name]["errors"]}
        assert codes and codes <= DENIED, (actor, body)
        assert await state(fam) == before, actor
    assert succeeded
    await pay.assert_credit_invariant()
