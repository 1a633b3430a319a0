-- Who changed a customer's credit profile or took a credit action on an order, what they did, when and why: one row
-- per CustomerCreditProfile (o2c.customers.v1) and per CreditActionTaken (o2c.credit-actions.v1), keyed by the
-- event id. Append-only for the sink: o2c_writer may insert (a redelivery is ON CONFLICT DO NOTHING) but never update
-- or delete an entry.
CREATE TABLE reporting.audit_log (
  event_id              uuid PRIMARY KEY,
  occurred_at           timestamptz NOT NULL, -- when: the event time of the change or action
  customer_id           text NOT NULL,
  event_type            text NOT NULL,        -- CustomerCreditProfile, CreditActionTaken
  action                text NOT NULL,        -- what: PROFILE_CHANGE, or the credit action (RELEASE, REJECT)
  actor                 text NOT NULL,        -- who: the profile's changedBy, the action's actor
  actor_role            text,                 -- their role, once the events carry one
  reason                text,                 -- why: the profile's changeReason, the action's reason
  order_id              text,                 -- the order a credit action decided
  -- The profile as changed to (NULL for credit actions); the customer's previous entry says what it was before.
  currency              text,
  credit_limit_minor    bigint,
  temp_limit_minor      bigint,
  temp_limit_expires_at timestamptz,
  risk_class            text,
  payment_terms_days    integer,
  manual_hold           boolean
);
CREATE INDEX audit_log_customer_idx ON reporting.audit_log (customer_id, occurred_at);
CREATE INDEX audit_log_time_idx ON reporting.audit_log (occurred_at);

-- The default privileges of 0003 gave the writer UPDATE on every new table.
REVOKE UPDATE, DELETE, TRUNCATE ON reporting.audit_log FROM o2c_writer;
