"""Primary-school (tiểu học) assessment under Thông tư 27/2020 (DOMAIN §1.2).

* ``workspace_primary_assessment``: one subject/activity of one student at one periodic point
  (GK1, CK1 in HK1; GK2, CN in HK2): the level T/H/C, the periodic test score (an integer 0..10,
  only where TT27 has a test for that grade and period: checked by the service) and a comment.
* ``workspace_primary_quality``: the homeroom teacher's level (Tốt / Đạt / Cần cố gắng) of each of
  the 5 qualities and 10 competencies at CK1 and CN.
* ``workspace_primary_year_result``: the homeroom teacher's end-of-year entry (the class's
  recognition of an outstanding result, which the Tiêu biểu award needs, and a general comment).
  The education result and award themselves are computed, never stored.

Locks stay the per-class-and-term ``workspace_grade_lock`` rows of m0002 (a period belongs to its
term). Correction requests become grading-scheme-agnostic: ``scheme`` says which circular the row
belongs to; TT27 rows name the period, the target (``SUBJECT`` = level and test score, ``QUALITY``
= one quality or competency in ``item``, ``YEAR`` = the year entry) and may have no subject.
"""

TENANT_TABLES = [
    "workspace_primary_assessment",
    "workspace_primary_quality",
    "workspace_primary_year_result",
]

SQL = r"""
CREATE TABLE workspace_primary_assessment (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  student_id uuid NOT NULL,
  subject_id uuid NOT NULL,
  term_id uuid NOT NULL,
  period text NOT NULL CHECK (period IN ('GK1', 'CK1', 'GK2', 'CN')),
  level text NOT NULL CHECK (level IN ('T', 'H', 'C')),
  test_score smallint CHECK (test_score BETWEEN 0 AND 10),
  comment text CHECK (comment IS NULL OR length(comment) BETWEEN 1 AND 2000),
  recorded_by uuid NOT NULL REFERENCES identity_user(id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, student_id, subject_id, term_id, period),
  FOREIGN KEY (school_id, student_id) REFERENCES workspace_student (school_id, id),
  FOREIGN KEY (school_id, subject_id) REFERENCES workspace_subject (school_id, id),
  FOREIGN KEY (school_id, term_id) REFERENCES workspace_term (school_id, id)
);
CREATE INDEX ON workspace_primary_assessment (school_id, term_id, period);

CREATE TABLE workspace_primary_quality (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  student_id uuid NOT NULL,
  term_id uuid NOT NULL,
  period text NOT NULL CHECK (period IN ('CK1', 'CN')),
  code text NOT NULL CHECK (code ~ '^[A-Z_]{2,40}$'),
  level text NOT NULL CHECK (level IN ('TOT', 'DAT', 'CAN_CO_GANG')),
  recorded_by uuid NOT NULL REFERENCES identity_user(id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, student_id, term_id, period, code),
  FOREIGN KEY (school_id, student_id) REFERENCES workspace_student (school_id, id),
  FOREIGN KEY (school_id, term_id) REFERENCES workspace_term (school_id, id)
);
CREATE INDEX ON workspace_primary_quality (school_id, term_id, period);

CREATE TABLE workspace_primary_year_result (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  student_id uuid NOT NULL,
  term_id uuid NOT NULL,
  outstanding_recognised boolean NOT NULL DEFAULT false,
  comment text CHECK (comment IS NULL OR length(comment) BETWEEN 1 AND 2000),
  recorded_by uuid NOT NULL REFERENCES identity_user(id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, student_id, term_id),
  FOREIGN KEY (school_id, student_id) REFERENCES workspace_student (school_id, id),
  FOREIGN KEY (school_id, term_id) REFERENCES workspace_term (school_id, id)
);

ALTER TABLE workspace_correction_request
  ADD COLUMN scheme text NOT NULL DEFAULT 'TT22' CHECK (scheme IN ('TT22', 'TT27')),
  ADD COLUMN period text CHECK (period IN ('GK1', 'CK1', 'GK2', 'CN')),
  ADD COLUMN item text CHECK (item IS NULL OR item ~ '^[A-Z_]{2,40}$'),
  ALTER COLUMN subject_id DROP NOT NULL,
  DROP CONSTRAINT workspace_correction_request_kind_check;
ALTER TABLE workspace_correction_request ADD CONSTRAINT workspace_correction_request_target CHECK (
  (scheme = 'TT22' AND kind IN ('TX', 'GK', 'CK') AND subject_id IS NOT NULL AND period IS NULL
   AND item IS NULL)
  OR (scheme = 'TT27' AND period IS NOT NULL AND slot = 1 AND (
    (kind = 'SUBJECT' AND subject_id IS NOT NULL AND item IS NULL)
    OR (kind = 'QUALITY' AND subject_id IS NULL AND item IS NOT NULL AND period IN ('CK1', 'CN'))
    OR (kind = 'YEAR' AND subject_id IS NULL AND item IS NULL AND period = 'CN')))
);
CREATE INDEX ON workspace_correction_request (school_id, scheme, status);
"""
