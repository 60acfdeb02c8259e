"""Daily reconciliation report per school: what VNPay says (querydr) vs what we recorded.

One run per school and business date (Asia/Ho_Chi_Minh); one item per intent created that day.
Items whose outcome is not ``matched`` stay ``open`` in the accountant's unmatched queue until
resolved with a note. Re-running a date replaces the run's unresolved items, never resolved ones.
The report never moves money: crediting stays with the IPN and the querydr reconcile job.
"""

TENANT_TABLES = ["payments_reconciliation_run", "payments_reconciliation_item"]

SQL = r"""
CREATE TABLE payments_reconciliation_run (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  business_date date NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  total_count integer NOT NULL DEFAULT 0 CHECK (total_count >= 0),
  matched_count integer NOT NULL DEFAULT 0 CHECK (matched_count >= 0),
  unmatched_count integer NOT NULL DEFAULT 0 CHECK (unmatched_count >= 0),
  error_count integer NOT NULL DEFAULT 0 CHECK (error_count >= 0),
  UNIQUE (school_id, id),
  UNIQUE (school_id, business_date)
);

CREATE TABLE payments_reconciliation_item (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES tenants_school(id),
  run_id uuid NOT NULL,
  intent_id uuid NOT NULL,
  txn_ref text NOT NULL,
  our_status text NOT NULL,
  our_amount_vnd bigint NOT NULL,
  vnpay_response_code text NOT NULL,
  vnpay_status text,
  vnpay_amount_vnd bigint,
  vnpay_transaction_no text,
  outcome text NOT NULL CHECK (outcome IN ('matched', 'mismatch_amount', 'missing_at_vnpay',
                                           'paid_at_vnpay_not_recorded', 'status_differs')),
  resolution text NOT NULL DEFAULT 'open' CHECK (resolution IN ('open', 'resolved')),
  resolved_by uuid REFERENCES identity_user(id),
  resolution_note text CHECK (resolution_note IS NULL OR length(resolution_note) <= 2000),
  resolved_at timestamptz,
  checked_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, id),
  UNIQUE (school_id, run_id, intent_id),
  FOREIGN KEY (school_id, run_id) REFERENCES payments_reconciliation_run (school_id, id),
  FOREIGN KEY (school_id, intent_id) REFERENCES payments_intent (school_id, id),
  CHECK (outcome <> 'matched' OR resolution = 'resolved'),
  CHECK ((resolved_by IS NULL) = (resolution_note IS NULL))
);
CREATE INDEX payments_reconciliation_open ON payments_reconciliation_item (school_id, checked_at)
  WHERE resolution = 'open';
"""
