"""Outbox handlers of the realtime domain (registered with ``platform.events.handles``)."""

from schoolhub.realtime.live_attendance import sync_pending_sessions

__all__ = ["sync_pending_sessions"]
