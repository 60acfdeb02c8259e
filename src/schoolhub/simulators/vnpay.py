"""A local VNPay sandbox: payment page, IPN with retries, querydr and refund (VNPAY.md).

Design note. The simulator speaks the wire protocol only (same paths, parameters, codes and
signatures as VNPay), so the production client runs against it unchanged by pointing
`base_url` at it. It keeps everything in memory and never shows hash secrets.

Endpoints:
- `GET  /paymentv2/vpcpay.html`            verify the signed URL; HTML with Approve/Cancel
- `POST /paymentv2/approve`, `/cancel`     form (tmn_code, txn_ref[, outcome]); 302 to ReturnUrl
- `POST /simulator/pay`                    JSON {txn_ref, outcome[, tmn_code, deliver_ipn]}
                                           -> {return_url, callback_params}
- `POST /merchant_webapi/api/transaction`  querydr / refund (JSON)
- `GET  /simulator/transactions[?txn_ref=]` recorded transactions, refunds, IPN attempts
- `POST /simulator/config`                 {deliver_ipn?, ipn_urls?, ipn_retry_interval?}
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Any

from litestar import Litestar, MediaType, Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Redirect

from schoolhub.simulators.server import run_app_in_thread
from schoolhub.simulators.vnpay_api import handle_transaction_api
from schoolhub.simulators.vnpay_flow import (
    OUTCOMES,
    PageError,
    accept_payment_request,
    complete_payment,
    deliver_ipn,
    return_redirect_url,
)
from schoolhub.simulators.vnpay_pages import error_page, payment_page
from schoolhub.simulators.vnpay_state import SimTransaction, SimulatorConfig, SimulatorState

__all__ = ["create_simulator_app", "run_simulator_in_thread"]

_STATE_KEY = "vnpay_simulator"
_TASKS_KEY = "vnpay_ipn_tasks"


def _state(request: Request[Any, Any, Any]) -> SimulatorState:
    state: SimulatorState = request.app.state[_STATE_KEY]
    return state


def _html(text: str, status: int = 200) -> Response[str]:
    return Response(text, status_code=status, media_type=MediaType.HTML)


def _json_error(status: int, code: str, message: str) -> Response[dict[str, str]]:
    return Response({"code": code, "message": message}, status_code=status)


def _finish(
    request: Request[Any, Any, Any], txn: SimTransaction, outcome: str, deliver: bool | None
) -> None:
    """Settle the payment, then start IPN delivery in the background unless suppressed."""
    state = _state(request)
    complete_payment(state, txn, outcome)
    if not (state.config.deliver_ipn if deliver is None else deliver):
        txn.ipn_state = "suppressed"
        return
    tasks: set[asyncio.Task[None]] = request.app.state[_TASKS_KEY]
    task = asyncio.get_running_loop().create_task(deliver_ipn(state, txn))
    tasks.add(task)
    task.add_done_callback(tasks.discard)


@get("/paymentv2/vpcpay.html", media_type=MediaType.HTML)
async def payment_page_handler(request: Request[Any, Any, Any]) -> Response[str]:
    items = list(request.query_params.multi_items())
    params = dict(items)
    try:
        if len(params) != len(items):
            raise PageError("03", "Dữ liệu gửi sang không đúng định dạng")
        txn = accept_payment_request(_state(request), params)
    except PageError as exc:
        return _html(error_page(exc.code, exc.message), status=400)
    return _html(payment_page(txn))


async def _form_outcome(request: Request[Any, Any, Any], outcome: str) -> Response[Any]:
    form = await request.form()
    tmn_code, txn_ref = form.get("tmn_code"), form.get("txn_ref")
    chosen = form.get("outcome", outcome)
    if not isinstance(tmn_code, str) or not isinstance(txn_ref, str) or chosen not in OUTCOMES:
        return _html(error_page("03", "Dữ liệu gửi sang không đúng định dạng"), status=400)
    txn = _state(request).find(tmn_code, txn_ref)
    if txn is None:
        return _html(error_page("91", "Không tìm thấy giao dịch"), status=404)
    try:
        _finish(request, txn, str(chosen), None)
    except PageError as exc:
        return _html(error_page(exc.code, exc.message), status=409)
    return Redirect(path=return_redirect_url(_state(request), txn), status_code=302)


@post("/paymentv2/approve", status_code=302)
async def approve_handler(request: Request[Any, Any, Any]) -> Response[Any]:
    return await _form_outcome(request, "success")


@post("/paymentv2/cancel", status_code=302)
async def cancel_handler(request: Request[Any, Any, Any]) -> Response[Any]:
    return await _form_outcome(request, "cancel")


@post("/simulator/pay", status_code=200)
async def simulator_pay_handler(request: Request[Any, Any, Any]) -> Response[Any]:
    """JSON twin of the Approve/Cancel buttons, for tests: returns the redirect target."""
    try:
        body = json.loads(await request.body())
    except ValueError:
        return _json_error(400, "03", "body is not JSON")
    if not isinstance(body, dict) or not isinstance(body.get("txn_ref"), str):
        return _json_error(400, "03", "txn_ref is required")
    outcome = body.get("outcome", "success")
    deliver = body.get("deliver_ipn")
    if outcome not in OUTCOMES or not isinstance(deliver, bool | None):
        return _json_error(400, "03", f"outcome must be one of {sorted(OUTCOMES)}")
    tmn_code = body.get("tmn_code")
    state = _state(request)
    txn = state.find(tmn_code if isinstance(tmn_code, str) else None, body["txn_ref"])
    if txn is None:
        return _json_error(404, "91", "transaction not found (open the payment URL first)")
    try:
        _finish(request, txn, outcome, deliver)
    except PageError as exc:
        return _json_error(409, exc.code, exc.message)
    return Response(
        {
            "return_url": return_redirect_url(state, txn),
            "callback_params": dict(txn.callback_params),
        }
    )


@post("/merchant_webapi/api/transaction", status_code=200)
async def transaction_api_handler(request: Request[Any, Any, Any]) -> dict[str, str]:
    try:
        body: object = json.loads(await request.body())
    except ValueError:
        body = None
    return handle_transaction_api(_state(request), body)


@get("/simulator/transactions")
async def transactions_handler(
    request: Request[Any, Any, Any], txn_ref: str | None = None
) -> dict[str, Any]:
    """Everything recorded (optionally one TxnRef): payments, refunds, IPN attempts."""
    state = _state(request)
    return {
        "config": state.config.public(),
        "transactions": [
            txn.as_json()
            for txn in state.transactions.values()
            if txn_ref is None or txn.txn_ref == txn_ref
        ],
    }


@post("/simulator/config", status_code=200)
async def config_handler(request: Request[Any, Any, Any]) -> Response[Any]:
    """Switch IPN delivery off/on (test "return URL visited but no IPN"), change IPN URLs."""
    try:
        body = json.loads(await request.body())
    except ValueError:
        return _json_error(400, "03", "body is not JSON")
    config = _state(request).config
    if not isinstance(body, dict):
        return _json_error(400, "03", "body must be an object")
    if isinstance(body.get("deliver_ipn"), bool):
        config.deliver_ipn = body["deliver_ipn"]
    if isinstance(body.get("ipn_urls"), dict):
        config.ipn_urls.update({str(k): str(v) for k, v in body["ipn_urls"].items()})
    interval = body.get("ipn_retry_interval")
    if isinstance(interval, int | float) and not isinstance(interval, bool) and interval >= 0:
        config.ipn_retry_interval = float(interval)
    return Response(config.public())


def create_simulator_app(
    merchants: Mapping[str, str],
    ipn_urls: Mapping[str, str],
    *,
    deliver_ipn: bool = True,
    ipn_retry_interval: float = 300.0,
    ipn_max_attempts: int = 10,
    ipn_timeout: float = 10.0,
    refund_status: str = "06",
    debug: bool = False,
) -> Litestar:
    """Build the simulator for `merchants` (tmn_code -> hash secret) and their IPN URLs.

    Defaults are VNPay's (retry every 5 minutes, 10 calls); tests shorten the interval.
    `refund_status` is the `vnp_TransactionStatus` querydr reports after a refund.
    """
    if ipn_max_attempts < 1 or ipn_retry_interval < 0 or ipn_timeout <= 0:
        raise ValueError("invalid IPN retry settings")
    state = SimulatorState(
        SimulatorConfig(
            merchants=dict(merchants),
            ipn_urls=dict(ipn_urls),
            deliver_ipn=deliver_ipn,
            ipn_retry_interval=ipn_retry_interval,
            ipn_max_attempts=ipn_max_attempts,
            ipn_timeout=ipn_timeout,
            refund_status=refund_status,
        )
    )
    tasks: set[asyncio.Task[None]] = set()

    async def cancel_ipn_tasks() -> None:
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    return Litestar(
        route_handlers=[
            payment_page_handler,
            approve_handler,
            cancel_handler,
            simulator_pay_handler,
            transaction_api_handler,
            transactions_handler,
            config_handler,
        ],
        state=State({_STATE_KEY: state, _TASKS_KEY: tasks}),
        on_shutdown=[cancel_ipn_tasks],
        debug=debug,
    )


def run_simulator_in_thread(
    merchants: Mapping[str, str], ipn_urls: Mapping[str, str], **options: Any
) -> tuple[str, Callable[[], None]]:
    """Start the simulator on a free loopback port; returns `(base_url, stop)`."""
    return run_app_in_thread(create_simulator_app(merchants, ipn_urls, **options))
