"""School structure, timetable, grades and electronic records (issue "Digital workspace", part A).

School years with their two terms, subjects, rooms, teaching assignments, the weekly timetable, score
entries and teacher comments, grade locks and correction requests. Every table carries ``school_id``
with composite foreign keys, so a row can never point at another school's class, subject or student.
Averages are never stored: they are computed from the recorded scores (``workspace.grading``).
"""

TENANT_TABLES = [
    "workspace_school_year",
    "workspace_term",
    "workspace_subject",
    "workspace_room",
    "workspace_teaching_assignment",
    "workspace_timetable_entry",
    "workspace_score",
    "workspace_subject_comment",
    "workspace_grade_lock",
    "workspace_correction_request",
]

SQL = r"""
-- A school year of one school ("2026-2027"); the periods per day are the school's timetable setting.
CREATE TABLE workspace_school_year (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  name text NOT NULL CHECK (name ~ '^[0-9]{4}-[0-9]{4}$'),
  periods_per_day smallint NOT NULL DEFAULT 10 CHECK (periods_per_day BETWEEN 1 AND 12),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, name)
);

-- The two semesters (HK1, HK2) of a school year, with their dates.
CREATE TABLE workspace_term (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  school_year_id uuid NOT NULL,
  code text NOT NULL CHECK (code IN ('HK1', 'HK2')),
  starts_on date NOT NULL,
  ends_on date NOT NULL,
  CHECK (starts_on < ends_on),
  UNIQUE (school_id, id),
  UNIQUE (school_id, school_year_id, code),
  FOREIGN KEY (school_id, school_year_id) REFERENCES workspace_school_year (school_id, id)
);

CREATE TABLE workspace_subject (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  code text NOT NULL CHECK (code ~ '^[A-Z0-9_]{1,32}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  kind text NOT NULL CHECK (kind IN ('scored', 'comment')),
  periods_per_year smallint NOT NULL CHECK (periods_per_year BETWEEN 0 AND 400),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, code)
);

CREATE TABLE workspace_room (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  capacity smallint CHECK (capacity BETWEEN 1 AND 500),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, name)
);

-- Who teaches which subject to which class in which term (one teacher per class x subject x term).
CREATE TABLE workspace_teaching_assignment (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  class_id uuid NOT NULL,
  subject_id uuid NOT NULL,
  term_id uuid NOT NULL,
  teacher_user_id uuid NOT NULL REFERENCES identity_user(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, class_id, subject_id, term_id),
  FOREIGN KEY (school_id, class_id) REFERENCES workspace_class (school_id, id),
  FOREIGN KEY (school_id, subject_id) REFERENCES workspace_subject (school_id, id),
  FOREIGN KEY (school_id, term_id) REFERENCES workspace_term (school_id, id)
);
CREATE INDEX ON workspace_teaching_assignment (school_id, teacher_user_id, term_id);

-- Weekly timetable (ISO weekday 1-7, period >= 1). Teacher/room clashes are rejected by the service
-- (timetable_rules.find_clashes, under a per-term advisory lock); a class clash is also a constraint.
CREATE TABLE workspace_timetable_entry (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  term_id uuid NOT NULL,
  class_id uuid NOT NULL,
  subject_id uuid NOT NULL,
  teacher_user_id uuid REFERENCES identity_user(id),
  room_id uuid,
  weekday smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  period smallint NOT NULL CHECK (period BETWEEN 1 AND 12),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, term_id, class_id, weekday, period),
  FOREIGN KEY (school_id, term_id) REFERENCES workspace_term (school_id, id),
  FOREIGN KEY (school_id, class_id) REFERENCES workspace_class (school_id, id),
  FOREIGN KEY (school_id, subject_id) REFERENCES workspace_subject (school_id, id),
  FOREIGN KEY (school_id, room_id) REFERENCES workspace_room (school_id, id)
);
CREATE INDEX ON workspace_timetable_entry (school_id, term_id, teacher_user_id);

-- One recorded assessment: TX (regular, slot 1..n), GK (mid-term), CK (end-term). Scored subjects
-- store ``score`` (0-10, one decimal); comment subjects store ``rating`` (Đạt / Chưa đạt).
CREATE TABLE workspace_score (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  student_id uuid NOT NULL,
  subject_id uuid NOT NULL,
  term_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('TX', 'GK', 'CK')),
  slot smallint NOT NULL CHECK (slot BETWEEN 1 AND 8),
  score numeric(3, 1) CHECK (score BETWEEN 0 AND 10),
  rating text CHECK (rating IN ('DAT', 'CHUA_DAT')),
  recorded_by uuid NOT NULL REFERENCES identity_user(id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((score IS NULL) <> (rating IS NULL)),
  CHECK (kind = 'TX' OR slot = 1),
  UNIQUE (school_id, id),
  UNIQUE (school_id, student_id, subject_id, term_id, kind, slot),
  FOREIGN KEY (school_id, student_id) REFERENCES workspace_student (school_id, id),
  FOREIGN KEY (school_id, subject_id) REFERENCES workspace_subject (school_id, id),
  FOREIGN KEY (school_id, term_id) REFERENCES workspace_term (school_id, id)
);
CREATE INDEX ON workspace_score (school_id, term_id, subject_id);

CREATE TABLE workspace_subject_comment (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  student_id uuid NOT NULL,
  subject_id uuid NOT NULL,
  term_id uuid NOT NULL,
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
  recorded_by uuid NOT NULL REFERENCES identity_user(id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, student_id, subject_id, term_id),
  FOREIGN KEY (school_id, student_id) REFERENCES workspace_student (school_id, id),
  FOREIGN KEY (school_id, subject_id) REFERENCES workspace_subject (school_id, id),
  FOREIGN KEY (school_id, term_id) REFERENCES workspace_term (school_id, id)
);

-- The principal locks a class's grades for a term; later changes go through correction requests.
CREATE TABLE workspace_grade_lock (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  class_id uuid NOT NULL,
  term_id uuid NOT NULL,
  locked_by uuid NOT NULL REFERENCES identity_user(id),
  locked_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, class_id, term_id),
  FOREIGN KEY (school_id, class_id) REFERENCES workspace_class (school_id, id),
  FOREIGN KEY (school_id, term_id) REFERENCES workspace_term (school_id, id)
);

CREATE TABLE workspace_correction_request (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  student_id uuid NOT NULL,
  subject_id uuid NOT NULL,
  term_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('TX', 'GK', 'CK')),
  slot smallint NOT NULL CHECK (slot BETWEEN 1 AND 8),
  old_value text,
  new_value text NOT NULL,
  reason text NOT NULL CHECK (length(reason) BETWEEN 5 AND 1000),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'rejected')),
  requested_by uuid NOT NULL REFERENCES identity_user(id),
  requested_at timestamptz NOT NULL DEFAULT now(),
  decided_by uuid REFERENCES identity_user(id),
  decided_at timestamptz,
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, student_id) REFERENCES workspace_student (school_id, id),
  FOREIGN KEY (school_id, subject_id) REFERENCES workspace_subject (school_id, id),
  FOREIGN KEY (school_id, term_id) REFERENCES workspace_term (school_id, id)
);
CREATE INDEX ON workspace_correction_request (school_id, status);
"""
