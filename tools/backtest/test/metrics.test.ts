// The backtest's figures on small hand-built histories: given the ledger's book and what a policy published on
// credit-holds, when the figures are computed, then each is what the README defines.
import { describe, expect, it } from 'vitest';
import type { CreditHoldEvent, HoldReason } from '../../../shared/contracts/events.generated.ts';
import { dayFromIso, MS_PER_DAY, startOfDay } from '../../../shared/time.ts';
import { percentile, policyFigures, type Book, type BookInvoice, type BookOrder } from '../src/metrics.ts';

const HOUR = 3_600_000;
const day = dayFromIso;
const at = (iso: string, hour: number) => startOfDay(day(iso)) + hour * HOUR;
const exposure = { openOrders: 0, heldOrders: 0, openReceivables: 0, unappliedCash: 0, exposure: 0, effectiveLimit: 0, shortfall: 0 };

function order(id: string, amount: number, placed: string): BookOrder {
  return { orderId: id, customerId: 'C1', amount, placedAt: at(placed, 9) };
}
function invoice(orderId: string, amount: number, issued: string, due: string, settled: string | null): BookInvoice {
  return { invoiceId: `I-${orderId}`, orderId, amount, issuedAt: at(issued, 12), issueDay: day(issued), dueDay: day(due), settledDay: settled === null ? null : day(settled) };
}
const envelope = (eventType: string, orderId: string, occurredAt: number) =>
  ({ eventId: `${eventType}-${orderId}`, eventType, occurredAt, customerId: 'C1', source: 'test', causationId: null });
const approved = (orderId: string, amount: number, t: number) =>
  ({ ...envelope('OrderCreditApproved', orderId, t), payload: { orderId, amount, currency: 'EUR', exposure } }) as unknown as CreditHoldEvent;
const held = (orderId: string, amount: number, t: number, reasons: HoldReason[] = ['OVER_LIMIT']) =>
  ({ ...envelope('OrderCreditHeld', orderId, t), payload: { orderId, amount, currency: 'EUR', reasons, exposure } }) as unknown as CreditHoldEvent;
const released = (orderId: string, amount: number, heldAt: number, t: number, release: 'AUTOMATIC' | 'MANUAL' = 'AUTOMATIC') =>
  ({
    ...envelope('OrderCreditReleased', orderId, t),
    payload: { orderId, amount, currency: 'EUR', release, heldMs: t - heldAt, trigger: 'PaymentReceived', actor: null, exposure, actorRole: null },
  }) as unknown as CreditHoldEvent;
const rejected = (orderId: string, amount: number, heldAt: number, t: number) =>
  ({
    ...envelope('OrderCreditRejected', orderId, t),
    payload: { orderId, amount, currency: 'EUR', heldMs: t - heldAt, actor: 'ann', reason: 'no', actorRole: 'CREDIT_CONTROLLER' },
  }) as unknown as CreditHoldEvent;

describe('backtest figures', () => {
  // Given: three orders in March 2013, each invoiced the day it is placed and due in 30 days.
  //   A 100.00 approved, paid on time.
  //   B 200.00 held at placement (09:00), still held when invoiced (12:00), released by a payment on 04-20.
  //   C 300.00 held at placement, released at 10:00 (before its invoice), paid late on 05-10.
  const book: Book = {
    orders: [order('A', 10_000, '2013-03-01'), order('B', 20_000, '2013-03-05'), order('C', 30_000, '2013-03-10')],
    invoices: [
      invoice('A', 10_000, '2013-03-01', '2013-03-31', '2013-03-30'),
      invoice('B', 20_000, '2013-03-05', '2013-04-04', '2013-05-15'),
      invoice('C', 30_000, '2013-03-10', '2013-04-09', '2013-05-10'),
    ],
    endAt: startOfDay(day('2013-06-01')),
  };
  const holds = [
    approved('A', 10_000, at('2013-03-01', 9)),
    held('B', 20_000, at('2013-03-05', 9)),
    held('C', 30_000, at('2013-03-10', 9), ['OVER_LIMIT', 'OVERDUE']),
    released('C', 30_000, at('2013-03-10', 9), at('2013-03-10', 10)),
    released('B', 20_000, at('2013-03-05', 9), at('2013-04-20', 16)),
  ];
  const figures = policyFigures(book, holds);

  it('counts the orders approved, held, released, and held when the ledger invoiced them', () => {
    expect(figures.orders).toEqual({
      placed: 3, approved: 1, held: 2, released: 2, releasedAutomatic: 2, releasedManual: 0, rejected: 0, stillHeld: 0,
      blocked: 1, // B: released only after its invoice; C was released before it was invoiced
    });
    expect(figures.value).toEqual({ held: 50_000, released: 50_000, stillHeld: 0, blocked: 20_000 });
    expect(figures.reasons).toEqual({ OVER_LIMIT: 2, OVERDUE: 1 });
  });

  it('takes each hold until its release (nearest-rank p50 and p90 of the two)', () => {
    const b = at('2013-04-20', 16) - at('2013-03-05', 9);
    expect(figures.holdDurationMs).toEqual({ p50: HOUR, p90: b });
  });

  it('reports, at each month-end, the blocked orders overdue receivables and DSO without their invoices', () => {
    // The months run from the first invoice (March) to the last settlement (May).
    expect(figures.months.map((m) => m.monthEnd)).toEqual(['2013-03-31', '2013-04-30', '2013-05-31']);
    const [march, april, may] = figures.months;
    // 03-31: A settled 03-30, B and C open and not yet due: nothing overdue. Credit sales 600.00 over 31 days.
    expect(march).toEqual({ month: '2013-03', monthEnd: '2013-03-31', overdueAvoided: 0, overdue: 0,
      dso: (30_000 / 40_000) * 31, ledgerDso: (50_000 / 60_000) * 31 });
    // 04-30: B (due 04-04) and C (due 04-09) open and overdue; only B was blocked. No sales in April: no DSO.
    expect(april).toEqual({ month: '2013-04', monthEnd: '2013-04-30', overdueAvoided: 20_000, overdue: 50_000, dso: null, ledgerDso: null });
    // 05-31: all settled.
    expect(may).toMatchObject({ overdueAvoided: 0, overdue: 0 });
  });

  it('counts a hold still on at the end up to the end of history, and a rejection as ending it', () => {
    // Given B held and never released, C held and rejected a day later.
    const f = policyFigures(book, [
      approved('A', 10_000, at('2013-03-01', 9)),
      held('B', 20_000, at('2013-03-05', 9)),
      held('C', 30_000, at('2013-03-10', 9)),
      rejected('C', 30_000, at('2013-03-10', 9), at('2013-03-11', 9)),
    ]);
    expect(f.orders).toMatchObject({ held: 2, released: 0, rejected: 1, stillHeld: 1, blocked: 2 });
    expect(f.value).toEqual({ held: 50_000, released: 0, stillHeld: 20_000, blocked: 50_000 });
    expect(f.holdDurationMs).toEqual({ p50: MS_PER_DAY, p90: book.endAt - at('2013-03-05', 9) });
    expect(f.months[1]!.overdueAvoided).toBe(50_000);
    expect(f.months[1]!.overdue).toBe(50_000);
  });

  it('has no hold duration and avoids nothing when nothing was held, and DSO is then the ledger DSO', () => {
    const f = policyFigures(book, [approved('A', 1, 0), approved('B', 1, 0), approved('C', 1, 0)]);
    expect(f.orders).toMatchObject({ approved: 3, held: 0, blocked: 0 });
    expect(f.holdDurationMs).toBeNull();
    for (const m of f.months) {
      expect(m.overdueAvoided).toBe(0);
      expect(m.dso).toBe(m.ledgerDso);
    }
  });

  it('counts a manual release apart from an automatic one', () => {
    const f = policyFigures(book, [held('B', 20_000, 0), released('B', 20_000, 0, at('2013-03-05', 10), 'MANUAL')]);
    expect(f.orders).toMatchObject({ held: 1, released: 1, releasedAutomatic: 0, releasedManual: 1, blocked: 0 });
  });
});

describe('percentile (nearest rank)', () => {
  it('is the smallest value with at least p% of the values at or below it', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect([percentile(ten, 50), percentile(ten, 90), percentile(ten, 91), percentile(ten, 100)]).toEqual([5, 9, 10, 10]);
    expect(percentile([7], 50)).toBe(7);
    expect(() => percentile([], 50)).toThrow(RangeError);
  });
});
