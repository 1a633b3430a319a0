-- Promises to pay (issue 17): what collectors recorded (o2c.collections.v1, PromiseToPay: who, which role) and how
-- each ended (o2c.promise-outcomes.v1: PromiseKept, PromiseBroken, judged by services/notifications). One row per
-- customer and promise; the record and its outcome come from two topics in either order, so every column but the key
-- is nullable and each side fills its own (the first value stays: a promise id recorded again changes nothing).
CREATE TABLE reporting.promises_to_pay (
  customer_id       text NOT NULL,
  promise_id        text NOT NULL,
  amount_minor      bigint,
  currency          text,
  promised_date     date,
  recorded_by       text,
  recorded_by_role  text,
  note              text,
  recorded_at       timestamptz,
  outcome           text CHECK (outcome IN ('KEPT', 'BROKEN')),
  paid_minor        bigint,
  outcome_date      date,
  outcome_at        timestamptz,
  PRIMARY KEY (customer_id, promise_id)
);
CREATE INDEX promises_to_pay_broken ON reporting.promises_to_pay (customer_id, outcome_date) WHERE outcome IS NOT NULL;

-- The collections worklist, now with promises. Columns as in 0013, and after them:
--   broken_promise        the customer's latest judged promise was broken (none kept after it): the collector's word
--                         was not good, so the account goes before every account without one, whatever its expected
--                         loss; among themselves such accounts rank by expected loss as before
--   last_broken_promise_date, last_broken_promise_minor   that promise's date and amount
--   open_promise_minor, next_promise_date                 promises recorded and not judged yet (a promise of payment
--                                                         by a date: the collector may wait until then)
-- rank: broken promise first, then expected loss, worst days past due, customer id; per currency.
CREATE OR REPLACE VIEW reporting.collections_worklist AS
WITH as_of AS (
  SELECT coalesce(max(as_of_date), current_date) AS day FROM reporting.delinquency_events
),
overdue AS (
  SELECT i.customer_id, i.currency, i.open_minor, a.day - i.due_at AS days_past_due, i.in_dispute
  FROM reporting.invoices i CROSS JOIN as_of a
  WHERE i.open_minor > 0 AND i.voided_at IS NULL AND i.due_at < a.day
),
per_customer AS (
  SELECT customer_id,
         currency,
         count(*)::integer AS overdue_invoices,
         sum(open_minor)::bigint AS overdue_minor,
         max(days_past_due) AS worst_dpd,
         coalesce(sum(open_minor::numeric * days_past_due) FILTER (WHERE NOT in_dispute), 0) AS chased_minor_days,
         count(*) FILTER (WHERE in_dispute)::integer AS disputed_invoices,
         coalesce(sum(open_minor) FILTER (WHERE in_dispute), 0)::bigint AS disputed_minor
  FROM overdue
  GROUP BY customer_id, currency
),
last_dunning AS (
  SELECT DISTINCT ON (customer_id) customer_id, stage, invoice_id, as_of_date
  FROM reporting.delinquency_events
  WHERE event_type = 'DunningStageReached'
  ORDER BY customer_id, as_of_date DESC, occurred_at DESC, event_id
),
last_judged AS (
  SELECT DISTINCT ON (customer_id) customer_id, outcome, promised_date, amount_minor
  FROM reporting.promises_to_pay
  WHERE outcome IS NOT NULL
  ORDER BY customer_id, outcome_date DESC, outcome_at DESC, promise_id
),
open_promises AS (
  SELECT customer_id, sum(amount_minor)::bigint AS open_promise_minor, min(promised_date) AS next_promise_date
  FROM reporting.promises_to_pay
  WHERE outcome IS NULL AND recorded_at IS NOT NULL
  GROUP BY customer_id
),
ranked AS (
  SELECT p.*,
         c.late_probability,
         round(p.chased_minor_days * coalesce(c.late_probability, 1))::bigint AS expected_loss,
         c.delinquency_status,
         coalesce(j.outcome = 'BROKEN', false) AS broken_promise
  FROM per_customer p
  LEFT JOIN reporting.customers c USING (customer_id)
  LEFT JOIN last_judged j USING (customer_id)
)
SELECT rank() OVER (PARTITION BY r.currency ORDER BY r.broken_promise DESC, r.expected_loss DESC, r.worst_dpd DESC, r.customer_id)::integer AS rank,
       (SELECT day FROM as_of) AS as_of_date,
       r.customer_id,
       r.currency,
       r.expected_loss,
       r.overdue_minor,
       r.overdue_invoices,
       r.worst_dpd,
       r.late_probability,
       r.delinquency_status,
       r.disputed_invoices,
       r.disputed_minor,
       d.stage AS last_dunning_stage,
       d.invoice_id AS last_dunning_invoice_id,
       d.as_of_date AS last_dunning_date,
       r.broken_promise,
       CASE WHEN r.broken_promise THEN j.promised_date END AS last_broken_promise_date,
       CASE WHEN r.broken_promise THEN j.amount_minor END AS last_broken_promise_minor,
       o.open_promise_minor,
       o.next_promise_date
FROM ranked r
LEFT JOIN last_dunning d USING (customer_id)
LEFT JOIN last_judged j USING (customer_id)
LEFT JOIN open_promises o USING (customer_id);
