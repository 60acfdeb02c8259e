"""Roles, organisation tree, identity, memberships, outbox, audit, first workspace tables."""

TENANT_TABLES = [
    "tenants_membership",
    "platform_outbox",
    "school_audit_log",
    "workspace_class",
    "workspace_student",
    "workspace_guardian_link",
]

SQL = r"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'schoolhub_app') THEN
    CREATE ROLE schoolhub_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'schoolhub_system') THEN
    CREATE ROLE schoolhub_system NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END $$;

CREATE OR REPLACE FUNCTION app_school_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.school_id', true), '')::uuid $$;
CREATE OR REPLACE FUNCTION app_user_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;

-- Organisation: department -> districts (-> communes after the 2025 reform) -> schools. Data, not code.
CREATE TABLE tenants_org_unit (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('department', 'district', 'commune')),
  code text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9._-]{1,31}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  parent_id uuid REFERENCES tenants_org_unit(id),
  valid_from date NOT NULL DEFAULT current_date,
  valid_to date,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'department') = (parent_id IS NULL))
);
CREATE INDEX ON tenants_org_unit (parent_id);

CREATE TABLE tenants_school (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9._-]{1,31}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  level text NOT NULL CHECK (level IN ('preschool', 'primary', 'lower_secondary',
                                        'upper_secondary', 'multi_level', 'continuing')),
  ownership text NOT NULL CHECK (ownership IN ('public', 'private')),
  org_unit_id uuid NOT NULL REFERENCES tenants_org_unit(id),
  address text NOT NULL DEFAULT '',
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON tenants_school (org_unit_id);

-- Identity is province-wide: one user per person.
CREATE TABLE identity_user (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  login text NOT NULL UNIQUE CHECK (login = lower(login) AND length(login) BETWEEN 3 AND 64),
  full_name text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
  phone text UNIQUE CHECK (phone ~ '^\+84[0-9]{9}$'),
  email text,
  password_hash text,
  firebase_uid text UNIQUE,
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE identity_session (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES identity_user(id),
  method text NOT NULL CHECK (method IN ('password', 'otp', 'firebase')),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  revoked_reason text
);
CREATE INDEX ON identity_session (user_id);

CREATE TABLE identity_refresh_token (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id uuid NOT NULL REFERENCES identity_session(id),
  token_hash bytea NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX ON identity_refresh_token (session_id);

CREATE TABLE tenants_office_membership (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_unit_id uuid NOT NULL REFERENCES tenants_org_unit(id),
  user_id uuid NOT NULL REFERENCES identity_user(id),
  role text NOT NULL CHECK (role IN ('department_admin', 'district_admin')),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE UNIQUE INDEX tenants_office_membership_live
  ON tenants_office_membership (org_unit_id, user_id, role) WHERE revoked_at IS NULL;
CREATE INDEX ON tenants_office_membership (user_id);

CREATE TABLE tenants_membership (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  user_id uuid NOT NULL REFERENCES identity_user(id),
  role text NOT NULL CHECK (role IN ('principal', 'vice_principal', 'teacher', 'accountant',
                                      'staff', 'guardian', 'student')),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  UNIQUE (school_id, id)
);
CREATE UNIQUE INDEX tenants_membership_live
  ON tenants_membership (school_id, user_id, role) WHERE revoked_at IS NULL;
CREATE INDEX ON tenants_membership (user_id);

-- Transactional outbox: written in the same transaction as the change it describes.
CREATE TABLE platform_outbox (
  id bigserial PRIMARY KEY,
  school_id uuid REFERENCES tenants_school(id),
  topic text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  relayed_at timestamptz,
  processed_at timestamptz
);
CREATE INDEX platform_outbox_pending ON platform_outbox (id) WHERE relayed_at IS NULL;

CREATE OR REPLACE FUNCTION platform_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_notify('schoolhub_outbox', ''); RETURN NULL; END $$;
CREATE TRIGGER platform_outbox_notify AFTER INSERT ON platform_outbox
  FOR EACH STATEMENT EXECUTE FUNCTION platform_outbox_notify();

-- Audit: province-level actions (logins, provisioning) and per-school actions (role changes...).
CREATE TABLE platform_audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_user_id uuid,
  action text NOT NULL,
  target_type text NOT NULL DEFAULT '',
  target_id text NOT NULL DEFAULT '',
  org_unit_id uuid,
  ip text NOT NULL DEFAULT '',
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX ON platform_audit_log (actor_user_id, at);

CREATE TABLE school_audit_log (
  id bigserial PRIMARY KEY,
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  at timestamptz NOT NULL DEFAULT now(),
  actor_user_id uuid,
  action text NOT NULL,
  target_type text NOT NULL DEFAULT '',
  target_id text NOT NULL DEFAULT '',
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX ON school_audit_log (school_id, at);

-- First workspace tables (classes, students, guardians); issue "workspace" extends them.
CREATE TABLE workspace_class (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  school_year text NOT NULL CHECK (school_year ~ '^[0-9]{4}-[0-9]{4}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 32),
  grade smallint NOT NULL CHECK (grade BETWEEN 0 AND 12),
  homeroom_teacher_id uuid REFERENCES identity_user(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, school_year, name)
);

CREATE TABLE workspace_student (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  student_code text NOT NULL CHECK (student_code ~ '^[A-Za-z0-9]{1,20}$'),
  full_name text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
  date_of_birth date,
  gender text NOT NULL DEFAULT 'unknown' CHECK (gender IN ('male', 'female', 'unknown')),
  class_id uuid,
  user_id uuid REFERENCES identity_user(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, student_code),
  FOREIGN KEY (school_id, class_id) REFERENCES workspace_class (school_id, id)
);
CREATE INDEX ON workspace_student (school_id, class_id);

CREATE TABLE workspace_guardian_link (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  student_id uuid NOT NULL,
  guardian_user_id uuid NOT NULL REFERENCES identity_user(id),
  relationship text NOT NULL CHECK (relationship IN ('father', 'mother', 'grandparent', 'other')),
  is_primary boolean NOT NULL DEFAULT false,
  custody_restricted boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, student_id, guardian_user_id),
  FOREIGN KEY (school_id, student_id) REFERENCES workspace_student (school_id, id)
);
CREATE INDEX ON workspace_guardian_link (school_id, guardian_user_id);

-- Memberships: a user may read their own memberships across schools (the "me" query); everything
-- else about a membership needs the school's tenant scope.
CREATE POLICY membership_self ON tenants_membership FOR SELECT TO schoolhub_app
  USING (user_id = app_user_id());

-- The outbox relay reads every school's pending rows through two reviewed SECURITY DEFINER
-- functions owned by schoolhub_system; that role alone has this policy.
CREATE POLICY outbox_relay ON platform_outbox TO schoolhub_system USING (true) WITH CHECK (true);
GRANT SELECT, UPDATE ON platform_outbox TO schoolhub_system;

CREATE OR REPLACE FUNCTION platform_outbox_claim(batch integer)
  RETURNS TABLE (id bigint, school_id uuid, topic text, payload jsonb)
  LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT o.id, o.school_id, o.topic, o.payload FROM platform_outbox o
    WHERE o.relayed_at IS NULL ORDER BY o.id LIMIT batch FOR UPDATE SKIP LOCKED
  $$;
CREATE OR REPLACE FUNCTION platform_outbox_mark_relayed(ids bigint[]) RETURNS integer
  LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    WITH done AS (UPDATE platform_outbox SET relayed_at = now()
                  WHERE id = ANY(ids) AND relayed_at IS NULL RETURNING 1)
    SELECT count(*)::integer FROM done
  $$;
CREATE OR REPLACE FUNCTION platform_outbox_pending_count() RETURNS bigint
  LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT count(*) FROM platform_outbox WHERE relayed_at IS NULL $$;
ALTER FUNCTION platform_outbox_claim(integer) OWNER TO schoolhub_system;
ALTER FUNCTION platform_outbox_mark_relayed(bigint[]) OWNER TO schoolhub_system;
ALTER FUNCTION platform_outbox_pending_count() OWNER TO schoolhub_system;
REVOKE ALL ON FUNCTION platform_outbox_claim(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION platform_outbox_mark_relayed(bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION platform_outbox_pending_count() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_outbox_claim(integer) TO schoolhub_app;
GRANT EXECUTE ON FUNCTION platform_outbox_mark_relayed(bigint[]) TO schoolhub_app;
GRANT EXECUTE ON FUNCTION platform_outbox_pending_count() TO schoolhub_app;
"""
