"""Attendance (records, change history, leave requests), official documents and tasks, office
documents sent to many schools (one delivery row per school)."""

TENANT_TABLES = [
    "workspace_attendance_record",
    "workspace_attendance_change",
    "workspace_leave_request",
    "workspace_document",
    "workspace_document_task",
    "workspace_document_delivery",
]

SQL = r"""
-- One row per student, day and period (period 0 = the whole day's session, "buổi").
CREATE TABLE workspace_attendance_record (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  class_id uuid NOT NULL,
  student_id uuid NOT NULL,
  day date NOT NULL,
  period smallint NOT NULL DEFAULT 0 CHECK (period BETWEEN 0 AND 15),
  status text NOT NULL CHECK (status IN ('present', 'absent_excused', 'absent_unexcused', 'late')),
  note text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
  recorded_by uuid NOT NULL REFERENCES identity_user(id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES identity_user(id),
  updated_at timestamptz,
  UNIQUE (school_id, id),
  UNIQUE (school_id, student_id, day, period),
  FOREIGN KEY (school_id, class_id) REFERENCES workspace_class (school_id, id),
  FOREIGN KEY (school_id, student_id) REFERENCES workspace_student (school_id, id)
);
CREATE INDEX ON workspace_attendance_record (school_id, class_id, day);

-- Who changed what: every status change of an existing record (re-submission, approved leave).
CREATE TABLE workspace_attendance_change (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  record_id uuid NOT NULL,
  changed_by uuid NOT NULL REFERENCES identity_user(id),
  old_status text NOT NULL,
  new_status text NOT NULL,
  reason text NOT NULL DEFAULT '',
  changed_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, record_id) REFERENCES workspace_attendance_record (school_id, id)
);
CREATE INDEX ON workspace_attendance_change (school_id, record_id);

CREATE TABLE workspace_leave_request (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  student_id uuid NOT NULL,
  requested_by uuid NOT NULL REFERENCES identity_user(id),
  from_day date NOT NULL,
  to_day date NOT NULL,
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  decided_by uuid REFERENCES identity_user(id),
  decided_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (to_day >= from_day AND to_day - from_day <= 30),
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, student_id) REFERENCES workspace_student (school_id, id)
);
CREATE INDEX ON workspace_leave_request (school_id, student_id, from_day);

-- Documents owned by an office (department or district): province-wide table, no school data.
CREATE TABLE office_document (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_unit_id uuid NOT NULL REFERENCES tenants_org_unit(id),
  number text NOT NULL CHECK (length(number) BETWEEN 1 AND 64),
  issued_on date NOT NULL,
  sender text NOT NULL CHECK (length(sender) BETWEEN 1 AND 200),
  subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
  due_on date,
  attachments jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_by uuid NOT NULL REFERENCES identity_user(id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON office_document (org_unit_id, created_at);

-- A school's own documents: outgoing, incoming (paper/e-mail), or registered from a delivery.
CREATE TABLE workspace_document (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  direction text NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
  number text NOT NULL CHECK (length(number) BETWEEN 1 AND 64),
  issued_on date NOT NULL,
  sender text NOT NULL CHECK (length(sender) BETWEEN 1 AND 200),
  subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
  due_on date,
  attachments jsonb NOT NULL DEFAULT '[]'::jsonb,
  office_document_id uuid REFERENCES office_document(id),
  created_by uuid NOT NULL REFERENCES identity_user(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, office_document_id)
);
CREATE INDEX ON workspace_document (school_id, created_at);

CREATE TABLE workspace_document_task (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  document_id uuid NOT NULL,
  assignee_id uuid NOT NULL REFERENCES identity_user(id),
  assigned_by uuid NOT NULL REFERENCES identity_user(id),
  note text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
  status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'done')),
  due_on date,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  done_at timestamptz,
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, document_id) REFERENCES workspace_document (school_id, id)
);
CREATE INDEX ON workspace_document_task (school_id, assignee_id);

-- One delivery per (office document, school). The school reads and updates it in its own tenant
-- scope (tenant_isolation). The sending office reads receipts (read/answered, nothing else exists
-- on this row) through office_sender_read: no school in scope, and the caller holds a live
-- membership of the document's office. It can insert only in the same office scope.
CREATE TABLE workspace_document_delivery (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  office_document_id uuid NOT NULL REFERENCES office_document(id),
  delivered_at timestamptz NOT NULL DEFAULT now(),
  read_at timestamptz,
  read_by uuid REFERENCES identity_user(id),
  answered_at timestamptz,
  answered_by uuid REFERENCES identity_user(id),
  UNIQUE (school_id, id),
  UNIQUE (office_document_id, school_id)
);
CREATE INDEX ON workspace_document_delivery (school_id, delivered_at);

CREATE OR REPLACE FUNCTION office_document_sender_is_caller(doc uuid) RETURNS boolean
  LANGUAGE sql STABLE
  AS $$ SELECT app_school_id() IS NULL AND EXISTS (
          SELECT 1 FROM office_document d JOIN tenants_office_membership m
            ON m.org_unit_id = d.org_unit_id AND m.revoked_at IS NULL
          WHERE d.id = doc AND m.user_id = app_user_id()) $$;

CREATE POLICY office_sender_read ON workspace_document_delivery FOR SELECT TO schoolhub_app
  USING (office_document_sender_is_caller(office_document_id));
CREATE POLICY office_sender_insert ON workspace_document_delivery FOR INSERT TO schoolhub_app
  WITH CHECK (office_document_sender_is_caller(office_document_id));
"""
