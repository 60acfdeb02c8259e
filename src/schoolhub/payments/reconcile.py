"""Reconciliation: querydr every intent still pending after expiry, and settle it (credit exactly
once, like the IPN, under the intent's row lock). Run periodically by a worker:
``await reconcile_all()``; VNPAY.md §3.3 recommends at least daily, RELIABILITY.md §3.5.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import UUID

from schoolhub.payments import intents, ipn
from schoolhub.payments.vnpay import VnpayError
from schoolhub.platform import db

SERVER_IP = "127.0.0.1"


async def reconcile_school(school_id: UUID, now: datetime | None = None) -> dict[str, int]:
    """querydr every intent of one school still pending after expiry, and settle it."""
    moment = now or datetime.now(UTC)
    counts = {"credited": 0, "expired": 0, "failed": 0, "pending": 0, "errors": 0}
    async with db.tenant(school_id):
        due = await db.fetch(
            "SELECT * FROM payments_intent WHERE status = ANY($1::text[]) AND expires_at < $2",
            list(intents.LIVE),
            moment,
        )
        client = await intents.merchant_client(school_id) if due else None
    if client is None:
        return counts
    async with client:
        for intent in due:
            try:
                result = await client.query_dr(
                    txn_ref=intent["txn_ref"],
                    transaction_date=intent["vnp_create_date"],
                    ip_addr=SERVER_IP,
                )
            except VnpayError:
                counts["errors"] += 1
                continue
            async with db.tenant(school_id):
                locked = await db.fetchrow(
                    "SELECT * FROM payments_intent WHERE id = $1 FOR UPDATE", intent["id"]
                )
                assert locked is not None
                if locked["status"] not in intents.LIVE:
                    continue  # an IPN settled it meanwhile
                if result.succeeded and result.amount_vnd == locked["amount_vnd"]:
                    await ipn.credit(locked, result.transaction_no, result.response_code)
                    await db.execute(
                        "INSERT INTO payments_notification (school_id, kind, query, signature_ok,"
                        " intent_id, amount_vnd, rsp_code, credited)"
                        " VALUES ($1, 'querydr', $2::jsonb, true, $3, $4, '00', true)",
                        school_id,
                        json.dumps(dict(result.raw)),
                        locked["id"],
                        result.amount_vnd,
                    )
                    counts["credited"] += 1
                elif result.found and result.transaction_status == "01":
                    await db.execute(
                        "UPDATE payments_intent SET status = 'processing' WHERE id = $1",
                        locked["id"],
                    )
                    counts["pending"] += 1
                else:
                    status = "expired" if not result.found else "failed"
                    updated = await db.fetchrow(
                        "UPDATE payments_intent SET status = $2, settled_at = now()"
                        " WHERE id = $1 RETURNING *",
                        locked["id"],
                        status,
                    )
                    assert updated is not None
                    await intents.emit(updated, f"payment_intent.{status}")
                    counts[status] += 1
    return counts


async def reconcile_all(now: datetime | None = None) -> dict[str, int]:
    """The periodic job: every school, one tenant transaction at a time."""
    async with db.system():
        schools = [r["id"] for r in await db.fetch("SELECT id FROM tenants_school WHERE active")]
    total: dict[str, int] = {}
    for school_id in schools:
        for key, value in (await reconcile_school(school_id, now)).items():
            total[key] = total.get(key, 0) + value
    return total
