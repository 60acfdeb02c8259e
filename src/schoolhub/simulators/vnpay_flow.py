"""Payment-page checks, payment outcomes and IPN delivery of the VNPay simulator.

IPN delivery copies VNPay's retry rule (VNPAY.md §3.3): an HTTP GET with the signed
callback query; `RspCode` 00 or 02 stops; 01/04/97/99, a non-JSON body, an HTTP error or a
timeout is retried after `ipn_retry_interval`, at most `ipn_max_attempts` calls in total.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping

import httpx

from schoolhub.payments.vnpay.encoding import format_vnp_date, now_gmt7
from schoolhub.simulators.vnpay_state import (
    IpnAttempt,
    SimTransaction,
    SimulatorState,
    whatwg_sign,
    whatwg_verify,
)

__all__ = [
    "OUTCOMES",
    "PageError",
    "accept_payment_request",
    "complete_payment",
    "deliver_ipn",
    "return_redirect_url",
]

# outcome -> (vnp_ResponseCode, vnp_TransactionStatus, bank code, card type, has a number)
OUTCOMES: Mapping[str, tuple[str, str, str, str, bool]] = {
    "success": ("00", "00", "NCB", "ATM", True),
    "cancel": ("24", "02", "VNPAY", "QRCODE", False),
    "insufficient_funds": ("51", "02", "NCB", "ATM", True),
    "expired": ("11", "02", "VNPAY", "QRCODE", False),
}

_REQUIRED = (
    "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_Amount", "vnp_CreateDate",
    "vnp_CurrCode", "vnp_IpAddr", "vnp_Locale", "vnp_OrderInfo", "vnp_OrderType",
    "vnp_ReturnUrl", "vnp_TxnRef",
)  # fmt: skip
_TXN_REF = re.compile(r"[A-Za-z0-9]{1,100}")
_AMOUNT = re.compile(r"[1-9][0-9]{0,11}")
_DATE = re.compile(r"[0-9]{14}")


class PageError(Exception):
    """An error VNPay's payment page would show instead of the payment form."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


def accept_payment_request(state: SimulatorState, params: Mapping[str, str]) -> SimTransaction:
    """Validate a `vpcpay.html` query like VNPay and record the pending transaction.

    Codes: 02 unknown terminal, 70 wrong signature ("Sai chữ ký"), 03 bad format,
    01 TxnRef already used with other parameters or already paid.
    """
    tmn_code = params.get("vnp_TmnCode", "")
    secret = state.config.merchants.get(tmn_code)
    if secret is None:
        raise PageError("02", "Merchant không hợp lệ")
    if not whatwg_verify(params, secret):
        raise PageError("70", "Sai chữ ký")
    if (
        any(not params.get(name) for name in _REQUIRED)
        or params["vnp_Version"] != "2.1.0"
        or params["vnp_Command"] != "pay"
        or params["vnp_CurrCode"] != "VND"
        or params["vnp_Locale"] not in ("vn", "en")
        or "vnp_SecureHashType" in params
        or _TXN_REF.fullmatch(params["vnp_TxnRef"]) is None
        or _AMOUNT.fullmatch(params["vnp_Amount"]) is None
        or int(params["vnp_Amount"]) % 100 != 0
        or _DATE.fullmatch(params["vnp_CreateDate"]) is None
    ):
        raise PageError("03", "Dữ liệu gửi sang không đúng định dạng")
    signed = {k: v for k, v in params.items() if k.startswith("vnp_")}
    key = (tmn_code, params["vnp_TxnRef"])
    existing = state.transactions.get(key)
    if existing is not None:
        if existing.state == "pending" and existing.params == signed:
            return existing  # the customer reloaded the page
        raise PageError("01", "Giao dịch đã tồn tại")
    txn = SimTransaction(
        tmn_code=tmn_code,
        txn_ref=params["vnp_TxnRef"],
        amount=int(params["vnp_Amount"]),
        order_info=params["vnp_OrderInfo"],
        create_date=params["vnp_CreateDate"],
        return_url=params["vnp_ReturnUrl"],
        params=signed,
    )
    state.transactions[key] = txn
    return txn


def complete_payment(state: SimulatorState, txn: SimTransaction, outcome: str) -> None:
    """Settle a pending transaction with `outcome` and build its signed callback params."""
    if txn.state != "pending":
        raise PageError("01", "Giao dịch đã được xử lý")
    response_code, status, bank_code, card_type, numbered = OUTCOMES[outcome]
    transaction_no = state.next_transaction_no() if numbered else "0"
    pay_date = format_vnp_date(now_gmt7())
    params = {
        "vnp_Amount": str(txn.amount),
        "vnp_BankCode": bank_code,
        "vnp_CardType": card_type,
        "vnp_OrderInfo": txn.order_info,
        "vnp_PayDate": pay_date,
        "vnp_ResponseCode": response_code,
        "vnp_TmnCode": txn.tmn_code,
        "vnp_TransactionNo": transaction_no,
        "vnp_TransactionStatus": status,
        "vnp_TxnRef": txn.txn_ref,
    }
    if response_code == "00":
        params["vnp_BankTranNo"] = f"VNP{transaction_no}"
    _, digest = whatwg_sign(params, state.config.merchants[txn.tmn_code])
    params["vnp_SecureHash"] = digest
    txn.state = "completed"
    txn.response_code = response_code
    txn.transaction_status = status
    txn.transaction_no = transaction_no
    txn.bank_code = bank_code
    txn.pay_date = pay_date
    txn.callback_params = params


def _callback_query(state: SimulatorState, txn: SimTransaction) -> str:
    query, digest = whatwg_sign(txn.callback_params, state.config.merchants[txn.tmn_code])
    return f"{query}&vnp_SecureHash={digest}"


def _append_query(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"


def return_redirect_url(state: SimulatorState, txn: SimTransaction) -> str:
    """`vnp_ReturnUrl` with the signed callback query, as VNPay redirects the browser."""
    return _append_query(txn.return_url, _callback_query(state, txn))


async def deliver_ipn(state: SimulatorState, txn: SimTransaction) -> None:
    """Call the terminal's IPN URL until acknowledged or out of attempts."""
    url = state.config.ipn_urls.get(txn.tmn_code)
    if url is None:
        txn.ipn_state = "no_ipn_url"
        return
    target = _append_query(url, _callback_query(state, txn))
    txn.ipn_state = "delivering"
    config = state.config
    try:
        async with httpx.AsyncClient(timeout=config.ipn_timeout) as http:
            for number in range(1, config.ipn_max_attempts + 1):
                attempt = await _attempt(http, target, number)
                state.record_attempt(txn, attempt)
                if attempt.acknowledged:
                    txn.ipn_state = "acknowledged"
                    return
                if number < config.ipn_max_attempts:
                    await asyncio.sleep(config.ipn_retry_interval)
    except Exception as exc:  # a simulator bug must show up in the inspection API
        txn.ipn_state = f"error: {type(exc).__name__}"
        raise
    txn.ipn_state = "gave_up"


async def _attempt(http: httpx.AsyncClient, target: str, number: int) -> IpnAttempt:
    at = SimulatorState.now_iso()
    try:
        response = await http.get(target)
    except httpx.TimeoutException:
        return IpnAttempt(number, at, None, None, "timeout", acknowledged=False)
    except httpx.HTTPError as exc:
        return IpnAttempt(number, at, None, None, type(exc).__name__, acknowledged=False)
    try:
        body = response.json()
    except ValueError:
        return IpnAttempt(number, at, response.status_code, None, "non-JSON reply", False)
    rsp_code = body.get("RspCode") if isinstance(body, dict) else None
    rsp = rsp_code if isinstance(rsp_code, str) else None
    acknowledged = response.status_code == 200 and rsp in ("00", "02")
    return IpnAttempt(number, at, response.status_code, rsp, None, acknowledged)
