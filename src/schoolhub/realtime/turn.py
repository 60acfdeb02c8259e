"""ICE servers for clients: coturn REST-API credentials (``use-auth-secret``).

username = "<expiry unix>:<user id>", credential = base64(HMAC-SHA1(secret, username)); TTL at most
one hour. Configured by ``SCHOOLHUB_TURN_SECRET`` and ``SCHOOLHUB_TURN_URLS`` (comma-separated
``turn:``/``turns:`` URLs). Without URLs no ICE server is returned: clients then use host candidates
only (no STUN, nothing leaves for a third-party server) — fine on one LAN and in tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from dataclasses import dataclass
from uuid import UUID

MAX_TTL_S = 3600


@dataclass(frozen=True)
class IceServerConfig:
    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None


def turn_credential(secret: str, username: str) -> str:
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def rest_credentials(
    secret: str, user_id: UUID | str, *, ttl_s: int = MAX_TTL_S, now: int | None = None
) -> tuple[str, str]:
    expiry = (int(time.time()) if now is None else now) + min(ttl_s, MAX_TTL_S)
    username = f"{expiry}:{user_id}"
    return username, turn_credential(secret, username)


def ice_servers(user_id: UUID | str, *, now: int | None = None) -> list[IceServerConfig]:
    urls = tuple(
        u.strip() for u in os.environ.get("SCHOOLHUB_TURN_URLS", "").split(",") if u.strip()
    )
    if not urls:
        return []
    secret = os.environ.get("SCHOOLHUB_TURN_SECRET", "")
    if not secret:
        return [IceServerConfig(urls=urls)]
    username, credential = rest_credentials(secret, user_id, now=now)
    return [IceServerConfig(urls=urls, username=username, credential=credential)]
