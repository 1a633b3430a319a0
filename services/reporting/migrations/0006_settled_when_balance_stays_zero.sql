-- An invoice is settled on the first day its open balance reached zero and stayed there, not on the day of its last
-- movement: a rebate credit note months after the payment made a paid-on-time invoice look 105 days late and its
-- customer past due with nothing overdue. A later movement that reopens the balance (a payment reversal, a debit note)
-- un-settles it; one that leaves it at or below zero (a credit note on a paid invoice) does not move the day.
--
-- refresh_invoices keeps the set-based form of 0005: the touched invoices' movements are summed per day, the balance
-- at the end of each day is a running sum, and the settlement day is the first day from which no balance is above
-- zero (the highest balance of that day and every later one, a window from the last day back).
CREATE OR REPLACE FUNCTION reporting.refresh_invoices(invoice_ids text[], reversed_payment_ids text[])
RETURNS void LANGUAGE sql AS $$
  WITH touched AS (
    SELECT unnest(invoice_ids) AS invoice_id
    UNION
    SELECT al.invoice_id FROM reporting.payment_allocations al WHERE al.payment_id = ANY (reversed_payment_ids)
  ),
  -- reporting.invoice_movements restricted to the touched invoices.
  movements AS (
    SELECT adj.invoice_id, adj.adjusted_on AS effective_on, adj.amount_minor AS delta_minor
      FROM reporting.invoice_adjustments adj JOIN touched t ON t.invoice_id = adj.invoice_id
    UNION ALL
    SELECT al.invoice_id, al.received_on, -al.amount_minor
      FROM reporting.payment_allocations al JOIN touched t ON t.invoice_id = al.invoice_id
    UNION ALL
    SELECT al.invoice_id, rev.reversed_on, al.amount_minor
      FROM reporting.payment_allocations al
      JOIN touched t ON t.invoice_id = al.invoice_id
      CROSS JOIN LATERAL (
        SELECT min(p.business_date) AS reversed_on
          FROM reporting.payments p
         WHERE p.payment_id = al.payment_id AND p.event_type = 'PaymentReversed'
      ) rev
     WHERE rev.reversed_on IS NOT NULL
  ),
  daily AS (
    SELECT mv.invoice_id, mv.effective_on, sum(mv.delta_minor) AS delta_minor
      FROM movements mv GROUP BY mv.invoice_id, mv.effective_on
  ),
  -- The balance at the end of each day with a movement (NULL while the invoice itself has not arrived).
  running AS (
    SELECT dy.invoice_id, dy.effective_on, dy.delta_minor,
           i.amount_minor + sum(dy.delta_minor) OVER (PARTITION BY dy.invoice_id ORDER BY dy.effective_on) AS balance_minor
      FROM daily dy JOIN reporting.invoices i ON i.invoice_id = dy.invoice_id
  ),
  ahead AS (
    SELECT r.*, max(r.balance_minor) OVER (PARTITION BY r.invoice_id ORDER BY r.effective_on DESC) AS highest_from_here
      FROM running r
  ),
  m AS (
    SELECT invoice_id, sum(delta_minor) AS delta_minor,
           min(effective_on) FILTER (WHERE highest_from_here <= 0) AS zero_since
      FROM ahead GROUP BY invoice_id
  ),
  d AS (
    SELECT ds.invoice_id, count(*) FILTER (WHERE ds.resolved_at IS NULL) > 0 AS in_dispute
      FROM reporting.invoice_disputes ds JOIN touched t ON t.invoice_id = ds.invoice_id
     GROUP BY ds.invoice_id
  ),
  balance AS (
    SELECT i.invoice_id,
           CASE WHEN i.voided_at IS NULL THEN i.amount_minor + coalesce(m.delta_minor, 0) ELSE 0 END AS open_minor,
           -- Voided is not settled; an invoice at or below zero without movements was settled when issued.
           CASE WHEN i.voided_at IS NULL AND i.amount_minor + coalesce(m.delta_minor, 0) <= 0
                THEN coalesce(m.zero_since, i.issued_at) END AS settled_at,
           i.due_at,
           d.invoice_id IS NOT NULL AS disputed,
           coalesce(d.in_dispute, false) AS in_dispute
      FROM reporting.invoices i
      JOIN touched t ON t.invoice_id = i.invoice_id
      LEFT JOIN m ON m.invoice_id = i.invoice_id
      LEFT JOIN d ON d.invoice_id = i.invoice_id
  ),
  derived AS (
    SELECT b.*, CASE WHEN b.settled_at IS NOT NULL THEN greatest(0, b.settled_at - b.due_at) END AS days_late
      FROM balance b
  )
  UPDATE reporting.invoices i
     SET open_minor = x.open_minor,
         settled_at = x.settled_at,
         days_late  = x.days_late,
         disputed   = x.disputed,
         in_dispute = x.in_dispute
    FROM derived x
   WHERE x.invoice_id = i.invoice_id
     AND (i.open_minor, i.settled_at, i.days_late, i.disputed, i.in_dispute)
         IS DISTINCT FROM (x.open_minor, x.settled_at, x.days_late, x.disputed, x.in_dispute);
$$;

-- Open at the end of day as_of also means owing something that day: an invoice paid, reopened by a later reversal and
-- settled again is not open (nor past due) between its payment and the reversal, though its settlement day is later.
CREATE OR REPLACE FUNCTION reporting.open_invoices_at(as_of date)
RETURNS TABLE (invoice_id text, customer_id text, currency text, due_at date, days_past_due integer, open_minor bigint)
LANGUAGE sql STABLE AS $$
  SELECT o.*
    FROM (
      SELECT i.invoice_id, i.customer_id, i.currency, i.due_at, as_of - i.due_at,
             (i.amount_minor + coalesce((SELECT sum(mv.delta_minor)
                                           FROM reporting.invoice_movements mv
                                          WHERE mv.invoice_id = i.invoice_id AND mv.effective_on <= as_of), 0))::bigint
        FROM reporting.invoices i
       WHERE i.issued_at <= as_of
         AND (i.settled_at IS NULL OR i.settled_at > as_of)
         AND (i.voided_at IS NULL OR i.voided_at > as_of)
    ) o (invoice_id, customer_id, currency, due_at, days_past_due, open_minor)
   WHERE o.open_minor > 0;
$$;

-- The settlement day of every invoice already written, by the rule above.
SELECT reporting.refresh_invoices(coalesce(array_agg(invoice_id), '{}'), '{}') FROM reporting.invoices;
