"""Live classes, recordings of office meetings (issue "Live classes" item 7).

``realtime_meeting_recording`` is the office-meeting twin of ``realtime_recording`` (m0009): one
row per recording of a meeting — who started it, who gave the consent and when (required for
meetings too: recording people needs a stated legal basis, Nghị định 13/2023), when it
started/stopped, status, and the storage keys and sizes of its segments. Like the other
``realtime_meeting_*`` tables (m0006) it has no ``school_id``: it is keyed by the meeting, lives in
``db.system()`` scope and is not a tenant table (no RLS); the runner's grants cover it. Its files
are stored under the owning office: ``office/<org_unit_id>/recordings/<meeting_id>/``.
"""

TENANT_TABLES: list[str] = []

SQL = r"""
CREATE TABLE realtime_meeting_recording (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  room_id uuid NOT NULL REFERENCES realtime_meeting(id),
  started_by uuid NOT NULL REFERENCES identity_user(id),
  consent_given_by uuid REFERENCES identity_user(id),
  consent_at timestamptz,
  started_at timestamptz NOT NULL DEFAULT now(),
  stopped_at timestamptz,
  status text NOT NULL DEFAULT 'recording'
    CHECK (status IN ('recording', 'stored', 'failed')),
  storage_keys text[] NOT NULL DEFAULT '{}',
  sizes bigint[] NOT NULL DEFAULT '{}',
  CHECK ((consent_given_by IS NULL) = (consent_at IS NULL))
);
CREATE INDEX ON realtime_meeting_recording (room_id, started_at);
CREATE UNIQUE INDEX realtime_meeting_recording_one_running
  ON realtime_meeting_recording (room_id) WHERE status = 'recording';
"""
