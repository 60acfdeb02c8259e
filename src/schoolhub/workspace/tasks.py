"""Outbox handlers of the workspace domain (registered with ``platform.events.handles``)."""
