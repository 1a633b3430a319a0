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

  it('gives an invoice without a due date issue date + 30 days (the sink reads no profile: the default terms)', () => {
    const issued = (invoiceId: string, dueDate: number | null) =>
      event(invoiceId, 'InvoiceIssued', 'C1', T0, { invoiceId, orderId: null, amount: 100, currency: 'EUR', issueDate: 19_000, dueDate });
    const ops = toRowOps([issued('I-none', null), issued('I-own', 19_010)]);
    // Day 19000 is 2022-01-08.
    expect(ops.rows.invoiceIssued.map((r) => [r.invoice_id, r.issued_at, r.due_at])).toEqual([
      ['I-none', '2022-01-08', '2022-02-07'],
      ['I-own', '2022-01-08', '2022-01-18'],
    ]);
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
        ['C1', 'CreditActionTaken', 'REJECT', 'bob', 'CREDIT_CONTROLLER', 'too big', 'O2'],
        ['C2', 'CreditActionTaken', 'RELEASE', 'ann', 'CREDIT_MANAGER', 'paid by wire', 'O3'],
      ]);
    expect(ops.rows.auditEntry.map((r) => r.outcome)).toEqual([null, null, null, 'REQUESTED', 'REQUESTED']);
    // The profile as it was changed to: what a later row of the customer changed it from.
    expect(ops.rows.auditEntry[2]).toMatchObject({
      event_id: SCENARIO.customers![2]!.eventId, occurred_at: new Date(T0 + 5 * 86_400_000).toISOString(),
      currency: 'EUR', credit_limit_minor: 150_000, risk_class: 'A', payment_terms_days: 30, manual_hold: false,
    });
  });

  it("audits what became of a credit action: taken (a manual release, a rejection) or refused, with the request's id", () => {
    const request = SCENARIO.creditActions![1]!;
    const exposure = {
      openOrders: 0, openReceivables: 45_000, unappliedCash: 0, exposure: 45_000, heldOrders: 30_000, creditLimit: 50_000,
      tempLimit: 0, effectiveLimit: 50_000, shortfall: 25_000, policyVersion: 'v1',
    };
    const released = {
      orderId: 'O3', amount: 30_000, currency: 'EUR', release: 'MANUAL', heldMs: 1, trigger: 'CreditActionTaken',
      actor: 'ann', exposure, actorRole: 'CREDIT_MANAGER',
    } as const;
    const ops = toRowOps([
      { ...event('r1', 'CreditActionRefused', 'C2', T0, {
        orderId: 'O3', amount: 30_000, currency: 'EUR', action: 'RELEASE', actor: 'carl', actorRole: 'CREDIT_CONTROLLER',
        actionReason: 'good customer', refusal: 'BEYOND_AUTHORITY', overLimit: 25_000, authorityLimit: 10_000,
        shortfall: 15_000, exposure,
      }), causationId: request.eventId },
      { ...event('r2', 'OrderCreditReleased', 'C2', T0, released), causationId: request.eventId },
      // an automatic release is no credit action: no audit entry
      event('r3', 'OrderCreditReleased', 'C2', T0, { ...released, release: 'AUTOMATIC', actor: null, actorRole: null }),
      ...SCENARIO.creditHolds!.filter((e) => e.eventType === 'OrderCreditRejected'),
    ]);
    expect(ops.rows.auditEntry.map((r) => [r.event_type, r.action, r.actor, r.actor_role, r.outcome, r.causation_id, r.refusal,
      r.over_limit_minor, r.authority_limit_minor, r.shortfall_minor, r.order_id])).toEqual([
      ['CreditActionRefused', 'RELEASE', 'carl', 'CREDIT_CONTROLLER', 'REFUSED', request.eventId, 'BEYOND_AUTHORITY', 25_000, 10_000, 15_000, 'O3'],
      ['OrderCreditReleased', 'RELEASE', 'ann', 'CREDIT_MANAGER', 'ACCEPTED', request.eventId, null, null, null, null, 'O3'],
      ['OrderCreditRejected', 'REJECT', 'bob', 'CREDIT_CONTROLLER', 'ACCEPTED', null, null, null, null, null, 'O2'],
    ]);
  });

  it('audits a profile change with the profile before and after, a limit change as LIMIT_CHANGE', () => {
    const terms = {
      creditLimit: 100_000, currency: 'EUR', tempLimit: null, tempLimitExpiresAt: null, paymentTermsDays: 30,
      riskClass: 'B', manualHold: false, parentCustomerId: null,
    };
    const change = (name: string, before: typeof terms | null, after: typeof terms) =>
      event(name, 'CustomerProfileChanged', 'C1', T0, { before, after, changedBy: 'ann', changeReason: 'annual review' });
    const ops = toRowOps([
      change('first', null, terms),
      change('raise', terms, { ...terms, creditLimit: 150_000 }),
      change('terms', { ...terms, creditLimit: 150_000 }, { ...terms, creditLimit: 150_000, paymentTermsDays: 45 }),
    ]);
    expect(ops.rows.auditEntry.map((r) => [r.action, r.previous_credit_limit_minor, r.credit_limit_minor,
      r.previous_payment_terms_days, r.payment_terms_days, r.actor, r.reason])).toEqual([
      ['LIMIT_CHANGE', null, 100_000, null, 30, 'ann', 'annual review'], // the first limit
      ['LIMIT_CHANGE', 100_000, 150_000, 30, 30, 'ann', 'annual review'],
      ['PROFILE_CHANGE', 150_000, 150_000, 30, 45, 'ann', 'annual review'],
    ]);
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

  it('writes a promise from its record (who, which role) and from its outcome, each filling its own columns of one row', () => {
    const ops = toRowOps([...SCENARIO.promiseOutcomes!, ...SCENARIO.collections!]);
    const key = { customer_id: 'C2', promise_id: 'PTP1' };
    const promise = { amount_minor: 30_000, currency: 'EUR', promised_date: '2024-02-27' };
    expect(ops.rows.promiseRecorded).toEqual([{
      ...key, ...promise, recorded_by: 'collector.anna', recorded_by_role: 'CREDIT_CONTROLLER', note: null,
      recorded_at: new Date(T0 + 46 * 86_400_000).toISOString(),
    }]);
    expect(ops.rows.promiseOutcome).toEqual([{
      ...key, ...promise, outcome: 'BROKEN', paid_minor: 0, outcome_date: '2024-02-28',
      outcome_at: new Date(T0 + 49 * 86_400_000).toISOString(),
    }]);
  });

  it('writes every notice (facts and subject, not the body) and every delivery outcome of it under its own id', () => {
    const ops = toRowOps(SCENARIO.notifications!);
    expect(ops.rows.notice.map((r) => [r.customer_id, r.notice_type, r.invoice_id ?? r.order_id, r.stage, r.as_of_date, r.recipient]))
      .toEqual([['C1', 'OVERDUE_NOTICE', 'I1', 'REMINDER_1', '2024-02-17', 'ap@c1.example'], ['C2', 'CREDIT_HOLD', 'O3', null, '2024-01-11', 'ap@c2.example']]);
    expect(Object.keys(ops.rows.notice[0]!)).not.toContain('body');
    expect(ops.rows.noticeDelivery.map((r) => [r.customer_id, r.outcome, r.attempts, r.failure])).toEqual([
      ['C1', 'RETRYING', 1, 'TRANSIENT'],
      ['C1', 'SENT', 2, null],
      ['C2', 'DEAD', 1, 'PERMANENT'],
    ]);
    expect(new Set(ops.rows.noticeDelivery.map((r) => r.notice_id))).toEqual(new Set(ops.rows.notice.map((r) => r.notice_id)));
  });
});
