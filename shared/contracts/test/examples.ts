// One valid event of every event type, for tests here and in the services: start from it, change one thing.
import type { ExposureBreakdown } from '../events.generated.ts';
import type { AnyEvent, EventType } from '../topics.ts';

export type EventOfType<T extends EventType> = Extract<AnyEvent, { eventType: T }>;
type PayloadOf<T extends EventType> = EventOfType<T>['payload'];

const DAY = 20_000; // 2024-10-04, days since 1970-01-01

const breakdown: ExposureBreakdown = {
  openOrders: 40_000,
  openReceivables: 75_000,
  unappliedCash: 5_000,
  exposure: 110_000,
  heldOrders: 0,
  creditLimit: 100_000,
  tempLimit: 20_000,
  effectiveLimit: 120_000,
  shortfall: 0,
  policyVersion: 'v1',
};

export const examplePayloads: { [T in EventType]: PayloadOf<T> } = {
  CustomerCreditProfile: {
    creditLimit: 100_000,
    currency: 'EUR',
    tempLimit: 20_000,
    tempLimitExpiresAt: 1_730_000_000_000,
    paymentTermsDays: 30,
    riskClass: 'B',
    manualHold: false,
    parentCustomerId: null,
    changedBy: 'credit.ops@example.com',
    changeReason: 'annual review',
  },
  OrderPlaced: { orderId: 'O-1', amount: 12_500, currency: 'EUR' },
  OrderAmended: { orderId: 'O-1', amount: 15_000, currency: 'EUR' },
  OrderCancelled: { orderId: 'O-1', reason: 'customer request' },
  BusinessDateTick: { businessDate: DAY },
  InvoiceIssued: { invoiceId: 'I-1', orderId: 'O-1', amount: 15_000, currency: 'EUR', issueDate: DAY, dueDate: DAY + 30 },
  InvoiceAdjusted: { invoiceId: 'I-1', adjustmentId: 'CN-1', amount: -2_000, currency: 'EUR', reason: 'damaged' },
  InvoiceVoided: { invoiceId: 'I-1', reason: null },
  InvoiceDisputed: { invoiceId: 'I-1', disputeId: 'D-1', reason: 'wrong quantity' },
  DisputeResolved: { invoiceId: 'I-1', disputeId: 'D-1', outcome: 'UPHELD' },
  PaymentReceived: {
    paymentId: 'P-1',
    amount: 20_000,
    currency: 'EUR',
    receivedDate: DAY + 25,
    allocations: [
      { invoiceId: 'I-1', amount: 13_000 },
      { invoiceId: 'I-2', amount: 5_000 },
    ],
  },
  PaymentReversed: { paymentId: 'P-1', reason: 'chargeback' },
  CreditActionTaken: { orderId: 'O-2', action: 'RELEASE', actor: 'j.doe', reason: 'collateral received' },
  OrderCreditApproved: { orderId: 'O-1', amount: 12_500, currency: 'EUR', exposure: breakdown },
  OrderCreditHeld: {
    orderId: 'O-2',
    amount: 50_000,
    currency: 'EUR',
    reasons: ['OVER_LIMIT', 'OVERDUE'],
    exposure: { ...breakdown, shortfall: 40_000 },
  },
  OrderCreditReleased: {
    orderId: 'O-2',
    amount: 50_000,
    currency: 'EUR',
    release: 'MANUAL',
    heldMs: 3_600_000,
    trigger: 'CreditActionTaken',
    actor: 'j.doe',
    exposure: breakdown,
  },
  OrderCreditRejected: {
    orderId: 'O-3',
    amount: 9_000,
    currency: 'EUR',
    heldMs: 7_200_000,
    actor: 'j.doe',
    reason: 'fraud suspicion',
  },
  CustomerCreditHoldPlaced: { reasons: ['MANUAL'], exposure: breakdown },
  CustomerCreditHoldReleased: { heldMs: 86_400_000, exposure: breakdown },
  CreditUtilizationWarning: { bandPercent: 80, utilizationBasisPoints: 9_166, exposure: breakdown },
  InvoiceOverdue: {
    invoiceId: 'I-1',
    dueDate: DAY + 30,
    asOfDate: DAY + 31,
    daysPastDue: 1,
    openAmount: 2_000,
    currency: 'EUR',
  },
  InvoiceAgingBucketChanged: {
    invoiceId: 'I-1',
    fromBucket: 'D1_30',
    toBucket: 'D31_60',
    asOfDate: DAY + 61,
    daysPastDue: 31,
    openAmount: 2_000,
    currency: 'EUR',
  },
  InvoiceCured: { invoiceId: 'I-1', cure: 'SETTLED', curedDate: DAY + 62, daysLate: 32 },
  CustomerDelinquencyChanged: {
    fromStatus: 'OVERDUE',
    toStatus: 'DELINQUENT',
    asOfDate: DAY + 61,
    worstDaysPastDue: 31,
    overdueAmount: 2_000,
    overdueCount: 1,
    currency: 'EUR',
  },
  DunningStageReached: {
    invoiceId: 'I-1',
    stage: 'REMINDER_1',
    asOfDate: DAY + 37,
    daysPastDue: 7,
    openAmount: 2_000,
    currency: 'EUR',
  },
  ExposureSnapshot: {
    currency: 'EUR',
    openOrders: 40_000,
    openReceivables: 75_000,
    unappliedCash: 5_000,
    exposure: 110_000,
    heldOrders: 50_000,
    heldOrderCount: 1,
    creditLimit: 100_000,
    effectiveLimit: 120_000,
    utilizationBasisPoints: 9_166,
    onHold: false,
    delinquencyStatus: 'CURRENT',
  },
};

/** A valid event of the type; ticks carry customerId ''. */
export function exampleEvent<T extends EventType>(eventType: T): EventOfType<T> {
  return {
    eventId: '3f0c6a52-5b1e-4a63-9f0e-2b8d7c1a9e44',
    eventType,
    occurredAt: 1_728_000_000_000,
    customerId: eventType === 'BusinessDateTick' ? '' : 'C-1',
    source: 'test',
    causationId: null,
    payload: structuredClone(examplePayloads[eventType]),
  } as unknown as EventOfType<T>;
}
