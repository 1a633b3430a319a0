-- Customer notices and what their delivery made of them (issue 17), from o2c.notifications.v1: every
-- CustomerNoticeIssued is a row of reporting.notices (its facts and subject; the body stays on the topic), every
-- delivery outcome (NoticeDelivered, NoticeDeliveryRetrying, NoticeDeliveryFailed) a row of
-- reporting.notice_deliveries under its own event id (a republished outcome is the same record: written once).
CREATE TABLE reporting.notices (
  notice_id     uuid PRIMARY KEY,
  customer_id   text NOT NULL,
  notice_type   text NOT NULL,
  invoice_id    text,
  order_id      text,
  stage         text,
  as_of_date    date NOT NULL,
  due_date      date,
  amount_minor  bigint,
  currency      text,
  language      text NOT NULL,
  recipient     text,
  subject       text NOT NULL,
  occurred_at   timestamptz NOT NULL,
  causation_id  text
);
CREATE INDEX notices_customer ON reporting.notices (customer_id, as_of_date DESC, occurred_at DESC);

CREATE TABLE reporting.notice_deliveries (
  event_id     uuid PRIMARY KEY,
  notice_id    uuid NOT NULL,
  customer_id  text NOT NULL,
  outcome      text NOT NULL CHECK (outcome IN ('SENT', 'RETRYING', 'DEAD')),
  notice_type  text NOT NULL,
  recipient    text NOT NULL,
  attempts     integer NOT NULL,
  -- RETRYING: TRANSIENT (a 4xx) or UNAVAILABLE (no server); DEAD: PERMANENT (a 5xx) or EXHAUSTED (the last 4xx).
  failure      text,
  last_error   text,
  -- The delivery's wall clock: when it was mailed, refused or given up on.
  at           timestamptz NOT NULL
);
CREATE INDEX notice_deliveries_notice ON reporting.notice_deliveries (notice_id);

-- Where each notice's delivery stands: a final outcome (SENT, DEAD) wins over any RETRYING; among several of one kind
-- the latest. A notice with no row here was not mailed (SMTP off, no address, or too old when first seen).
CREATE VIEW reporting.notice_delivery_status AS
SELECT DISTINCT ON (notice_id) notice_id, customer_id, outcome, attempts, failure, last_error, at
FROM reporting.notice_deliveries
ORDER BY notice_id, (outcome <> 'RETRYING') DESC, at DESC, attempts DESC, event_id;

-- The notices the delivery gave up on: what, to whom, after how many attempts and why; for the Grafana panel
-- "Notification dead letters" (fix the address, then send the notice by hand).
CREATE VIEW reporting.notification_dead_letters AS
SELECT d.at AS failed_at,
       d.customer_id,
       d.notice_id,
       d.notice_type,
       n.invoice_id,
       n.order_id,
       n.stage,
       n.as_of_date AS notice_date,
       d.recipient,
       d.attempts,
       d.failure = 'PERMANENT' AS permanent,
       d.last_error
FROM reporting.notice_deliveries d
LEFT JOIN reporting.notices n USING (notice_id)
WHERE d.outcome = 'DEAD';

-- The collections worklist (0014) and after its columns the customer's notices:
--   last_notice_type, last_notice_date   the latest notice issued to the customer (by business date, then event time)
--   last_notice_delivery                 where its delivery stands (SENT, RETRYING, DEAD; NULL: not mailed)
--   last_notice_sent_date                the business date of the latest notice the SMTP server accepted
--   dead_lettered_notices                notices of the customer the delivery gave up on: the address needs a look
-- The ranking is 0014's.
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
last_notice AS (
  SELECT DISTINCT ON (n.customer_id) n.customer_id, n.notice_type, n.as_of_date, s.outcome AS delivery
  FROM reporting.notices n
  LEFT JOIN reporting.notice_delivery_status s USING (notice_id)
  ORDER BY n.customer_id, n.as_of_date DESC, n.occurred_at DESC, n.notice_id
),
notice_counts AS (
  SELECT n.customer_id,
         max(n.as_of_date) FILTER (WHERE s.outcome = 'SENT') AS last_sent_date,
         count(*) FILTER (WHERE s.outcome = 'DEAD')::integer AS dead_lettered
  FROM reporting.notices n
  JOIN reporting.notice_delivery_status s USING (notice_id)
  GROUP BY n.customer_id
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
       o.next_promise_date,
       ln.notice_type AS last_notice_type,
       ln.as_of_date AS last_notice_date,
       ln.delivery AS last_notice_delivery,
       nc.last_sent_date AS last_notice_sent_date,
       coalesce(nc.dead_lettered, 0) AS dead_lettered_notices
FROM ranked r
LEFT JOIN last_dunning d USING (customer_id)
LEFT JOIN last_judged j USING (customer_id)
LEFT JOIN open_promises o USING (customer_id)
LEFT JOIN last_notice ln USING (customer_id)
LEFT JOIN notice_counts nc USING (customer_id);
