"""The live-class browser page: ``GET /live/{roomId}`` (plain HTML/JS, no build step).

The app passes the access token with ``postMessage({type: "schoolhub-live-token", token})`` (from
the embedding WebView/window); outside production, ``?token=`` in the URL is accepted too (tests,
local development). The page signals through the GraphQL API only (joinRoom, roomEvents,
answerRoomOffer, ...), publishes camera + microphone with bundlePolicy "max-bundle" and no
simulcast, and exposes ``window.liveStats()`` (getStats summary) for tests.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from litestar import Response, get
from litestar.exceptions import NotFoundException

from schoolhub.platform import settings as settings_mod
from schoolhub.platform.settings import Environment

STATIC = Path(__file__).parent / "static" / "live"
_ROOM_ID = re.compile(r"^[A-Za-z0-9+/=_-]{1,200}$")
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
        " media-src 'self' blob:; img-src 'self' data:; connect-src 'self' ws: wss:;"
        " frame-ancestors *"
    ),
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "camera=(self), microphone=(self), display-capture=(self)",
}


@get("/live/{room_id:str}", sync_to_thread=False, include_in_schema=False)
def live_page(room_id: str) -> Response[str]:
    if not _ROOM_ID.match(room_id):
        raise NotFoundException()
    config = {
        "roomId": room_id,
        "devTokenParam": settings_mod.current().env is not Environment.PRODUCTION,
    }
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    blob = json.dumps(config).replace("<", "\\u003c")  # raw text inside <script>
    return Response(
        page.replace("{{CONFIG}}", blob), media_type="text/html; charset=utf-8", headers=_HEADERS
    )


@get("/live-static/{name:str}", sync_to_thread=False, include_in_schema=False)
def live_static(name: str) -> Response[bytes]:
    types = {"live.js": "text/javascript; charset=utf-8", "live.css": "text/css; charset=utf-8"}
    if name not in types:
        raise NotFoundException()
    return Response((STATIC / name).read_bytes(), media_type=types[name], headers=_HEADERS)


ROUTES: list[Any] = [live_page, live_static]
