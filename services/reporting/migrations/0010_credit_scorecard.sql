-- The monthly credit risk scorecard, from the scoring service's history (0009). A customer's class in a month is the
-- class of its latest score dated (as_of_date) on or before the month's last day, so a replayed ledger gives its
-- own history. Money is per currency: the customer's (its profile's, else the one its scores name).

CREATE INDEX credit_scores_customer_as_of_idx ON reporting.credit_scores (customer_id, as_of_date);

-- Every scored customer at the end of every month from the first score's month to the last one's: its class, score
-- (NULL with fewer than 3 settled invoices) and late-payment probability then. Ties on the same day go to the later
-- event time, then to the event id, so the row is the same whatever order the sink wrote the scores in.
CREATE VIEW reporting.customer_class_monthly AS
WITH span AS (
  SELECT date_trunc('month', min(as_of_date))::date AS first_month,
         date_trunc('month', max(as_of_date))::date AS last_month
    FROM reporting.credit_scores
),
months AS (
  SELECT m::date AS month, (m + interval '1 month')::date - 1 AS month_end
    FROM span, generate_series(span.first_month, span.last_month, interval '1 month') AS m
)
SELECT mo.month, mo.month_end, c.customer_id, s.risk_class, s.score, s.late_probability,
       coalesce(cu.currency, nullif(s.currency, '')) AS currency
  FROM months mo
  CROSS JOIN (SELECT DISTINCT customer_id FROM reporting.credit_scores) c
  CROSS JOIN LATERAL (
    SELECT cs.risk_class, cs.score, cs.late_probability, cs.currency
      FROM reporting.credit_scores cs
     WHERE cs.customer_id = c.customer_id AND cs.as_of_date <= mo.month_end
     ORDER BY cs.as_of_date DESC, cs.occurred_at DESC, cs.event_id DESC
     LIMIT 1
  ) s
  LEFT JOIN reporting.customers cu ON cu.customer_id = c.customer_id;

-- Class migrations month over month: customers per (class at the end of the previous month, class at the end of
-- this one); from_class NULL for a customer first scored this month.
CREATE VIEW reporting.class_migrations_monthly AS
SELECT cur.month, cur.currency, prev.risk_class AS from_class, cur.risk_class AS to_class, count(*) AS customers
  FROM reporting.customer_class_monthly cur
  LEFT JOIN reporting.customer_class_monthly prev
    ON prev.customer_id = cur.customer_id AND prev.month = (cur.month - interval '1 month')::date
 GROUP BY cur.month, cur.currency, prev.risk_class, cur.risk_class;

-- One row per month, currency and risk class:
--   customers, ar_open_minor, mean_score, mean_late_probability: the customers in the class at the month's end,
--     their open receivables then (reporting.ar_aging), the mean of their scores (those with one) and probabilities;
--   invoices_issued, invoices_settled, invoices_late, late_rate: invoices issued in the month (not voided) by their
--     class at issue (reporting.invoice_risk_at_issue), how many are settled, how many were settled after their due
--     date, and late / settled (NULL while none is settled). An invoice still open counts in none but issued: the
--     rate moves as the month's invoices settle;
--   new_customers, migrated_in, migrated_out: customers first scored this month in the class; customers in it now
--     that were in another class at the end of the previous month; customers in it then that are in another now.
CREATE VIEW reporting.scorecard_monthly AS
WITH classes AS (
  SELECT * FROM reporting.customer_class_monthly
),
moves AS (
  SELECT cur.month, cur.currency, cur.risk_class, prev.risk_class AS previous_class
    FROM classes cur
    LEFT JOIN classes prev ON prev.customer_id = cur.customer_id AND prev.month = (cur.month - interval '1 month')::date
),
ar AS (
  -- One aging per month (not per customer): it reads every open invoice.
  SELECT mo.month, a.customer_id, a.currency, a.total
    FROM (SELECT DISTINCT month, month_end FROM classes) mo
    CROSS JOIN LATERAL reporting.ar_aging(mo.month_end) a
),
portfolio AS (
  SELECT c.month, c.currency, c.risk_class,
         count(*) AS customers,
         coalesce(sum(ar.total), 0)::bigint AS ar_open_minor,
         avg(c.score) AS mean_score,
         avg(c.late_probability) AS mean_late_probability
    FROM classes c
    LEFT JOIN ar ON ar.month = c.month AND ar.customer_id = c.customer_id AND ar.currency = c.currency
   GROUP BY c.month, c.currency, c.risk_class
),
issued AS (
  SELECT date_trunc('month', i.issued_at)::date AS month, i.currency, r.risk_class,
         count(*) AS invoices_issued,
         count(*) FILTER (WHERE i.settled_at IS NOT NULL) AS invoices_settled,
         count(*) FILTER (WHERE i.settled_at > i.due_at) AS invoices_late
    FROM reporting.invoice_risk_at_issue r
    JOIN reporting.invoices i ON i.invoice_id = r.invoice_id
   WHERE i.voided_at IS NULL AND i.issued_at IS NOT NULL
   GROUP BY 1, 2, 3
),
migrations AS (
  SELECT month, currency, risk_class,
         count(*) FILTER (WHERE previous_class IS NULL) AS new_customers,
         count(*) FILTER (WHERE previous_class <> risk_class) AS migrated_in
    FROM moves GROUP BY 1, 2, 3
),
departures AS (
  SELECT month, currency, previous_class AS risk_class, count(*) AS migrated_out
    FROM moves WHERE previous_class <> risk_class GROUP BY 1, 2, 3
),
keys AS (
  SELECT month, currency, risk_class FROM portfolio
  UNION SELECT month, currency, risk_class FROM issued
  UNION SELECT month, currency, risk_class FROM departures
)
SELECT k.month, k.currency, k.risk_class,
       coalesce(p.customers, 0) AS customers,
       coalesce(p.ar_open_minor, 0)::bigint AS ar_open_minor,
       p.mean_score,
       p.mean_late_probability,
       coalesce(s.invoices_issued, 0) AS invoices_issued,
       coalesce(s.invoices_settled, 0) AS invoices_settled,
       coalesce(s.invoices_late, 0) AS invoices_late,
       s.invoices_late::numeric / nullif(s.invoices_settled, 0) AS late_rate,
       coalesce(m.new_customers, 0) AS new_customers,
       coalesce(m.migrated_in, 0) AS migrated_in,
       coalesce(d.migrated_out, 0) AS migrated_out
  FROM keys k
  LEFT JOIN portfolio p ON p.month = k.month AND p.currency IS NOT DISTINCT FROM k.currency AND p.risk_class = k.risk_class
  LEFT JOIN issued s ON s.month = k.month AND s.currency IS NOT DISTINCT FROM k.currency AND s.risk_class = k.risk_class
  LEFT JOIN migrations m ON m.month = k.month AND m.currency IS NOT DISTINCT FROM k.currency AND m.risk_class = k.risk_class
  LEFT JOIN departures d ON d.month = k.month AND d.currency IS NOT DISTINCT FROM k.currency AND d.risk_class = k.risk_class;
