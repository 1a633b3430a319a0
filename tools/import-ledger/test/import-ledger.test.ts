import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contractOf } from '../../../shared/contracts/avro.ts';
import type { InvoiceIssued, PaymentReceived } from '../../../shared/contracts/events.generated.ts';
import { Topics } from '../../../shared/contracts/topics.ts';
import { validateEvent } from '../../../shared/contracts/validate.ts';
import { dayFromIso, dayOf, isoFromDay, MS_PER_DAY } from '../../../shared/time.ts';
import { TICKED_TOPICS } from '../../lib/out-record.ts';
import { creditLimits, monthsSpanned, parseCreditLimit } from '../src/credit-policy.ts';
import { AR_LATE_PAYMENTS, parseMapping } from '../src/mapping.ts';
import { ledgerReplay, type ReplayOptions } from '../src/replay.ts';
import { LedgerFormatError, readLedger } from '../src/rows.ts';

const LEDGER = new URL('../../../data/ar-late-payments.csv', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
const text = readFileSync(LEDGER, 'utf8');
const options: ReplayOptions = {
  sourceId: 'ledger:test',
  currency: 'EUR',
  partitions: 4,
  creditLimit: parseCreditLimit('50000', 2),
};

/** An independent reading of the file: split by hand, dates via Date.UTC, amounts via rounding a float. */
const oracle = text
  .trim()
  .split('\r\n')
  .slice(1)
  .map((line) => {
    const [, customerId, , invoiceId, invoiceDate, dueDate, amount, disputed, settledDate, , , daysLate] = line.split(',');
    const day = (mdy: string) => {
      const [m, d, y] = mdy.split('/').map(Number);
      return Date.UTC(y!, m! - 1, d!) / MS_PER_DAY;
    };
    return {
      customerId: customerId!, invoiceId: invoiceId!, invoiceDay: day(invoiceDate!), dueDay: day(dueDate!),
      amount: Math.round(Number(amount) * 100), disputed: disputed === 'Yes', settledDay: day(settledDate!),
      daysLate: Number(daysLate),
    };
  });

const read = readLedger(text, AR_LATE_PAYMENTS);
const replay = ledgerReplay(read.rows, options);
const events = replay.records.map((r) => r.event);
const ofType = <T extends string>(t: T) => events.filter((e) => e.eventType === t);

describe('the real ledger (ar-late-payments.csv)', () => {
  it('reads every row and rejects none', () => {
    expect(read.rejected).toEqual([]);
    expect(read.rows).toHaveLength(2_466);
  });

  it('derives 2,466 orders, invoices and payments, 561 disputes and 100 customer profiles', () => {
    expect(ofType('OrderPlaced')).toHaveLength(2_466);
    expect(ofType('InvoiceIssued')).toHaveLength(2_466);
    expect(ofType('PaymentReceived')).toHaveLength(2_466);
    expect(ofType('InvoiceDisputed')).toHaveLength(561);
    expect(ofType('DisputeResolved')).toHaveLength(561);
    expect(ofType('CustomerCreditProfile')).toHaveLength(100);
    expect(replay.summary).toMatchObject({ customers: 100, orders: 2_466, invoices: 2_466, payments: 2_466, disputes: 561 });
  });

  it('carries every invoice id, amount and date exactly as the file has them', () => {
    const invoices = new Map(ofType('InvoiceIssued').map((e) => [(e.payload as InvoiceIssued).invoiceId, e]));
    const payments = new Map(
      ofType('PaymentReceived').map((e) => [(e.payload as PaymentReceived).allocations[0]!.invoiceId, e]),
    );
    const orders = new Map(ofType('OrderPlaced').map((e) => [(e.payload as { orderId: string }).orderId, e]));
    for (const row of oracle) {
      const inv = invoices.get(row.invoiceId)!;
      const p = inv.payload as InvoiceIssued;
      expect(inv.customerId).toBe(row.customerId);
      expect(p).toMatchObject({ amount: row.amount, issueDate: row.invoiceDay, dueDate: row.dueDay, currency: 'EUR' });
      expect(dayOf(inv.occurredAt)).toBe(row.invoiceDay);
      const order = orders.get(p.orderId!)!;
      expect(order.payload).toMatchObject({ amount: row.amount });
      expect(dayOf(order.occurredAt)).toBe(row.invoiceDay);
      expect(order.occurredAt).toBeLessThan(inv.occurredAt);
      const pay = payments.get(row.invoiceId)!.payload as PaymentReceived;
      expect(pay).toMatchObject({ amount: row.amount, receivedDate: row.settledDay });
      expect(pay.allocations).toEqual([{ invoiceId: row.invoiceId, amount: row.amount }]);
      // The file's own DaysLate is what a consumer computes from the events.
      expect(Math.max(0, pay.receivedDate - p.dueDate!)).toBe(row.daysLate);
    }
    expect(oracle.filter((r) => r.daysLate > 0)).toHaveLength(877);
    expect([...invoices.keys()].filter((id) => id.startsWith('0')).length).toBeGreaterThan(0); // zeros kept
  });

  it('raises each dispute on the due date (or settlement, if earlier) and resolves it on settlement', () => {
    const rows = new Map(oracle.map((r) => [r.invoiceId, r]));
    for (const e of ofType('InvoiceDisputed')) {
      const row = rows.get((e.payload as { invoiceId: string }).invoiceId)!;
      expect(row.disputed).toBe(true);
      expect(dayOf(e.occurredAt)).toBe(Math.min(row.dueDay, row.settledDay));
    }
    for (const e of ofType('DisputeResolved')) {
      const row = rows.get((e.payload as { invoiceId: string }).invoiceId)!;
      expect(dayOf(e.occurredAt)).toBe(row.settledDay);
    }
  });

  it('is in event-time order: by day, ticks first, then profiles (with their change), orders, invoices, disputes, payments', () => {
    const rank = ['BusinessDateTick', 'CustomerCreditProfile', 'OrderPlaced', 'InvoiceIssued', 'InvoiceDisputed', 'DisputeResolved', 'PaymentReceived'];
    let prev = { at: 0, rank: -1 };
    for (const e of events) {
      // A profile's change goes out with it, in the profiles' slot.
      const cur = { at: e.occurredAt, rank: rank.indexOf(e.eventType === 'CustomerProfileChanged' ? 'CustomerCreditProfile' : e.eventType) };
      expect(cur.rank).toBeGreaterThanOrEqual(0);
      expect(cur.at).toBeGreaterThanOrEqual(prev.at);
      if (dayOf(cur.at) === dayOf(prev.at)) expect(cur.rank).toBeGreaterThanOrEqual(prev.rank);
      prev = cur;
    }
  });

  it('ticks every partition of every ticked topic daily from the first invoice through the end of the last month', () => {
    const first = dayFromIso('2012-01-03');
    const end = dayFromIso('2014-01-31');
    expect(replay.summary).toMatchObject({ firstDay: first, endDay: end });
    const ticks = replay.records.filter((r) => r.event.eventType === 'BusinessDateTick');
    expect(ticks).toHaveLength((end - first + 1) * TICKED_TOPICS.length * 4);
    const seen = new Set(ticks.map((r) => `${r.topic}/${r.partition}/${(r.event.payload as { businessDate: number }).businessDate}`));
    expect(seen.size).toBe(ticks.length);
    for (const r of ticks) expect(dayOf(r.event.occurredAt)).toBe((r.event.payload as { businessDate: number }).businessDate);
    // Tick for day D is written after every event dated before D.
    let tickDay = -Infinity;
    for (const r of replay.records) {
      if (r.event.eventType === 'BusinessDateTick') tickDay = (r.event.payload as { businessDate: number }).businessDate;
      else expect(dayOf(r.event.occurredAt)).toBe(tickDay);
    }
  });

  it('emits only valid events that encode with their topic schema, keyed by customer', () => {
    for (const r of replay.records) {
      validateEvent(r.event);
      const contract = contractOf(Topics[r.topic]);
      expect(contract.type.isValid(contract.toAvro(r.event))).toBe(true);
      if (r.event.eventType !== 'BusinessDateTick') expect([r.key, r.partition]).toEqual([r.event.customerId, undefined]);
    }
  });

  it('derives the same event ids from the same file, other ids from another file', () => {
    const again = ledgerReplay(readLedger(text, AR_LATE_PAYMENTS).rows, options);
    expect(again.records).toEqual(replay.records);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    const other = ledgerReplay(read.rows, { ...options, sourceId: 'ledger:other' });
    expect(other.records[0]!.event.eventId).not.toBe(replay.records[0]!.event.eventId);
  });

  it('sets limits by policy: a fixed amount, or a multiple of average monthly sales over the file', () => {
    expect(monthsSpanned(read.rows)).toBe(24);
    const fixed = ofType('CustomerCreditProfile').map((e) => (e.payload as { creditLimit: number }).creditLimit);
    expect(new Set(fixed)).toEqual(new Set([5_000_000]));
    const limits = creditLimits(parseCreditLimit('2.5x-monthly', 2), read.rows);
    const customer = '0379-NEVHP';
    const total = oracle.filter((r) => r.customerId === customer).reduce((a, r) => a + r.amount, 0);
    expect(limits.get(customer)).toBe(Math.ceil((total * 2.5) / 24));
    expect(() => parseCreditLimit('lots', 2)).toThrow('neither an amount nor');
  });

  it('refuses an end date before the last event', () => {
    expect(() => ledgerReplay(read.rows, { ...options, endDay: dayFromIso('2013-12-31') })).toThrow(
      'end date 2013-12-31 is before the last event date 2014-01-09',
    );
  });
});

describe('bad rows', () => {
  const bad = readLedger(fixture('bad-rows.csv'), AR_LATE_PAYMENTS);

  it('reports each bad row with its line number and every reason, and lets the good rows through', () => {
    expect(bad.rejected).toEqual([
      { line: 4, reasons: ['InvoiceDate "2/30/2013" is not a calendar date'] },
      { line: 5, reasons: ['InvoiceAmount "-105.92" is negative'] },
      { line: 6, reasons: ['InvoiceAmount "1O5.92" is not a decimal number'] },
      { line: 7, reasons: ['missing customerID'] },
      { line: 8, reasons: ['missing invoiceNumber'] },
      { line: 9, reasons: ['DueDate is before InvoiceDate'] },
      { line: 11, reasons: ['duplicate invoiceNumber 0000611365 (first on line 2)'] },
      { line: 12, reasons: ['Disputed "Maybe" is neither yes (yes/y/true/1) nor no'] },
      { line: 13, reasons: ['InvoiceAmount "51.555" has more than 2 decimals', 'SettledDate is before InvoiceDate'] },
      // A short row is not an open invoice with its settlement date missing; a long one is not read either.
      { line: 15, reasons: ['Invalid Record Length: columns length is 12, got 8 on line 15'] },
      { line: 16, reasons: ['Invalid Record Length: columns length is 12, got 13 on line 16'] },
    ]);
    expect(bad.rows.map((r) => [r.line, r.invoiceId, r.amount])).toEqual([
      [2, '0000611365', 5594],
      [3, '0007900770', 6174],
      [14, '7722226336', 29],
    ]);
    const replayed = ledgerReplay(bad.rows, options);
    expect(replayed.summary).toMatchObject({ customers: 3, invoices: 3, payments: 3, disputes: 1 });
  });

  it('refuses a file whose header lacks a mapped column', () => {
    expect(() => readLedger('customerID,invoiceNumber\r\nA,1\r\n', AR_LATE_PAYMENTS)).toThrow(LedgerFormatError);
    expect(() => readLedger('customerID,invoiceNumber\r\nA,1\r\n', AR_LATE_PAYMENTS)).toThrow(
      'header lacks column(s) InvoiceDate, DueDate, InvoiceAmount, SettledDate, Disputed',
    );
  });
});

describe('a mapping file layout', () => {
  const mapping = parseMapping(fixture('erp-mapping.json'));
  const erp = readLedger(fixture('erp-layout.csv'), mapping);

  it('reads other column names, delimiter, date format and decimal comma, and open invoices', () => {
    expect(erp.rejected).toEqual([]);
    expect(erp.rows).toEqual([
      { line: 2, customerId: 'K-100', invoiceId: 'RE-2020-0001', invoiceDay: dayFromIso('2020-01-02'), dueDay: dayFromIso('2020-02-01'), amount: 123_450, settledDay: dayFromIso('2020-01-15'), disputed: false },
      { line: 3, customerId: 'K-100', invoiceId: 'RE-2020-0002', invoiceDay: dayFromIso('2020-01-10'), dueDay: dayFromIso('2020-02-09'), amount: 9_999, settledDay: null, disputed: false },
      { line: 4, customerId: 'K-200', invoiceId: 'RE-2020-0003', invoiceDay: dayFromIso('2020-01-31'), dueDay: dayFromIso('2020-03-01'), amount: 100_000, settledDay: dayFromIso('2020-03-04'), disputed: false },
    ]);
    const replayed = ledgerReplay(erp.rows, { ...options, currency: mapping.currency });
    expect(replayed.summary).toMatchObject({ invoices: 3, payments: 2, endDay: dayFromIso('2020-03-31') });
    expect(isoFromDay(replayed.summary.firstDay)).toBe('2020-01-02');
  });

  it('rejects a mapping that names no column for a required field, or an unknown field', () => {
    expect(() => parseMapping('{"columns": {"customerId": "a"}}')).toThrow('mapping: columns.invoiceId must be a non-empty string');
    expect(() =>
      parseMapping('{"columns": {"customerId": "a", "invoiceId": "b", "invoiceDate": "c", "dueDate": "d", "amount": "e", "vat": "f"}}'),
    ).toThrow('mapping: columns.vat is not a ledger field');
  });
});
