"""Electronic receipts (biên lai) of successful payments: issue, render, list, download links.

* ``issue_for_intent`` runs inside the transaction that credits an intent (``ipn.credit``): one
  receipt per student covered by the intent, numbered from the school's counter row for the year
  (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``: the row lock serialises concurrent credits
  of one school, so numbers are consecutive, without gaps or duplicates), and one
  ``receipt.issued`` outbox event per receipt.
* ``render_issued`` is that event's handler: after commit, it renders the PDF, stores it under
  ``school/<id>/receipts/...`` and marks the row rendered; the IPN reply never waits on it.
* Reads: fee staff see the school's receipts; a guardian sees the receipts of their own children.
  Links are the documents area's signed, expiring ``/files/{token}`` links.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from schoolhub.payments import receipts as render
from schoolhub.payments.access import FEE_ADMINS, require
from schoolhub.payments.errors import PaymentsErrorCode
from schoolhub.platform import db, outbox, storage
from schoolhub.platform.errors import InvalidInput, NotFound, PermissionDenied
from schoolhub.platform.principal import STAFF_ROLES, Principal

TOPIC_ISSUED = "receipt.issued"
LINK_SECONDS = 600
Row = dict[str, Any]


def _lines_of(invoice: Row, items: list[Row], paid_now: int) -> list[dict[str, Any]]:
    """Per fee item (net of exemptions/discounts) when the whole invoice is paid now, else one line."""
    nets = [int(i["net"]) for i in items]
    if paid_now == invoice["total_vnd"] and all(n >= 0 for n in nets) and sum(nets) == paid_now:
        return [
            {"item_name": i["item_name"], "period": invoice["period"], "amount": int(i["net"])}
            for i in items
            if int(i["net"]) > 0
        ]
    return [
        {
            "item_name": f"Thanh toán hóa đơn {invoice['number']}",
            "period": invoice["period"],
            "amount": paid_now,
        }
    ]


async def issue_for_intent(intent: Row) -> list[Row]:
    """Create the receipts of a just-credited intent (same transaction as the credit)."""
    school_id: UUID = intent["school_id"]
    covered = await db.fetch(
        "SELECT ii.amount_vnd AS paid_now, i.id, i.number, i.period, i.total_vnd, i.student_id"
        " FROM payments_intent_invoice ii JOIN payments_invoice i ON i.id = ii.invoice_id"
        " WHERE ii.intent_id = $1 ORDER BY i.student_id, i.number",
        intent["id"],
    )
    if not covered:
        return []
    items = await db.fetch(
        "SELECT l.invoice_id, coalesce(f.name, 'Điều chỉnh') AS item_name, sum(l.amount_vnd) AS net,"
        " min(l.created_at) AS first_at FROM payments_invoice_line l"
        " LEFT JOIN payments_fee_item f ON f.id = l.fee_item_id"
        " WHERE l.invoice_id = ANY($1::uuid[]) GROUP BY l.invoice_id, l.fee_item_id, f.name"
        " ORDER BY first_at, item_name",
        [c["id"] for c in covered],
    )
    by_student: dict[UUID, list[Row]] = {}
    for inv in covered:
        by_student.setdefault(inv["student_id"], []).append(inv)
    payer = await db.fetchrow(
        "SELECT full_name FROM identity_user WHERE id = $1", intent["guardian_user_id"]
    )
    payer_name = payer["full_name"] if payer else "Phụ huynh"
    counter = await db.fetchrow(
        "INSERT INTO payments_receipt_counter (school_id, year, last_value)"
        " VALUES ($1, extract(year FROM now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::int, $2)"
        " ON CONFLICT (school_id, year) DO UPDATE"
        " SET last_value = payments_receipt_counter.last_value + EXCLUDED.last_value"
        " RETURNING year, last_value",
        school_id,
        len(by_student),
    )
    assert counter is not None
    year, sequence = int(counter["year"]), int(counter["last_value"]) - len(by_student)
    issued: list[Row] = []
    for student_id, invoices in by_student.items():
        sequence += 1
        lines: list[dict[str, Any]] = []
        for inv in invoices:
            own = [i for i in items if i["invoice_id"] == inv["id"]]
            lines.extend(_lines_of(inv, own, int(inv["paid_now"])))
        row = await db.fetchrow(
            "INSERT INTO payments_receipt (school_id, intent_id, student_id, payer_user_id,"
            " payer_name, year, sequence, number, invoice_numbers, lines, total_vnd)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10::jsonb,$11) RETURNING *",
            school_id,
            intent["id"],
            student_id,
            intent["guardian_user_id"],
            payer_name,
            year,
            sequence,
            render.format_receipt_number(year, sequence),
            ", ".join(inv["number"] for inv in invoices),
            json.dumps(lines),
            sum(int(inv["paid_now"]) for inv in invoices),
        )
        assert row is not None
        await outbox.emit(TOPIC_ISSUED, {"receipt_id": str(row["id"])}, school_id)
        issued.append(row)
    return issued


def _lines(raw: Any) -> list[dict[str, Any]]:
    value = json.loads(raw) if isinstance(raw, str) else raw
    return list(value or [])


async def build_receipt(receipt: Row) -> render.Receipt:
    """The renderer's input for a stored receipt row (inside the school's tenant transaction)."""
    info = await db.fetchrow(
        "SELECT sc.name AS school_name, sc.address, sc.code AS school_code,"
        " s.full_name, s.student_code, coalesce(c.name, '-') AS class_name,"
        " p.txn_ref, coalesce(p.vnp_transaction_no, p.txn_ref) AS transaction_no"
        " FROM payments_intent p, workspace_student s"
        " LEFT JOIN workspace_class c ON c.id = s.class_id, tenants_school sc"
        " WHERE p.id = $1 AND s.id = $2 AND sc.id = $3",
        receipt["intent_id"],
        receipt["student_id"],
        receipt["school_id"],
    )
    if info is None:
        raise NotFound("receipt")
    lines = tuple(
        render.ReceiptLine(item_name=x["item_name"], period=x["period"], amount=int(x["amount"]))
        for x in _lines(receipt["lines"])
    )
    return render.Receipt(
        school=render.SchoolInfo(
            name=info["school_name"], address=info["address"], code=info["school_code"]
        ),
        sequence=int(receipt["sequence"]),
        issued_at=receipt["issued_at"],
        payer_name=receipt["payer_name"],
        student=render.StudentInfo(
            name=info["full_name"], class_name=info["class_name"], code=info["student_code"]
        ),
        reason="Thu các khoản thu của nhà trường",
        invoice_code=receipt["invoice_numbers"],
        lines=lines,
        total=int(receipt["total_vnd"]),
        payment=render.VnpayPayment(transaction_no=info["transaction_no"], txn_ref=info["txn_ref"]),
    )


async def render_issued(receipt_id: UUID) -> bool:
    """Render and store one receipt's PDF (in its school's tenant transaction); idempotent."""
    receipt = await db.fetchrow(
        "SELECT * FROM payments_receipt WHERE id = $1 FOR UPDATE", receipt_id
    )
    if receipt is None or receipt["rendered_at"] is not None:
        return False
    # fpdf2 is CPU-bound (~170 ms a receipt): off the event loop, so a worker rendering a burst of
    # receipts (the in-process worker of `serve` in development) keeps answering requests.
    pdf = await asyncio.to_thread(render.render_receipt_pdf, await build_receipt(receipt))
    key = storage.new_key(
        school_id=receipt["school_id"], org_unit_id=None, area="receipts", ext="pdf"
    )
    await storage.get_storage().put(key, pdf)
    await db.execute(
        "UPDATE payments_receipt SET pdf_key = $2, rendered_at = now() WHERE id = $1",
        receipt_id,
        key,
    )
    return True


# Reads -----------------------------------------------------------------------------------------


async def school_receipts(principal: Principal, school_id: UUID, *, limit: int = 200) -> list[Row]:
    user = require(principal, school_id, FEE_ADMINS, "school")
    async with db.tenant(school_id, user):
        return await db.fetch(
            "SELECT * FROM payments_receipt ORDER BY year DESC, sequence DESC LIMIT $1",
            max(1, min(limit, 500)),
        )


_FAMILY = (
    "SELECT r.* FROM payments_receipt r WHERE EXISTS (SELECT 1 FROM workspace_guardian_link g"
    " WHERE g.student_id = r.student_id AND g.guardian_user_id = $1)"
)


async def my_receipts(principal: Principal) -> list[Row]:
    """A guardian's receipts (their children's), across schools: one tenant read per school."""
    user = principal.require_user()
    found: list[Row] = []
    for school_id in sorted(principal.school_ids):
        async with db.tenant(school_id, user):
            found.extend(await db.fetch(_FAMILY + " ORDER BY r.issued_at DESC", user))
    return sorted(found, key=lambda r: r["issued_at"], reverse=True)


async def visible_receipts(principal: Principal, receipt_ids: Iterable[UUID]) -> list[Row]:
    """The receipts among ``receipt_ids`` the caller may see (fee staff or the family)."""
    user = principal.require_user()
    wanted = list(receipt_ids)
    found: list[Row] = []
    for school_id in sorted(principal.school_ids):
        async with db.tenant(school_id, user):
            if principal.has_school_role(school_id, FEE_ADMINS):
                rows = await db.fetch(
                    "SELECT * FROM payments_receipt WHERE id = ANY($1::uuid[])", wanted
                )
            else:
                rows = await db.fetch(_FAMILY + " AND r.id = ANY($2::uuid[])", user, wanted)
        found.extend(rows)
    return found


async def download_link(principal: Principal, receipt_id: UUID) -> tuple[Row, str]:
    """A signed, expiring link to the receipt's PDF; NOT_FOUND for anyone outside the family/staff."""
    user = principal.require_user()
    for school_id in sorted(principal.school_ids):
        async with db.tenant(school_id, user):
            row = await db.fetchrow("SELECT * FROM payments_receipt WHERE id = $1", receipt_id)
            if row is None:
                continue
            if not principal.has_school_role(school_id, FEE_ADMINS):
                family = await db.fetchrow(_FAMILY + " AND r.id = $2", user, receipt_id)
                if family is None:
                    if principal.has_school_role(school_id, STAFF_ROLES):
                        raise PermissionDenied()
                    raise NotFound("receipt")
        if row["pdf_key"] is None:
            raise InvalidInput(
                "the receipt is still being prepared; try again shortly",
                code=PaymentsErrorCode.RECEIPT_NOT_READY,
                field="receiptId",
            )
        url = storage.get_storage().signed_url(row["pdf_key"], LINK_SECONDS, school_id)
        return row, url
    raise NotFound("receipt")
