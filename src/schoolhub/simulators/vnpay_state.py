"""In-memory state of the VNPay simulator, and its own URL signing.

The simulator signs and verifies payment URLs with an encoder written independently of
`schoolhub.payments.vnpay.encoding` (byte-by-byte WHATWG application/x-www-form-urlencoded),
so the integration tests cross-check two implementations instead of one against itself.

All mutation happens on the simulator's single event loop without an `await` between read
and write, so no lock is needed.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "IpnAttempt",
    "SimRefund",
    "SimTransaction",
    "SimulatorConfig",
    "SimulatorState",
    "whatwg_sign",
    "whatwg_verify",
]

_FORM_SAFE = frozenset(b"*-._0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _form_encode(text: str) -> str:
    """WHATWG urlencoded serializer: keep `*-._` and alphanumerics, space -> `+`, else %XX."""
    out: list[str] = []
    for byte in unicodedata.normalize("NFC", text).encode("utf-8"):
        if byte in _FORM_SAFE:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def whatwg_sign(params: Mapping[str, str], secret: str) -> tuple[str, str]:
    """`(signed query, lower-hex HMAC-SHA512)` over the `vnp_` params, empties dropped."""
    pairs = sorted(
        (k, v)
        for k, v in params.items()
        if k.startswith("vnp_") and k not in ("vnp_SecureHash", "vnp_SecureHashType") and v
    )
    query = "&".join(f"{_form_encode(k)}={_form_encode(v)}" for k, v in pairs)
    digest = hmac.new(secret.encode(), query.encode(), hashlib.sha512).hexdigest()
    return query, digest


def whatwg_verify(params: Mapping[str, str], secret: str) -> bool:
    received = params.get("vnp_SecureHash", "")
    _, expected = whatwg_sign(params, secret)
    return received.isascii() and hmac.compare_digest(expected, received.lower())


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class IpnAttempt:
    """One IPN call: what came back, and whether it stopped the retries."""

    number: int
    at: str
    http_status: int | None
    rsp_code: str | None
    error: str | None
    acknowledged: bool


@dataclass
class SimRefund:
    request_id: str
    transaction_no: str
    transaction_type: str
    amount: int  # x100, as on the wire
    created_by: str
    create_date: str
    transaction_status: str


@dataclass
class SimTransaction:
    """A payment as VNPay would hold it. `amount` is x100, exactly as received."""

    tmn_code: str
    txn_ref: str
    amount: int
    order_info: str
    create_date: str
    return_url: str
    params: dict[str, str]
    state: str = "pending"  # pending -> completed
    response_code: str | None = None
    transaction_status: str = "01"
    transaction_no: str | None = None
    bank_code: str | None = None
    pay_date: str | None = None
    callback_params: dict[str, str] = field(default_factory=dict)
    refunds: list[SimRefund] = field(default_factory=list)
    ipn_state: str = "not_sent"  # not_sent|suppressed|no_ipn_url|delivering|acknowledged|gave_up
    ipn_attempts: list[IpnAttempt] = field(default_factory=list)

    @property
    def refunded(self) -> int:
        return sum(r.amount for r in self.refunds)

    def as_json(self) -> dict[str, Any]:
        return {
            "tmn_code": self.tmn_code,
            "txn_ref": self.txn_ref,
            "amount": self.amount,
            "order_info": self.order_info,
            "create_date": self.create_date,
            "state": self.state,
            "response_code": self.response_code,
            "transaction_status": self.transaction_status,
            "transaction_no": self.transaction_no,
            "bank_code": self.bank_code,
            "pay_date": self.pay_date,
            "callback_params": dict(self.callback_params),
            "refunds": [vars(r).copy() for r in self.refunds],
            "ipn": {
                "state": self.ipn_state,
                "attempts": [vars(a).copy() for a in self.ipn_attempts],
            },
        }


@dataclass
class SimulatorConfig:
    """Behaviour knobs. `ipn_retry_interval` is VNPay's 5 minutes; tests use ~0.05 s."""

    merchants: dict[str, str]
    ipn_urls: dict[str, str]
    deliver_ipn: bool = True
    ipn_retry_interval: float = 300.0
    ipn_max_attempts: int = 10
    ipn_timeout: float = 10.0
    refund_status: str = "06"

    def public(self) -> dict[str, Any]:
        """The config without the hash secrets (the inspection API never shows them)."""
        return {
            "tmn_codes": sorted(self.merchants),
            "ipn_urls": dict(self.ipn_urls),
            "deliver_ipn": self.deliver_ipn,
            "ipn_retry_interval": self.ipn_retry_interval,
            "ipn_max_attempts": self.ipn_max_attempts,
            "ipn_timeout": self.ipn_timeout,
            "refund_status": self.refund_status,
        }


class SimulatorState:
    """Transactions keyed by (terminal, TxnRef), seen request ids, number sequences."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.transactions: dict[tuple[str, str], SimTransaction] = {}
        self.seen_request_ids: set[tuple[str, str]] = set()
        self._numbers = itertools.count(14226112)

    def next_transaction_no(self) -> str:
        return str(next(self._numbers))

    def find(self, tmn_code: str | None, txn_ref: str) -> SimTransaction | None:
        if tmn_code is not None:
            return self.transactions.get((tmn_code, txn_ref))
        matches = [t for (_, ref), t in self.transactions.items() if ref == txn_ref]
        return matches[0] if len(matches) == 1 else None

    def record_attempt(self, txn: SimTransaction, attempt: IpnAttempt) -> None:
        txn.ipn_attempts.append(attempt)

    @staticmethod
    def now_iso() -> str:
        return _now_iso()
