-- The scoring service's assessments (o2c.credit-scores.v1) and review-due events (o2c.credit-reviews.v1): every
-- published score as history, each customer's latest on reporting.customers, and for every invoice the score and
-- probability as they stood when it was issued (from inputs strictly before it). History tables are append-only
-- for the sink (a redelivery is ON CONFLICT DO NOTHING).
CREATE TABLE reporting.credit_scores (
  event_id             uuid PRIMARY KEY,
  customer_id          text NOT NULL,
  occurred_at          timestamptz NOT NULL,
  as_of_date           date NOT NULL,
  score                integer,                -- PAYDEX-style 20..100; NULL with fewer than 3 settled invoices
  late_probability     numeric(6, 4) NOT NULL, -- probability that the next invoice is paid late, 0..1
  risk_class           text NOT NULL,
  factors              jsonb NOT NULL,         -- [{factor, value, contribution}], largest contribution first
  proposed_limit_minor bigint NOT NULL,
  limit_reason         text NOT NULL,
  current_limit_minor  bigint NOT NULL,
  currency             text,
  utilisation          numeric NOT NULL,        -- open receivables / current limit (unbounded: a tiny limit)
  segment              text NOT NULL,
  size_band            text NOT NULL,
  annual_sales_minor   bigint NOT NULL,
  model_version        text NOT NULL
);
CREATE INDEX credit_scores_customer_idx ON reporting.credit_scores (customer_id, occurred_at);
CREATE INDEX credit_scores_date_idx ON reporting.credit_scores (as_of_date);

CREATE TABLE reporting.invoice_risk_at_issue (
  invoice_id       text PRIMARY KEY,
  customer_id      text NOT NULL,
  event_id         uuid NOT NULL,          -- the score event that carried it
  issued_at        timestamptz NOT NULL,   -- the InvoiceIssued's event time
  as_of_date       date NOT NULL,
  score            integer,
  late_probability numeric(6, 4) NOT NULL,
  risk_class       text NOT NULL,
  model_version    text NOT NULL
);
CREATE INDEX invoice_risk_at_issue_customer_idx ON reporting.invoice_risk_at_issue (customer_id);

CREATE TABLE reporting.credit_reviews (
  event_id             uuid PRIMARY KEY,
  customer_id          text NOT NULL,
  occurred_at          timestamptz NOT NULL,
  as_of_date           date NOT NULL,
  reasons              text[] NOT NULL, -- SCORE_DROP, CLASS_WORSENED, HIGH_UTILISATION, LIMIT_NOT_REVIEWED
  score                integer,
  previous_score       integer,
  risk_class           text NOT NULL,
  previous_risk_class  text,
  utilisation          numeric NOT NULL,
  current_limit_minor  bigint NOT NULL,
  proposed_limit_minor bigint NOT NULL,
  currency             text,
  limit_set_date       date
);
CREATE INDEX credit_reviews_customer_idx ON reporting.credit_reviews (customer_id, occurred_at);

-- The customer's latest assessment, versioned by score_at (the score event's time).
ALTER TABLE reporting.customers
  ADD COLUMN score                integer,
  ADD COLUMN late_probability     numeric(6, 4),
  ADD COLUMN scored_risk_class    text,
  ADD COLUMN proposed_limit_minor bigint,
  ADD COLUMN segment              text,
  ADD COLUMN size_band            text,
  ADD COLUMN score_at             timestamptz;

-- The default privileges of 0003 gave the writer UPDATE on every new table; history is insert-only.
REVOKE UPDATE, DELETE, TRUNCATE ON reporting.credit_scores, reporting.invoice_risk_at_issue, reporting.credit_reviews FROM o2c_writer;
