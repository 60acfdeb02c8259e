"""Outbox handlers of the tenants domain."""

from __future__ import annotations

from schoolhub.platform import pubsub
from schoolhub.platform.events import Event, handles


@handles("membership.granted")
@handles("membership.revoked")
async def announce_membership_change(event: Event) -> None:
    """Tell the school's live clients (staff directory screens) that a membership changed."""
    assert event.school_id is not None
    pubsub.publish_after_commit(
        pubsub.school_channel(event.school_id, "events"),
        {"type": event.topic, **event.payload},
    )
