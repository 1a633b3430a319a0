// The receivables rules the KPI views rest on, each on a small literal history: when an invoice counts as settled,
// and that credit sales and every money figure are per currency, without voided invoices.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dayFromIso, startOfDay } from '../../../shared/time.ts';
import type { SinkEvent } from '../src/domain/to-row-ops.ts';
import { event, REPORTING_TABLES, reportingDatabase, sink, type ReportingDb } from './support.ts';

let rdb: ReportingDb;
beforeAll(async () => {
  rdb = await reportingDatabase();
});
afterAll(() => rdb?.close());
beforeEach(() => rdb.owner.query(`TRUNCATE ${REPORTING_TABLES.map((t) => `reporting.${t}`).join(', ')}`));

const day = dayFromIso;
const noon = (iso: string) => startOfDay(day(iso)) + 12 * 3_600_000;

const issued = (id: string, customer: string, amount: number, issue: string, due: string, currency = 'EUR') =>
  event(`issue-${id}`, 'InvoiceIssued', customer, noon(issue), {
    invoiceId: id, orderId: null, amount, currency, issueDate: day(issue), dueDate: day(due),
  });
const paid = (id: string, invoice: string, customer: string, amount: number, on: string, currency = 'EUR') =>
  event(`pay-${id}`, 'PaymentReceived', customer, noon(on), {
    paymentId: id, amount, currency, receivedDate: day(on), allocations: [{ invoiceId: invoice, amount }],
  });
const reversed = (payment: string, customer: string, on: string) =>
  event(`rev-${payment}`, 'PaymentReversed', customer, noon(on), { paymentId: payment, reason: 'chargeback' });
const note = (id: string, invoice: string, customer: string, amount: number, on: string, currency = 'EUR') =>
  event(`note-${id}`, 'InvoiceAdjusted', customer, noon(on), {
    invoiceId: invoice, adjustmentId: id, amount, currency, reason: 'rebate',
  });
const voided = (invoice: string, customer: string, on: string) =>
  event(`void-${invoice}`, 'InvoiceVoided', customer, noon(on), { invoiceId: invoice, reason: 'duplicate' });

const settlement = async () =>
  (await rdb.pool.query(`SELECT invoice_id, open_minor, settled_at::text, days_late FROM reporting.invoices
                          ORDER BY invoice_id`)).rows;

describe('settlement', () => {
  it('is the first day the balance reached zero and stayed there', async () => {
    await sink(rdb.pool, [[
      // Paid on time; a rebate credit note months later leaves the balance below zero, still settled on the 20th.
      issued('I1', 'C1', 10_000, '2024-01-01', '2024-01-31'),
      paid('P1', 'I1', 'C1', 10_000, '2024-01-20'),
      note('CN1', 'I1', 'C1', -1_000, '2024-05-15'),
      // Paid, reversed (open again), paid again: settled by the second payment.
      issued('I2', 'C1', 5_000, '2024-01-01', '2024-01-31'),
      paid('P2', 'I2', 'C1', 5_000, '2024-01-20'),
      reversed('P2', 'C1', '2024-02-10'),
      paid('P3', 'I2', 'C1', 5_000, '2024-03-01'),
      // Paid, then reversed for good: not settled.
      issued('I3', 'C1', 2_000, '2024-01-01', '2024-01-31'),
      paid('P4', 'I3', 'C1', 2_000, '2024-01-20'),
      reversed('P4', 'C1', '2024-02-10'),
      // Part paid, the rest credited, then a debit note reopens it and a payment closes it.
      issued('I4', 'C1', 3_000, '2024-01-01', '2024-01-31'),
      paid('P5', 'I4', 'C1', 2_000, '2024-01-10'),
      note('CN2', 'I4', 'C1', -1_000, '2024-01-15'),
      note('DN1', 'I4', 'C1', 500, '2024-02-05'),
      paid('P6', 'I4', 'C1', 500, '2024-02-12'),
      // A credit note on a zero balance the same day as the payment that settled it.
      issued('I5', 'C1', 1_000, '2024-01-01', '2024-01-31'),
      paid('P7', 'I5', 'C1', 1_000, '2024-02-02'),
      note('CN3', 'I5', 'C1', -100, '2024-02-02'),
    ]]);
    expect(await settlement()).toEqual([
      { invoice_id: 'I1', open_minor: '-1000', settled_at: '2024-01-20', days_late: 0 },
      { invoice_id: 'I2', open_minor: '0', settled_at: '2024-03-01', days_late: 30 },
      { invoice_id: 'I3', open_minor: '2000', settled_at: null, days_late: null },
      { invoice_id: 'I4', open_minor: '0', settled_at: '2024-02-12', days_late: 12 },
      { invoice_id: 'I5', open_minor: '-100', settled_at: '2024-02-02', days_late: 2 },
    ]);
  });

  it('keeps a paid customer off the delinquent list when a credit note comes later', async () => {
    // Issue 11's example: paid on time on 2024-01-20, a rebate on 2024-05-15 (each fact in a batch of its own).
    await sink(rdb.pool, [
      [issued('I1', 'C1', 10_000, '2024-01-01', '2024-01-31')],
      [paid('P1', 'I1', 'C1', 10_000, '2024-01-20')],
      [note('CN1', 'I1', 'C1', -1_000, '2024-05-15')],
    ]);
    expect(await settlement()).toEqual([{ invoice_id: 'I1', open_minor: '-1000', settled_at: '2024-01-20', days_late: 0 }]);
    expect((await rdb.pool.query(`SELECT * FROM reporting.delinquent_customers('2024-03-31')`)).rows).toEqual([]);
    expect((await rdb.pool.query(`SELECT * FROM reporting.ar_aging('2024-03-31')`)).rows).toEqual([]);
  });

  it('moves back when the reversal that reopened the invoice is the last fact to arrive', async () => {
    await sink(rdb.pool, [
      [issued('I2', 'C1', 5_000, '2024-01-01', '2024-01-31'), paid('P3', 'I2', 'C1', 5_000, '2024-03-01')],
      [paid('P2', 'I2', 'C1', 5_000, '2024-01-20')],
    ]);
    // Two payments for one invoice: settled by the first, the second over-pays it.
    expect(await settlement()).toEqual([{ invoice_id: 'I2', open_minor: '-5000', settled_at: '2024-01-20', days_late: 0 }]);
    await sink(rdb.pool, [[reversed('P2', 'C1', '2024-02-10')]]);
    expect(await settlement()).toEqual([{ invoice_id: 'I2', open_minor: '0', settled_at: '2024-03-01', days_late: 30 }]);
  });

  it('counts an invoice reopened by a reversal as open only from the reversal on', async () => {
    await sink(rdb.pool, [[
      issued('I2', 'C1', 5_000, '2024-01-01', '2024-01-31'),
      paid('P2', 'I2', 'C1', 5_000, '2024-01-20'),
      reversed('P2', 'C1', '2024-02-10'),
      paid('P3', 'I2', 'C1', 5_000, '2024-03-01'),
    ]]);
    const delinquent = async (asOf: string) =>
      (await rdb.pool.query('SELECT * FROM reporting.delinquent_customers($1::date)', [asOf])).rows;
    // Paid on the 20th: nothing is owed on 5 February, though the invoice's final settlement is 1 March.
    expect(await delinquent('2024-02-05')).toEqual([]);
    expect(await delinquent('2024-02-15')).toEqual([
      { customer_id: 'C1', currency: 'EUR', overdue_minor: '5000', overdue_count: '1', worst_dpd: 15, open_minor: '5000' },
    ]);
    expect(await delinquent('2024-03-01')).toEqual([]);
  });
});

describe('receivables KPIs per currency', () => {
  const history: SinkEvent[] = [
    // EUR: 10,000 sold in January (a 4,000 invoice voided the same month does not count), 6,000 paid in February.
    issued('E1', 'C1', 10_000, '2024-01-05', '2024-02-04'),
    issued('E2', 'C1', 4_000, '2024-01-06', '2024-02-05'),
    voided('E2', 'C1', '2024-01-08'),
    paid('EP1', 'E1', 'C1', 6_000, '2024-02-10'),
    // EUR: a 2,000 invoice of February voided in March leaves March's credit sales.
    issued('E3', 'C1', 2_000, '2024-02-01', '2024-03-02'),
    voided('E3', 'C1', '2024-03-05'),
    paid('EP2', 'E1', 'C1', 4_000, '2024-03-10'),
    // USD: another customer's 50,000 in January, settled in February.
    issued('U1', 'C2', 50_000, '2024-01-10', '2024-01-20', 'USD'),
    paid('UP1', 'U1', 'C2', 50_000, '2024-02-01', 'USD'),
  ];

  it('ages receivables per customer and currency', async () => {
    await sink(rdb.pool, [history]);
    expect((await rdb.pool.query(`SELECT * FROM reporting.ar_aging('2024-01-31') ORDER BY customer_id`)).rows).toEqual([
      { customer_id: 'C1', currency: 'EUR', current: '10000', d1_30: '0', d31_60: '0', d61_90: '0', d90_plus: '0', total: '10000' },
      { customer_id: 'C2', currency: 'USD', current: '0', d1_30: '50000', d31_60: '0', d61_90: '0', d90_plus: '0', total: '50000' },
    ]);
    expect((await rdb.pool.query(`SELECT * FROM reporting.delinquent_customers('2024-01-31')`)).rows).toEqual([
      { customer_id: 'C2', currency: 'USD', overdue_minor: '50000', overdue_count: '1', worst_dpd: 11, open_minor: '50000' },
    ]);
  });

  it('gives monthly KPIs per currency, with voided invoices out of credit sales', async () => {
    await sink(rdb.pool, [history]);
    const { rows } = await rdb.pool.query(`SELECT currency, month::text, credit_sales_minor, beginning_ar_minor,
        ending_ar_minor, ending_current_ar_minor, round(dso, 4)::text AS dso, round(cei, 4)::text AS cei
      FROM reporting.kpi_monthly ORDER BY currency, month`);
    expect(rows).toEqual([
      // Jan: 10,000 open, not due; DSO = 10,000 / 10,000 x 31.
      { currency: 'EUR', month: '2024-01-01', credit_sales_minor: '10000', beginning_ar_minor: '0', ending_ar_minor: '10000',
        ending_current_ar_minor: '10000', dso: '31.0000', cei: null },
      // Feb: E3's 2,000 sold; 4,000 of E1 left (past due) and E3 current.
      { currency: 'EUR', month: '2024-02-01', credit_sales_minor: '2000', beginning_ar_minor: '10000', ending_ar_minor: '6000',
        ending_current_ar_minor: '2000', dso: '87.0000', cei: '60.0000' },
      // Mar: E3 voided takes its 2,000 out of the month's sales; E1 paid off.
      { currency: 'EUR', month: '2024-03-01', credit_sales_minor: '-2000', beginning_ar_minor: '6000', ending_ar_minor: '0',
        ending_current_ar_minor: '0', dso: '0.0000', cei: '100.0000' },
      { currency: 'USD', month: '2024-01-01', credit_sales_minor: '50000', beginning_ar_minor: '0', ending_ar_minor: '50000',
        ending_current_ar_minor: '0', dso: '31.0000', cei: '0.0000' },
      { currency: 'USD', month: '2024-02-01', credit_sales_minor: '0', beginning_ar_minor: '50000', ending_ar_minor: '0',
        ending_current_ar_minor: '0', dso: null, cei: '100.0000' },
    ]);
  });
});
