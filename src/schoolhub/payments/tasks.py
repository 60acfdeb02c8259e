"""Outbox handlers of the payments domain (registered with ``platform.events.handles``)."""
