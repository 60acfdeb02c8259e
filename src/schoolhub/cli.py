"""The one command line: ``schoolhub serve | migrate | worker | demo-data``.

With no DATABASE_URL / REDIS_URL, ``serve`` (and the other commands) start an embedded PostgreSQL and
Redis under ``.data/`` so a fresh clone runs with one command.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import replace

from schoolhub.platform import settings as settings_mod
from schoolhub.platform.embedded import EmbeddedServices, ensure_services
from schoolhub.platform.settings import ConfigurationError, Settings

log = logging.getLogger("schoolhub")


class CommandError(Exception):
    """A clear, user-facing failure: printed without a traceback, exit status 1."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="schoolhub", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API server (migrates first)")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.add_argument("--no-migrate", action="store_true")
    sub.add_parser("migrate", help="apply database migrations (as the owner role)")
    worker = sub.add_parser("worker", help="run a queue worker and the outbox relay")
    worker.add_argument("--concurrency", type=int, default=10)
    sfu = sub.add_parser(
        "sfu-worker", help="run SFU worker processes (one per core) for live rooms"
    )
    sfu.add_argument(
        "--processes", type=int, default=None, help="default: SCHOOLHUB_SFU_PROCESSES or CPUs"
    )
    demo = sub.add_parser("demo-data", help="load the demo province (Quảng Trị)")
    demo.add_argument("--json", action="store_true", help="print every demo account as JSON")
    return parser


def _resolve(settings: Settings) -> tuple[Settings, EmbeddedServices]:
    """Use the configured servers; in development and tests, embed whatever is not configured.

    Production never embeds: a missing URL there is a configuration error, not a reason to start a
    private database inside a pod.
    """
    has_database = bool(settings.database_url or settings.database_app_url)
    if settings.is_production:
        if not has_database or not settings.redis_url:
            raise ConfigurationError(
                "production needs DATABASE_APP_URL (or DATABASE_URL) and REDIS_URL"
            )
        settings_mod.set_current(settings)
        return settings, EmbeddedServices()
    services = ensure_services(
        settings.data_dir, postgres=not has_database, redis=not settings.redis_url
    )
    resolved = replace(
        settings,
        database_url=settings.database_url if has_database else services.database_url,
        redis_url=settings.redis_url or services.redis_url,
    )
    settings_mod.set_current(resolved)
    return resolved, services


async def _check_database(dsn: str) -> None:
    import asyncpg

    try:
        conn = await asyncio.wait_for(asyncpg.connect(dsn), timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise CommandError(f"cannot reach the database: {type(exc).__name__}: {exc}") from exc
    await conn.close()


async def _migrate(settings: Settings) -> list[str]:
    from schoolhub.migrations.runner import apply_all

    if not settings.database_url:
        raise CommandError("migrations run as the owner role: set DATABASE_URL")
    await _check_database(settings.database_url)
    return await apply_all(settings.database_url)


async def _with_db(settings: Settings) -> None:
    from schoolhub.platform import db
    from schoolhub.platform import redis as redis_mod

    await _check_database(settings.app_dsn)
    db.DB.configure(settings.app_dsn)
    await db.DB.start(min_size=1, max_size=5)
    assert settings.redis_url
    redis_mod.connect(settings.redis_url)


async def _demo(settings: Settings, as_json: bool) -> None:
    from schoolhub.demo import as_json_objects, load_demo
    from schoolhub.platform import db

    await _migrate(settings)
    await _with_db(settings)
    try:
        accounts = await load_demo()
    finally:
        await db.DB.stop()
    if as_json:
        print(json.dumps(as_json_objects(accounts), ensure_ascii=False, indent=1))
    else:
        print(
            f"demo province ready: {len(accounts)} accounts; password for all: "
            f"{accounts[0].password if accounts else '-'}; try --json for the list"
        )


async def _worker(settings: Settings, concurrency: int) -> None:
    from schoolhub.platform import db, jobs

    await _with_db(settings)
    assert settings.redis_url
    queue = jobs.make_queue(settings.redis_url)
    relay = jobs.OutboxRelay(queue)
    relay.start()
    worker = jobs.make_worker(queue, concurrency=concurrency)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    task = asyncio.create_task(worker.start())
    print("schoolhub worker running (Ctrl-C to stop)", flush=True)
    await stop.wait()
    await worker.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await relay.stop()
    await db.DB.stop()


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from schoolhub.app import create_app

    if not args.no_migrate:
        applied = asyncio.run(_migrate(settings))
        if applied:
            print(f"applied migrations: {', '.join(applied)}", flush=True)
    host = args.host or settings.host
    port = args.port or settings.port

    def _terminate(signum: int, frame: object) -> None:
        # uvicorn re-raises the signal it caught after its graceful shutdown; turning it into
        # SystemExit lets main() stop the embedded PostgreSQL and Redis instead of dying mid-way.
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _terminate)
    from schoolhub.payments import devsim

    if devsim.wanted():  # SCHOOLHUB_VNPAY_SIMULATOR=1 in development: pay on a laptop
        devsim.start_dev_simulator(f"http://127.0.0.1:{port}")
    print(f"SchoolHub on http://{host}:{port}/graphql ({settings.env.value})", flush=True)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        ws="websockets-sansio",
        proxy_headers=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("SCHOOLHUB_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    args = _parser().parse_args(argv)
    started = time.monotonic()
    services: EmbeddedServices | None = None
    try:
        settings, services = _resolve(settings_mod.load_settings())
        if args.command == "migrate":
            applied = asyncio.run(_migrate(settings))
            print(f"migrations applied: {applied or 'none pending'}")
        elif args.command == "demo-data":
            asyncio.run(_demo(settings, args.json))
        elif args.command == "worker":
            asyncio.run(_worker(settings, args.concurrency))
        elif args.command == "serve":
            _serve(settings, args)
        elif args.command == "sfu-worker":
            from schoolhub.realtime.placement.worker import run_sfu_workers

            assert settings.redis_url
            os.environ["REDIS_URL"] = settings.redis_url  # the worker processes read it
            return run_sfu_workers(args.processes)
    except (CommandError, ConfigurationError) as exc:
        print(f"schoolhub {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        if services is not None:
            services.stop()
    log.debug("%s finished in %.2fs", args.command, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
