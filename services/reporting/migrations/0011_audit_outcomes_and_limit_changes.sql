-- The audit log says what became of every credit action and what every profile change changed (issue 13):
-- - credit actions: the request as the actor sent it (CreditActionTaken, outcome REQUESTED, from o2c.credit-actions.v1)
--   and what services/exposure made of it (from o2c.credit-holds.v1): ACCEPTED (OrderCreditReleased MANUAL,
--   OrderCreditRejected) or REFUSED (CreditActionRefused, with the refusal and the authority it lacked); an outcome
--   row's causation_id is the request's event_id.
-- - profile changes from the non-compacted o2c.customer-changes.v1 (CustomerProfileChanged): the profile after in the
--   0008 columns, before in the previous_* ones (NULL for a first profile); action LIMIT_CHANGE when the credit limit
--   or the temporary limit changed, else PROFILE_CHANGE.
-- Still append-only for the writer: 0008 revoked UPDATE, DELETE and TRUNCATE; new columns change nothing to that.
ALTER TABLE reporting.audit_log
  ADD COLUMN outcome                        text,   -- REQUESTED, ACCEPTED, REFUSED; NULL for profile rows
  ADD COLUMN causation_id                   text,   -- the credit action an outcome is about; the profile event a change is
  ADD COLUMN refusal                        text,   -- ROLE_NOT_PERMITTED, BEYOND_AUTHORITY
  ADD COLUMN over_limit_minor               bigint, -- how far over its limit the release would have left the customer
  ADD COLUMN authority_limit_minor          bigint, -- how far over the limit the role may release
  ADD COLUMN shortfall_minor                bigint, -- the authority missing
  ADD COLUMN previous_currency              text,
  ADD COLUMN previous_credit_limit_minor    bigint,
  ADD COLUMN previous_temp_limit_minor      bigint,
  ADD COLUMN previous_temp_limit_expires_at timestamptz,
  ADD COLUMN previous_risk_class            text,
  ADD COLUMN previous_payment_terms_days    integer,
  ADD COLUMN previous_manual_hold           boolean;

UPDATE reporting.audit_log SET outcome = 'REQUESTED' WHERE event_type = 'CreditActionTaken';

CREATE INDEX audit_log_causation_idx ON reporting.audit_log (causation_id) WHERE causation_id IS NOT NULL;
