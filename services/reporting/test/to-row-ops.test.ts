import { describe, expect, it } from 'vitest';
import { ROW_KINDS, ROW_SPECS } from '../src/domain/row-specs.ts';
import { merge, toRowOps } from '../src/domain/to-row-ops.ts';
import { ALL_EVENTS, SCENARIO, T0 } from './scenario.ts';
import { event } from './support.ts';

describe('toRowOps', () => {
  it('gives every row exactly the columns of its kind', () => {
    const ops = toRowOps(ALL_EVENTS);
    for (const kind of ROW_KINDS) {
      for (const row of ops.rows[kind]) expect(Object.keys(row).sort()).toEqual([...ROW_SPECS[kind].columns].sort());
    }
  });

  it('writes nothing for business-date ticks', () => {
    const ops = toRowOps([event('t', 'BusinessDateTick', '', T0, { businessDate: 19_000 })]);
    expect(ROW_KINDS.flatMap((k) => ops.rows[k])).toEqual([]);
    expect(ops.invoiceIds).toEqual([]);
  });

  it('collects the invoices to recompute and the reversed payments', () => {
    const ops = toRowOps([...SCENARIO.invoices!, ...SCENARIO.payments!]);
    expect([...ops.invoiceIds].sort()).toEqual(['I1', 'I2', 'I3']);
    expect(ops.reversedPaymentIds).toEqual(['P3']);
  });

  it('keeps who changed a profile or took a credit action, and why, as one audit row each', () => {
    const ops = toRowOps([...SCENARIO.customers!, ...SCENARIO.creditActions!]);
    expect(ops.rows.auditEntry.map((r) => [r.customer_id, r.event_type, r.action, r.actor, r.actor_role, r.reason, r.order_id]))
      .toEqual([
        ['C1', 'CustomerCreditProfile', 'PROFILE_CHANGE', 'credit-desk', null, null, null],
        ['C2', 'CustomerCreditProfile', 'PROFILE_CHANGE', 'credit-desk', null, null, null],
        ['C1', 'CustomerCreditProfile', 'PROFILE_CHANGE', 'credit-desk', null, 'annual review', null],
        ['C1', 'CreditActionTaken', 'REJECT', 'bob', null, 'too big', 'O2'],
        ['C2', 'CreditActionTaken', 'RELEASE', 'ann', null, 'paid by wire', 'O3'],
      ]);
    // The profile as it was changed to: what a later row of the customer changed it from.
    expect(ops.rows.auditEntry[2]).toMatchObject({
      event_id: SCENARIO.customers![2]!.eventId, occurred_at: new Date(T0 + 5 * 86_400_000).toISOString(),
      currency: 'EUR', credit_limit_minor: 150_000, risk_class: 'A', payment_terms_days: 30, manual_hold: false,
    });
  });

  it('folds a redelivered event into the row it already made', () => {
    const payment = SCENARIO.payments![0]!;
    const ops = toRowOps([payment, payment]);
    expect(ops.rows.payment).toHaveLength(1);
    expect(ops.rows.paymentAllocation).toHaveLength(1);
  });

  it('merges an order placed and amended in one batch, in either order, into the amended amount', () => {
    const [placed, amended] = SCENARIO.orders!;
    const expected = {
      order_id: 'O1', customer_id: 'C1', currency: 'EUR', placed_at: new Date(T0 + 3_600_000).toISOString(),
      amount_minor: 60_000, amount_at: new Date(T0 + 7_200_000).toISOString(),
    };
    expect(toRowOps([placed!, amended!]).rows.orderAmount).toEqual([expected]);
    // Out of order (another partition's clock): the newer amount still wins and placed_at is kept.
    expect(toRowOps([amended!, placed!]).rows.orderAmount).toEqual([expected]);
  });
});

describe('merge', () => {
  const spec = ROW_SPECS.orderDecided;
  const row = (decision: string, at: string, currency: string | null) => ({
    order_id: 'O', customer_id: 'C', currency, decision, reasons: [], decided_at: at, released_at: null,
    rejected_at: null, held_ms: null, decision_at: at,
  });

  it('takes the newer version, the later row on a tie, and keeps the first value of a fill column', () => {
    const older = row('HELD', '2024-01-01T00:00:00.000Z', 'EUR');
    const newer = row('APPROVED', '2024-01-02T00:00:00.000Z', 'USD');
    expect(merge(spec, older, newer)).toMatchObject({ decision: 'APPROVED', currency: 'EUR' });
    expect(merge(spec, newer, older)).toMatchObject({ decision: 'APPROVED', currency: 'USD' });
    const tie = row('APPROVED', '2024-01-01T00:00:00.000Z', null);
    expect(merge(spec, older, tie)).toMatchObject({ decision: 'APPROVED', currency: 'EUR' });
    expect(merge(spec, row('HELD', tie.decision_at, null), older)).toMatchObject({ currency: 'EUR' });
  });

  it('keeps the first row of a history kind', () => {
    const first = { event_id: 'e', note: 1 };
    expect(merge(ROW_SPECS.creditEvent, first, { event_id: 'e', note: 2 })).toBe(first);
  });
});
