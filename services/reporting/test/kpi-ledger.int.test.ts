import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoFromDay, startOfDay } from '../../../shared/time.ts';
import type { SinkEvent } from '../src/domain/to-row-ops.ts';
import {
  expectedAgingRows,
  kpiMatcher,
  kpiOfRow,
  KPI_MONTHLY_SQL,
  monthlyKpis,
  readLedgerInvoices,
  type LedgerInvoice,
} from './ledger-oracle.ts';
import { event, reportingDatabase, sink, type ReportingDb } from './support.ts';

// A real AR ledger (IBM's late-payment sample, 2,466 invoices) replayed in event time through the mapping and the
// writer; the receivables SQL must agree with the figures ledger-oracle.ts computes from the CSV alone (the oracle
// test/ledger-pipeline.e2e.test.ts holds the whole pipeline to as well).

// ---- The replay ---------------------------------------------------------------------------------------------

const CURRENCY = 'USD';

function ledgerEvents(invoices: readonly LedgerInvoice[]): SinkEvent[] {
  const events: SinkEvent[] = [];
  for (const inv of invoices) {
    events.push(
      event(`issue-${inv.id}`, 'InvoiceIssued', inv.customer, startOfDay(inv.issued), {
        invoiceId: inv.id, orderId: null, amount: inv.amountMinor, currency: CURRENCY, issueDate: inv.issued,
        dueDate: inv.due,
      }),
      event(`pay-${inv.id}`, 'PaymentReceived', inv.customer, startOfDay(inv.settled), {
        paymentId: `PAY-${inv.id}`, amount: inv.amountMinor, currency: CURRENCY, receivedDate: inv.settled,
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

let invoices: LedgerInvoice[];
let rdb: ReportingDb;

beforeAll(async () => {
  invoices = await readLedgerInvoices();
  rdb = await reportingDatabase();
  const events = ledgerEvents(invoices);
  const batches: SinkEvent[][] = [];
  for (let i = 0; i < events.length; i += 500) batches.push(events.slice(i, i + 500));
  await sink(rdb.pool, batches);
});
afterAll(() => rdb?.close()); // absent when beforeAll failed

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
    const expected = expectedAgingRows(invoices, asOf, CURRENCY);
    expect(expected.length).toBeGreaterThan(10);
    expect(rows).toEqual(expected);
  });

  it('computes DSO, best possible DSO, ADD, CEI and days late per month as the file says', async () => {
    const { rows } = await rdb.pool.query(KPI_MONTHLY_SQL);
    const expected = monthlyKpis(invoices);
    expect(rows.map((r) => r.month_iso)).toEqual(expected.map((k) => k.month));
    expect(rows.map(kpiOfRow)).toEqual(kpiMatcher(expected, CURRENCY));
  });
});
