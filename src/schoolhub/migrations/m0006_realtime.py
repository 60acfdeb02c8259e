"""Live rooms: class sessions (school tenant tables) and office meetings (province tables).

School rooms (``realtime_room``) are ordinary tenant tables: ``school_id`` + forced RLS, composite
foreign keys to the class. Their participants (one row per user and room, with the *epoch* that
join tokens carry), presence intervals (join/leave times) and moderation log follow the same rule.

Office meetings keep RLS intact by never mixing schools in one row:

* ``realtime_meeting`` has no ``school_id``: it is owned by an org unit (the department or a
  district) and visible province-wide like the organisation tree (it holds a title and times only).
* who may attend is stored per invitee: ``realtime_meeting_office_invite`` (an org unit; its office
  members attend) and ``realtime_meeting_school_invite`` — a *tenant* table (school_id + RLS),
  written by the owning office in the invited school's own tenant transaction (one per school), and
  read by a school member in that school's scope. A school therefore sees exactly its own
  invitations, never the list of other invited schools.
* meeting participants, presence and moderation log are keyed by meeting and user (no school
  data, no ``school_id``): they live in ``db.system()`` scope like the meeting itself.
* The SFU room id of a meeting is ``"office-<org_unit_id>:<meeting_id>"``, its join tokens carry the
  office (``off``) instead of a school (``sch``).
"""

TENANT_TABLES = [
    "realtime_room",
    "realtime_participant",
    "realtime_presence",
    "realtime_moderation_log",
    "realtime_meeting_school_invite",
]

SQL = r"""
CREATE TABLE realtime_room (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  kind text NOT NULL DEFAULT 'class_session' CHECK (kind IN ('class_session')),
  class_id uuid NOT NULL,
  timetable_slot_id uuid,  -- optional reference into the timetable (no FK: separate module)
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  host_user_id uuid NOT NULL REFERENCES identity_user(id),
  max_participants integer NOT NULL DEFAULT 50 CHECK (max_participants BETWEEN 2 AND 100),
  locked boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'ended')),
  created_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, class_id) REFERENCES workspace_class (school_id, id)
);
CREATE INDEX ON realtime_room (school_id, class_id, created_at);

CREATE TABLE realtime_participant (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  room_id uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES identity_user(id),
  role text NOT NULL CHECK (role IN ('host', 'co_host', 'presenter', 'participant', 'viewer')),
  state text NOT NULL CHECK (state IN ('lobby', 'admitted', 'denied', 'removed')),
  epoch integer NOT NULL DEFAULT 1,
  hand_raised boolean NOT NULL DEFAULT false,
  audio_muted boolean NOT NULL DEFAULT false,
  video_stopped boolean NOT NULL DEFAULT false,
  online boolean NOT NULL DEFAULT false,
  published jsonb NOT NULL DEFAULT '[]'::jsonb,  -- [{"track_id", "kind", "source"}]
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, room_id, user_id),
  FOREIGN KEY (school_id, room_id) REFERENCES realtime_room (school_id, id)
);

CREATE TABLE realtime_presence (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  participant_id uuid NOT NULL,
  joined_at timestamptz NOT NULL DEFAULT now(),
  left_at timestamptz,
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, participant_id) REFERENCES realtime_participant (school_id, id)
);
CREATE INDEX ON realtime_presence (school_id, participant_id);

CREATE TABLE realtime_moderation_log (
  id bigserial PRIMARY KEY,
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  room_id uuid NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  actor_user_id uuid REFERENCES identity_user(id),
  action text NOT NULL,
  target_user_id uuid REFERENCES identity_user(id),
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  FOREIGN KEY (school_id, room_id) REFERENCES realtime_room (school_id, id)
);
CREATE INDEX ON realtime_moderation_log (school_id, room_id, at);

-- Office meetings (see the module docstring for the RLS design).
CREATE TABLE realtime_meeting (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_unit_id uuid NOT NULL REFERENCES tenants_org_unit(id),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  host_user_id uuid NOT NULL REFERENCES identity_user(id),
  max_participants integer NOT NULL DEFAULT 50 CHECK (max_participants BETWEEN 2 AND 100),
  locked boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'ended')),
  created_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz
);
CREATE INDEX ON realtime_meeting (org_unit_id, created_at);

CREATE TABLE realtime_meeting_office_invite (
  meeting_id uuid NOT NULL REFERENCES realtime_meeting(id),
  org_unit_id uuid NOT NULL REFERENCES tenants_org_unit(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (meeting_id, org_unit_id)
);

CREATE TABLE realtime_meeting_school_invite (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  meeting_id uuid NOT NULL REFERENCES realtime_meeting(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, meeting_id)
);

CREATE TABLE realtime_meeting_participant (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  room_id uuid NOT NULL REFERENCES realtime_meeting(id),
  user_id uuid NOT NULL REFERENCES identity_user(id),
  role text NOT NULL CHECK (role IN ('host', 'co_host', 'presenter', 'participant', 'viewer')),
  state text NOT NULL CHECK (state IN ('lobby', 'admitted', 'denied', 'removed')),
  epoch integer NOT NULL DEFAULT 1,
  hand_raised boolean NOT NULL DEFAULT false,
  audio_muted boolean NOT NULL DEFAULT false,
  video_stopped boolean NOT NULL DEFAULT false,
  online boolean NOT NULL DEFAULT false,
  published jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (room_id, user_id)
);

CREATE TABLE realtime_meeting_presence (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  participant_id uuid NOT NULL REFERENCES realtime_meeting_participant(id),
  joined_at timestamptz NOT NULL DEFAULT now(),
  left_at timestamptz
);
CREATE INDEX ON realtime_meeting_presence (participant_id);

CREATE TABLE realtime_meeting_moderation_log (
  id bigserial PRIMARY KEY,
  room_id uuid NOT NULL REFERENCES realtime_meeting(id),
  at timestamptz NOT NULL DEFAULT now(),
  actor_user_id uuid REFERENCES identity_user(id),
  action text NOT NULL,
  target_user_id uuid REFERENCES identity_user(id),
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
"""
