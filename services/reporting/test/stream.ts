import type { ExposureBreakdown } from '../../../shared/contracts/events.generated.ts';
import type { TopicRegistry, TopicSpec } from '../../../shared/contracts/topics.ts';
import { MS_PER_DAY, dayOf } from '../../../shared/time.ts';
import type { SinkEvent } from '../src/domain/to-row-ops.ts';
import { event, idOf } from './support.ts';

// A deterministic stream for the sink's stack tests: `customers` customers, each with a short order-to-cash life that
// touches every event type of the eleven topics the sink reads (about 28 events per customer). Event times are distinct
// per customer, so no two versions of a row tie whatever order the topics are consumed in.

const T0 = Date.UTC(2024, 2, 1, 8, 0, 0);
const HOUR = 3_600_000;

const exposure = (value: number, limit: number): ExposureBreakdown => ({
  openOrders: value, openReceivables: 0, unappliedCash: 0, exposure: value, heldOrders: 0, creditLimit: limit,
  tempLimit: 0, effectiveLimit: limit, shortfall: Math.max(0, value - limit), policyVersion: 'v1',
});

export type StreamTopic =
  | 'customers' | 'orders' | 'invoices' | 'payments' | 'creditActions' | 'creditHolds' | 'delinquency' | 'exposure'
  | 'collections' | 'promiseOutcomes' | 'notifications';
export type Stream = Record<StreamTopic, SinkEvent[]>;

export function specOf(topics: TopicRegistry, topic: StreamTopic): TopicSpec {
  const byName: Record<StreamTopic, TopicSpec> = {
    customers: topics.CUSTOMERS, orders: topics.ORDERS, invoices: topics.INVOICES, payments: topics.PAYMENTS,
    creditActions: topics.CREDIT_ACTIONS, creditHolds: topics.CREDIT_HOLDS, delinquency: topics.DELINQUENCY, exposure: topics.EXPOSURE,
    collections: topics.COLLECTIONS, promiseOutcomes: topics.PROMISE_OUTCOMES, notifications: topics.NOTIFICATIONS,
  };
  return byName[topic];
}

/** The lives of customers `from` .. `from + customers - 1`; two calls over disjoint ranges make one longer stream. */
export function buildStream(customers: number, from = 0): Stream {
  const s: Stream = {
    customers: [], orders: [], invoices: [], payments: [], creditActions: [], creditHolds: [], delinquency: [], exposure: [],
    collections: [], promiseOutcomes: [], notifications: [],
  };
  for (let i = from; i < from + customers; i++) {
    const c = `C${i}`;
    const n = (name: string) => `${c}-${name}`;
    // Each customer's life starts an hour after the previous one's; days are counted from there.
    const at = (days: number, hours = 0) => T0 + i * HOUR + days * MS_PER_DAY + hours * 60_000;
    const d0 = dayOf(at(0));
    const limit = 100_000 + i * 1_000;
    const amount = 10_000 + i * 137;

    s.customers.push(
      event(n('p1'), 'CustomerCreditProfile', c, at(0), {
        creditLimit: limit, currency: 'EUR', tempLimit: null, tempLimitExpiresAt: null, paymentTermsDays: 30,
        riskClass: 'B', manualHold: false, parentCustomerId: null, changedBy: 'desk', changeReason: null,
      }),
      event(n('p2'), 'CustomerCreditProfile', c, at(5), {
        creditLimit: limit * 2, currency: 'EUR', tempLimit: 5_000, tempLimitExpiresAt: at(60), paymentTermsDays: 45,
        riskClass: i % 2 === 0 ? 'A' : 'C', manualHold: i % 7 === 0, parentCustomerId: i % 5 === 0 ? 'G1' : null,
        changedBy: 'desk', changeReason: 'review',
      }),
    );
    s.orders.push(
      event(n('oa'), 'OrderPlaced', c, at(0, 1), { orderId: n('OA'), amount, currency: 'EUR' }),
      event(n('oaa'), 'OrderAmended', c, at(0, 2), { orderId: n('OA'), amount: amount + 500, currency: 'EUR' }),
      event(n('ob'), 'OrderPlaced', c, at(0, 3), { orderId: n('OB'), amount: limit * 3, currency: 'EUR' }),
      event(n('oc'), 'OrderPlaced', c, at(1), { orderId: n('OC'), amount: 2_000, currency: 'EUR' }),
      event(n('occ'), 'OrderCancelled', c, at(2), { orderId: n('OC'), reason: 'customer request' }),
    );
    s.creditActions.push(
      event(n('ca'), 'CreditActionTaken', c, at(3) - 60_000, {
        orderId: n('OB'), action: i % 2 === 0 ? 'RELEASE' : 'REJECT', actor: i % 2 === 0 ? 'ann' : 'bob',
        reason: i % 2 === 0 ? 'guarantee received' : 'too big', actorRole: 'CREDIT_CONTROLLER',
      }),
    );
    s.creditHolds.push(
      event(n('da'), 'OrderCreditApproved', c, at(0, 1), { orderId: n('OA'), amount, currency: 'EUR', exposure: exposure(0, limit) }),
      event(n('db'), 'OrderCreditHeld', c, at(0, 3), {
        orderId: n('OB'), amount: limit * 3, currency: 'EUR', reasons: ['OVER_LIMIT'], exposure: exposure(amount, limit),
      }),
      event(n('dh'), 'CustomerCreditHoldPlaced', c, at(0, 4), { reasons: ['OVER_LIMIT'], exposure: exposure(amount, limit) }),
      i % 2 === 0
        ? event(n('dr'), 'OrderCreditReleased', c, at(3), {
            orderId: n('OB'), amount: limit * 3, currency: 'EUR', release: 'MANUAL', heldMs: 3 * MS_PER_DAY,
            trigger: 'CreditActionTaken', actor: 'ann', exposure: exposure(amount, limit), actorRole: 'CREDIT_CONTROLLER',
          })
        : event(n('dj'), 'OrderCreditRejected', c, at(3), {
            orderId: n('OB'), amount: limit * 3, currency: 'EUR', heldMs: 3 * MS_PER_DAY, actor: 'bob', reason: 'too big', actorRole: 'CREDIT_CONTROLLER',
          }),
      event(n('dhr'), 'CustomerCreditHoldReleased', c, at(3, 1), { heldMs: 3 * MS_PER_DAY, exposure: exposure(amount, limit) }),
      event(n('dw'), 'CreditUtilizationWarning', c, at(0, 2), {
        bandPercent: 80, utilizationBasisPoints: 8_500, exposure: exposure(amount, limit),
      }),
    );
    s.invoices.push(
      event(n('ia'), 'InvoiceIssued', c, at(4), {
        invoiceId: n('IA'), orderId: n('OA'), amount: amount + 500, currency: 'EUR', issueDate: d0 + 4, dueDate: d0 + 34,
      }),
      event(n('ib'), 'InvoiceIssued', c, at(4, 1), {
        invoiceId: n('IB'), orderId: null, amount: 3_000, currency: 'EUR', issueDate: d0 + 4, dueDate: d0 + 19,
      }),
      event(n('iaj'), 'InvoiceAdjusted', c, at(8), {
        invoiceId: n('IA'), adjustmentId: n('CN'), amount: -500, currency: 'EUR', reason: 'damaged',
      }),
      ...(i % 3 === 0 ? [event(n('ibv'), 'InvoiceVoided', c, at(9), { invoiceId: n('IB'), reason: 'duplicate' })] : []),
      event(n('iad'), 'InvoiceDisputed', c, at(10), { invoiceId: n('IA'), disputeId: n('DS'), reason: 'quantity' }),
      event(n('iar'), 'DisputeResolved', c, at(12), { invoiceId: n('IA'), disputeId: n('DS'), outcome: 'REJECTED' }),
    );
    s.payments.push(
      event(n('pa'), 'PaymentReceived', c, at(20), {
        paymentId: n('PA'), amount: 4_000, currency: 'EUR', receivedDate: d0 + 20,
        allocations: [{ invoiceId: n('IA'), amount: 4_000 }],
      }),
      event(n('pb'), 'PaymentReceived', c, at(40), {
        paymentId: n('PB'), amount: amount + 1_000, currency: 'EUR', receivedDate: d0 + 40,
        allocations: [{ invoiceId: n('IA'), amount: amount - 4_000 }, { invoiceId: n('IB'), amount: 1_000 }],
      }),
      ...(i % 4 === 0 ? [event(n('pbr'), 'PaymentReversed', c, at(45), { paymentId: n('PB'), reason: 'chargeback' })] : []),
    );
    s.delinquency.push(
      event(n('q1'), 'InvoiceOverdue', c, at(35), {
        invoiceId: n('IA'), dueDate: d0 + 34, asOfDate: d0 + 35, daysPastDue: 1, openAmount: amount - 4_000, currency: 'EUR',
      }),
      event(n('q2'), 'InvoiceAgingBucketChanged', c, at(35, 1), {
        invoiceId: n('IA'), fromBucket: 'CURRENT', toBucket: 'D1_30', asOfDate: d0 + 35, daysPastDue: 1,
        openAmount: amount - 4_000, currency: 'EUR',
      }),
      event(n('q3'), 'CustomerDelinquencyChanged', c, at(35, 2), {
        fromStatus: 'CURRENT', toStatus: 'OVERDUE', asOfDate: d0 + 35, worstDaysPastDue: 1, overdueAmount: amount - 4_000,
        overdueCount: 1, currency: 'EUR',
      }),
      event(n('q4'), 'DunningStageReached', c, at(38), {
        invoiceId: n('IA'), stage: 'REMINDER_1', asOfDate: d0 + 38, daysPastDue: 4, openAmount: amount - 4_000, currency: 'EUR',
      }),
      event(n('q5'), 'InvoiceCured', c, at(40, 1), { invoiceId: n('IA'), cure: 'SETTLED', curedDate: d0 + 40, daysLate: 6 }),
    );
    // A promise of the open amount by day 39, broken on day 40 (the payment comes that day, too late); every third
    // customer's is by day 41, kept by that payment. The outcome is on another topic: the sink may read it first.
    const promise = { promiseId: n('PTP'), amount: amount - 4_000, currency: 'EUR', promisedDate: d0 + (i % 3 === 0 ? 41 : 39) };
    s.collections.push(
      event(n('ptp'), 'PromiseToPay', c, at(36), { ...promise, recordedBy: 'collector.anna', recordedByRole: 'CREDIT_CONTROLLER', note: i % 2 === 0 ? 'after month end' : null }),
    );
    s.promiseOutcomes.push(
      i % 3 === 0
        ? event(n('ptpk'), 'PromiseKept', c, at(40), { ...promise, paid: amount + 1_000, asOfDate: d0 + 40 })
        : event(n('ptpb'), 'PromiseBroken', c, dayOf(at(40)) * MS_PER_DAY, { ...promise, paid: 0, asOfDate: d0 + 40 }),
    );
    // The overdue notice of the dunning stage: mailed at the second attempt; every fifth customer's bounces instead.
    const noticeId = idOf(n('notice'));
    const mail = { noticeId, noticeType: 'OVERDUE_NOTICE' as const, recipient: `ap@${c}.example` };
    s.notifications.push(
      event(n('notice'), 'CustomerNoticeIssued', c, at(38, 1), {
        noticeType: 'OVERDUE_NOTICE', invoiceId: n('IA'), orderId: null, stage: 'REMINDER_1', asOfDate: d0 + 38,
        dueDate: d0 + 34, amount: amount - 4_000, currency: 'EUR', language: i % 2 === 0 ? 'en' : 'de',
        recipient: mail.recipient, subject: `Overdue: invoice ${n('IA')}`, body: 'Invoice is 4 days overdue.',
      }),
      event(n('nr'), 'NoticeDeliveryRetrying', c, at(38, 1), {
        ...mail, attempts: 1, failure: 'TRANSIENT', lastError: '451 4.3.0 try again later', failedAt: at(38, 2),
      }),
      i % 5 === 0
        ? event(n('nf'), 'NoticeDeliveryFailed', c, at(38, 1), {
            ...mail, attempts: 2, permanent: true, lastError: '550 5.1.1 no such user', failedAt: at(38, 3),
          })
        : event(n('nd'), 'NoticeDelivered', c, at(38, 1), { ...mail, attempts: 2, deliveredAt: at(38, 3) }),
    );
    s.exposure.push(
      ...[0, 4, 40].map((day, k) =>
        event(n(`x${k}`), 'ExposureSnapshot', c, at(day, 5), {
          currency: 'EUR', openOrders: amount, openReceivables: k * 1_000, unappliedCash: 0, exposure: amount + k * 1_000,
          heldOrders: 0, heldOrderCount: 0, creditLimit: limit, effectiveLimit: limit,
          utilizationBasisPoints: Math.floor(((amount + k * 1_000) * 10_000) / limit), onHold: k === 0,
          delinquencyStatus: 'CURRENT',
        })),
    );
  }
  return s;
}

export const streamEvents = (s: Stream): SinkEvent[] => Object.values(s).flat();
