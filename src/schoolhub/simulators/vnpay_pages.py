"""HTML of the simulator's payment page: small, dependency-free, escaped.

Plain forms (no JavaScript) so a developer can click through a payment in any browser.
"""

from __future__ import annotations

from html import escape

from schoolhub.simulators.vnpay_state import SimTransaction

__all__ = ["error_page", "payment_page"]

_STYLE = "body{font-family:sans-serif;max-width:40em;margin:2em auto}button{margin-right:1em}"


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def error_page(code: str, message: str) -> str:
    """The page VNPay shows for a rejected payment URL (e.g. code 70, "Sai chữ ký")."""
    return _page(
        f"VNPay simulator: error {code}",
        f'<h1>Giao dịch không thành công</h1><p id="error" data-code="{escape(code)}">'
        f"Mã lỗi: {escape(code)}: {escape(message)}</p>",
    )


def _form(action: str, label: str, txn: SimTransaction, outcome: str | None = None) -> str:
    hidden = (
        f'<input type="hidden" name="tmn_code" value="{escape(txn.tmn_code)}">'
        f'<input type="hidden" name="txn_ref" value="{escape(txn.txn_ref)}">'
    )
    if outcome is not None:
        hidden += f'<input type="hidden" name="outcome" value="{escape(outcome)}">'
    return f'<form method="post" action="{escape(action)}">{hidden}<button>{label}</button></form>'


def payment_page(txn: SimTransaction) -> str:
    """The customer's choice: approve, cancel, or fail with insufficient funds."""
    amount_vnd = txn.amount // 100
    return _page(
        "VNPay simulator: thanh toán",
        "<h1>VNPay simulator</h1>"
        f"<p>Merchant <b>{escape(txn.tmn_code)}</b>, order <b>{escape(txn.txn_ref)}</b></p>"
        f"<p>{escape(txn.order_info)}</p>"
        f'<p id="amount">{amount_vnd:,} VND</p>'
        + _form("/paymentv2/approve", "Approve", txn)
        + _form("/paymentv2/cancel", "Cancel", txn)
        + _form("/paymentv2/approve", "Insufficient funds", txn, "insufficient_funds"),
    )
