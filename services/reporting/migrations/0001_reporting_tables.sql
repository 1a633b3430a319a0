-- The reporting contract (schema reporting): current-state tables the sink upserts and history tables it appends to.
-- Other tools and the checks read these names; add columns freely, never rename.
--
-- Every topic is consumed independently, so rows must end the same whatever order the topics arrive in:
-- * Each group of columns written by one kind of event carries its own version (the event's occurredAt, e.g.
--   profile_at); an upsert overwrites that group only when its version is newer or equal (equal: the later record
--   of the same partition wins), and never touches the other groups.
-- * Columns set once (identity, placed_at, issue dates) are filled with COALESCE: the first value stays.
-- * Invoice balances are not accumulated: open_minor, settled_at and days_late are recomputed from the stored
--   allocations and adjustments (reporting.refresh_invoices), so a payment that arrives before its invoice ends in
--   the same row.
-- * History tables have the event id (or the business id of the fact) as primary key and are written with
--   ON CONFLICT DO NOTHING, so a redelivered batch changes nothing.

CREATE SCHEMA reporting;

CREATE TABLE reporting.customers (
  customer_id           text PRIMARY KEY,
  currency              text,
  -- From the customer's credit profile (o2c.customers.v1).
  credit_limit_minor    bigint,
  temp_limit_minor      bigint,
  temp_limit_expires_at timestamptz,
  risk_class            text,
  payment_terms_days    integer,
  manual_hold           boolean,
  parent_customer_id    text,
  profile_at            timestamptz,
  -- From the latest exposure snapshot (o2c.exposure.v1).
  exposure_minor        bigint,
  open_orders_minor     bigint,
  open_ar_minor         bigint,
  unapplied_cash_minor  bigint,
  held_orders_minor     bigint,
  held_order_count      integer,
  effective_limit_minor bigint,
  utilization           numeric(10, 4), -- exposure / effective limit, 1 = at the limit
  on_hold               boolean,
  exposure_at           timestamptz,
  -- From the latest CustomerDelinquencyChanged (o2c.delinquency.v1).
  delinquency_status    text,
  worst_dpd             integer,
  overdue_minor         bigint,
  delinquency_at        timestamptz,
  updated_at            timestamptz GENERATED ALWAYS AS (greatest(profile_at, exposure_at, delinquency_at)) STORED
);

CREATE TABLE reporting.orders (
  order_id     text PRIMARY KEY,
  customer_id  text NOT NULL,
  currency     text,
  -- From o2c.orders.v1: placed, amended (amount_at versions the amount), cancelled.
  amount_minor bigint,
  amount_at    timestamptz,
  placed_at    timestamptz,
  cancelled_at timestamptz,
  -- From o2c.credit-holds.v1: the order's latest credit decision, versioned by decision_at.
  decision     text CHECK (decision IN ('APPROVED', 'HELD', 'RELEASED', 'REJECTED')),
  reasons      text[],      -- hold reasons; kept after a release to say why it was held
  decided_at   timestamptz, -- when it was approved or held
  released_at  timestamptz,
  rejected_at  timestamptz,
  held_ms      bigint,      -- event time from hold to release or rejection
  decision_at  timestamptz
);
CREATE INDEX orders_customer_idx ON reporting.orders (customer_id);
CREATE INDEX orders_decision_idx ON reporting.orders (decision) WHERE decision = 'HELD';

CREATE TABLE reporting.invoices (
  invoice_id   text PRIMARY KEY,
  customer_id  text NOT NULL,
  order_id     text,
  currency     text,
  amount_minor bigint,  -- as issued; credit and debit notes are in invoice_adjustments
  open_minor   bigint,  -- derived by refresh_invoices
  issued_at    date,
  due_at       date,
  settled_at   date,    -- derived: the day the balance reached zero, NULL while open
  days_late    integer, -- derived: max(0, settled_at - due_at)
  disputed     boolean NOT NULL DEFAULT false, -- ever disputed (as the ledger exports say it)
  in_dispute   boolean NOT NULL DEFAULT false, -- a dispute is open now
  voided_at    date,
  void_reason  text
);
CREATE INDEX invoices_customer_idx ON reporting.invoices (customer_id);
CREATE INDEX invoices_issued_idx ON reporting.invoices (issued_at);
CREATE INDEX invoices_settled_idx ON reporting.invoices (settled_at);

-- Credit (negative) and debit (positive) notes, dated by the event's day.
CREATE TABLE reporting.invoice_adjustments (
  adjustment_id text PRIMARY KEY,
  event_id      uuid NOT NULL,
  invoice_id    text NOT NULL,
  customer_id   text NOT NULL,
  amount_minor  bigint NOT NULL,
  currency      text NOT NULL,
  adjusted_on   date NOT NULL,
  reason        text,
  occurred_at   timestamptz NOT NULL
);
CREATE INDEX invoice_adjustments_invoice_idx ON reporting.invoice_adjustments (invoice_id);

CREATE TABLE reporting.invoice_disputes (
  dispute_id  text PRIMARY KEY,
  invoice_id  text NOT NULL,
  customer_id text NOT NULL,
  opened_at   timestamptz,
  reason      text,
  resolved_at timestamptz,
  outcome     text
);
CREATE INDEX invoice_disputes_invoice_idx ON reporting.invoice_disputes (invoice_id);

-- One row per payment event: PaymentReceived, PaymentReversed (business_date: received date, or the reversal's day).
CREATE TABLE reporting.payments (
  event_id        uuid PRIMARY KEY,
  payment_id      text NOT NULL,
  customer_id     text NOT NULL,
  event_type      text NOT NULL,
  amount_minor    bigint,
  currency        text,
  allocated_minor bigint,
  business_date   date NOT NULL,
  reason          text,
  occurred_at     timestamptz NOT NULL
);
CREATE INDEX payments_payment_idx ON reporting.payments (payment_id);
CREATE INDEX payments_date_idx ON reporting.payments (business_date);

-- The allocation lines of received payments; keyed by line so a redelivered payment allocates once.
CREATE TABLE reporting.payment_allocations (
  payment_id   text NOT NULL,
  line         integer NOT NULL,
  invoice_id   text NOT NULL,
  customer_id  text NOT NULL,
  amount_minor bigint NOT NULL,
  received_on  date NOT NULL,
  PRIMARY KEY (payment_id, line)
);
CREATE INDEX payment_allocations_invoice_idx ON reporting.payment_allocations (invoice_id);

-- One row per o2c.credit-holds.v1 event (order decisions, customer holds, utilisation warnings).
CREATE TABLE reporting.credit_events (
  event_id              uuid PRIMARY KEY,
  customer_id           text NOT NULL,
  event_type            text NOT NULL,
  occurred_at           timestamptz NOT NULL,
  order_id              text,
  amount_minor          bigint,
  currency              text,
  reasons               text[],
  release_type          text,
  held_ms               bigint,
  trigger_type          text,
  actor                 text,
  reason                text,
  exposure_minor        bigint,
  effective_limit_minor bigint,
  shortfall_minor       bigint,
  held_orders_minor     bigint,
  utilization_bp        integer,
  band_percent          integer
);
CREATE INDEX credit_events_time_idx ON reporting.credit_events (occurred_at);
CREATE INDEX credit_events_order_idx ON reporting.credit_events (order_id);

-- One row per o2c.delinquency.v1 event; from_state/to_state are aging buckets or customer statuses.
CREATE TABLE reporting.delinquency_events (
  event_id      uuid PRIMARY KEY,
  customer_id   text NOT NULL,
  event_type    text NOT NULL,
  occurred_at   timestamptz NOT NULL,
  invoice_id    text,
  as_of_date    date,
  days_past_due integer,
  open_minor    bigint,
  currency      text,
  from_state    text,
  to_state      text,
  stage         text,
  cure          text,
  days_late     integer,
  overdue_minor bigint,
  overdue_count integer
);
CREATE INDEX delinquency_events_time_idx ON reporting.delinquency_events (occurred_at);

-- Every exposure snapshot, as a time series.
CREATE TABLE reporting.exposure_history (
  event_id             uuid PRIMARY KEY,
  customer_id          text NOT NULL,
  at                   timestamptz NOT NULL,
  currency             text NOT NULL,
  exposure_minor       bigint NOT NULL,
  limit_minor          bigint NOT NULL, -- the effective limit (credit limit + unexpired temporary limit)
  credit_limit_minor   bigint NOT NULL,
  open_orders_minor    bigint NOT NULL,
  open_ar_minor        bigint NOT NULL,
  unapplied_cash_minor bigint NOT NULL,
  held_orders_minor    bigint NOT NULL,
  utilization          numeric(10, 4) NOT NULL,
  on_hold              boolean NOT NULL
);
CREATE INDEX exposure_history_customer_idx ON reporting.exposure_history (customer_id, at);
CREATE INDEX exposure_history_time_idx ON reporting.exposure_history (at);

-- The sink's consumer position: committed in the same transaction as the rows of the batch, so a crash or a
-- redelivery can never apply a batch without its offsets or the other way round.
CREATE TABLE reporting.applied_offsets (
  consumer_group text    NOT NULL,
  topic          text    NOT NULL,
  partition      integer NOT NULL,
  next_offset    bigint  NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, partition)
);
