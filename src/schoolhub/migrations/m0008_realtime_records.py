"""Live classes, records: when a class session's attendance was written to workspace attendance.

``realtime_room.attendance_synced_at`` is set once the session's presence has been turned into
attendance records (``schoolhub.realtime.live_attendance``); ended rooms without it are picked up
again by the worker's ``sync_pending_sessions``.
"""

TENANT_TABLES: list[str] = []

SQL = r"""
ALTER TABLE realtime_room ADD COLUMN attendance_synced_at timestamptz;
CREATE INDEX ON realtime_room (school_id, status, attendance_synced_at);
"""
