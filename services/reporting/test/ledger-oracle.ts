// The receivables figures of the real AR ledger (IBM's late-payment sample, 2,466 invoices) computed from the CSV
// alone, in plain TypeScript: no project code, so it can judge the reporting SQL, whichever way the ledger reached
// Postgres (the sink fed directly, or the importer and the whole pipeline).
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { expect } from 'vitest';

export const LEDGER = new URL('../../../data/ar-late-payments.csv', import.meta.url);

export interface LedgerInvoice {
  customer: string;
  id: string;
  issued: number;
  due: number;
  settled: number;
  amountMinor: number;
  disputed: boolean;
  daysLate: number;
}

/** M/D/YYYY to days since epoch. */
const day = (mdy: string): number => {
  const [m, d, y] = mdy.split('/').map(Number);
  return Date.UTC(y!, m! - 1, d!) / 86_400_000;
};

const isoDay = (d: number): string => new Date(d * 86_400_000).toISOString().slice(0, 10);

const monthStart = (y: number, m: number): number => Date.UTC(y, m, 1) / 86_400_000;

export async function readLedgerInvoices(file: URL = LEDGER): Promise<LedgerInvoice[]> {
  const records: Array<Record<string, string>> = parse(await readFile(file), { columns: true, skip_empty_lines: true });
  return records.map((r) => ({
    customer: r.customerID!,
    id: r.invoiceNumber!,
    issued: day(r.InvoiceDate!),
    due: day(r.DueDate!),
    settled: day(r.SettledDate!),
    amountMinor: Math.round(Number(r.InvoiceAmount) * 100),
    disputed: r.Disputed === 'Yes',
    daysLate: Number(r.DaysLate),
  }));
}

export type Buckets = { current: number; d1_30: number; d31_60: number; d61_90: number; d90_plus: number; total: number };

/** Open receivables per customer at the end of day `asOf`, by days past due. */
export function agingAt(invoices: readonly LedgerInvoice[], asOf: number): Map<string, Buckets> {
  const byCustomer = new Map<string, Buckets>();
  for (const inv of invoices) {
    if (inv.issued > asOf || inv.settled <= asOf) continue;
    const b = byCustomer.get(inv.customer) ?? { current: 0, d1_30: 0, d31_60: 0, d61_90: 0, d90_plus: 0, total: 0 };
    const dpd = asOf - inv.due;
    const bucket = dpd <= 0 ? 'current' : dpd <= 30 ? 'd1_30' : dpd <= 60 ? 'd31_60' : dpd <= 90 ? 'd61_90' : 'd90_plus';
    b[bucket] += inv.amountMinor;
    b.total += inv.amountMinor;
    byCustomer.set(inv.customer, b);
  }
  return byCustomer;
}

/**
 * agingAt as `SELECT * FROM reporting.ar_aging($1) ORDER BY customer_id` returns it (bigints as strings), the file's
 * amounts being in `currency` (the source names none; whoever loaded it chose one).
 */
export function expectedAgingRows(invoices: readonly LedgerInvoice[], asOfIso: string, currency: string): Array<Record<string, string>> {
  return [...agingAt(invoices, Date.parse(asOfIso) / 86_400_000)]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([customer_id, b]) => ({
      customer_id,
      currency,
      ...Object.fromEntries(Object.entries(b).map(([k, v]) => [k, String(v)])),
    }));
}

export interface Kpi {
  month: string;
  sales: number;
  endingAr: number;
  endingCurrent: number;
  dso: number | null;
  bpdso: number | null;
  add: number | null;
  cei: number | null;
  avgDaysLate: number | null;
}

/** One row per month from the first invoice to the last settlement. */
export function monthlyKpis(invoices: readonly LedgerInvoice[]): Kpi[] {
  const first = new Date(Math.min(...invoices.map((i) => i.issued)) * 86_400_000);
  const last = new Date(Math.max(...invoices.map((i) => i.settled)) * 86_400_000);
  const out: Kpi[] = [];
  let beginningAr = 0;
  for (let y = first.getUTCFullYear(), m = first.getUTCMonth(); y * 12 + m <= last.getUTCFullYear() * 12 + last.getUTCMonth(); m === 11 ? (y++, m = 0) : m++) {
    const start = monthStart(y, m);
    const end = monthStart(y, m + 1) - 1;
    const days = end - start + 1;
    const sales = invoices.filter((i) => i.issued >= start && i.issued <= end).reduce((s, i) => s + i.amountMinor, 0);
    let endingAr = 0;
    let endingCurrent = 0;
    for (const b of agingAt(invoices, end).values()) {
      endingAr += b.total;
      endingCurrent += b.current;
    }
    const paid = invoices.filter((i) => i.settled >= start && i.settled <= end);
    const ratio = (num: number, den: number) => (den === 0 ? null : num / den);
    const dso = ratio(endingAr * days, sales);
    const bpdso = ratio(endingCurrent * days, sales);
    out.push({
      month: isoDay(start),
      sales,
      endingAr,
      endingCurrent,
      dso,
      bpdso,
      add: dso === null || bpdso === null ? null : dso - bpdso,
      cei: ratio(100 * (beginningAr + sales - endingAr), beginningAr + sales - endingCurrent),
      avgDaysLate: paid.length === 0 ? null : paid.reduce((s, i) => s + i.daysLate, 0) / paid.length,
    });
    beginningAr = endingAr;
  }
  return out;
}

/** The query whose rows kpiOfRow reads: every currency's months, so a second currency would show as extra rows. */
export const KPI_MONTHLY_SQL = 'SELECT k.*, k.month::text AS month_iso FROM reporting.kpi_monthly k ORDER BY k.currency, k.month';

/** A reporting.kpi_monthly row (numeric columns arrive as strings) in the oracle's shape, with its currency. */
export function kpiOfRow(r: Record<string, string | null>): Kpi & { currency: string } {
  const num = (v: string | null | undefined) => (v === null || v === undefined ? null : Number(v));
  return {
    currency: r.currency!, month: r.month_iso!, sales: Number(r.credit_sales_minor), endingAr: Number(r.ending_ar_minor),
    endingCurrent: Number(r.ending_current_ar_minor), dso: num(r.dso), bpdso: num(r.best_possible_dso),
    add: num(r.add), cei: num(r.cei), avgDaysLate: num(r.avg_days_late_paid),
  };
}

/** The oracle's months, all in `currency`, as a toEqual matcher: money exact, ratios to 9 decimal places. */
export function kpiMatcher(expected: readonly Kpi[], currency: string): unknown[] {
  const close = (v: number | null) => (v === null ? null : expect.closeTo(v, 9));
  return expected.map((k) => ({
    currency, ...k, dso: close(k.dso), bpdso: close(k.bpdso), add: close(k.add), cei: close(k.cei),
    avgDaysLate: close(k.avgDaysLate),
  }));
}

/**
 * The AUC and Brier score, over the invoices issued in [$1, $2), of the late-payment probability at issue
 * (reporting.invoice_risk_at_issue) against "paid late" (days_late > 0), in SQL: the Mann-Whitney rank sum with ties
 * at their mean rank, and the mean squared error. One row: auc and brier as text (numeric, exact), n.
 */
export const RISK_AT_ISSUE_FIGURES_SQL = `
  WITH t AS (
    SELECT r.late_probability AS p, (i.days_late > 0) AS late
      FROM reporting.invoice_risk_at_issue r JOIN reporting.invoices i USING (invoice_id)
     WHERE i.issued_at >= $1::date AND i.issued_at < $2::date),
  ranked AS (
    SELECT p, late, rank() OVER (ORDER BY p) + (count(*) OVER (PARTITION BY p) - 1) / 2.0 AS r FROM t)
  SELECT ((sum(r) FILTER (WHERE late) - count(*) FILTER (WHERE late) * (count(*) FILTER (WHERE late) + 1) / 2.0)
            / (count(*) FILTER (WHERE late) * count(*) FILTER (WHERE NOT late)))::text AS auc,
         avg((p - CASE WHEN late THEN 1 ELSE 0 END) ^ 2)::text AS brier,
         count(*)::int AS n
    FROM ranked`;
