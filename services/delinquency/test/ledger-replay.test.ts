// The real AR ledger (IBM "Late Payment Histories", 2,466 invoices of 100 customers) replayed through the core in
// event time with daily business-date ticks through 2014-01-31. The file states its own truth: DaysLate.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DelinquencyEvent } from '../../../shared/contracts/events.generated.ts';
import { dayFromIso, startOfDay } from '../../../shared/time.ts';
import { defaultPolicy, type DatedInput } from '../src/domain/index.ts';
import { drive, type Item } from './drive.ts';
import { runModel } from './model.ts';

const LEDGER = new URL('../../../data/ar-late-payments.csv', import.meta.url);
const LAST_TICK = dayFromIso('2014-01-31');

interface Row {
  customerID: string;
  invoiceNumber: string;
  InvoiceDate: string;
  DueDate: string;
  InvoiceAmount: string;
  Disputed: 'Yes' | 'No';
  SettledDate: string;
  DaysLate: string;
}

/** M/D/YYYY -> days since epoch. */
function usDay(mdy: string): number {
  const [m, d, y] = mdy.split('/');
  return dayFromIso(`${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}`);
}

/** "61.7" -> 6170, without floating point. */
function cents(major: string): number {
  const [units, fraction = ''] = major.split('.');
  return Number(units) * 100 + Number(fraction.padEnd(2, '0'));
}

type Topic = 'invoices' | 'payments';

/**
 * Per row: issued on InvoiceDate; a disputed invoice is disputed that day and the dispute resolved on SettledDate,
 * just before the payment that settles it in full. One currency: the file has none ('XXX').
 */
function toInputs(rows: Row[]): Array<{ topic: Topic; day: number; input: DatedInput }> {
  const out: Array<{ topic: Topic; day: number; input: DatedInput }> = [];
  const add = (topic: Topic, day: number, input: Omit<DatedInput, 'occurredAt' | 'source' | 'causationId'>) =>
    out.push({ topic, day, input: { ...input, occurredAt: startOfDay(day), source: 'ledger', causationId: null } as DatedInput });
  for (const r of rows) {
    const invoiceId = r.invoiceNumber;
    const customerId = r.customerID;
    const [issueDate, dueDate, settled] = [usDay(r.InvoiceDate), usDay(r.DueDate), usDay(r.SettledDate)];
    const amount = cents(r.InvoiceAmount);
    add('invoices', issueDate, {
      eventId: `issue-${invoiceId}`, eventType: 'InvoiceIssued', customerId,
      payload: { invoiceId, orderId: null, amount, currency: 'XXX', issueDate, dueDate },
    });
    if (r.Disputed === 'Yes') {
      add('invoices', issueDate, {
        eventId: `dispute-${invoiceId}`, eventType: 'InvoiceDisputed', customerId,
        payload: { invoiceId, disputeId: `dispute-${invoiceId}`, reason: null },
      });
      add('invoices', settled, {
        eventId: `resolve-${invoiceId}`, eventType: 'DisputeResolved', customerId,
        payload: { invoiceId, disputeId: `dispute-${invoiceId}`, outcome: 'SETTLED' },
      });
    }
    add('payments', settled, {
      eventId: `pay-${invoiceId}`, eventType: 'PaymentReceived', customerId,
      payload: { paymentId: `pay-${invoiceId}`, amount, currency: 'XXX', receivedDate: settled, allocations: [{ invoiceId, amount }] },
    });
  }
  return out;
}

/** Each day: both topics tick, then the day's invoice events, then its payments, each in file order. */
function schedule(inputs: ReturnType<typeof toInputs>): Item[] {
  const byDay = new Map<number, typeof inputs>();
  for (const x of inputs) byDay.set(x.day, [...(byDay.get(x.day) ?? []), x]);
  const first = Math.min(...byDay.keys());
  const items: Item[] = [];
  for (let day = first; day <= LAST_TICK; day++) {
    items.push({ tick: 'invoices', businessDate: day }, { tick: 'payments', businessDate: day });
    const today = byDay.get(day) ?? [];
    for (const topic of ['invoices', 'payments'] as const) {
      for (const x of today) if (x.topic === topic) items.push({ input: x.input });
    }
  }
  return items;
}

describe('replay of the real AR ledger', () => {
  const rows: Row[] = parse(readFileSync(LEDGER), { columns: true, skip_empty_lines: true });
  const daysLate = new Map(rows.map((r) => [r.invoiceNumber, Number(r.DaysLate)]));
  const inputs = toInputs(rows);
  const items = schedule(inputs);
  const worstReached = new Map<string, number>();
  let replay: ReturnType<typeof drive>;
  const ofType = <T extends DelinquencyEvent['eventType']>(t: T) =>
    replay.events.filter((e): e is Extract<DelinquencyEvent, { eventType: T }> => e.eventType === t);

  beforeAll(() => {
    replay = drive(items, defaultPolicy, { onAsOf: (asOf, states) => {
      for (const [customerId, state] of states) {
        for (const inv of Object.values(state.open)) {
          worstReached.set(customerId, Math.max(worstReached.get(customerId) ?? 0, asOf - inv.dueDate));
        }
      }
    } });
  });

  it('reads the ledger the README describes', () => {
    expect(rows).toHaveLength(2_466);
    expect([...daysLate.values()].filter((n) => n > 0)).toHaveLength(877);
    expect(replay.rejected).toEqual([]);
  });

  it('makes exactly the 877 late invoices go overdue, once each', () => {
    const overdue = ofType('InvoiceOverdue').map((e) => e.payload.invoiceId);
    const late = rows.filter((r) => Number(r.DaysLate) > 0).map((r) => r.invoiceNumber);
    expect(overdue).toHaveLength(877);
    expect(new Set(overdue)).toEqual(new Set(late));
  });

  it("cures every invoice, settled, with the file's DaysLate", () => {
    const cured = ofType('InvoiceCured');
    expect(cured).toHaveLength(2_466);
    for (const e of cured) {
      expect({ id: e.payload.invoiceId, cure: e.payload.cure, daysLate: e.payload.daysLate }).toEqual({
        id: e.payload.invoiceId,
        cure: 'SETTLED',
        daysLate: daysLate.get(e.payload.invoiceId),
      });
    }
    for (const state of replay.states.values()) {
      expect(state.open).toEqual({});
      expect(state.status).toBe('CURRENT');
    }
  });

  it("reaches per customer the worst days past due equal to the file's maximum DaysLate", () => {
    const fileMax = new Map<string, number>();
    for (const r of rows) fileMax.set(r.customerID, Math.max(fileMax.get(r.customerID) ?? 0, Number(r.DaysLate)));
    expect(new Map([...fileMax].map(([c]) => [c, worstReached.get(c) ?? 0]))).toEqual(fileMax);
    // The status events say the same: each late customer's worst status change matches its worst lateness.
    const statusWorst = new Map<string, number>();
    for (const e of ofType('CustomerDelinquencyChanged')) {
      statusWorst.set(e.customerId, Math.max(statusWorst.get(e.customerId) ?? 0, e.payload.worstDaysPastDue));
    }
    for (const [customerId, worst] of statusWorst) expect(worst).toBeLessThanOrEqual(fileMax.get(customerId)!);
  });

  it('dunns undisputed late invoices up the ladder to their lateness; disputed ones once, when resolved', () => {
    const stages = new Map<string, string[]>();
    for (const e of ofType('DunningStageReached')) stages.set(e.payload.invoiceId, [...(stages.get(e.payload.invoiceId) ?? []), e.payload.stage]);
    for (const r of rows) {
      const reached = defaultPolicy.dunningLadder.filter((s) => s.daysPastDue <= Number(r.DaysLate)).map((s) => s.stage);
      const expected = r.Disputed === 'Yes' ? reached.slice(-1) : reached;
      expect([r.invoiceNumber, stages.get(r.invoiceNumber) ?? []]).toEqual([r.invoiceNumber, expected]);
    }
  });

  it('agrees with the reference model, customer by customer', () => {
    const byCustomer = new Map<string, DatedInput[]>();
    for (const item of items) {
      if ('input' in item) byCustomer.set(item.input.customerId, [...(byCustomer.get(item.input.customerId) ?? []), item.input as DatedInput]);
    }
    const normal = (e: Pick<DelinquencyEvent, 'eventType' | 'occurredAt' | 'payload'>) =>
      JSON.stringify([e.eventType, e.occurredAt, e.payload]);
    for (const [customerId, ins] of byCustomer) {
      const model = runModel(ins, LAST_TICK, defaultPolicy);
      const core = replay.events.filter((e) => e.customerId === customerId);
      expect(core.map(normal).sort()).toEqual(model.events.map(normal).sort());
    }
  });
});
