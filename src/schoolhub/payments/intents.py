"""Merchants, a guardian's outstanding invoices, and Stripe-shaped payment intents over VNPay.

Intent statuses: requires_payment -> processing -> succeeded | failed | canceled | expired.
Only the IPN (``ipn.py``) and the reconciler move an intent to succeeded; the return URL never does.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from schoolhub.payments import devsim
from schoolhub.payments import secrets as sec
from schoolhub.payments.access import FEE_ADMINS as FEE_STAFF
from schoolhub.payments.access import require
from schoolhub.payments.errors import PaymentsErrorCode as E
from schoolhub.payments.vnpay import (
    SANDBOX_BASE_URL,
    VnpayClient,
    VnpayMerchant,
    VnpayValidationError,
)
from schoolhub.platform import audit, db
from schoolhub.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from schoolhub.platform.principal import Principal, Role

INTENT_TTL = timedelta(minutes=15)
LIVE = ("requires_payment", "processing")
MAX_INVOICES = 50


def public_url() -> str:
    """Where browsers reach this API (return URL); env ``SCHOOLHUB_PUBLIC_URL``."""
    return os.environ.get("SCHOOLHUB_PUBLIC_URL", "http://localhost:8000").rstrip("/")


def return_url() -> str:
    return f"{public_url()}/payments/vnpay/return"


# --- merchants --------------------------------------------------------------------------------


async def configure_merchant(
    principal: Principal,
    school_id: UUID,
    *,
    tmn_code: str,
    hash_secret: str,
    gateway_url: str | None = None,
) -> dict[str, Any]:
    """The principal records the school's VNPay terminal; the secret is stored encrypted."""
    user = require(principal, school_id, {Role.PRINCIPAL}, "school")
    gateway = (gateway_url or SANDBOX_BASE_URL).rstrip("/")
    try:
        VnpayMerchant(tmn_code, hash_secret)
    except VnpayValidationError:
        raise InvalidInput(
            "tmnCode is 8 letters/digits and the secret is required", code=E.INVALID_MERCHANT
        ) from None
    if not gateway.startswith(("https://", "http://")) or len(gateway) > 200:
        raise InvalidInput("gatewayUrl must be http(s)", code=E.INVALID_MERCHANT)
    blob, version = sec.encrypt_secret(hash_secret, school_id=school_id, tmn_code=tmn_code)
    async with db.system():
        owner = await db.fetchrow("SELECT payments_terminal_school($1) AS s", tmn_code)
    if owner and owner["s"] not in (None, school_id):
        raise Conflict("this terminal belongs to another school", code=E.TERMINAL_IN_USE)
    try:
        row = await _store_merchant(school_id, user, tmn_code, blob, version, gateway)
    except asyncpg.UniqueViolationError:  # another school took the terminal meanwhile
        raise Conflict("this terminal belongs to another school", code=E.TERMINAL_IN_USE) from None
    return row


async def _store_merchant(
    school_id: UUID, user: UUID, tmn_code: str, blob: bytes, version: int, gateway: str
) -> dict[str, Any]:
    async with db.tenant(school_id, user):
        row = await db.fetchrow(
            "INSERT INTO payments_merchant (school_id, tmn_code, secret_ciphertext, key_version,"
            " gateway_url, updated_by) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (school_id) DO UPDATE"
            " SET tmn_code = $2, secret_ciphertext = $3, key_version = $4, gateway_url = $5,"
            " updated_by = $6, updated_at = now()"
            " RETURNING id, school_id, tmn_code, gateway_url, key_version, updated_at",
            school_id,
            tmn_code,
            blob,
            version,
            gateway,
            user,
        )
        assert row is not None
        await audit.record_school(
            school_id,
            "payments.merchant_configured",
            actor_user_id=user,
            target_type="merchant",
            target_id=str(row["id"]),
            details={"tmn_code": tmn_code, "key_version": version},
        )
    return row


async def merchant_client(school_id: UUID) -> VnpayClient | None:
    """The school's VNPay client; call inside the school's tenant transaction."""
    row = await db.fetchrow("SELECT * FROM payments_merchant WHERE school_id = $1", school_id)
    if row is None:
        return None
    secret = sec.decrypt_secret(
        row["secret_ciphertext"], row["key_version"], school_id=school_id, tmn_code=row["tmn_code"]
    )
    # devsim: the development VNPay simulator when it runs (else the configured gateway).
    return devsim.adopt(VnpayMerchant(row["tmn_code"], secret), row["gateway_url"])


async def reencrypt_merchants(school_ids: list[UUID]) -> int:
    """Key rotation: re-encrypt every listed school's secret under the current key version."""
    done = 0
    current = sec.keyring().current_version
    for school_id in school_ids:
        async with db.tenant(school_id):
            row = await db.fetchrow(
                "SELECT * FROM payments_merchant WHERE school_id = $1 FOR UPDATE", school_id
            )
            if row is None or row["key_version"] == current:
                continue
            plain = sec.decrypt_secret(
                row["secret_ciphertext"],
                row["key_version"],
                school_id=school_id,
                tmn_code=row["tmn_code"],
            )
            blob, version = sec.encrypt_secret(plain, school_id=school_id, tmn_code=row["tmn_code"])
            await db.execute(
                "UPDATE payments_merchant SET secret_ciphertext = $2, key_version = $3"
                " WHERE id = $1",
                row["id"],
                blob,
                version,
            )
            done += 1
    return done


# --- the guardian's view ----------------------------------------------------------------------

_OUTSTANDING = (
    "SELECT i.*, s.full_name AS student_name, s.student_code FROM payments_invoice i"
    " JOIN workspace_student s ON s.id = i.student_id"
    " WHERE i.status = 'open' AND i.total_vnd > i.paid_vnd AND i.student_id IN ("
    "   SELECT g.student_id FROM workspace_guardian_link g"
    "   WHERE g.guardian_user_id = $1 AND NOT g.custody_restricted)"
)


def guardian_schools(principal: Principal) -> list[UUID]:
    return sorted(s for s in principal.school_ids if principal.has_school_role(s, {Role.GUARDIAN}))


async def outstanding_invoices(principal: Principal) -> list[dict[str, Any]]:
    """Open invoices of all the caller's children across schools: one tenant read per school."""
    user = principal.require_user()
    merged: list[dict[str, Any]] = []
    for school_id in guardian_schools(principal):
        async with db.tenant(school_id, user):
            merged.extend(await db.fetch(_OUTSTANDING + " ORDER BY i.due_date, i.number", user))
    return merged


async def create_intent(
    principal: Principal, invoice_ids: list[UUID], *, ip_addr: str
) -> tuple[dict[str, Any], str]:
    """One intent for chosen invoices of ONE school; returns (intent row, VNPay payment URL)."""
    user = principal.require_user()
    wanted = list(dict.fromkeys(invoice_ids))
    if not 1 <= len(wanted) <= MAX_INVOICES:
        raise InvalidInput(f"choose 1-{MAX_INVOICES} invoices", field="invoiceIds")
    found: dict[UUID, UUID] = {}
    for school_id in guardian_schools(principal):
        async with db.tenant(school_id, user):
            rows = await db.fetch(
                "SELECT i.id FROM payments_invoice i WHERE i.id = ANY($2::uuid[])"
                " AND i.student_id IN (SELECT g.student_id FROM workspace_guardian_link g"
                " WHERE g.guardian_user_id = $1 AND NOT g.custody_restricted)",
                user,
                wanted,
            )
        found.update({r["id"]: school_id for r in rows})
    if any(i not in found for i in wanted):
        raise NotFound("invoice")
    schools = set(found.values())
    if len(schools) != 1:
        raise InvalidInput(
            "pay each school's invoices separately (each school is its own merchant)",
            code=E.INVOICES_FROM_SEVERAL_SCHOOLS,
            field="invoiceIds",
        )
    (school_id,) = schools
    try:
        ip = ip_addr if ip_addr and ip_addr != "testclient" else "127.0.0.1"
        async with db.tenant(school_id, user):
            client = await merchant_client(school_id)
            if client is None:
                raise InvalidInput(
                    "this school does not take online payments yet",
                    code=E.MERCHANT_NOT_CONFIGURED,
                )
            rows = await db.fetch(
                _OUTSTANDING + " AND i.id = ANY($2::uuid[]) ORDER BY i.number FOR UPDATE OF i",
                user,
                wanted,
            )
            if len(rows) != len(wanted):
                # Paid, void, or a child this guardian may not pay for: same answer.
                raise InvalidInput(
                    "an invoice is not payable", code=E.INVOICE_NOT_PAYABLE, field="invoiceIds"
                )
            pending = await db.fetchrow(
                "SELECT 1 FROM payments_intent_invoice ii JOIN payments_intent p"
                " ON p.id = ii.intent_id WHERE ii.invoice_id = ANY($1::uuid[])"
                " AND p.status = ANY($2::text[]) AND p.expires_at > now() LIMIT 1",
                wanted,
                list(LIVE),
            )
            if pending:
                raise Conflict(
                    "a payment for one of these invoices is in progress",
                    code=E.PAYMENT_ALREADY_PENDING,
                )
            amounts = {r["id"]: r["total_vnd"] - r["paid_vnd"] for r in rows}
            amount = sum(amounts.values())
            txn_ref = "SH" + uuid.uuid4().hex.upper()
            numbers = ", ".join(r["number"] for r in rows[:3])
            payment = client.build_payment_url(
                txn_ref=txn_ref,
                amount_vnd=amount,
                order_info=f"Thanh toan {len(rows)} hoa don {numbers}"[:200],
                return_url=return_url(),
                ip_addr=ip,
                expires_in=INTENT_TTL,
            )
            intent = await db.fetchrow(
                "INSERT INTO payments_intent (school_id, guardian_user_id, amount_vnd, txn_ref,"
                " vnp_create_date, expires_at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING *",
                school_id,
                user,
                amount,
                txn_ref,
                payment.create_date,
                datetime.now(UTC) + INTENT_TTL,
            )
            assert intent is not None
            await db.execute(
                "INSERT INTO payments_intent_invoice (school_id, intent_id, invoice_id, amount_vnd)"
                " SELECT $1, $2, x.i, x.a FROM unnest($3::uuid[], $4::bigint[]) AS x(i, a)",
                school_id,
                intent["id"],
                list(amounts),
                list(amounts.values()),
            )
            await emit(intent, "payment_intent.created")
    except VnpayValidationError:
        raise InvalidInput("the payment request is not valid", code=E.INVALID_MERCHANT) from None
    return intent, payment.url


async def emit(intent: dict[str, Any], topic: str) -> None:
    """A signed internal event (HMAC, key derived from the secrets key) in the outbox."""
    from schoolhub.platform import outbox

    payload = {
        "type": topic,
        "intent_id": str(intent["id"]),
        "school_id": str(intent["school_id"]),
        "amount_vnd": intent["amount_vnd"],
        "currency": "VND",
        "status": intent["status"],
        "txn_ref": intent["txn_ref"],
        "at": datetime.now(UTC).isoformat(),
    }
    await outbox.emit(topic, sec.sign_event(payload), intent["school_id"])


async def get_intent(principal: Principal, intent_id: UUID) -> dict[str, Any]:
    """Visible to the guardian who created it and to the school's fee staff."""
    user = principal.require_user()
    for school_id in sorted(principal.school_ids):
        async with db.tenant(school_id, user):
            row = await db.fetchrow("SELECT * FROM payments_intent WHERE id = $1", intent_id)
        if row is None:
            continue
        if principal.has_school_role(school_id, FEE_STAFF) or row["guardian_user_id"] == user:
            return row
        break
    raise NotFound("payment intent")


async def intent_invoices(
    school_id: UUID, user: UUID | None, intent_id: UUID
) -> list[dict[str, Any]]:
    async with db.tenant(school_id, user):
        return await db.fetch(
            "SELECT i.*, ii.amount_vnd AS covered_vnd FROM payments_intent_invoice ii"
            " JOIN payments_invoice i ON i.id = ii.invoice_id WHERE ii.intent_id = $1"
            " ORDER BY i.number",
            intent_id,
        )


async def cancel_intent(principal: Principal, intent_id: UUID) -> dict[str, Any]:
    """Only the guardian who started the payment cancels it."""
    row = await get_intent(principal, intent_id)
    if row["guardian_user_id"] != principal.user_id:
        raise PermissionDenied("only the payer cancels a payment")
    async with db.tenant(row["school_id"], principal.user_id):
        updated = await db.fetchrow(
            "UPDATE payments_intent SET status = 'canceled', settled_at = now()"
            " WHERE id = $1 AND status = 'requires_payment' RETURNING *",
            intent_id,
        )
        if updated is None:
            raise Conflict("only an unpaid intent can be canceled", code=E.INVOICE_NOT_PAYABLE)
        await emit(updated, "payment_intent.canceled")
    return updated


async def visible_invoices(principal: Principal, invoice_ids: list[UUID]) -> list[dict[str, Any]]:
    """Invoices by id: all of a school for its fee staff, own children's for a guardian."""
    user = principal.require_user()
    found: list[dict[str, Any]] = []
    for school_id in sorted(principal.school_ids):
        staff = principal.has_school_role(school_id, FEE_STAFF)
        if not staff and not principal.has_school_role(school_id, {Role.GUARDIAN}):
            continue
        async with db.tenant(school_id, user):
            if staff:
                found.extend(
                    await db.fetch(
                        "SELECT * FROM payments_invoice WHERE id = ANY($1::uuid[])", invoice_ids
                    )
                )
            else:
                found.extend(
                    await db.fetch(
                        "SELECT i.* FROM payments_invoice i WHERE i.id = ANY($2::uuid[])"
                        " AND i.student_id IN (SELECT g.student_id FROM workspace_guardian_link g"
                        " WHERE g.guardian_user_id = $1 AND NOT g.custody_restricted)",
                        user,
                        invoice_ids,
                    )
                )
    return found
