"""Collected vs outstanding: per class, fee item and period for a school's principal/accountant;
totals per school only for the district office (each read audit-logged).

Payments are made against invoices, not items: an invoice's paid amount is allocated to its fee
items in proportion to their net amounts (integer, floor), so per-item collected figures may be
a few VND below the invoice-level total.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from schoolhub.payments.access import FEE_ADMINS, require
from schoolhub.platform import audit, db
from schoolhub.platform.errors import NotFound, PermissionDenied
from schoolhub.platform.principal import Principal
from schoolhub.tenants import repository as tenants_repo

Row = dict[str, Any]


def _row(key: str, label: str, billed: int, collected: int) -> Row:
    return {
        "key": key,
        "label": label,
        "billed_vnd": billed,
        "collected_vnd": collected,
        "outstanding_vnd": max(billed - collected, 0),
    }


async def school_report(
    principal: Principal, school_id: UUID, *, period: str | None = None
) -> dict[str, list[Row]]:
    user = require(principal, school_id, FEE_ADMINS, "school")
    async with db.tenant(school_id, user):
        invoices = await db.fetch(
            "SELECT i.id, i.period, i.total_vnd, i.paid_vnd, coalesce(c.name, '-') AS class_name,"
            " coalesce(c.id::text, '-') AS class_key FROM payments_invoice i"
            " JOIN workspace_student s ON s.id = i.student_id"
            " LEFT JOIN workspace_class c ON c.id = s.class_id"
            " WHERE i.status <> 'void' AND ($1::text IS NULL OR i.period = $1)",
            period,
        )
        lines = await db.fetch(
            "SELECT l.invoice_id, l.fee_item_id, coalesce(f.name, 'Điều chỉnh') AS item_name,"
            " sum(l.amount_vnd) AS net FROM payments_invoice_line l"
            " LEFT JOIN payments_fee_item f ON f.id = l.fee_item_id"
            " JOIN payments_invoice i ON i.id = l.invoice_id"
            " WHERE i.status <> 'void' AND ($1::text IS NULL OR i.period = $1)"
            " GROUP BY l.invoice_id, l.fee_item_id, f.name",
            period,
        )
    by_class: dict[str, list[int | str]] = {}
    by_period: dict[str, list[int]] = {}
    paid_of = {}
    for inv in invoices:
        paid = min(inv["paid_vnd"], inv["total_vnd"])
        paid_of[inv["id"]] = (paid, inv["total_vnd"])
        c = by_class.setdefault(inv["class_key"], [inv["class_name"], 0, 0])
        c[1] = int(c[1]) + inv["total_vnd"]
        c[2] = int(c[2]) + paid
        p = by_period.setdefault(inv["period"], [0, 0])
        p[0] += inv["total_vnd"]
        p[1] += paid
    by_item: dict[str, list[int | str]] = {}
    for line in lines:
        paid, total = paid_of.get(line["invoice_id"], (0, 0))
        share = int(line["net"]) * paid // total if total > 0 else 0
        key = str(line["fee_item_id"] or "adjustment")
        item = by_item.setdefault(key, [line["item_name"], 0, 0])
        item[1] = int(item[1]) + int(line["net"])
        item[2] = int(item[2]) + max(share, 0)
    return {
        "by_class": [_row(k, str(v[0]), int(v[1]), int(v[2])) for k, v in sorted(by_class.items())],
        "by_fee_item": [
            _row(k, str(v[0]), int(v[1]), int(v[2])) for k, v in sorted(by_item.items())
        ],
        "by_period": [_row(k, k, v[0], v[1]) for k, v in sorted(by_period.items())],
    }


async def district_totals(principal: Principal, org_unit_id: UUID) -> list[Row]:
    """Totals per school of a district's subtree: never a student, class or invoice."""
    user = principal.require_user()
    if not principal.is_department_admin and org_unit_id not in principal.district_ids():
        if principal.district_ids():
            raise PermissionDenied()
        raise NotFound("org unit")
    async with db.system():
        units = await tenants_repo.org_subtree_ids([org_unit_id])
        schools = await tenants_repo.schools_page(
            org_unit_ids=units, school_ids=None, after_code=None, limit=10_000
        )
        await audit.record_global(
            "payments.district_totals_read",
            actor_user_id=user,
            target_type="org_unit",
            target_id=str(org_unit_id),
            org_unit_id=org_unit_id,
        )
    rows: list[Row] = []
    for school in schools:
        async with db.tenant(school["id"], user):
            total = await db.fetchrow(
                "SELECT coalesce(sum(total_vnd), 0) AS billed,"
                " coalesce(sum(least(paid_vnd, total_vnd)), 0) AS collected"
                " FROM payments_invoice WHERE status <> 'void'"
            )
        assert total is not None
        row = _row(str(school["id"]), school["name"], int(total["billed"]), int(total["collected"]))
        rows.append({**row, "code": school["code"]})
    return rows
