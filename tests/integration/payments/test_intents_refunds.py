"""Refunds through the simulator, and the querydr reconciliation of intents pending after expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from schoolhub.payments import intents, reconcile, refunds
from schoolhub.platform import db
from schoolhub.platform.errors import DomainError
from schoolhub.platform.principal import OfficeGrant, Principal, Role
from tests.support import payments as pay
from tests.support.gql import GraphQLClient

simulator = pay.simulator  # the session fixture (VNPay simulator -> our IPN endpoint)


def _guardian(fam: pay.Family) -> Principal:
    return Principal(
        user_id=fam.guardian_id,
        school_roles={
            fam.a.school_id: frozenset({Role.GUARDIAN}),
            fam.b.school_id: frozenset({Role.GUARDIAN}),
        },
    )


async def _new_intent(fam: pay.Family) -> tuple[dict[str, Any], str]:
    rows = await intents.outstanding_invoices(_guardian(fam))
    mine = [r["id"] for r in rows if r["school_id"] == fam.a.school_id]
    return await intents.create_intent(_guardian(fam), mine, ip_addr="203.0.113.10")


async def _approve(sim: str, url: str, txn_ref: str, deliver_ipn: bool) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(url)).status_code == 200
        response = await http.post(
            f"{sim}/simulator/pay",
            json={"txn_ref": txn_ref, "outcome": "success", "deliver_ipn": deliver_ipn},
        )
        assert response.status_code == 200, response.text


async def _intent(fam: pay.Family, intent_id: Any) -> dict[str, Any]:
    async with db.tenant(fam.a.school_id):
        row = await db.fetchrow("SELECT * FROM payments_intent WHERE id = $1", intent_id)
    assert row is not None
    return row


async def test_return_without_ipn_is_settled_by_querydr_reconciliation(
    gql: GraphQLClient,
    simulator: str,
) -> None:
    fam = await pay.family(gateway_url=simulator)
    paid, url = await _new_intent(fam)
    await _approve(simulator, url, paid["txn_ref"], deliver_ipn=False)
    abandoned, _ = await _new_intent_in_b(fam)
    later = datetime.now(UTC) + timedelta(minutes=16)
    assert (await _intent(fam, paid["id"]))["status"] == "requires_payment"
    totals = await reconcile.reconcile_all(now=later)
    assert totals["credited"] == 1
    assert totals["expired"] == 1  # B's intent: VNPay never saw it (91)
    assert (await _intent(fam, paid["id"]))["status"] == "succeeded"
    async with db.tenant(fam.b.school_id):
        row = await db.fetchrow("SELECT status FROM payments_intent WHERE id = $1", abandoned["id"])
    assert row is not None and row["status"] == "expired"
    assert (await reconcile.reconcile_all(now=later))["credited"] == 0  # nothing left
    await pay.assert_credit_invariant()
    # Reports: the school sees classes/items/periods; the district sees totals per school only.
    from schoolhub.payments import reports

    report = await reports.school_report(pay.staff(fam.a, "accountant"), fam.a.school_id)
    (klass,) = report["by_class"]
    assert (klass["billed_vnd"], klass["collected_vnd"]) == (3 * pay.MEAL_FEE, 2 * pay.MEAL_FEE)
    assert [r["outstanding_vnd"] for r in report["by_fee_item"]] == [pay.MEAL_FEE]
    district = Principal(
        user_id=fam.a.user_ids["district_admin"],
        office_grants=(OfficeGrant(fam.a.district_id, "district", Role.DISTRICT_ADMIN),),
    )
    totals = await reports.district_totals(district, fam.a.district_id)
    assert [(t["code"], t["collected_vnd"]) for t in totals] == [(fam.a.code, 2 * pay.MEAL_FEE)]
    assert set(totals[0]) == {
        "key",
        "label",
        "code",
        "billed_vnd",
        "collected_vnd",
        "outstanding_vnd",
    }


async def _new_intent_in_b(fam: pay.Family) -> tuple[dict[str, Any], str]:
    rows = await intents.outstanding_invoices(_guardian(fam))
    mine = [r["id"] for r in rows if r["school_id"] == fam.b.school_id]
    return await intents.create_intent(_guardian(fam), mine, ip_addr="203.0.113.10")


async def test_refund_requested_by_accountant_approved_by_principal(
    gql: GraphQLClient,
    simulator: str,
) -> None:
    fam = await pay.family(gateway_url=simulator)
    intent, url = await _new_intent(fam)
    await _approve(simulator, url, intent["txn_ref"], deliver_ipn=False)
    await reconcile.reconcile_all(now=datetime.now(UTC) + timedelta(minutes=16))
    accountant, principal = pay.staff(fam.a, "accountant"), pay.staff(fam.a, "principal")
    with pytest.raises(DomainError) as exc:
        await refunds.request_refund(
            accountant, intent["id"], amount_vnd=intent["amount_vnd"] + 1, reason="Trùng"
        )
    assert exc.value.code == "REFUND_EXCEEDS_PAID"
    with pytest.raises(DomainError) as exc:  # the principal does not request, the accountant does
        await refunds.request_refund(principal, intent["id"], amount_vnd=1000, reason="x")
    assert exc.value.code == "FORBIDDEN"
    refund = await refunds.request_refund(
        accountant, intent["id"], amount_vnd=100_000, reason="Nghỉ học 5 ngày"
    )
    with pytest.raises(DomainError) as exc:  # pending refunds count against what is left
        await refunds.request_refund(
            accountant, intent["id"], amount_vnd=intent["amount_vnd"] - 99_999, reason="x"
        )
    assert exc.value.code == "REFUND_EXCEEDS_PAID"
    with pytest.raises(DomainError) as exc:
        await refunds.approve_refund(accountant, refund["id"])
    assert exc.value.code == "FORBIDDEN"
    done = await refunds.approve_refund(principal, refund["id"])
    assert done["status"] == "succeeded"
    assert done["approved_by"] == fam.a.user_ids["principal"]
    assert (await _intent(fam, intent["id"]))["refunded_vnd"] == 100_000
    async with db.tenant(fam.a.school_id):
        topics = [r["topic"] for r in await db.fetch("SELECT topic FROM platform_outbox")]
    assert "refund.succeeded" in topics and "payment_intent.succeeded" in topics
    async with httpx.AsyncClient() as http:
        listing = (
            await http.get(
                f"{simulator}/simulator/transactions", params={"txn_ref": intent["txn_ref"]}
            )
        ).json()
    (txn,) = [t for t in listing["transactions"] if t["txn_ref"] == intent["txn_ref"]]
    assert [(r["amount"], r["transaction_type"]) for r in txn["refunds"]] == [(10_000_000, "03")]
    await pay.assert_credit_invariant()


async def test_merchant_secret_is_encrypted_and_keys_rotate(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64
    import os

    from schoolhub.payments import secrets as sec
    from tests.support import factories

    def key() -> str:
        return base64.urlsafe_b64encode(os.urandom(32)).decode()

    k1, k2 = key(), key()
    monkeypatch.setenv(sec.ENV, f"1:{k1}")
    sec.keyring.cache_clear()
    try:
        world = await factories.school(await factories.province(), tag="A")
        await pay.configure_merchant(world)
        async with db.tenant(world.school_id):
            row = await db.fetchrow("SELECT * FROM payments_merchant")
        assert row is not None and row["key_version"] == 1
        assert pay.secret_for(world).encode() not in bytes(row["secret_ciphertext"])
        old_event = sec.sign_event({"x": 1})
        monkeypatch.setenv(sec.ENV, f"1:{k1},2:{k2}")
        sec.keyring.cache_clear()
        assert await intents.reencrypt_merchants([world.school_id]) == 1
        async with db.tenant(world.school_id):
            client = await intents.merchant_client(world.school_id)
            row = await db.fetchrow("SELECT key_version FROM payments_merchant")
        assert client is not None and client.merchant.hash_secret == pay.secret_for(world)
        assert row is not None and row["key_version"] == 2
        assert sec.verify_event(old_event)  # old events verify while key 1 is listed
        assert sec.sign_event({"x": 1})["signature"].startswith("k2=")
        monkeypatch.setenv(sec.ENV, f"2:{k2}")
        sec.keyring.cache_clear()
        assert not sec.verify_event(old_event)
        assert "hash_secret" not in repr(client.merchant) or pay.secret_for(world) not in repr(
            client.merchant
        )
    finally:
        monkeypatch.undo()
        sec.keyring.cache_clear()
