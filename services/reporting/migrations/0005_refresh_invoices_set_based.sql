-- refresh_invoices, same results, cheaper per batch (it was a fifth of the sink's time): the movements of the
-- touched invoices are aggregated once with joins instead of one lateral aggregate of the view per invoice, and an
-- invoice whose derived columns come out unchanged is not rewritten (no dead tuple, no index entries).
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
  m AS (
    SELECT invoice_id, sum(delta_minor) AS delta_minor, max(effective_on) AS last_on FROM movements GROUP BY invoice_id
  ),
  d AS (
    SELECT ds.invoice_id, count(*) FILTER (WHERE ds.resolved_at IS NULL) > 0 AS in_dispute
      FROM reporting.invoice_disputes ds JOIN touched t ON t.invoice_id = ds.invoice_id
     GROUP BY ds.invoice_id
  ),
  balance AS (
    SELECT i.invoice_id,
           CASE WHEN i.voided_at IS NULL THEN i.amount_minor + coalesce(m.delta_minor, 0) ELSE 0 END AS open_minor,
           -- Settled on the day of the last movement that brought the balance to zero (voided is not settled).
           CASE WHEN i.voided_at IS NULL AND i.amount_minor + coalesce(m.delta_minor, 0) <= 0
                THEN coalesce(m.last_on, i.issued_at) END AS settled_at,
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
