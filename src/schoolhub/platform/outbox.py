"""Transactional outbox: durable work written in the same transaction as the change it follows.

``emit()`` inserts a row; the relay (``platform.jobs``) moves pending rows onto the SAQ queue with the
outbox id as the job key, and a worker runs the registered handlers in the row's tenant scope, marking
the row processed in the same transaction as the handlers' own writes. If Redis or the worker is down,
rows simply stay pending; nothing is lost and nothing runs twice against the database.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from schoolhub.platform import db


async def emit(topic: str, payload: dict[str, Any], school_id: UUID | None) -> int:
    """Record ``topic`` for later processing; must run inside the transaction of the change."""
    tx = db.current()
    if tx is None:
        raise db.ScopeError("outbox.emit() must run inside the transaction of the change")
    if tx.scope.school_id != school_id:
        raise db.ScopeError("an outbox event belongs to the school of its transaction")
    row = await db.fetchrow(
        "INSERT INTO platform_outbox (school_id, topic, payload) VALUES ($1, $2, $3::jsonb) "
        "RETURNING id",
        school_id,
        topic,
        json.dumps(payload, default=str),
    )
    assert row is not None

    async def _wake() -> None:
        from schoolhub.platform.jobs import wake_relay

        wake_relay()

    db.after_commit(_wake)
    return int(row["id"])
