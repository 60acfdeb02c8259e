"""Outbox handlers of the payments domain (registered with ``platform.events.handles``)."""

from __future__ import annotations

from uuid import UUID

from schoolhub.payments import receipting
from schoolhub.platform import events


@events.handles(receipting.TOPIC_ISSUED)
async def render_receipt(event: events.Event) -> None:
    """After the credit commits: render the receipt's PDF, store it, mark the row rendered."""
    await receipting.render_issued(UUID(str(event.payload["receipt_id"])))
