"""Job queue (SAQ on Redis), the outbox relay, and the dispatcher that runs outbox handlers.

Flow: a service writes an outbox row in its transaction -> ``OutboxRelay`` claims pending rows
(``FOR UPDATE SKIP LOCKED`` through a reviewed SECURITY DEFINER function, so several relays can run),
enqueues one SAQ job per row with ``key=outbox:<id>`` (SAQ ignores a second enqueue of a live key) and
marks the rows relayed in the same database transaction. If Redis is down the enqueue raises, the
transaction rolls back and the rows stay pending until Redis returns. ``dispatch_outbox`` then runs the
handlers inside the row's tenant transaction and marks the row processed there, so a redelivered job
finds it processed and does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from uuid import UUID

from redis.exceptions import RedisError
from saq import Queue, Worker

from schoolhub.platform import db
from schoolhub.platform.events import Event, handlers_for

log = logging.getLogger(__name__)

QUEUE_NAME = "schoolhub"
_wake = asyncio.Event()
_running: set[OutboxRelay] = set()


def running_relays() -> list[OutboxRelay]:
    """Relays started in this process (tests pause them to simulate a relay outage)."""
    return list(_running)


def make_queue(redis_url: str) -> Queue:
    """A SAQ queue on Redis. A short connect timeout makes a dead Redis fail fast; no read timeout,
    because the worker blocks on BLMOVE while idle."""
    from redis.asyncio import Redis
    from saq.queue.redis import RedisQueue

    client = Redis.from_url(redis_url, socket_connect_timeout=2.0)
    return RedisQueue(client, name=QUEUE_NAME)


def wake_relay() -> None:
    """Nudge the in-process relay (called after a commit that emitted outbox rows)."""
    _wake.set()


class OutboxRelay:
    def __init__(self, queue: Queue, *, batch: int = 200, interval_s: float = 1.0) -> None:
        self.queue = queue
        self.batch = batch
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None
        self.relayed_total = 0

    async def relay_once(self) -> int:
        """Move up to one batch of pending rows onto the queue; return how many moved."""
        async with db.system():
            rows = await db.fetch("SELECT * FROM platform_outbox_claim($1)", self.batch)
            if not rows:
                return 0
            for row in rows:
                await self.queue.enqueue(
                    "dispatch_outbox",
                    key=f"outbox:{row['id']}",
                    outbox_id=row["id"],
                    topic=row["topic"],
                    school_id=str(row["school_id"]) if row["school_id"] else None,
                    payload=_payload(row["payload"]),
                    retries=8,
                    retry_delay=1.0,
                    retry_backoff=True,
                    timeout=120,
                )
            await db.fetch(
                "SELECT platform_outbox_mark_relayed($1::bigint[])", [row["id"] for row in rows]
            )
        self.relayed_total += len(rows)
        return len(rows)

    async def run_forever(self) -> None:
        backoff = self.interval_s
        while True:
            try:
                moved = await self.relay_once()
                backoff = self.interval_s
                if moved == self.batch:
                    continue
            except (RedisError, OSError, ConnectionError) as exc:
                log.warning("outbox relay: queue unavailable (%s); rows stay pending", exc)
                backoff = min(backoff * 2, 30.0)
            except Exception:
                log.exception("outbox relay iteration failed")
                backoff = min(backoff * 2, 30.0)
            _wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_wake.wait(), timeout=backoff)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run_forever(), name="outbox-relay")
            _running.add(self)

    async def stop(self) -> None:
        _running.discard(self)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def _payload(raw: Any) -> dict[str, Any]:
    import json

    if isinstance(raw, str):
        value = json.loads(raw)
        return value if isinstance(value, dict) else {}
    return dict(raw) if raw else {}


async def dispatch_outbox(
    ctx: Any, *, outbox_id: int, topic: str, school_id: str | None, payload: dict[str, Any]
) -> str:
    """SAQ job: run every handler of ``topic`` once, in the event's tenant scope."""
    import schoolhub.tasks  # noqa: F401  (registers every domain's handlers)

    school = UUID(school_id) if school_id else None
    scope = db.tenant(school) if school else db.system()
    async with scope:
        row = await db.fetchrow(
            "SELECT processed_at FROM platform_outbox WHERE id = $1 FOR UPDATE", outbox_id
        )
        if row is None:
            log.error("outbox %s not visible in its scope", outbox_id)
            return "missing"
        if row["processed_at"] is not None:
            return "already-processed"
        event = Event(outbox_id=outbox_id, topic=topic, school_id=school, payload=payload)
        for handler in handlers_for(topic):
            await handler(event)
        await db.execute("UPDATE platform_outbox SET processed_at = now() WHERE id = $1", outbox_id)
    return "processed"


async def reconcile_payments(ctx: Any) -> dict[str, int]:
    """Cron job: settle VNPay payment intents still pending after expiry (querydr)."""
    from schoolhub.payments.reconcile import reconcile_all

    return await reconcile_all()


async def reconciliation_report(ctx: Any) -> dict[str, int]:
    """Cron job: yesterday's (Vietnam time) VNPay reconciliation report of every school."""
    from schoolhub.payments.reconciliation_report import run_all_schools

    return await run_all_schools()


async def sync_live_attendance(ctx: Any) -> int:
    """Cron job: end live class sessions left open and write their attendance."""
    from schoolhub.realtime.live_attendance import sync_pending_sessions

    return await sync_pending_sessions()


def make_worker(queue: Queue, concurrency: int = 10) -> Worker[Any]:
    from saq import CronJob

    worker = Worker(
        queue,
        functions=[
            dispatch_outbox,
            reconcile_payments,
            reconciliation_report,
            sync_live_attendance,
        ],
        concurrency=concurrency,
        shutdown_grace_period_s=10,
        # Every 5 minutes; the unique cron key gives one run per tick across all workers.
        cron_jobs=[
            CronJob(reconcile_payments, cron="*/5 * * * *", unique=True, timeout=240),
            CronJob(sync_live_attendance, cron="*/10 * * * *", unique=True, timeout=240),
            # 18:30 UTC = 01:30 in Vietnam, after the 5-minute reconciler settled the previous day.
            CronJob(reconciliation_report, cron="30 18 * * *", unique=True, timeout=1800),
        ],
    )
    # SAQ installs SIGINT/SIGTERM handlers by default, which would steal them from uvicorn (or from
    # `schoolhub worker`); the owning process handles signals and calls worker.stop() itself.
    worker.SIGNALS = []
    return worker
