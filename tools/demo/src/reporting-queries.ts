// The demo's reads of the reporting schema: what the summary and the progress line show of Postgres.
import type { Queryable } from '../../../shared/pg/pool.ts';
import { isoFromDay } from '../../../shared/time.ts';
import type { AgingBuckets, HeldCustomer } from './summary.ts';

const counted = (rows: ReadonlyArray<{ key: string; n: string }>): Record<string, number> =>
  Object.fromEntries(rows.map((r) => [r.key, Number(r.n)]));

/** Orders by their current decision; orders without one yet are not counted. */
export async function decisionCounts(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ key: string; n: string }>(
    'SELECT decision AS key, count(*) AS n FROM reporting.orders WHERE decision IS NOT NULL GROUP BY decision',
  );
  return counted(rows);
}

export async function delinquencyCounts(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ key: string; n: string }>(
    `SELECT delinquency_status AS key, count(*) AS n FROM reporting.customers
      WHERE delinquency_status IS NOT NULL GROUP BY delinquency_status`,
  );
  return counted(rows);
}

/** Customers by the risk class of their latest credit score (the scoring service's), scored customers only. */
export async function riskClassCounts(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ key: string; n: string }>(
    `SELECT scored_risk_class AS key, count(*) AS n FROM reporting.customers
      WHERE scored_risk_class IS NOT NULL GROUP BY scored_risk_class`,
  );
  return counted(rows);
}

/** Customer notices by type, as reporting sank them from the notifications topic. */
export async function noticeCounts(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ key: string; n: string }>(
    'SELECT notice_type AS key, count(*) AS n FROM reporting.notices GROUP BY notice_type',
  );
  return counted(rows);
}

/** Notices with a recipient, as reporting sank them: what the delivery mails (the demo mails every one, none stale). */
export async function addressedNotices(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM reporting.notices WHERE recipient IS NOT NULL');
  return Number(rows[0]!.n);
}

/** Customers at DELINQUENT or worse, for the progress line. */
export async function delinquentCustomers(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM reporting.customers WHERE delinquency_status IN ('DELINQUENT', 'SEVERE')`,
  );
  return Number(rows[0]!.n);
}

/** The customers with the most order value waiting on a credit decision, with their exposure and limit. */
export async function topHeldCustomers(db: Queryable, limit: number): Promise<HeldCustomer[]> {
  const { rows } = await db.query<{
    customer_id: string;
    currency: string | null;
    held_orders: string;
    held_value: string;
    exposure: string | null;
    effective_limit: string | null;
    delinquency_status: string | null;
  }>(
    `SELECT h.customer_id, coalesce(c.currency, min(h.currency)) AS currency,
            count(*) AS held_orders, sum(h.amount_minor) AS held_value,
            c.exposure_minor AS exposure, c.effective_limit_minor AS effective_limit, c.delinquency_status
       FROM reporting.held_orders h
       LEFT JOIN reporting.customers c USING (customer_id)
      GROUP BY h.customer_id, c.currency, c.exposure_minor, c.effective_limit_minor, c.delinquency_status
      ORDER BY held_value DESC, h.customer_id
      LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    customerId: r.customer_id,
    currency: r.currency ?? '',
    heldOrders: Number(r.held_orders),
    heldValueMinor: Number(r.held_value),
    exposureMinor: Number(r.exposure ?? 0),
    effectiveLimitMinor: Number(r.effective_limit ?? 0),
    delinquencyStatus: r.delinquency_status,
  }));
}

/** reporting.ar_aging summed over customers, at the end of `day`. */
export async function agingAt(db: Queryable, day: number): Promise<AgingBuckets> {
  const { rows } = await db.query<Record<'current' | 'd1_30' | 'd31_60' | 'd61_90' | 'd90_plus' | 'total', string | null>>(
    `SELECT sum(current) AS current, sum(d1_30) AS d1_30, sum(d31_60) AS d31_60, sum(d61_90) AS d61_90,
            sum(d90_plus) AS d90_plus, sum(total) AS total
       FROM reporting.ar_aging($1::date)`,
    [isoFromDay(day)],
  );
  const { rows: currencies } = await db.query<{ currency: string }>(
    'SELECT DISTINCT currency FROM reporting.invoices WHERE currency IS NOT NULL LIMIT 2',
  );
  const r = rows[0]!;
  const n = (v: string | null): number => Number(v ?? 0);
  return {
    asOf: isoFromDay(day),
    // A currency code only when there is one: the simulator uses one, an imported ledger might not.
    currency: currencies.length === 1 ? currencies[0]!.currency : null,
    currentMinor: n(r.current),
    d1_30Minor: n(r.d1_30),
    d31_60Minor: n(r.d31_60),
    d61_90Minor: n(r.d61_90),
    d90PlusMinor: n(r.d90_plus),
    totalMinor: n(r.total),
  };
}
