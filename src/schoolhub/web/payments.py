"""HTTP routes of the payments domain: VNPay's IPN (server to server) and the return URL (browser).

The IPN always answers VNPay's JSON ``{"RspCode": .., "Message": ..}`` with HTTP 200, whatever
happened (VNPAY.md §3.3); the return page only shows the verified result and a deep link into the
app, and changes nothing.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from litestar import MediaType, Request, Response, get

from schoolhub.graphql import ids
from schoolhub.payments import ipn as ipn_service
from schoolhub.payments.vnpay import ipn_reply

log = logging.getLogger(__name__)


def _query(request: Request[Any, Any, Any]) -> dict[str, str] | None:
    items = list(request.query_params.multi_items())
    query = dict(items)
    return None if len(query) != len(items) else query  # a repeated key is never VNPay's


def _reply(code: str) -> Response[Any]:
    return Response(ipn_reply(code), status_code=200, media_type=MediaType.JSON)


@get("/payments/vnpay/ipn")
async def vnpay_ipn(request: Request[Any, Any, Any]) -> Response[Any]:
    query = _query(request)
    if query is None:
        return _reply("99")
    try:
        code = await ipn_service.handle_ipn(query)
    except Exception:
        log.exception("IPN handler failed")
        code = "99"
    return _reply(code)


@get("/payments/vnpay/return", media_type=MediaType.HTML)
async def vnpay_return(request: Request[Any, Any, Any]) -> Response[str]:
    query = _query(request) or {}
    view = await ipn_service.view_return(query)
    link = ""
    if view.intent_id is not None:
        deep = f"schoolhub://payments/{ids.encode('PaymentIntent', view.intent_id)}"
        link = f'<p><a id="open-app" href="{html.escape(deep)}">Mở ứng dụng SchoolHub</a></p>'
    amount = f"<p>Số tiền: {view.amount_vnd:,} VND</p>" if view.amount_vnd else ""
    body = (
        '<!doctype html><html lang="vi"><meta charset="utf-8"><title>Kết quả thanh toán</title>'
        f'<body data-verified="{str(view.ok).lower()}"'
        f' data-succeeded="{str(view.succeeded).lower()}">'
        f"<h1>{html.escape(view.message)}</h1>{amount}{link}</body></html>"
    )
    return Response(body, status_code=200 if view.ok else 400, media_type=MediaType.HTML)


ROUTES: list[Any] = [vnpay_ipn, vnpay_return]
