"""Find real PostgreSQL and Redis servers for the test run, or start embedded ones."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from schoolhub.platform.embedded import EmbeddedServices, start_postgres, start_redis

LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def resolve(data_dir: Path) -> tuple[str, str, EmbeddedServices]:
    """Return (owner DSN of a maintenance database, Redis URL, handles to stop)."""
    services = EmbeddedServices()
    pg = os.environ.get("DATABASE_URL")
    if not pg:
        pg = LOCAL_PG if _reachable("127.0.0.1", 5432) else start_postgres(data_dir, services)
    redis = os.environ.get("REDIS_URL")
    if not redis:
        redis = LOCAL_REDIS if _reachable("127.0.0.1", 6379) else start_redis(data_dir, services)
    return pg, redis, services


def with_database(dsn: str, name: str) -> str:
    """Same server, another database."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
