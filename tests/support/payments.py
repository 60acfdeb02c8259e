"""Payments test data through the real services: merchants, fees, invoices, families, IPNs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from schoolhub.payments import fees, intents
from schoolhub.payments.vnpay import sign_params
from schoolhub.platform import db
from schoolhub.platform.principal import Principal, Role
from schoolhub.simulators.vnpay import run_simulator_in_thread
from schoolhub.tenants import service as tenants
from schoolhub.workspace import repository as ws_repo
from tests.support import factories

MEAL_FEE = 450_000
BHYT_FEE = 631_800
PERIOD = "2026-09"


def staff(world: factories.SchoolWorld, role: str = "principal") -> Principal:
    return Principal(
        user_id=world.user_ids[role], school_roles={world.school_id: frozenset({Role(role)})}
    )


# Terminal per school tag (factories.school(tag=...) ends the school code with the tag); fixed so
# the VNPay simulator, started once per session, knows them. The database is clean per test.
MERCHANTS = {
    "A": ("SHTESTA1", "SECRET-A-0123456789ABCDEFGHIJKLMN"),
    "B": ("SHTESTB1", "SECRET-B-0123456789ABCDEFGHIJKLMN"),
}


def tmn_for(world: factories.SchoolWorld) -> str:
    return MERCHANTS[world.code[-1]][0]


def secret_for(world: factories.SchoolWorld) -> str:
    return MERCHANTS[world.code[-1]][1]


async def configure_merchant(
    world: factories.SchoolWorld, gateway_url: str = "http://127.0.0.1:9"
) -> None:
    await intents.configure_merchant(
        staff(world),
        world.school_id,
        tmn_code=tmn_for(world),
        hash_secret=secret_for(world),
        gateway_url=gateway_url,
    )


async def fees_and_invoices(world: factories.SchoolWorld, period: str = PERIOD) -> None:
    """A monthly meal fee for grade 6 and a yearly BHYT fee, then this period's invoices."""
    principal = staff(world, "accountant")
    meals = await fees.create_fee_item(
        principal,
        world.school_id,
        name="Tiền ăn bán trú",
        amount_vnd=MEAL_FEE,
        mandatory=True,
        period="monthly",
        category="meals",
    )
    await fees.create_fee_plan(principal, meals["id"], grade=6)
    await fees.generate_invoices(
        principal, world.school_id, period=period, period_kind="monthly", due_date=date(2026, 9, 30)
    )


@dataclass
class Family:
    """Province with schools A and B; A's guardian also has a child in B (three children)."""

    a: factories.SchoolWorld
    b: factories.SchoolWorld
    guardian_login: str
    guardian_id: UUID
    other_guardian_login: str
    other_student: UUID
    extra: dict[str, Any] = field(default_factory=dict)


async def family(gateway_url: str = "http://127.0.0.1:9") -> Family:
    p = await factories.province()
    a = await factories.school(p, tag="A")
    b = await factories.school(p, tag="B")
    guardian = a.user_ids["guardian"]
    await tenants.grant_membership(
        p.admin, school_id=b.school_id, user_id=guardian, role="guardian"
    )
    other_login = f"othergd{factories.n()}"
    other = await factories.user(other_login, "Phụ huynh khác")
    await tenants.grant_membership(p.admin, school_id=a.school_id, user_id=other, role="guardian")
    async with db.tenant(b.school_id):
        st = await ws_repo.insert_student(
            b.school_id, f"HS{factories.n()}", "Con ở trường B", None, "male", b.class_id
        )
        b.student_ids.append(st["id"])
        await ws_repo.insert_guardian_link(b.school_id, st["id"], guardian, "father", True)
    async with db.tenant(a.school_id):
        other_st = await ws_repo.insert_student(
            a.school_id, f"HS{factories.n()}", "Con nhà khác", None, "male", a.class_id
        )
        await ws_repo.insert_guardian_link(a.school_id, other_st["id"], other, "mother", True)
    for world in (a, b):
        await configure_merchant(world, gateway_url)
        await fees_and_invoices(world)
    return Family(a, b, a.logins["guardian"], guardian, other_login, other_st["id"])


def signed_ipn(world: factories.SchoolWorld, **params: str) -> dict[str, str]:
    """A callback query as VNPay would send it, signed with the school's secret."""
    signed = sign_params(params, secret_for(world))
    return {**params, "vnp_SecureHash": signed.secure_hash}


def ipn_params(
    world: factories.SchoolWorld, txn_ref: str, amount_vnd: int, **extra: str
) -> dict[str, str]:
    base = {
        "vnp_TmnCode": tmn_for(world),
        "vnp_TxnRef": txn_ref,
        "vnp_Amount": str(amount_vnd * 100),
        "vnp_ResponseCode": "00",
        "vnp_TransactionStatus": "00",
        "vnp_TransactionNo": "14226112",
        "vnp_BankCode": "NCB",
        "vnp_PayDate": "20260905093000",
        "vnp_OrderInfo": "Thanh toan",
    }
    base.update(extra)
    return signed_ipn(world, **base)


async def school_ids() -> list[UUID]:
    async with db.system():
        return [r["id"] for r in await db.fetch("SELECT id FROM tenants_school")]


async def snapshot(school_id: UUID) -> dict[str, Any]:
    """Every payments row of a school (to assert that nothing changed)."""
    tables = [
        "payments_merchant",
        "payments_fee_item",
        "payments_fee_plan",
        "payments_exemption",
        "payments_sibling_rule",
        "payments_invoice",
        "payments_invoice_line",
        "payments_intent",
        "payments_intent_invoice",
        "payments_refund",
    ]
    out: dict[str, Any] = {}
    async with db.tenant(school_id):
        for table in tables:
            rows = await db.fetch(f"SELECT * FROM {table}")
            out[table] = sorted(repr(sorted(r.items())) for r in rows)
    return out


async def assert_credit_invariant() -> None:
    """Sum credited to invoices == sum of succeeded intents == sum of crediting IPN amounts."""
    for school_id in await school_ids():
        async with db.tenant(school_id):
            row = await db.fetchrow(
                "SELECT (SELECT coalesce(sum(paid_vnd), 0) FROM payments_invoice) AS paid,"
                " (SELECT coalesce(sum(amount_vnd), 0) FROM payments_intent"
                "   WHERE status = 'succeeded') AS intents,"
                " (SELECT coalesce(sum(amount_vnd), 0) FROM payments_notification"
                "   WHERE credited) AS ipns,"
                " (SELECT count(*) FROM payments_intent WHERE status = 'succeeded') AS n_ok,"
                " (SELECT count(*) FROM payments_notification WHERE credited) AS n_credit"
            )
        assert row is not None
        assert row["paid"] == row["intents"] == row["ipns"], (school_id, row)
        assert row["n_ok"] == row["n_credit"], (school_id, row)


@pytest.fixture(scope="session")
def simulator(server: str) -> Iterator[str]:
    """The VNPay simulator, delivering IPNs to the real server; refunds settle at once (00)."""
    ipn = f"{server}/payments/vnpay/ipn"
    base_url, stop = run_simulator_in_thread(
        dict(MERCHANTS.values()),
        {code: ipn for code, _ in MERCHANTS.values()},
        ipn_retry_interval=0.02,
        ipn_timeout=5.0,
        refund_status="00",
    )
    yield base_url
    stop()


async def render_receipts(school_id: UUID) -> int:
    """Run the pending ``receipt.issued`` outbox events of a school as the worker would."""
    import json

    from schoolhub.platform import jobs

    async with db.tenant(school_id):
        pending = await db.fetch(
            "SELECT id, payload FROM platform_outbox WHERE topic = 'receipt.issued'"
            " AND processed_at IS NULL ORDER BY id"
        )
    for row in pending:
        payload = row["payload"]
        await jobs.dispatch_outbox(
            None,
            outbox_id=row["id"],
            topic="receipt.issued",
            school_id=str(school_id),
            payload=json.loads(payload) if isinstance(payload, str) else dict(payload),
        )
    return len(pending)


async def receipts_of(school_id: UUID) -> list[dict[str, Any]]:
    async with db.tenant(school_id):
        return await db.fetch(
            "SELECT r.*, s.full_name AS student_name FROM payments_receipt r"
            " JOIN workspace_student s ON s.id = r.student_id ORDER BY r.year, r.sequence"
        )
