"""Outbox handlers (official documents (công văn), tasks, file storage)."""
