"""Outbox handlers (attendance, leave requests, monthly reports)."""
