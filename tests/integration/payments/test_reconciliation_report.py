"""Daily reconciliation report: VNPay's querydr answers vs our records, and the unmatched queue.

The report never credits money; the querydr reconcile job (or the IPN) does. After every test the
credit invariant (sum credited == sum of succeeded intents == sum of crediting IPNs) holds.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from schoolhub.payments import intents, reconcile
from schoolhub.payments import reconciliation_report as rr
from schoolhub.platform import db
from schoolhub.platform.errors import DomainError
from schoolhub.platform.principal import Principal, Role
from tests.support import payments as pay

simulator = pay.simulator  # the session fixture (VNPay simulator -> our IPN endpoint)


def _guardian(fam: pay.Family) -> Principal:
    return Principal(user_id=fam.guardian_id, school_roles={fam.a.school_id: {Role.GUARDIAN}})


async def _intent(fam: pay.Family, index: int) -> tuple[dict[str, Any], str]:
    """An intent paying the guardian's ``index``-th open invoice in school A."""
    rows = await intents.outstanding_invoices(_guardian(fam))
    mine = sorted((r for r in rows if r["school_id"] == fam.a.school_id), key=lambda r: r["number"])
    return await intents.create_intent(_guardian(fam), [mine[index]["id"]], ip_addr="203.0.113.10")


async def _approve(sim: str, url: str, txn_ref: str, deliver_ipn: bool) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(url)).status_code == 200
        response = await http.post(
            f"{sim}/simulator/pay",
            json={"txn_ref": txn_ref, "outcome": "success", "deliver_ipn": deliver_ipn},
        )
        assert response.status_code == 200, response.text


async def _status(fam: pay.Family, intent_id: UUID) -> str:
    async with db.tenant(fam.a.school_id):
        row = await db.fetchrow("SELECT status FROM payments_intent WHERE id = $1", intent_id)
    assert row is not None
    return str(row["status"])


async def _wait_status(fam: pay.Family, intent_id: UUID, status: str) -> None:
    deadline = time.monotonic() + 10
    while await _status(fam, intent_id) != status:
        assert time.monotonic() < deadline, f"intent never became {status}"
        await asyncio.sleep(0.02)


def _by_intent(items: list[dict[str, Any]]) -> dict[UUID, dict[str, Any]]:
    return {i["intent_id"]: i for i in items}


async def _report(fam: pay.Family) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    found = await rr.get_report(pay.staff(fam.a, "accountant"), fam.a.school_id, rr.today_vn())
    assert found is not None
    return found


async def test_a_day_where_everything_matches(app: httpx.AsyncClient, simulator: str) -> None:
    fam = await pay.family(gateway_url=simulator)
    paid, url = await _intent(fam, 0)
    await _approve(simulator, url, paid["txn_ref"], deliver_ipn=True)
    await _wait_status(fam, paid["id"], "succeeded")
    before = await pay.snapshot(fam.a.school_id)
    run = await rr.run_daily_report(fam.a.school_id, rr.today_vn())
    assert (run["total_count"], run["matched_count"], run["unmatched_count"]) == (1, 1, 0)
    _, items = await _report(fam)
    (item,) = items
    assert (item["outcome"], item["resolution"]) == ("matched", "resolved")
    assert item["vnpay_amount_vnd"] == item["our_amount_vnd"] == paid["amount_vnd"]
    assert item["vnpay_transaction_no"]
    assert await rr.open_items(pay.staff(fam.a, "principal"), fam.a.school_id) == []
    assert await pay.snapshot(fam.a.school_id) == before  # the report changed no payment row
    # School B had no intent that day: an empty run.
    other = await rr.run_daily_report(fam.b.school_id, rr.today_vn())
    assert other["total_count"] == 0
    await pay.assert_credit_invariant()


async def test_paid_without_ipn_is_queued_then_matched_after_reconcile(
    app: httpx.AsyncClient, simulator: str
) -> None:
    fam = await pay.family(gateway_url=simulator)
    paid, url = await _intent(fam, 0)
    await _approve(simulator, url, paid["txn_ref"], deliver_ipn=False)
    run = await rr.run_daily_report(fam.a.school_id, rr.today_vn())
    assert (run["matched_count"], run["unmatched_count"]) == (0, 1)
    assert await _status(fam, paid["id"]) == "requires_payment"  # the report credits nothing
    (item,) = await rr.open_items(pay.staff(fam.a, "accountant"), fam.a.school_id)
    assert item["outcome"] == "paid_at_vnpay_not_recorded"
    assert (item["our_status"], item["vnpay_status"]) == ("requires_payment", "00")
    await pay.assert_credit_invariant()
    # The reconcile job credits it; the re-run of the same date then shows it matched.
    later = datetime.now(UTC) + timedelta(minutes=16)
    assert (await reconcile.reconcile_all(now=later))["credited"] == 1
    again = await rr.run_daily_report(fam.a.school_id, rr.today_vn())
    assert again["id"] == run["id"]
    assert (again["total_count"], again["matched_count"], again["unmatched_count"]) == (1, 1, 0)
    _, items = await _report(fam)
    assert [i["outcome"] for i in items] == ["matched"]
    assert await rr.open_items(pay.staff(fam.a, "accountant"), fam.a.school_id) == []
    await pay.assert_credit_invariant()


async def test_missing_at_vnpay_resolved_by_accountant_with_audit(
    app: httpx.AsyncClient, simulator: str
) -> None:
    fam = await pay.family(gateway_url=simulator)
    never, _ = await _intent(fam, 0)  # the guardian never opened VNPay's page
    paid, url = await _intent(fam, 1)
    await _approve(simulator, url, paid["txn_ref"], deliver_ipn=True)
    await _wait_status(fam, paid["id"], "succeeded")
    run = await rr.run_daily_report(fam.a.school_id, rr.today_vn())
    assert (run["total_count"], run["matched_count"], run["unmatched_count"]) == (2, 1, 1)
    (item,) = await rr.open_items(pay.staff(fam.a, "accountant"), fam.a.school_id)
    assert item["intent_id"] == never["id"]
    assert (item["outcome"], item["vnpay_response_code"]) == ("missing_at_vnpay", "91")
    # A teacher may not resolve; a note is required.
    with pytest.raises(DomainError) as exc:
        await rr.resolve_item(pay.staff(fam.a, "teacher"), item["id"], "x")
    assert exc.value.code == "FORBIDDEN"
    with pytest.raises(DomainError) as exc:
        await rr.resolve_item(pay.staff(fam.a, "accountant"), item["id"], "   ")
    assert exc.value.code == "INVALID_RESOLUTION_NOTE"
    note = "Phụ huynh chưa thanh toán, bỏ giao dịch"
    done = await rr.resolve_item(pay.staff(fam.a, "accountant"), item["id"], note)
    assert (done["resolution"], done["resolution_note"]) == ("resolved", note)
    assert done["resolved_by"] == fam.a.user_ids["accountant"] and done["resolved_at"]
    with pytest.raises(DomainError) as exc:
        await rr.resolve_item(pay.staff(fam.a, "principal"), item["id"], "again")
    assert exc.value.code == "RECONCILIATION_ITEM_RESOLVED"
    async with db.tenant(fam.a.school_id):
        logs = await db.fetch(
            "SELECT actor_user_id, target_id FROM school_audit_log"
            " WHERE action = 'payments.reconciliation.resolve'"
        )
    assert [(r["actor_user_id"], r["target_id"]) for r in logs] == [
        (fam.a.user_ids["accountant"], str(item["id"]))
    ]
    assert await rr.open_items(pay.staff(fam.a, "accountant"), fam.a.school_id) == []
    # A re-run keeps the resolved item as it is.
    await rr.run_daily_report(fam.a.school_id, rr.today_vn())
    _, items = await _report(fam)
    kept = _by_intent(items)[never["id"]]
    assert (kept["id"], kept["resolution_note"]) == (item["id"], note)
    await pay.assert_credit_invariant()


async def test_rerun_is_idempotent(app: httpx.AsyncClient, simulator: str) -> None:
    fam = await pay.family(gateway_url=simulator)
    paid, url = await _intent(fam, 0)
    await _approve(simulator, url, paid["txn_ref"], deliver_ipn=False)
    await _intent(fam, 1)
    first = await rr.run_daily_report(fam.a.school_id, rr.today_vn())
    _, items1 = await _report(fam)
    second = await rr.run_daily_report(fam.a.school_id, rr.today_vn())
    _, items2 = await _report(fam)
    assert first["id"] == second["id"]
    strip = {"id", "checked_at"}
    items1.sort(key=lambda i: i["intent_id"])
    items2.sort(key=lambda i: i["intent_id"])
    assert [{k: v for k, v in i.items() if k not in strip} for i in items1] == [
        {k: v for k, v in i.items() if k not in strip} for i in items2
    ]
    assert (second["total_count"], second["unmatched_count"]) == (2, 2)
    assert sorted(i["outcome"] for i in items2) == [
        "missing_at_vnpay",
        "paid_at_vnpay_not_recorded",
    ]
    async with db.tenant(fam.a.school_id):
        runs = await db.fetch("SELECT id FROM payments_reconciliation_run")
    assert len(runs) == 1
    # The worker entry point covers every school; a future date is refused to staff.
    totals = await rr.run_all_schools(rr.today_vn())
    assert (totals["total"], totals["unmatched"]) == (2, 2)
    with pytest.raises(DomainError) as exc:
        await rr.run_for(
            pay.staff(fam.a, "accountant"), fam.a.school_id, rr.today_vn() + timedelta(days=1)
        )
    assert exc.value.code == "INVALID_BUSINESS_DATE"
    await pay.assert_credit_invariant()
