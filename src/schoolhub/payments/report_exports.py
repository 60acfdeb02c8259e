"""XLSX exports of the collection reports, stored and handed out as signed, expiring links.

* School (principal/accountant): one ledger line per student, fee item and period; an invoice's
  paid amount is allocated to its items in proportion to their net amounts (as ``reports``).
  Stored under ``school/<id>/reports/...``; the link is issued for that school.
* District office: totals per school only (the renderer's input cannot carry a student), stored
  under ``office/<org_unit_id>/reports/...``; every export is audit-logged like
  ``districtPaymentTotals``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from schoolhub.payments import reports_render as xlsx
from schoolhub.payments.access import FEE_ADMINS, require
from schoolhub.payments.receipts import VIETNAM_TZ
from schoolhub.platform import audit, db, storage
from schoolhub.platform.errors import NotFound, PermissionDenied
from schoolhub.platform.principal import Principal
from schoolhub.tenants import repository as tenants_repo

LINK_SECONDS = 600


def _school_year(now: datetime) -> str:
    local = now.astimezone(VIETNAM_TZ)
    start = local.year if local.month >= 8 else local.year - 1
    return f"{start}-{start + 1}"


async def _ledger(period: str | None) -> list[xlsx.FeeLedgerLine]:
    rows = await db.fetch(
        "SELECT i.id, i.period, i.total_vnd, least(i.paid_vnd, i.total_vnd) AS paid,"
        " s.student_code, s.full_name, coalesce(c.name, '-') AS class_name,"
        " coalesce(f.name, 'Điều chỉnh') AS item_name, sum(l.amount_vnd) AS net"
        " FROM payments_invoice i JOIN workspace_student s ON s.id = i.student_id"
        " LEFT JOIN workspace_class c ON c.id = s.class_id"
        " JOIN payments_invoice_line l ON l.invoice_id = i.id"
        " LEFT JOIN payments_fee_item f ON f.id = l.fee_item_id"
        " WHERE i.status <> 'void' AND ($1::text IS NULL OR i.period = $1)"
        " GROUP BY i.id, s.id, c.name, l.fee_item_id, f.name"
        " ORDER BY i.period, c.name, s.student_code, item_name",
        period,
    )
    lines = []
    for r in rows:
        net = max(int(r["net"]), 0)
        total = int(r["total_vnd"])
        share = net * int(r["paid"]) // total if total > 0 else 0
        lines.append(
            xlsx.FeeLedgerLine(
                student_code=r["student_code"],
                student_name=r["full_name"],
                class_name=r["class_name"],
                fee_item=r["item_name"],
                period=r["period"],
                amount_due=net,
                amount_collected=max(share, 0),
            )
        )
    return lines


async def export_school(principal: Principal, school_id: UUID, *, period: str | None = None) -> str:
    """Render the school's report to XLSX, store it, return a signed link (10 minutes)."""
    user = require(principal, school_id, FEE_ADMINS, "school")
    now = datetime.now(UTC)
    async with db.tenant(school_id, user):
        school = await db.fetchrow("SELECT name, code FROM tenants_school WHERE id = $1", school_id)
        if school is None:
            raise NotFound("school")
        lines = await _ledger(period)
        await audit.record_school(
            school_id,
            "payments.report_exported",
            actor_user_id=user,
            target_type="school",
            target_id=str(school_id),
            details={"period": period, "lines": len(lines)},
        )
    data = xlsx.render_school_collection_xlsx(
        xlsx.SchoolCollectionReport(
            school_name=school["name"],
            school_code=school["code"],
            school_year=_school_year(now),
            generated_at=now,
            lines=lines,
        )
    )
    key = storage.new_key(school_id=school_id, org_unit_id=None, area="reports", ext="xlsx")
    store = storage.get_storage()
    await store.put(key, data)
    return store.signed_url(key, LINK_SECONDS, school_id)


async def export_district(principal: Principal, org_unit_id: UUID) -> str:
    """Totals per school of a district's subtree (no student data), audit-logged; a signed link."""
    user = principal.require_user()
    if not principal.is_department_admin and org_unit_id not in principal.district_ids():
        if principal.district_ids():
            raise PermissionDenied()
        raise NotFound("org unit")
    now = datetime.now(UTC)
    async with db.system():
        unit = await db.fetchrow("SELECT name FROM tenants_org_unit WHERE id = $1", org_unit_id)
        if unit is None:
            raise NotFound("org unit")
        units = await tenants_repo.org_subtree_ids([org_unit_id])
        schools = await tenants_repo.schools_page(
            org_unit_ids=units, school_ids=None, after_code=None, limit=10_000
        )
        await audit.record_global(
            "payments.district_report_exported",
            actor_user_id=user,
            target_type="org_unit",
            target_id=str(org_unit_id),
            org_unit_id=org_unit_id,
        )
    totals: list[xlsx.SchoolCollectionTotals] = []
    for school in schools:
        async with db.tenant(school["id"], user):
            row: dict[str, Any] | None = await db.fetchrow(
                "SELECT count(DISTINCT student_id) AS students,"
                " coalesce(sum(total_vnd), 0) AS billed,"
                " coalesce(sum(least(paid_vnd, total_vnd)), 0) AS collected"
                " FROM payments_invoice WHERE status <> 'void'"
            )
        assert row is not None
        totals.append(
            xlsx.SchoolCollectionTotals(
                school_code=school["code"],
                school_name=school["name"],
                student_count=int(row["students"]),
                amount_due=int(row["billed"]),
                amount_collected=int(row["collected"]),
            )
        )
    data = xlsx.render_district_summary_xlsx(
        xlsx.DistrictSummaryReport(
            area_name=unit["name"], school_year=_school_year(now), generated_at=now, schools=totals
        )
    )
    key = storage.new_key(school_id=None, org_unit_id=org_unit_id, area="reports", ext="xlsx")
    store = storage.get_storage()
    await store.put(key, data)
    return store.signed_url(key, LINK_SECONDS, None, org_unit_id=org_unit_id)
