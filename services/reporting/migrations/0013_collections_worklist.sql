-- The collections worklist (issue 17): whom to contact today, first the accounts where most is expected to be lost.
--
--   as_of_date        the latest business date the delinquency service reported (a replay's, not the wall clock's;
--                     today's date before any delinquency event)
--   overdue           open invoices (open_minor > 0, not voided) due before as_of_date
--   expected_loss     sum over the customer's undisputed overdue invoices of open amount x days past due, times the
--                     customer's latest probability of late payment (scoring; 1 when unscored: an unknown risk is
--                     chased first). Minor units x days: a ranking key, not money. Disputed invoices are listed, not
--                     chased: a collector resolves the dispute first.
--   last dunning      the last DunningStageReached (stage, invoice, date): the last overdue notice the notifications
--                     service sends, unless the customer opted out of OVERDUE_NOTICE
--   rank              1 = contact first, per currency (expected losses in different currencies do not compare)
-- Promises to pay are not recorded yet (no PromiseToPay event): not in the list.
CREATE VIEW reporting.collections_worklist AS
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
ranked AS (
  SELECT p.*,
         c.late_probability,
         round(p.chased_minor_days * coalesce(c.late_probability, 1))::bigint AS expected_loss,
         c.delinquency_status
  FROM per_customer p
  LEFT JOIN reporting.customers c USING (customer_id)
)
SELECT rank() OVER (PARTITION BY r.currency ORDER BY r.expected_loss DESC, r.worst_dpd DESC, r.customer_id)::integer AS rank,
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
       d.as_of_date AS last_dunning_date
FROM ranked r
LEFT JOIN last_dunning d USING (customer_id);
