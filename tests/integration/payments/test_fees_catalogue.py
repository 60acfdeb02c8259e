"""Fee catalogue, plans, exemptions, sibling discounts, idempotent invoice generation, adjustments."""

from __future__ import annotations

from datetime import date

import asyncpg
import pytest

from schoolhub.payments import fees
from schoolhub.platform import db
from schoolhub.platform.errors import InvalidInput
from tests.support import factories
from tests.support import payments as pay


async def _lines(school_id: object) -> list[dict]:
    async with db.tenant(school_id):  # type: ignore[arg-type]
        return await db.fetch(
            "SELECT s.student_code, l.kind, l.amount_vnd FROM payments_invoice_line l"
            " JOIN payments_invoice i ON i.id = l.invoice_id"
            " JOIN workspace_student s ON s.id = i.student_id ORDER BY s.student_code, l.created_at"
        )


async def test_tuition_only_in_private_schools_and_amounts_are_whole_vnd(gql: object) -> None:
    p = await factories.province()
    world = await factories.school(p)
    acc = pay.staff(world, "accountant")
    with pytest.raises(InvalidInput) as exc:
        await fees.create_fee_item(
            acc,
            world.school_id,
            name="Học phí",
            amount_vnd=1_000_000,
            mandatory=True,
            period="monthly",
            category="tuition",
        )
    assert exc.value.code == "TUITION_NOT_ALLOWED"
    for bad in (150_000.0, True, 0, -5):
        with pytest.raises(InvalidInput) as exc:
            await fees.create_fee_item(
                acc,
                world.school_id,
                name="Tiền nước",
                amount_vnd=bad,
                mandatory=True,  # type: ignore[arg-type]
                period="monthly",
                category="service",
            )
        assert exc.value.code == "INVALID_AMOUNT"
    async with db.system():
        await db.execute(
            "UPDATE tenants_school SET ownership = 'private' WHERE id = $1", world.school_id
        )
    row = await fees.create_fee_item(
        acc,
        world.school_id,
        name="Học phí",
        amount_vnd=1_000_000,
        mandatory=True,
        period="monthly",
        category="tuition",
    )
    assert row["amount_vnd"] == 1_000_000


async def test_generation_is_idempotent_with_exemptions_siblings_and_installments(
    gql: object,
) -> None:
    p = await factories.province()
    world = await factories.school(p)
    acc, head = pay.staff(world, "accountant"), pay.staff(world, "principal")
    bhyt = await fees.create_fee_item(
        acc,
        world.school_id,
        name="BHYT học sinh",
        amount_vnd=631_801,
        mandatory=True,
        period="year",
        category="bhyt",
    )
    await fees.create_fee_plan(acc, bhyt["id"], class_id=world.class_id, installments=2)
    first, second = world.student_ids
    await fees.grant_exemption(
        head, first, world.school_id, kind="percent", value=50, reason="Hộ cận nghèo"
    )
    await fees.set_sibling_rule(head, world.school_id, from_child=2, percent=10, categories=[])
    args = {"period": "2026-2027-I1", "period_kind": "year", "due_date": date(2026, 10, 15)}
    assert await fees.generate_invoices(acc, world.school_id, **args) == 2
    lines = await _lines(world.school_id)
    assert await fees.generate_invoices(acc, world.school_id, **args) == 0  # idempotent
    assert await _lines(world.school_id) == lines
    by_kind = [(line["kind"], line["amount_vnd"]) for line in lines]
    # 631,801 in 2 installments: 315,901 + 315,900 (the remainder goes first).
    assert by_kind == [
        ("charge", 315_901),
        ("exemption", -157_950),
        ("charge", 315_901),
        ("sibling_discount", -31_590),
    ]
    second_args = {**args, "period": "2026-2027-I2", "installment": 2}
    assert await fees.generate_invoices(acc, world.school_id, **second_args) == 2
    async with db.tenant(world.school_id):
        totals = await db.fetch(
            "SELECT period, sum(total_vnd) AS t FROM payments_invoice GROUP BY period ORDER BY 1"
        )
    assert [t["t"] for t in totals] == [
        315_901 - 157_950 + 315_901 - 31_590,
        315_900 * 2 - 157_950 - 31_590,
    ]
    assert second in world.student_ids


async def test_adjustments_are_new_lines_and_issued_lines_are_immutable(gql: object) -> None:
    p = await factories.province()
    world = await factories.school(p, tag="A")
    await pay.fees_and_invoices(world)
    async with db.tenant(world.school_id):
        invoice = await db.fetchrow("SELECT * FROM payments_invoice ORDER BY number LIMIT 1")
    assert invoice is not None and invoice["total_vnd"] == pay.MEAL_FEE
    row = await fees.add_adjustment(
        pay.staff(world, "accountant"), invoice["id"], amount_vnd=-60_000, reason="Nghỉ 4 ngày"
    )
    assert row["total_vnd"] == pay.MEAL_FEE - 60_000
    async with db.tenant(world.school_id):
        lines = await db.fetch(
            "SELECT kind, amount_vnd FROM payments_invoice_line WHERE invoice_id = $1"
            " ORDER BY created_at",
            invoice["id"],
        )
        assert [(x["kind"], x["amount_vnd"]) for x in lines] == [
            ("charge", pay.MEAL_FEE),
            ("adjustment", -60_000),
        ]
    with pytest.raises(asyncpg.RaiseError):
        async with db.tenant(world.school_id):
            await db.execute("UPDATE payments_invoice_line SET amount_vnd = 1")
    with pytest.raises(InvalidInput):
        await fees.add_adjustment(
            pay.staff(world, "accountant"), invoice["id"], amount_vnd=-10_000_000, reason="x"
        )
