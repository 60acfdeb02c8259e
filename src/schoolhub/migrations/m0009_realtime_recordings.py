"""Live classes, recordings of class sessions (issue "Live classes" item 7).

One row per recording of a school's room: who started it, who gave the consent and when (class
sessions require it), when it started/stopped, and the storage keys and sizes of its segments
(stream-copied WebM/Matroska files uploaded through ``schoolhub.platform.storage`` after they are
closed). Office meetings cannot be recorded for now (``RECORDING_NOT_SUPPORTED``): no table here.
"""

TENANT_TABLES = ["realtime_recording"]

SQL = r"""
CREATE TABLE realtime_recording (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  room_id uuid NOT NULL,
  started_by uuid NOT NULL REFERENCES identity_user(id),
  consent_given_by uuid REFERENCES identity_user(id),
  consent_at timestamptz,
  started_at timestamptz NOT NULL DEFAULT now(),
  stopped_at timestamptz,
  status text NOT NULL DEFAULT 'recording'
    CHECK (status IN ('recording', 'stored', 'failed')),
  storage_keys text[] NOT NULL DEFAULT '{}',
  sizes bigint[] NOT NULL DEFAULT '{}',
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, room_id) REFERENCES realtime_room (school_id, id),
  CHECK ((consent_given_by IS NULL) = (consent_at IS NULL))
);
CREATE INDEX ON realtime_recording (school_id, room_id, started_at);
CREATE UNIQUE INDEX realtime_recording_one_running
  ON realtime_recording (school_id, room_id) WHERE status = 'recording';
"""
