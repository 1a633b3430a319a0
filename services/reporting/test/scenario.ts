import type { ExposureBreakdown } from '../../../shared/contracts/events.generated.ts';
import { MS_PER_DAY, dayOf } from '../../../shared/time.ts';
import type { SinkEvent } from '../src/domain/to-row-ops.ts';
import { event, idOf } from './support.ts';

// A small life of two customers touching every event type the sink reads, grouped by topic in log order. Tests
// interleave the topics in different ways; rows must not depend on it.

export const T0 = Date.UTC(2024, 0, 10, 9, 0, 0);
export const D0 = dayOf(T0);
const HOUR = 3_600_000;
const at = (days: number, hours = 0): number => T0 + days * MS_PER_DAY + hours * HOUR;

const exposure = (value: number, limit: number): ExposureBreakdown => ({
  openOrders: value, openReceivables: 0, unappliedCash: 0, exposure: value, heldOrders: 0, creditLimit: limit,
  tempLimit: 0, effectiveLimit: limit, shortfall: 0, policyVersion: 'v1',
});

const profile = (
  name: string, customerId: string, t: number, creditLimit: number, riskClass: string, changeReason: string | null = null,
) =>
  event(name, 'CustomerCreditProfile', customerId, t, {
    creditLimit, currency: 'EUR', tempLimit: null, tempLimitExpiresAt: null, paymentTermsDays: 30, riskClass,
    manualHold: false, parentCustomerId: null, changedBy: 'credit-desk', changeReason,
  });

const snapshot = (name: string, customerId: string, t: number, value: number, limit: number, onHold: boolean) =>
  event(name, 'ExposureSnapshot', customerId, t, {
    currency: 'EUR', openOrders: value, openReceivables: 0, unappliedCash: 0, exposure: value, heldOrders: 0,
    heldOrderCount: 0, creditLimit: limit, effectiveLimit: limit,
    utilizationBasisPoints: Math.floor((value * 10_000) / limit), onHold, delinquencyStatus: 'CURRENT',
  });

const tick = (name: string, day: number) => event(name, 'BusinessDateTick', '', at(day), { businessDate: D0 + day });

export const SCENARIO: Readonly<Record<string, readonly SinkEvent[]>> = {
  customers: [
    profile('p1', 'C1', at(0), 100_000, 'B'),
    profile('p2', 'C2', at(0), 50_000, 'C'),
    // A later profile wins over the earlier one.
    profile('p3', 'C1', at(5), 150_000, 'A', 'annual review'),
  ],
  orders: [
    event('o1', 'OrderPlaced', 'C1', at(0, 1), { orderId: 'O1', amount: 50_000, currency: 'EUR' }),
    event('o1a', 'OrderAmended', 'C1', at(0, 2), { orderId: 'O1', amount: 60_000, currency: 'EUR' }),
    event('o2', 'OrderPlaced', 'C1', at(0, 3), { orderId: 'O2', amount: 90_000, currency: 'EUR' }),
    event('o3', 'OrderPlaced', 'C2', at(1), { orderId: 'O3', amount: 30_000, currency: 'EUR' }),
    tick('to1', 2),
    event('o2c', 'OrderCancelled', 'C1', at(2, 5), { orderId: 'O2', reason: 'customer changed mind' }),
  ],
  invoices: [
    event('i1', 'InvoiceIssued', 'C1', at(1), {
      invoiceId: 'I1', orderId: 'O1', amount: 60_000, currency: 'EUR', issueDate: D0 + 1, dueDate: D0 + 31,
    }),
    event('i2', 'InvoiceIssued', 'C2', at(4), {
      invoiceId: 'I2', orderId: 'O3', amount: 30_000, currency: 'EUR', issueDate: D0 + 4, dueDate: D0 + 34,
    }),
    event('i3', 'InvoiceIssued', 'C2', at(4, 1), {
      invoiceId: 'I3', orderId: null, amount: 1_000, currency: 'EUR', issueDate: D0 + 4, dueDate: D0 + 34,
    }),
    event('i3v', 'InvoiceVoided', 'C2', at(6), { invoiceId: 'I3', reason: 'duplicate' }),
    event('i1adj', 'InvoiceAdjusted', 'C1', at(10), {
      invoiceId: 'I1', adjustmentId: 'CN1', amount: -5_000, currency: 'EUR', reason: 'damaged goods',
    }),
    event('i2d', 'InvoiceDisputed', 'C2', at(12), { invoiceId: 'I2', disputeId: 'DS1', reason: 'quantity' }),
    event('i2r', 'DisputeResolved', 'C2', at(15), { invoiceId: 'I2', disputeId: 'DS1', outcome: 'REJECTED' }),
    tick('ti1', 16),
  ],
  payments: [
    event('pay1', 'PaymentReceived', 'C1', at(20), {
      paymentId: 'P1', amount: 30_000, currency: 'EUR', receivedDate: D0 + 20,
      allocations: [{ invoiceId: 'I1', amount: 30_000 }],
    }),
    event('pay2', 'PaymentReceived', 'C1', at(40), {
      paymentId: 'P2', amount: 25_000, currency: 'EUR', receivedDate: D0 + 40,
      allocations: [{ invoiceId: 'I1', amount: 25_000 }],
    }),
    event('pay3', 'PaymentReceived', 'C2', at(45), {
      paymentId: 'P3', amount: 40_000, currency: 'EUR', receivedDate: D0 + 45,
      allocations: [{ invoiceId: 'I2', amount: 30_000 }],
    }),
    event('pay3r', 'PaymentReversed', 'C2', at(50), { paymentId: 'P3', reason: 'chargeback' }),
  ],
  // The credit controllers' decisions that released O3 and rejected O2 (d5, d7 below).
  creditActions: [
    event('a1', 'CreditActionTaken', 'C1', at(2), { orderId: 'O2', action: 'REJECT', actor: 'bob', reason: 'too big', actorRole: 'CREDIT_CONTROLLER' }),
    event('a2', 'CreditActionTaken', 'C2', at(3), {
      orderId: 'O3', action: 'RELEASE', actor: 'ann', reason: 'paid by wire', actorRole: 'CREDIT_MANAGER',
    }),
  ],
  creditHolds: [
    event('d1', 'OrderCreditApproved', 'C1', at(0, 1), {
      orderId: 'O1', amount: 50_000, currency: 'EUR', exposure: exposure(0, 100_000),
    }),
    event('d2', 'OrderCreditHeld', 'C1', at(0, 3), {
      orderId: 'O2', amount: 90_000, currency: 'EUR', reasons: ['OVER_LIMIT'], exposure: exposure(60_000, 100_000),
    }),
    event('d3', 'OrderCreditHeld', 'C2', at(1), {
      orderId: 'O3', amount: 30_000, currency: 'EUR', reasons: ['OVERDUE', 'RISK_CLASS'],
      exposure: exposure(0, 50_000),
    }),
    event('d4', 'CustomerCreditHoldPlaced', 'C2', at(1), { reasons: ['OVERDUE'], exposure: exposure(0, 50_000) }),
    event('d5', 'OrderCreditReleased', 'C2', at(3), {
      orderId: 'O3', amount: 30_000, currency: 'EUR', release: 'MANUAL', heldMs: 2 * MS_PER_DAY,
      trigger: 'CreditActionTaken', actor: 'ann', exposure: exposure(30_000, 50_000), actorRole: 'CREDIT_MANAGER',
    }),
    event('d6', 'CustomerCreditHoldReleased', 'C2', at(3), { heldMs: 2 * MS_PER_DAY, exposure: exposure(30_000, 50_000) }),
    event('d7', 'OrderCreditRejected', 'C1', at(2), {
      orderId: 'O2', amount: 90_000, currency: 'EUR', heldMs: 2 * MS_PER_DAY - 3 * HOUR, actor: 'bob', reason: 'too big',
      actorRole: 'CREDIT_CONTROLLER',
    }),
    event('d8', 'CreditUtilizationWarning', 'C1', at(0, 1), {
      bandPercent: 50, utilizationBasisPoints: 6_000, exposure: exposure(60_000, 100_000),
    }),
  ],
  delinquency: [
    event('q1', 'InvoiceOverdue', 'C1', at(32), {
      invoiceId: 'I1', dueDate: D0 + 31, asOfDate: D0 + 32, daysPastDue: 1, openAmount: 25_000, currency: 'EUR',
    }),
    event('q2', 'InvoiceAgingBucketChanged', 'C1', at(32), {
      invoiceId: 'I1', fromBucket: 'CURRENT', toBucket: 'D1_30', asOfDate: D0 + 32, daysPastDue: 1,
      openAmount: 25_000, currency: 'EUR',
    }),
    event('q3', 'CustomerDelinquencyChanged', 'C1', at(32), {
      fromStatus: 'CURRENT', toStatus: 'OVERDUE', asOfDate: D0 + 32, worstDaysPastDue: 1, overdueAmount: 25_000,
      overdueCount: 1, currency: 'EUR',
    }),
    event('q4', 'DunningStageReached', 'C1', at(38), {
      invoiceId: 'I1', stage: 'REMINDER_1', asOfDate: D0 + 38, daysPastDue: 7, openAmount: 25_000, currency: 'EUR',
    }),
    event('q5', 'InvoiceCured', 'C1', at(40), { invoiceId: 'I1', cure: 'SETTLED', curedDate: D0 + 40, daysLate: 9 }),
    event('q6', 'CustomerDelinquencyChanged', 'C1', at(40), {
      fromStatus: 'OVERDUE', toStatus: 'CURRENT', asOfDate: D0 + 40, worstDaysPastDue: 0, overdueAmount: 0,
      overdueCount: 0, currency: 'EUR',
    }),
  ],
  collections: [
    event('ptp1', 'PromiseToPay', 'C2', at(46), {
      promiseId: 'PTP1', amount: 30_000, currency: 'EUR', promisedDate: D0 + 48, recordedBy: 'collector.anna',
      recordedByRole: 'CREDIT_CONTROLLER', note: null,
    }),
  ],
  promiseOutcomes: [
    event('ptp1b', 'PromiseBroken', 'C2', at(49), {
      promiseId: 'PTP1', amount: 30_000, paid: 0, currency: 'EUR', promisedDate: D0 + 48, asOfDate: D0 + 49,
    }),
  ],
  // C1's overdue notice of REMINDER_1 (day 38): a 451, then mailed; C2's credit-hold notice, refused for good.
  notifications: [
    event('n1', 'CustomerNoticeIssued', 'C1', at(38, 1), {
      noticeType: 'OVERDUE_NOTICE', invoiceId: 'I1', orderId: null, stage: 'REMINDER_1', asOfDate: D0 + 38, dueDate: D0 + 31,
      amount: 25_000, currency: 'EUR', language: 'en', recipient: 'ap@c1.example', subject: 'Overdue: invoice I1', body: 'I1 is 7 days overdue.',
    }),
    event('n1r', 'NoticeDeliveryRetrying', 'C1', at(38, 1), {
      noticeId: idOf('n1'), noticeType: 'OVERDUE_NOTICE', recipient: 'ap@c1.example', attempts: 1, failure: 'TRANSIENT',
      lastError: '451 4.3.0 try again later', failedAt: at(38, 2),
    }),
    event('n1d', 'NoticeDelivered', 'C1', at(38, 1), {
      noticeId: idOf('n1'), noticeType: 'OVERDUE_NOTICE', recipient: 'ap@c1.example', attempts: 2, deliveredAt: at(38, 3),
    }),
    event('n2', 'CustomerNoticeIssued', 'C2', at(1), {
      noticeType: 'CREDIT_HOLD', invoiceId: null, orderId: 'O3', stage: null, asOfDate: D0 + 1, dueDate: null,
      amount: 30_000, currency: 'EUR', language: 'de', recipient: 'ap@c2.example', subject: 'Kreditsperre: Auftrag O3', body: 'O3',
    }),
    event('n2f', 'NoticeDeliveryFailed', 'C2', at(1), {
      noticeId: idOf('n2'), noticeType: 'CREDIT_HOLD', recipient: 'ap@c2.example', attempts: 1, permanent: true,
      lastError: '550 5.1.1 no such user', failedAt: at(1, 1),
    }),
  ],
  exposure: [
    snapshot('x1', 'C1', at(0, 1), 60_000, 100_000, false),
    snapshot('x2', 'C2', at(1), 0, 50_000, true),
    snapshot('x3', 'C2', at(3), 30_000, 50_000, false),
    snapshot('x4', 'C1', at(40), 0, 150_000, false),
  ],
};

/** Every event in one log-ordered list: topic after topic. */
export const ALL_EVENTS: readonly SinkEvent[] = Object.values(SCENARIO).flat();
