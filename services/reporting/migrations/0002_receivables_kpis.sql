-- Receivables figures. All of them are computed from event dates (issue, due, received, adjustment and reversal
-- days), never from when rows were written, so a replayed ledger gives its historical figures.

-- Every change to an invoice's balance with the day it takes effect: notes (+/-), allocations (-) and the undoing of
-- an allocation when its payment is reversed (+).
CREATE VIEW reporting.invoice_movements AS
  SELECT adj.invoice_id, adj.adjusted_on AS effective_on, adj.amount_minor AS delta_minor
    FROM reporting.invoice_adjustments adj
  UNION ALL
  SELECT al.invoice_id, al.received_on, -al.amount_minor
    FROM reporting.payment_allocations al
  UNION ALL
  SELECT al.invoice_id, rev.reversed_on, al.amount_minor
    FROM reporting.payment_allocations al
    CROSS JOIN LATERAL (
      SELECT min(p.business_date) AS reversed_on
        FROM reporting.payments p
       WHERE p.payment_id = al.payment_id AND p.event_type = 'PaymentReversed'
    ) rev
   WHERE rev.reversed_on IS NOT NULL;

-- Recomputes the derived columns of the given invoices (and of those allocated by the given reversed payments)
-- from the stored facts. The sink calls it once per batch for the invoices the batch touched; being a function of
-- the facts alone, it gives the same row whatever order the facts arrived in.
CREATE FUNCTION reporting.refresh_invoices(invoice_ids text[], reversed_payment_ids text[])
RETURNS void LANGUAGE sql AS $$
  WITH touched AS (
    SELECT unnest(invoice_ids) AS invoice_id
    UNION
    SELECT al.invoice_id FROM reporting.payment_allocations al WHERE al.payment_id = ANY (reversed_payment_ids)
  ),
  balance AS (
    SELECT i.invoice_id,
           i.amount_minor + coalesce(m.delta_minor, 0) AS open_minor,
           -- Settled on the day of the last movement that brought the balance to zero (voided is not settled).
           CASE WHEN i.voided_at IS NULL AND i.amount_minor + coalesce(m.delta_minor, 0) <= 0
                THEN coalesce(m.last_on, i.issued_at) END AS settled_at,
           d.disputed, d.in_dispute
      FROM reporting.invoices i
      JOIN touched t ON t.invoice_id = i.invoice_id
      CROSS JOIN LATERAL (
        SELECT sum(mv.delta_minor) AS delta_minor, max(mv.effective_on) AS last_on
          FROM reporting.invoice_movements mv WHERE mv.invoice_id = i.invoice_id
      ) m
      CROSS JOIN LATERAL (
        SELECT count(*) > 0 AS disputed, count(*) FILTER (WHERE ds.resolved_at IS NULL) > 0 AS in_dispute
          FROM reporting.invoice_disputes ds WHERE ds.invoice_id = i.invoice_id
      ) d
  )
  UPDATE reporting.invoices i
     SET open_minor = CASE WHEN i.voided_at IS NULL THEN b.open_minor ELSE 0 END,
         settled_at = b.settled_at,
         days_late  = CASE WHEN b.settled_at IS NOT NULL THEN greatest(0, b.settled_at - i.due_at) END,
         disputed   = b.disputed,
         in_dispute = b.in_dispute
    FROM balance b
   WHERE b.invoice_id = i.invoice_id;
$$;

-- The invoices open at the end of day as_of: issued on or before it, and neither settled nor voided on or before it;
-- open_minor is the balance at that day (later payments and notes not yet counted).
CREATE FUNCTION reporting.open_invoices_at(as_of date)
RETURNS TABLE (invoice_id text, customer_id text, currency text, due_at date, days_past_due integer, open_minor bigint)
LANGUAGE sql STABLE AS $$
  SELECT i.invoice_id, i.customer_id, i.currency, i.due_at, as_of - i.due_at,
         (i.amount_minor + coalesce((SELECT sum(mv.delta_minor)
                                       FROM reporting.invoice_movements mv
                                      WHERE mv.invoice_id = i.invoice_id AND mv.effective_on <= as_of), 0))::bigint
    FROM reporting.invoices i
   WHERE i.issued_at <= as_of
     AND (i.settled_at IS NULL OR i.settled_at > as_of)
     AND (i.voided_at IS NULL OR i.voided_at > as_of);
$$;

-- Accounts receivable aging at the end of day as_of: one row per customer with open receivables, bucketed by days
-- past due at that day (current: not past due; d90_plus: more than 90).
CREATE FUNCTION reporting.ar_aging(as_of date)
RETURNS TABLE (customer_id text, current bigint, d1_30 bigint, d31_60 bigint, d61_90 bigint, d90_plus bigint,
               total bigint)
LANGUAGE sql STABLE AS $$
  SELECT o.customer_id,
         coalesce(sum(o.open_minor) FILTER (WHERE o.days_past_due <= 0), 0)::bigint,
         coalesce(sum(o.open_minor) FILTER (WHERE o.days_past_due BETWEEN 1 AND 30), 0)::bigint,
         coalesce(sum(o.open_minor) FILTER (WHERE o.days_past_due BETWEEN 31 AND 60), 0)::bigint,
         coalesce(sum(o.open_minor) FILTER (WHERE o.days_past_due BETWEEN 61 AND 90), 0)::bigint,
         coalesce(sum(o.open_minor) FILTER (WHERE o.days_past_due > 90), 0)::bigint,
         sum(o.open_minor)::bigint
    FROM reporting.open_invoices_at(as_of) o
   GROUP BY o.customer_id;
$$;

-- Customers with overdue receivables at the end of day as_of, worst first: for collections' work lists.
CREATE FUNCTION reporting.delinquent_customers(as_of date)
RETURNS TABLE (customer_id text, overdue_minor bigint, overdue_count bigint, worst_dpd integer, open_minor bigint)
LANGUAGE sql STABLE AS $$
  SELECT o.customer_id,
         sum(o.open_minor) FILTER (WHERE o.days_past_due > 0)::bigint,
         count(*) FILTER (WHERE o.days_past_due > 0),
         max(o.days_past_due),
         sum(o.open_minor)::bigint
    FROM reporting.open_invoices_at(as_of) o
   GROUP BY o.customer_id
  HAVING max(o.days_past_due) > 0;
$$;

-- Receivables KPIs per calendar month, from the first month with an invoice to the last month with a settlement.
--   dso               = ending AR / credit sales of the month x days in the month (simple, "countback"-free)
--   best_possible_dso = ending current AR / credit sales x days
--   add               = dso - best_possible_dso (average days delinquent)
--   cei               = (beginning AR + credit sales - ending AR) / (beginning AR + credit sales - ending current AR)
--                       x 100, the Credit Research Foundation formula with N = 1 month
--   avg_days_late_paid: mean days late of the invoices settled in the month.
-- A ratio is NULL when its denominator is zero. Amounts are summed across customers in minor units (one currency).
CREATE VIEW reporting.kpi_monthly AS
WITH span AS (
  SELECT date_trunc('month', min(issued_at))::date AS first_month,
         date_trunc('month', max(settled_at))::date AS last_month
    FROM reporting.invoices
),
months AS (
  SELECT m::date AS month, (m + interval '1 month')::date - 1 AS month_end
    FROM span, generate_series(span.first_month, span.last_month, interval '1 month') AS m
),
figures AS (
  SELECT mo.month,
         (mo.month_end - mo.month + 1) AS days,
         (SELECT coalesce(sum(i.amount_minor), 0)
            FROM reporting.invoices i WHERE i.issued_at BETWEEN mo.month AND mo.month_end)::bigint AS credit_sales_minor,
         coalesce(ag.total, 0)::bigint AS ending_ar_minor,
         coalesce(ag.current, 0)::bigint AS ending_current_ar_minor,
         (SELECT avg(i.days_late)
            FROM reporting.invoices i WHERE i.settled_at BETWEEN mo.month AND mo.month_end) AS avg_days_late_paid
    FROM months mo
    CROSS JOIN LATERAL (SELECT sum(a.total) AS total, sum(a.current) AS current
                          FROM reporting.ar_aging(mo.month_end) a) ag
),
with_beginning AS (
  -- Nothing is open before the first invoice month, so its beginning AR is 0.
  SELECT f.*, coalesce(lag(f.ending_ar_minor) OVER (ORDER BY f.month), 0) AS beginning_ar_minor
    FROM figures f
)
SELECT month,
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

-- Orders waiting on a credit decision (held, not cancelled): the held order value of the credit dashboard.
CREATE VIEW reporting.held_orders AS
  SELECT o.order_id, o.customer_id, o.currency, o.amount_minor, o.reasons, o.decided_at AS held_since
    FROM reporting.orders o
   WHERE o.decision = 'HELD' AND o.cancelled_at IS NULL;
