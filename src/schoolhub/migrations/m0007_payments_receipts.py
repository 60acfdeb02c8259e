"""Electronic receipts (biên lai thu tiền điện tử) of successful payments.

One receipt per student covered by a succeeded payment intent (an intent may pay invoices of
several siblings in one school; each child gets their own biên lai, as the renderer prints one
student and the school files them per student).

Numbers are per school and per calendar year (Vietnam time): ``payments_receipt_counter`` holds one
row per school and year, incremented with ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` in the
same transaction that credits the payment. The row lock serialises concurrent credits of one school
until commit, so numbers have no gaps and no duplicates; there is no global sequence.

The PDF is rendered after commit by the ``receipt.issued`` outbox handler, which stores it under
``school/<id>/receipts/...`` and sets ``pdf_key``/``rendered_at``.
"""

TENANT_TABLES = ["payments_receipt_counter", "payments_receipt"]

SQL = r"""
CREATE TABLE payments_receipt_counter (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  year integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
  last_value integer NOT NULL CHECK (last_value BETWEEN 0 AND 999999),
  PRIMARY KEY (school_id, year),
  UNIQUE (school_id, id)
);

CREATE TABLE payments_receipt (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  intent_id uuid NOT NULL,
  student_id uuid NOT NULL,
  payer_user_id uuid NOT NULL REFERENCES identity_user(id),
  payer_name text NOT NULL,
  year integer NOT NULL,
  sequence integer NOT NULL CHECK (sequence BETWEEN 1 AND 999999),
  number text NOT NULL,
  invoice_numbers text NOT NULL,
  lines jsonb NOT NULL,
  total_vnd bigint NOT NULL CHECK (total_vnd >= 0),
  issued_at timestamptz NOT NULL DEFAULT now(),
  pdf_key text,
  rendered_at timestamptz,
  UNIQUE (school_id, id),
  UNIQUE (school_id, year, sequence),
  UNIQUE (school_id, number),
  UNIQUE (school_id, intent_id, student_id),
  FOREIGN KEY (school_id, intent_id) REFERENCES payments_intent (school_id, id),
  FOREIGN KEY (school_id, student_id) REFERENCES workspace_student (school_id, id)
);
CREATE INDEX ON payments_receipt (school_id, student_id, issued_at);
"""
