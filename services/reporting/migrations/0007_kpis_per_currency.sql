-- Money is never summed across currencies: aging, the delinquent list and the monthly KPIs gain a currency column and
-- are computed per currency. Voided invoices leave credit sales: a void takes its invoice's amount out of the sales
-- of the month it is voided in (in the month of issue it never counts), as a reversal would, so beginning AR + sales
-- - ending AR stays what was collected. The return types change, so the views and functions are dropped and created.
DROP VIEW reporting.kpi_monthly;
DROP FUNCTION reporting.delinquent_customers(date);
DROP FUNCTION reporting.ar_aging(date);

-- Accounts receivable aging at the end of day as_of: one row per customer and currency with open receivables,
-- bucketed by days past due at that day (current: not past due; d90_plus: more than 90).
CREATE FUNCTION reporting.ar_aging(as_of date)
RETURNS TABLE (customer_id text, currency text, current bigint, d1_30 bigint, d31_60 bigint, d61_90 bigint,
               d90_plus bigint, total bigint)
LANGUAGE sql STABLE AS $$
  SELECT o.customer_id, o.currency,
         coalesce(sum(o.open_minor) FILTER (WHERE o.days_past_due <= 0), 0)::bigint,
         coalesce(sum(o.open_minor) FILTER (WHERE o.days_past_due BETWEEN 1 AND 30), 0)::bigint,
         coalesce(sum(o.open_minor) FILTER (WHERE o.days_past_due BETWEEN 31 AND 60), 0)::bigint,
         coalesce(sum(o.open_minor) FILTER (WHERE o.days_past_due BETWEEN 61 AND 90), 0)::bigint,
         coalesce(sum(o.open_minor) FILTER (WHERE o.days_past_due > 90), 0)::bigint,
         sum(o.open_minor)::bigint
    FROM reporting.open_invoices_at(as_of) o
   GROUP BY o.customer_id, o.currency;
$$;

-- Customers with overdue receivables at the end of day as_of, per currency, worst first: collections' work lists.
CREATE FUNCTION reporting.delinquent_customers(as_of date)
RETURNS TABLE (customer_id text, currency text, overdue_minor bigint, overdue_count bigint, worst_dpd integer,
               open_minor bigint)
LANGUAGE sql STABLE AS $$
  SELECT o.customer_id, o.currency,
         sum(o.open_minor) FILTER (WHERE o.days_past_due > 0)::bigint,
         count(*) FILTER (WHERE o.days_past_due > 0),
         max(o.days_past_due),
         sum(o.open_minor)::bigint
    FROM reporting.open_invoices_at(as_of) o
   GROUP BY o.customer_id, o.currency
  HAVING max(o.days_past_due) > 0;
$$;

-- Receivables KPIs per currency and calendar month, from the currency's first month with an invoice to its last
-- month with a settlement or a void.
--   credit_sales_minor = invoices issued in the month - invoices voided in the month (their amounts as issued)
--   dso               = ending AR / credit sales of the month x days in the month (simple, "countback"-free)
--   best_possible_dso = ending current AR / credit sales x days
--   add               = dso - best_possible_dso (average days delinquent)
--   cei               = (beginning AR + credit sales - ending AR) / (beginning AR + credit sales - ending current AR)
--                       x 100, the Credit Research Foundation formula with N = 1 month
--   avg_days_late_paid: mean days late of the invoices settled in the month.
-- A ratio is NULL when its denominator is zero. Amounts are in minor units of the row's currency.
CREATE VIEW reporting.kpi_monthly AS
WITH span AS (
  SELECT currency,
         date_trunc('month', min(issued_at))::date AS first_month,
         date_trunc('month', greatest(max(settled_at), max(voided_at)))::date AS last_month
    FROM reporting.invoices
   WHERE currency IS NOT NULL
   GROUP BY currency
),
months AS (
  SELECT span.currency, m::date AS month, (m + interval '1 month')::date - 1 AS month_end
    FROM span, generate_series(span.first_month, span.last_month, interval '1 month') AS m
),
figures AS (
  SELECT mo.currency,
         mo.month,
         (mo.month_end - mo.month + 1) AS days,
         (SELECT coalesce(sum(i.amount_minor) FILTER (WHERE i.issued_at BETWEEN mo.month AND mo.month_end), 0)
               - coalesce(sum(i.amount_minor) FILTER (WHERE i.voided_at BETWEEN mo.month AND mo.month_end), 0)
            FROM reporting.invoices i
           WHERE i.currency = mo.currency
             AND (i.issued_at BETWEEN mo.month AND mo.month_end OR i.voided_at BETWEEN mo.month AND mo.month_end)
         )::bigint AS credit_sales_minor,
         coalesce(ag.total, 0)::bigint AS ending_ar_minor,
         coalesce(ag.current, 0)::bigint AS ending_current_ar_minor,
         (SELECT avg(i.days_late)
            FROM reporting.invoices i
           WHERE i.currency = mo.currency AND i.settled_at BETWEEN mo.month AND mo.month_end) AS avg_days_late_paid
    FROM months mo
    CROSS JOIN LATERAL (SELECT sum(a.total) AS total, sum(a.current) AS current
                          FROM reporting.ar_aging(mo.month_end) a WHERE a.currency = mo.currency) ag
),
with_beginning AS (
  -- Nothing is open before the currency's first invoice month, so its beginning AR is 0.
  SELECT f.*, coalesce(lag(f.ending_ar_minor) OVER (PARTITION BY f.currency ORDER BY f.month), 0) AS beginning_ar_minor
    FROM figures f
)
SELECT currency,
       month,
       credit_sales_minor,
       beginning_ar_minor,
       ending_ar_minor,
       ending_current_ar_minor,
       ending_ar_minor::numeric / nullif(credit_sales_minor, 0) * days AS dso,
       ending_current_ar_minor::numeric / nullif(credit_sales_minor, 0) * days AS best_possible_dso,
       (ending_ar_minor - ending_current_ar_minor)::numeric / nullif(credit_sales_minor, 0) * days AS add,
       100 * (beginning_ar_minor + credit_sales_minor - ending_ar_minor)::numeric
           / nullif(beginning_ar_minor + credit_sales_minor - ending_current_ar_minor, 0) AS cei,
       avg_days_late_paid
  FROM with_beginning;
