"""Fee catalogue, plans, exemptions (miễn giảm), sibling discounts, invoices and adjustments.

* Amounts are whole VND (``int``); a bool or float is refused.
* Tuition is a fee item only in private schools (Nghị quyết 217/2025: free in public schools).
* Invoices are generated per student per period, idempotently (UNIQUE (student, period)); issued
  lines are immutable (a trigger refuses UPDATE/DELETE): corrections are new ``adjustment`` lines.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from uuid import UUID

from schoolhub.payments.access import APPROVERS, FEE_ADMINS, locate, require
from schoolhub.payments.errors import PaymentsErrorCode as E
from schoolhub.payments.invoicing import invoice_lines, sibling_ranks
from schoolhub.platform import audit, db
from schoolhub.platform.errors import Conflict, InvalidInput, NotFound
from schoolhub.platform.principal import Principal

PERIODS = ("monthly", "semester", "year", "one_off")
CATEGORIES = ("meals", "boarding", "bhyt", "service", "club", "tuition")
PERIOD_RE = re.compile(r"^[A-Za-z0-9-]{1,32}$")
MAX_AMOUNT = 1_000_000_000


def check_amount(value: object, field: str = "amountVnd", *, allow_negative: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("amounts are whole VND", code=E.INVALID_AMOUNT, field=field)
    if value == 0 or abs(value) > MAX_AMOUNT or (value < 0 and not allow_negative):
        raise InvalidInput("amount out of range", code=E.INVALID_AMOUNT, field=field)
    return value


async def create_fee_item(
    principal: Principal,
    school_id: UUID,
    *,
    name: str,
    amount_vnd: int,
    mandatory: bool,
    period: str,
    category: str,
) -> dict[str, Any]:
    user = require(principal, school_id, FEE_ADMINS, "school")
    name = " ".join(name.split())
    if not 1 <= len(name) <= 200:
        raise InvalidInput("name must be 1-200 characters", field="name")
    check_amount(amount_vnd)
    if period not in PERIODS or category not in CATEGORIES:
        raise InvalidInput("unknown period or category", code=E.INVALID_PERIOD, field="period")
    async with db.tenant(school_id, user):
        if category == "tuition":
            school = await db.fetchrow(
                "SELECT ownership FROM tenants_school WHERE id = $1", school_id
            )
            if school is None or school["ownership"] != "private":
                raise InvalidInput(
                    "tuition is free in public schools (Nghị quyết 217/2025/QH15)",
                    code=E.TUITION_NOT_ALLOWED,
                    field="category",
                )
        row = await db.fetchrow(
            "INSERT INTO payments_fee_item (school_id, name, amount_vnd, mandatory, period,"
            " category, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7)"
            " ON CONFLICT (school_id, name) DO NOTHING RETURNING *",
            school_id,
            name,
            amount_vnd,
            mandatory,
            period,
            category,
            user,
        )
        if row is None:
            raise Conflict("a fee item with this name exists", code=E.DUPLICATE_FEE_ITEM)
        await audit.record_school(
            school_id,
            "payments.fee_item_created",
            actor_user_id=user,
            target_type="fee_item",
            target_id=str(row["id"]),
            details={"amount_vnd": amount_vnd, "category": category},
        )
    return row


async def list_fee_items(principal: Principal, school_id: UUID) -> list[dict[str, Any]]:
    user = require(principal, school_id, FEE_ADMINS, "school")
    async with db.tenant(school_id, user):
        return await db.fetch(
            "SELECT * FROM payments_fee_item WHERE school_id = $1 ORDER BY name", school_id
        )


async def create_fee_plan(
    principal: Principal,
    fee_item_id: UUID,
    *,
    grade: int | None = None,
    class_id: UUID | None = None,
    student_id: UUID | None = None,
    installments: int = 1,
) -> dict[str, Any]:
    school_id, item = await locate(principal, "fee_item", fee_item_id, FEE_ADMINS)
    user = principal.require_user()
    targets = [t for t in (grade, class_id, student_id) if t is not None]
    if len(targets) != 1:
        raise InvalidInput(
            "give exactly one of grade, classId, studentId", code=E.INVALID_PLAN_TARGET
        )
    if not 1 <= installments <= 12:
        raise InvalidInput("installments must be 1-12", field="installments")
    target = "grade" if grade is not None else "class" if class_id is not None else "student"
    async with db.tenant(school_id, user):
        if class_id is not None and not await db.fetchrow(
            "SELECT 1 FROM workspace_class WHERE id = $1", class_id
        ):
            raise NotFound("class")
        if student_id is not None and not await db.fetchrow(
            "SELECT 1 FROM workspace_student WHERE id = $1", student_id
        ):
            raise NotFound("student")
        if grade is not None and not 0 <= grade <= 12:
            raise InvalidInput("grade must be 0-12", code=E.INVALID_PLAN_TARGET, field="grade")
        row = await db.fetchrow(
            "INSERT INTO payments_fee_plan (school_id, fee_item_id, target, grade, class_id,"
            " student_id, installments, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING *",
            school_id,
            item["id"],
            target,
            grade,
            class_id,
            student_id,
            installments,
            user,
        )
        assert row is not None
    return row


async def grant_exemption(
    principal: Principal,
    student_id: UUID,
    school_id: UUID,
    *,
    kind: str,
    value: int,
    reason: str,
    fee_item_id: UUID | None = None,
) -> dict[str, Any]:
    """Miễn giảm, approved by the principal (or vice principal) who records it."""
    user = require(principal, school_id, APPROVERS, "school")
    if kind not in ("percent", "amount"):
        raise InvalidInput("kind is percent or amount", code=E.INVALID_EXEMPTION, field="kind")
    check_amount(value, "value")
    if kind == "percent" and value > 100:
        raise InvalidInput("percent is 1-100", code=E.INVALID_EXEMPTION, field="value")
    reason = reason.strip()
    if not 1 <= len(reason) <= 500:
        raise InvalidInput("a reason is required", code=E.INVALID_EXEMPTION, field="reason")
    async with db.tenant(school_id, user):
        if not await db.fetchrow("SELECT 1 FROM workspace_student WHERE id = $1", student_id):
            raise NotFound("student")
        if fee_item_id is not None and not await db.fetchrow(
            "SELECT 1 FROM payments_fee_item WHERE id = $1", fee_item_id
        ):
            raise NotFound("fee item")
        row = await db.fetchrow(
            "INSERT INTO payments_exemption (school_id, student_id, fee_item_id, kind, value,"
            " reason, approved_by) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING *",
            school_id,
            student_id,
            fee_item_id,
            kind,
            value,
            reason,
            user,
        )
        assert row is not None
        await audit.record_school(
            school_id,
            "payments.exemption_granted",
            actor_user_id=user,
            target_type="student",
            target_id=str(student_id),
            details={"kind": kind, "value": value},
        )
    return row


async def set_sibling_rule(
    principal: Principal,
    school_id: UUID,
    *,
    from_child: int,
    percent: int,
    categories: list[str],
) -> dict[str, Any]:
    user = require(principal, school_id, APPROVERS, "school")
    if not 2 <= from_child <= 10 or not 1 <= percent <= 100:
        raise InvalidInput("fromChild 2-10, percent 1-100", code=E.INVALID_EXEMPTION)
    if any(c not in CATEGORIES for c in categories):
        raise InvalidInput("unknown category", code=E.INVALID_EXEMPTION, field="categories")
    async with db.tenant(school_id, user):
        row = await db.fetchrow(
            "INSERT INTO payments_sibling_rule (school_id, from_child, percent, categories,"
            " updated_by) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (school_id) DO UPDATE SET"
            " from_child = $2, percent = $3, categories = $4, updated_by = $5, updated_at = now()"
            " RETURNING *",
            school_id,
            from_child,
            percent,
            categories,
            user,
        )
        assert row is not None
    return row


async def generate_invoices(
    principal: Principal,
    school_id: UUID,
    *,
    period: str,
    period_kind: str,
    due_date: date,
    installment: int = 1,
) -> int:
    """Issue this period's invoices; students who already have one for the period are skipped."""
    user = require(principal, school_id, FEE_ADMINS, "school")
    if not PERIOD_RE.match(period) or period_kind not in PERIODS:
        raise InvalidInput("period: 1-32 of A-Z, 0-9, '-'", code=E.INVALID_PERIOD, field="period")
    if not 1 <= installment <= 12:
        raise InvalidInput("installment must be 1-12", field="installment")
    created = 0
    async with db.tenant(school_id, user):
        plans = await db.fetch(
            "SELECT p.*, i.name AS item_name, i.amount_vnd, i.category FROM payments_fee_plan p"
            " JOIN payments_fee_item i ON i.id = p.fee_item_id WHERE p.active AND i.active"
            " AND i.period = $1 ORDER BY i.name, p.created_at",
            period_kind,
        )
        if not plans:
            return 0
        students = {
            s["id"]: s
            for s in await db.fetch(
                "SELECT s.id, s.student_code, s.class_id, c.grade FROM workspace_student s"
                " LEFT JOIN workspace_class c ON c.id = s.class_id"
            )
        }
        links = await db.fetch("SELECT student_id, guardian_user_id FROM workspace_guardian_link")
        exemptions = await db.fetch(
            "SELECT * FROM payments_exemption WHERE revoked_at IS NULL ORDER BY created_at"
        )
        rule = await db.fetchrow("SELECT * FROM payments_sibling_rule")
        ranks = sibling_ranks(links, students)
        for student in sorted(students.values(), key=lambda s: s["student_code"]):
            mine = [e for e in exemptions if e["student_id"] == student["id"]]
            lines = invoice_lines(
                student, plans, mine, rule, ranks.get(student["id"], 1), installment
            )
            if not lines:
                continue
            total = sum(line[3] for line in lines)
            invoice = await db.fetchrow(
                "INSERT INTO payments_invoice (school_id, student_id, number, period, due_date,"
                " total_vnd, status, issued_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)"
                " ON CONFLICT (school_id, student_id, period) DO NOTHING RETURNING id",
                school_id,
                student["id"],
                f"HD-{period}-{student['student_code']}",
                period,
                due_date,
                total,
                "open" if total > 0 else "paid",
                user,
            )
            if invoice is None:
                continue
            created += 1
            await db.execute(
                "INSERT INTO payments_invoice_line (school_id, invoice_id, fee_item_id, kind,"
                " description, amount_vnd, created_by) SELECT $1, $2, x.f, x.k, x.d, x.a, $3"
                " FROM unnest($4::uuid[], $5::text[], $6::text[], $7::bigint[]) AS x(f, k, d, a)",
                school_id,
                invoice["id"],
                user,
                [line[0] for line in lines],
                [line[1] for line in lines],
                [line[2][:300] for line in lines],
                [line[3] for line in lines],
            )
        await audit.record_school(
            school_id,
            "payments.invoices_generated",
            actor_user_id=user,
            details={"period": period, "created": created},
        )
    return created


async def add_adjustment(
    principal: Principal, invoice_id: UUID, *, amount_vnd: int, reason: str
) -> dict[str, Any]:
    """A new signed line on an issued invoice; the issued lines stay as they were."""
    school_id, _ = await locate(principal, "invoice", invoice_id, FEE_ADMINS)
    user = principal.require_user()
    check_amount(amount_vnd, allow_negative=True)
    reason = reason.strip()
    if not 1 <= len(reason) <= 300:
        raise InvalidInput("a reason is required", field="reason")
    async with db.tenant(school_id, user):
        invoice = await db.fetchrow(
            "SELECT * FROM payments_invoice WHERE id = $1 FOR UPDATE", invoice_id
        )
        assert invoice is not None
        total = invoice["total_vnd"] + amount_vnd
        if invoice["status"] == "void" or total < 0:
            raise InvalidInput(
                "the adjustment would make the invoice negative", code=E.INVALID_AMOUNT
            )
        await db.execute(
            "INSERT INTO payments_invoice_line (school_id, invoice_id, kind, description,"
            " amount_vnd, created_by) VALUES ($1,$2,'adjustment',$3,$4,$5)",
            school_id,
            invoice_id,
            reason,
            amount_vnd,
            user,
        )
        row = await db.fetchrow(
            "UPDATE payments_invoice SET total_vnd = $2, status = CASE WHEN paid_vnd >= $2"
            " THEN 'paid' ELSE 'open' END WHERE id = $1 RETURNING *",
            invoice_id,
            total,
        )
        assert row is not None
        await audit.record_school(
            school_id,
            "payments.invoice_adjusted",
            actor_user_id=user,
            target_type="invoice",
            target_id=str(invoice_id),
            details={"amount_vnd": amount_vnd},
        )
    return row


async def list_invoices(
    principal: Principal, school_id: UUID, *, status: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    user = require(principal, school_id, FEE_ADMINS, "school")
    async with db.tenant(school_id, user):
        return await db.fetch(
            "SELECT * FROM payments_invoice WHERE ($1::text IS NULL OR status = $1)"
            " ORDER BY number LIMIT $2",
            status,
            min(max(limit, 1), 500),
        )


async def lines_of(
    school_id: UUID, user: UUID | None, invoice_ids: list[UUID]
) -> list[dict[str, Any]]:
    async with db.tenant(school_id, user):
        return await db.fetch(
            "SELECT * FROM payments_invoice_line WHERE invoice_id = ANY($1::uuid[])"
            " ORDER BY created_at, id",
            invoice_ids,
        )
