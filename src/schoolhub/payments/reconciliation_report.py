"""Daily reconciliation report per school: querydr every intent created on a business date
(Asia/Ho_Chi_Minh) and compare VNPay's answer with our records.

The report only observes: it never credits or settles an intent (crediting stays with the IPN and
``reconcile.py``). Non-matching items go to the school's unmatched queue (``resolution = 'open'``)
until the accountant or principal resolves them with a note (audit-logged). Re-running a date
replaces the run's unresolved items; items a person resolved are kept as they are.
Worker: ``await run_all_schools(business_date)``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from schoolhub.payments import intents
from schoolhub.payments.access import require
from schoolhub.payments.errors import PaymentsErrorCode as E
from schoolhub.payments.vnpay import QueryDrResult, VnpayError
from schoolhub.platform import audit, db
from schoolhub.platform.errors import Conflict, InvalidInput, NotFound
from schoolhub.platform.principal import Principal, Role

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SERVER_IP = "127.0.0.1"
READERS = frozenset({Role.PRINCIPAL, Role.ACCOUNTANT})
RESOLVERS = READERS
NOTE_MAX = 2000


def today_vn() -> date:
    return datetime.now(VN_TZ).date()


def _our_state(status: str) -> str:
    if status == "succeeded":
        return "paid"
    return "pending" if status in intents.LIVE else "unpaid"


def classify(intent: dict[str, Any], result: QueryDrResult) -> str:
    """The outcome of one intent given VNPay's querydr answer."""
    ours = _our_state(intent["status"])
    if not result.found:
        return "missing_at_vnpay"
    if result.succeeded:
        if result.amount_vnd != intent["amount_vnd"]:
            return "mismatch_amount"
        return "matched" if ours == "paid" else "paid_at_vnpay_not_recorded"
    theirs = "pending" if result.transaction_status == "01" else "unpaid"
    return "matched" if ours == theirs else "status_differs"


async def run_daily_report(school_id: UUID, business_date: date) -> dict[str, Any]:
    """querydr every intent of the school created on ``business_date``; write the run and items."""
    start = datetime.combine(business_date, datetime.min.time(), VN_TZ)
    async with db.tenant(school_id):
        todo = await db.fetch(
            "SELECT * FROM payments_intent WHERE created_at >= $1 AND created_at < $2"
            " AND id NOT IN (SELECT i.intent_id FROM payments_reconciliation_item i"
            "   JOIN payments_reconciliation_run r ON r.id = i.run_id"
            "   WHERE r.business_date = $3 AND i.resolved_by IS NOT NULL)"
            " ORDER BY created_at, id",
            start,
            start + timedelta(days=1),
            business_date,
        )
        client = await intents.merchant_client(school_id) if todo else None
    answers: list[tuple[dict[str, Any], QueryDrResult]] = []
    errors = 0
    if client is not None:
        async with client:
            for intent in todo:
                try:
                    result = await client.query_dr(
                        txn_ref=intent["txn_ref"],
                        transaction_date=intent["vnp_create_date"],
                        ip_addr=SERVER_IP,
                    )
                except VnpayError:
                    errors += 1
                    continue
                answers.append((intent, result))
    else:
        errors = len(todo)
    async with db.tenant(school_id):
        run = await db.fetchrow(
            "INSERT INTO payments_reconciliation_run (school_id, business_date)"
            " VALUES ($1, $2) ON CONFLICT (school_id, business_date)"
            " DO UPDATE SET started_at = now(), finished_at = NULL RETURNING *",
            school_id,
            business_date,
        )
        assert run is not None
        for intent, result in answers:
            outcome = classify(intent, result)
            await db.execute(
                "DELETE FROM payments_reconciliation_item WHERE run_id = $1 AND intent_id = $2"
                " AND resolved_by IS NULL",
                run["id"],
                intent["id"],
            )
            await db.execute(
                "INSERT INTO payments_reconciliation_item (school_id, run_id, intent_id, txn_ref,"
                " our_status, our_amount_vnd, vnpay_response_code, vnpay_status,"
                " vnpay_amount_vnd, vnpay_transaction_no, outcome, resolution)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                " ON CONFLICT (school_id, run_id, intent_id) DO NOTHING",
                school_id,
                run["id"],
                intent["id"],
                intent["txn_ref"],
                intent["status"],
                intent["amount_vnd"],
                result.response_code,
                result.transaction_status,
                result.amount_vnd,
                result.transaction_no,
                outcome,
                "resolved" if outcome == "matched" else "open",
            )
        updated = await db.fetchrow(
            "UPDATE payments_reconciliation_run r SET finished_at = now(), error_count = $2,"
            " total_count = c.total, matched_count = c.matched, unmatched_count = c.unmatched"
            " FROM (SELECT count(*) AS total,"
            "   count(*) FILTER (WHERE outcome = 'matched') AS matched,"
            "   count(*) FILTER (WHERE outcome <> 'matched') AS unmatched"
            "   FROM payments_reconciliation_item WHERE run_id = $1) c"
            " WHERE r.id = $1 RETURNING r.*",
            run["id"],
            errors,
        )
        assert updated is not None
        return updated


async def run_all_schools(business_date: date | None = None) -> dict[str, int]:
    """The daily job: every active school, one school at a time; totals of all runs."""
    day = business_date or today_vn() - timedelta(days=1)
    async with db.system():
        schools = [r["id"] for r in await db.fetch("SELECT id FROM tenants_school WHERE active")]
    total = {"schools": 0, "total": 0, "matched": 0, "unmatched": 0, "errors": 0}
    for school_id in schools:
        run = await run_daily_report(school_id, day)
        total["schools"] += 1
        total["total"] += run["total_count"]
        total["matched"] += run["matched_count"]
        total["unmatched"] += run["unmatched_count"]
        total["errors"] += run["error_count"]
    return total


async def run_for(principal: Principal, school_id: UUID, business_date: date) -> dict[str, Any]:
    """Principal/accountant: (re-)run the report of one date now (audit-logged)."""
    user = require(principal, school_id, READERS, "school")
    if business_date > today_vn():
        raise InvalidInput("the business date is in the future", code=E.INVALID_BUSINESS_DATE)
    run = await run_daily_report(school_id, business_date)
    async with db.tenant(school_id, user):
        await audit.record_school(
            school_id,
            "payments.reconciliation.run",
            actor_user_id=user,
            target_type="reconciliation_run",
            target_id=str(run["id"]),
            details={"business_date": business_date.isoformat()},
        )
    return run


async def get_report(
    principal: Principal, school_id: UUID, business_date: date
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The run of one date and its items, or None when the date was never reconciled."""
    user = require(principal, school_id, READERS, "school")
    async with db.tenant(school_id, user):
        run = await db.fetchrow(
            "SELECT * FROM payments_reconciliation_run WHERE business_date = $1", business_date
        )
        if run is None:
            return None
        items = await db.fetch(
            "SELECT * FROM payments_reconciliation_item WHERE run_id = $1 ORDER BY txn_ref",
            run["id"],
        )
    return run, items


async def open_items(
    principal: Principal, school_id: UUID, limit: int = 500
) -> list[dict[str, Any]]:
    """The unmatched queue: open items of every run, oldest first."""
    user = require(principal, school_id, READERS, "school")
    async with db.tenant(school_id, user):
        return await db.fetch(
            "SELECT * FROM payments_reconciliation_item WHERE resolution = 'open'"
            " ORDER BY checked_at, txn_ref LIMIT $1",
            max(1, min(limit, 500)),
        )


async def resolve_item(principal: Principal, item_id: UUID, note: str) -> dict[str, Any]:
    """Accountant/principal: close an open item with a note (audit-logged)."""
    user = principal.require_user()
    text = note.strip()
    for school_id in sorted(principal.school_ids):
        async with db.tenant(school_id, user):
            row = await db.fetchrow(
                "SELECT * FROM payments_reconciliation_item WHERE id = $1 FOR UPDATE", item_id
            )
            if row is None:
                continue
            require(principal, school_id, RESOLVERS, "reconciliation item")
            if not text or len(text) > NOTE_MAX:
                raise InvalidInput(
                    "a note of 1 to 2000 characters is required",
                    code=E.INVALID_RESOLUTION_NOTE,
                    field="note",
                )
            if row["resolution"] != "open":
                raise Conflict("the item is already resolved", code=E.RECONCILIATION_ITEM_RESOLVED)
            updated = await db.fetchrow(
                "UPDATE payments_reconciliation_item SET resolution = 'resolved',"
                " resolved_by = $2, resolution_note = $3, resolved_at = now()"
                " WHERE id = $1 RETURNING *",
                item_id,
                user,
                text,
            )
            assert updated is not None
            await audit.record_school(
                school_id,
                "payments.reconciliation.resolve",
                actor_user_id=user,
                target_type="reconciliation_item",
                target_id=str(item_id),
                details={"outcome": row["outcome"], "txn_ref": row["txn_ref"], "note": text},
            )
            return updated
    raise NotFound("reconciliation item")


async def visible(principal: Principal, table: str, keys: list[UUID]) -> list[dict[str, Any]]:
    """Runs or items by id, in the caller's schools where they read reconciliation data."""
    assert table in ("payments_reconciliation_run", "payments_reconciliation_item")
    if principal.user_id is None or not keys:
        return []
    found: list[dict[str, Any]] = []
    for school_id in sorted(principal.school_ids):
        if not principal.has_school_role(school_id, READERS):
            continue
        async with db.tenant(school_id, principal.user_id):
            found += await db.fetch(
                f"SELECT * FROM {table} WHERE id = ANY($1::uuid[])",  # noqa: S608
                keys,
            )
    return found
