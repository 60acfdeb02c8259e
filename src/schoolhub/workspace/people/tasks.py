"""Outbox handlers (staff directory, students, guardians, bulk import, search, school profile)."""
