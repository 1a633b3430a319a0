import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoFromDay, startOfDay } from '../../../shared/time.ts';
import type { SinkEvent } from '../src/domain/to-row-ops.ts';
import { event, reportingDatabase, sink, type ReportingDb } from './support.ts';

// A real AR ledger (IBM's late-payment sample, 2,466 invoices) replayed in event time through the mapping and the
// writer; the receivables SQL must agree with figures computed here from the CSV alone, in plain TypeScript.

const LEDGER = new URL('../../../../shared/datasets/ar-late-payments.csv', import.meta.url);

interface Invoice {
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

const monthStart = (y: number, m: number): number => Date.UTC(y, m, 1) / 86_400_000;

// ---- The independent computation ----------------------------------------------------------------------------

type Buckets = { current: number; d1_30: number; d31_60: number; d61_90: number; d90_plus: number; total: number };

function agingAt(invoices: readonly Invoice[], asOf: number): Map<string, Buckets> {
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

interface Kpi {
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

function monthlyKpis(invoices: readonly Invoice[]): Kpi[] {
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
      month: isoFromDay(start),
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

// ---- The replay ---------------------------------------------------------------------------------------------

function ledgerEvents(invoices: readonly Invoice[]): SinkEvent[] {
  const events: SinkEvent[] = [];
  for (const inv of invoices) {
    events.push(
      event(`issue-${inv.id}`, 'InvoiceIssued', inv.customer, startOfDay(inv.issued), {
        invoiceId: inv.id, orderId: null, amount: inv.amountMinor, currency: 'USD', issueDate: inv.issued,
        dueDate: inv.due,
      }),
      event(`pay-${inv.id}`, 'PaymentReceived', inv.customer, startOfDay(inv.settled), {
        paymentId: `PAY-${inv.id}`, amount: inv.amountMinor, currency: 'USD', receivedDate: inv.settled,
        allocations: [{ invoiceId: inv.id, amount: inv.amountMinor }],
      }),
    );
    if (inv.disputed) {
      events.push(event(`dispute-${inv.id}`, 'InvoiceDisputed', inv.customer, startOfDay(inv.issued) + 1, {
        invoiceId: inv.id, disputeId: `DSP-${inv.id}`, reason: null,
      }));
    }
  }
  // In event time, as a replay writes them; ties keep issue before payment.
  return events.sort((a, b) => a.occurredAt - b.occurredAt);
}

let invoices: Invoice[];
let rdb: ReportingDb;

beforeAll(async () => {
  const records: Array<Record<string, string>> = parse(await readFile(LEDGER), { columns: true, skip_empty_lines: true });
  invoices = records.map((r) => ({
    customer: r.customerID!,
    id: r.invoiceNumber!,
    issued: day(r.InvoiceDate!),
    due: day(r.DueDate!),
    settled: day(r.SettledDate!),
    amountMinor: Math.round(Number(r.InvoiceAmount) * 100),
    disputed: r.Disputed === 'Yes',
    daysLate: Number(r.DaysLate),
  }));
  rdb = await reportingDatabase();
  const events = ledgerEvents(invoices);
  const batches: SinkEvent[][] = [];
  for (let i = 0; i < events.length; i += 500) batches.push(events.slice(i, i + 500));
  await sink(rdb.pool, batches);
});
afterAll(() => rdb.close());

describe('receivables KPIs on a real ledger', () => {
  it('loads the whole ledger', async () => {
    expect(invoices).toHaveLength(2_466);
    const { rows } = await rdb.pool.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE days_late > 0)::int AS late,
      count(*) FILTER (WHERE disputed)::int AS disputed, count(*) FILTER (WHERE open_minor <> 0)::int AS open
      FROM reporting.invoices`);
    expect(rows[0]).toEqual({ n: 2_466, late: 877, disputed: 561, open: 0 });
  });

  it('gives every invoice the days late the file states', async () => {
    const { rows } = await rdb.pool.query<{ invoice_id: string; days_late: number; settled_at: string }>(
      'SELECT invoice_id, days_late, settled_at::text FROM reporting.invoices',
    );
    const fromDb = new Map(rows.map((r) => [r.invoice_id, r]));
    const mismatches = invoices.filter(
      (i) => fromDb.get(i.id)?.days_late !== i.daysLate || fromDb.get(i.id)?.settled_at !== isoFromDay(i.settled),
    );
    expect(mismatches).toEqual([]);
  });

  it.each(['2012-06-30', '2012-12-31', '2013-09-30'])('ages the ledger at %s as the file says', async (asOf) => {
    const { rows } = await rdb.pool.query('SELECT * FROM reporting.ar_aging($1::date) ORDER BY customer_id', [asOf]);
    const expected = [...agingAt(invoices, Date.parse(asOf) / 86_400_000)]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([customer_id, b]) => ({
        customer_id,
        ...Object.fromEntries(Object.entries(b).map(([k, v]) => [k, String(v)])),
      }));
    expect(expected.length).toBeGreaterThan(10);
    expect(rows).toEqual(expected);
  });

  it('computes DSO, best possible DSO, ADD, CEI and days late per month as the file says', async () => {
    const { rows } = await rdb.pool.query('SELECT k.*, k.month::text AS month_iso FROM reporting.kpi_monthly k ORDER BY k.month');
    const expected = monthlyKpis(invoices);
    expect(rows.map((r) => r.month_iso)).toEqual(expected.map((k) => k.month));
    const num = (v: string | null) => (v === null ? null : Number(v));
    const close = (v: number | null) => (v === null ? null : expect.closeTo(v, 9));
    expect(
      rows.map((r) => ({
        month: r.month_iso, sales: Number(r.credit_sales_minor), endingAr: Number(r.ending_ar_minor),
        endingCurrent: Number(r.ending_current_ar_minor), dso: num(r.dso), bpdso: num(r.best_possible_dso),
        add: num(r.add), cei: num(r.cei), avgDaysLate: num(r.avg_days_late_paid),
      })),
    ).toEqual(
      expected.map((k) => ({
        ...k, dso: close(k.dso), bpdso: close(k.bpdso), add: close(k.add), cei: close(k.cei),
        avgDaysLate: close(k.avgDaysLate),
      })),
    );
  });
});
