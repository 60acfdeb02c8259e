"""Payments: fee catalogue, plans, exemptions, invoices with immutable lines, VNPay merchants,
payment intents, raw VNPay notifications, refunds.

Money is whole VND in ``bigint`` (never float). Issued invoice lines are never updated or deleted
(a trigger refuses it): a correction is a new ``adjustment`` line.

The IPN arrives without a tenant; ``payments_terminal_school(tmn_code)`` (SECURITY DEFINER, owned by
``schoolhub_system`` like the outbox functions) maps a terminal code to its school and returns
nothing else. Everything after that runs in that school's tenant transaction.
"""

TENANT_TABLES = [
    "payments_merchant",
    "payments_fee_item",
    "payments_fee_plan",
    "payments_exemption",
    "payments_sibling_rule",
    "payments_invoice",
    "payments_invoice_line",
    "payments_intent",
    "payments_intent_invoice",
    "payments_notification",
    "payments_refund",
]

SQL = r"""
CREATE TABLE payments_merchant (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL UNIQUE REFERENCES tenants_school(id),
  tmn_code text NOT NULL UNIQUE CHECK (tmn_code ~ '^[A-Za-z0-9]{8}$'),
  secret_ciphertext bytea NOT NULL,
  key_version integer NOT NULL CHECK (key_version >= 1),
  gateway_url text NOT NULL,
  updated_by uuid REFERENCES identity_user(id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id)
);

CREATE TABLE payments_fee_item (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  amount_vnd bigint NOT NULL CHECK (amount_vnd > 0 AND amount_vnd <= 1000000000),
  mandatory boolean NOT NULL,
  period text NOT NULL CHECK (period IN ('monthly', 'semester', 'year', 'one_off')),
  category text NOT NULL CHECK (category IN ('meals', 'boarding', 'bhyt', 'service', 'club',
                                             'tuition')),
  active boolean NOT NULL DEFAULT true,
  created_by uuid REFERENCES identity_user(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, name)
);

CREATE TABLE payments_fee_plan (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  fee_item_id uuid NOT NULL,
  target text NOT NULL CHECK (target IN ('grade', 'class', 'student')),
  grade smallint CHECK (grade BETWEEN 0 AND 12),
  class_id uuid,
  student_id uuid,
  installments smallint NOT NULL DEFAULT 1 CHECK (installments BETWEEN 1 AND 12),
  active boolean NOT NULL DEFAULT true,
  created_by uuid REFERENCES identity_user(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  CHECK ((target = 'grade') = (grade IS NOT NULL)),
  CHECK ((target = 'class') = (class_id IS NOT NULL)),
  CHECK ((target = 'student') = (student_id IS NOT NULL)),
  FOREIGN KEY (school_id, fee_item_id) REFERENCES payments_fee_item (school_id, id),
  FOREIGN KEY (school_id, class_id) REFERENCES workspace_class (school_id, id),
  FOREIGN KEY (school_id, student_id) REFERENCES workspace_student (school_id, id)
);

-- Miễn giảm: a percent or an amount off one fee item (or every item when fee_item_id is NULL).
CREATE TABLE payments_exemption (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  student_id uuid NOT NULL,
  fee_item_id uuid,
  kind text NOT NULL CHECK (kind IN ('percent', 'amount')),
  value bigint NOT NULL CHECK (value > 0),
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  approved_by uuid NOT NULL REFERENCES identity_user(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  UNIQUE (school_id, id),
  CHECK (kind <> 'percent' OR value <= 100),
  FOREIGN KEY (school_id, student_id) REFERENCES workspace_student (school_id, id),
  FOREIGN KEY (school_id, fee_item_id) REFERENCES payments_fee_item (school_id, id)
);

-- Sibling discount: the n-th and later children (sharing a guardian in the school) get percent off.
CREATE TABLE payments_sibling_rule (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL UNIQUE REFERENCES tenants_school(id),
  from_child smallint NOT NULL CHECK (from_child BETWEEN 2 AND 10),
  percent smallint NOT NULL CHECK (percent BETWEEN 1 AND 100),
  categories text[] NOT NULL DEFAULT '{}',
  updated_by uuid REFERENCES identity_user(id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id)
);

CREATE TABLE payments_invoice (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  student_id uuid NOT NULL,
  number text NOT NULL,
  period text NOT NULL CHECK (period ~ '^[A-Za-z0-9-]{1,32}$'),
  due_date date NOT NULL,
  total_vnd bigint NOT NULL DEFAULT 0 CHECK (total_vnd >= 0),
  paid_vnd bigint NOT NULL DEFAULT 0 CHECK (paid_vnd >= 0),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'void')),
  issued_by uuid REFERENCES identity_user(id),
  issued_at timestamptz NOT NULL DEFAULT now(),
  paid_at timestamptz,
  UNIQUE (school_id, id),
  UNIQUE (school_id, number),
  UNIQUE (school_id, student_id, period),
  FOREIGN KEY (school_id, student_id) REFERENCES workspace_student (school_id, id)
);
CREATE INDEX ON payments_invoice (school_id, status, due_date);

CREATE TABLE payments_invoice_line (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  invoice_id uuid NOT NULL,
  fee_item_id uuid,
  kind text NOT NULL CHECK (kind IN ('charge', 'exemption', 'sibling_discount', 'adjustment')),
  description text NOT NULL CHECK (length(description) BETWEEN 1 AND 300),
  amount_vnd bigint NOT NULL CHECK (amount_vnd <> 0),
  created_by uuid REFERENCES identity_user(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  CHECK (kind = 'charge' OR kind = 'adjustment' OR amount_vnd < 0),
  FOREIGN KEY (school_id, invoice_id) REFERENCES payments_invoice (school_id, id),
  FOREIGN KEY (school_id, fee_item_id) REFERENCES payments_fee_item (school_id, id)
);
CREATE INDEX ON payments_invoice_line (school_id, invoice_id);

CREATE OR REPLACE FUNCTION payments_line_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'invoice lines are immutable; add an adjustment line'; END $$;
CREATE TRIGGER payments_line_immutable BEFORE UPDATE OR DELETE ON payments_invoice_line
  FOR EACH ROW EXECUTE FUNCTION payments_line_immutable();

CREATE TABLE payments_intent (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  guardian_user_id uuid NOT NULL REFERENCES identity_user(id),
  amount_vnd bigint NOT NULL CHECK (amount_vnd > 0),
  currency text NOT NULL DEFAULT 'VND' CHECK (currency = 'VND'),
  status text NOT NULL DEFAULT 'requires_payment'
    CHECK (status IN ('requires_payment', 'processing', 'succeeded', 'failed', 'canceled',
                      'expired')),
  txn_ref text NOT NULL UNIQUE CHECK (txn_ref ~ '^[A-Za-z0-9]{1,100}$'),
  vnp_create_date text NOT NULL CHECK (vnp_create_date ~ '^[0-9]{14}$'),
  expires_at timestamptz NOT NULL,
  vnp_transaction_no text,
  vnp_response_code text,
  refunded_vnd bigint NOT NULL DEFAULT 0 CHECK (refunded_vnd >= 0 AND refunded_vnd <= amount_vnd),
  created_at timestamptz NOT NULL DEFAULT now(),
  settled_at timestamptz,
  UNIQUE (school_id, id)
);
CREATE INDEX ON payments_intent (school_id, guardian_user_id, created_at);
CREATE INDEX payments_intent_pending ON payments_intent (school_id, expires_at)
  WHERE status IN ('requires_payment', 'processing');

CREATE TABLE payments_intent_invoice (
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  intent_id uuid NOT NULL,
  invoice_id uuid NOT NULL,
  amount_vnd bigint NOT NULL CHECK (amount_vnd > 0),
  PRIMARY KEY (school_id, intent_id, invoice_id),
  FOREIGN KEY (school_id, intent_id) REFERENCES payments_intent (school_id, id),
  FOREIGN KEY (school_id, invoice_id) REFERENCES payments_invoice (school_id, id)
);
CREATE INDEX ON payments_intent_invoice (school_id, invoice_id);

-- Every raw VNPay notification, verified or not. school_id is NULL when the terminal is unknown
-- (only a transaction without a tenant can write or see those rows, as with the outbox).
CREATE TABLE payments_notification (
  id bigserial PRIMARY KEY,
  school_id uuid REFERENCES tenants_school(id),
  kind text NOT NULL CHECK (kind IN ('ipn', 'return', 'querydr')),
  received_at timestamptz NOT NULL DEFAULT now(),
  query jsonb NOT NULL,
  signature_ok boolean NOT NULL DEFAULT false,
  intent_id uuid,
  amount_vnd bigint,
  rsp_code text NOT NULL,
  credited boolean NOT NULL DEFAULT false
);
CREATE INDEX ON payments_notification (school_id, intent_id);
CREATE UNIQUE INDEX payments_notification_one_credit ON payments_notification (intent_id)
  WHERE credited;

CREATE TABLE payments_refund (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  intent_id uuid NOT NULL,
  amount_vnd bigint NOT NULL CHECK (amount_vnd > 0),
  full_refund boolean NOT NULL,
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  status text NOT NULL DEFAULT 'requested'
    CHECK (status IN ('requested', 'approved', 'sent', 'succeeded', 'failed', 'rejected')),
  requested_by uuid NOT NULL REFERENCES identity_user(id),
  approved_by uuid REFERENCES identity_user(id),
  vnp_response_code text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  FOREIGN KEY (school_id, intent_id) REFERENCES payments_intent (school_id, id)
);

-- The IPN's only cross-school step: which school owns this terminal code (nothing else leaks).
CREATE POLICY merchant_terminal_lookup ON payments_merchant FOR SELECT TO schoolhub_system
  USING (true);
GRANT SELECT (school_id, tmn_code) ON payments_merchant TO schoolhub_system;
CREATE OR REPLACE FUNCTION payments_terminal_school(code text) RETURNS uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT m.school_id FROM payments_merchant m WHERE m.tmn_code = code $$;
ALTER FUNCTION payments_terminal_school(text) OWNER TO schoolhub_system;
REVOKE ALL ON FUNCTION payments_terminal_school(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION payments_terminal_school(text) TO schoolhub_app;
"""
