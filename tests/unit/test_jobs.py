"""The worker is wired with the outbox dispatcher and the scheduled jobs."""

from schoolhub.platform import jobs


def test_worker_runs_dispatcher_and_scheduled_jobs() -> None:
    worker = jobs.make_worker(jobs.make_queue("redis://127.0.0.1:1/0"))
    assert set(worker.functions) == {
        "dispatch_outbox",
        "reconcile_payments",
        "reconciliation_report",
        "sync_live_attendance",
    }
    assert [(c.function, c.cron, c.unique) for c in worker.cron_jobs] == [
        (jobs.reconcile_payments, "*/5 * * * *", True),
        (jobs.sync_live_attendance, "*/10 * * * *", True),
        (jobs.reconciliation_report, "30 18 * * *", True),
    ]
    assert worker.SIGNALS == []  # the owning process (uvicorn / `schoolhub worker`) handles signals
