"""Outbox handlers of the realtime domain (registered with ``platform.events.handles``)."""
