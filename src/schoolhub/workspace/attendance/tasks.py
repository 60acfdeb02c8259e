"""Outbox handlers (attendance, leave requests, monthly reports)."""

from __future__ import annotations

from schoolhub.platform import events, pubsub
from schoolhub.workspace.attendance.service import TOPIC_RECORDED


@events.handles(TOPIC_RECORDED)
async def publish_recorded(event: events.Event) -> None:
    """Tell live clients of the school that a class's attendance changed.

    The school's ``events`` channel reaches every member of the school (other parents included),
    so the live message names the class and the day only: which student was absent stays in the
    outbox payload, for the communication domain to alert that student's own guardians.
    """
    if event.school_id is None:
        return
    pubsub.publish_after_commit(
        pubsub.school_channel(event.school_id, "events"),
        {
            "type": TOPIC_RECORDED,
            "class_id": event.payload.get("class_id"),
            "date": event.payload.get("date"),
            "period": event.payload.get("period"),
        },
    )
