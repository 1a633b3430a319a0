// validateEvent(event): the invariants the Avro schema cannot express, per event type. Throws
// PoisonRecordError('InvalidEvent') with a message naming the event and the field. serde.decode calls it, so a
// service only ever receives valid events; serde.encode calls it too, and producers that would rather reject an
// input than fail (simulator, importer) call it themselves first.
//
// Rules on derived events (holds, delinquency, exposure) stay at the level of shape (ids, signs, currency): the
// domain arithmetic behind them is the services' to test, not the wire's to enforce.
import { validate as isUuid } from 'uuid';
import { PoisonRecordError } from '../errors.ts';
import type { CreditTerms, ExposureBreakdown } from './events.generated.ts';
import type { AnyEvent, EventType } from './topics.ts';

type PayloadOf<T extends EventType> = Extract<AnyEvent, { eventType: T }>['payload'];

const CURRENCY = /^[A-Z]{3}$/;
const NOTICE_OPT_OUTS = new Set(['ALL', 'PAYMENT_REMINDER', 'OVERDUE_NOTICE', 'TERMS_CHANGED', 'LIMIT_CHANGED', 'CREDIT_HOLD', 'PROMISE_BROKEN']);

/** Checks on one event; each failure names the field, e.g. `payload.allocations[1].amount`. */
class Check {
  constructor(private readonly event: AnyEvent) {}

  fail(field: string, rule: string, value: unknown): never {
    const { eventType, eventId } = this.event;
    throw new PoisonRecordError(
      'InvalidEvent',
      `${String(eventType)} ${String(eventId)}: ${field} ${rule}, got ${JSON.stringify(value)}`,
    );
  }

  nonEmpty(field: string, value: string): void {
    if (value.length === 0) this.fail(field, 'must not be empty', value);
  }

  optionalNonEmpty(field: string, value: string | null): void {
    if (value !== null) this.nonEmpty(field, value);
  }

  atLeast(field: string, value: number, min: number): void {
    if (!(value >= min)) this.fail(field, `must be >= ${min}`, value);
  }

  positive(field: string, value: number): void {
    if (!(value > 0)) this.fail(field, 'must be > 0', value);
  }

  currency(field: string, value: string): void {
    if (!CURRENCY.test(value)) this.fail(field, 'must be an ISO 4217 code (3 capital letters)', value);
  }

  riskClass(field: string, value: string): void {
    if (!/^[A-E]$/.test(value)) this.fail(field, 'must be a risk class A..E', value);
  }

  breakdown(field: string, e: ExposureBreakdown): void {
    this.atLeast(`${field}.heldOrders`, e.heldOrders, 0);
    this.atLeast(`${field}.creditLimit`, e.creditLimit, 0);
    this.atLeast(`${field}.tempLimit`, e.tempLimit, 0);
    this.atLeast(`${field}.shortfall`, e.shortfall, 0);
    this.nonEmpty(`${field}.policyVersion`, e.policyVersion);
  }
}

/** Money with its currency, the common shape of order and decision payloads. */
function orderValue(p: { orderId: string; amount: number; currency: string }, c: Check): void {
  c.nonEmpty('payload.orderId', p.orderId);
  c.atLeast('payload.amount', p.amount, 0);
  c.currency('payload.currency', p.currency);
}

/** A profile's terms, as o2c.customer-changes.v1 carries them before and after a change. */
function promiseOutcome(p: { promiseId: string; amount: number; paid: number; currency: string }, c: Check): void {
  c.nonEmpty('payload.promiseId', p.promiseId);
  c.positive('payload.amount', p.amount);
  c.atLeast('payload.paid', p.paid, 0);
  c.currency('payload.currency', p.currency);
}

function terms(field: string, t: CreditTerms, c: Check): void {
  c.atLeast(`${field}.creditLimit`, t.creditLimit, 0);
  c.currency(`${field}.currency`, t.currency);
  if (t.tempLimit !== null) c.atLeast(`${field}.tempLimit`, t.tempLimit, 0);
  c.atLeast(`${field}.paymentTermsDays`, t.paymentTermsDays, 0);
  c.nonEmpty(`${field}.riskClass`, t.riskClass);
}

const payloadRules: { [T in EventType]: (p: PayloadOf<T>, c: Check) => void } = {
  CustomerCreditProfile: (p, c) => {
    c.atLeast('payload.creditLimit', p.creditLimit, 0);
    c.currency('payload.currency', p.currency);
    if (p.tempLimit !== null) c.atLeast('payload.tempLimit', p.tempLimit, 0);
    if (p.tempLimitExpiresAt !== null) c.positive('payload.tempLimitExpiresAt', p.tempLimitExpiresAt);
    c.atLeast('payload.paymentTermsDays', p.paymentTermsDays, 0);
    c.nonEmpty('payload.riskClass', p.riskClass);
    c.optionalNonEmpty('payload.parentCustomerId', p.parentCustomerId);
    c.nonEmpty('payload.changedBy', p.changedBy);
    if (p.contactEmail != null && !/^[^\s@]+@[^\s@]+$/.test(p.contactEmail)) c.fail('payload.contactEmail', 'must be an e-mail address', p.contactEmail);
    c.optionalNonEmpty('payload.language', p.language ?? null);
    for (const [i, t] of (p.noticeOptOuts ?? []).entries()) {
      if (!NOTICE_OPT_OUTS.has(t)) c.fail(`payload.noticeOptOuts[${i}]`, `must be ALL or a notice type (${[...NOTICE_OPT_OUTS].join(', ')})`, t);
    }
  },
  CustomerProfileChanged: (p, c) => {
    if (p.before !== null) terms('payload.before', p.before, c);
    terms('payload.after', p.after, c);
    c.nonEmpty('payload.changedBy', p.changedBy);
  },

  OrderPlaced: orderValue,
  OrderAmended: orderValue,
  OrderCancelled: (p, c) => c.nonEmpty('payload.orderId', p.orderId),
  BusinessDateTick: (p, c) => c.positive('payload.businessDate', p.businessDate),
  FxRatePublished: (p, c) => {
    c.currency('payload.base', p.base);
    c.currency('payload.quote', p.quote);
    if (p.base === p.quote) c.fail('payload.quote', 'must differ from payload.base', p.quote);
    c.positive('payload.rateDate', p.rateDate);
    if (!/^\d{1,12}(\.\d{1,10})?$/.test(p.rate) || !/[1-9]/.test(p.rate)) {
      c.fail('payload.rate', 'must be a positive decimal with at most 10 fractional digits, e.g. 1.0876', p.rate);
    }
  },

  InvoiceIssued: (p, c) => {
    c.nonEmpty('payload.invoiceId', p.invoiceId);
    c.optionalNonEmpty('payload.orderId', p.orderId);
    c.atLeast('payload.amount', p.amount, 0);
    c.currency('payload.currency', p.currency);
    if (p.dueDate !== null) c.atLeast('payload.dueDate', p.dueDate, p.issueDate);
  },
  InvoiceAdjusted: (p, c) => {
    c.nonEmpty('payload.invoiceId', p.invoiceId);
    c.nonEmpty('payload.adjustmentId', p.adjustmentId);
    if (p.amount === 0) c.fail('payload.amount', 'must not be 0', p.amount);
    c.currency('payload.currency', p.currency);
  },
  InvoiceVoided: (p, c) => c.nonEmpty('payload.invoiceId', p.invoiceId),
  InvoiceDisputed: (p, c) => {
    c.nonEmpty('payload.invoiceId', p.invoiceId);
    c.nonEmpty('payload.disputeId', p.disputeId);
  },
  DisputeResolved: (p, c) => {
    c.nonEmpty('payload.invoiceId', p.invoiceId);
    c.nonEmpty('payload.disputeId', p.disputeId);
    c.nonEmpty('payload.outcome', p.outcome);
  },

  PaymentReceived: (p, c) => {
    c.nonEmpty('payload.paymentId', p.paymentId);
    c.atLeast('payload.amount', p.amount, 0);
    c.currency('payload.currency', p.currency);
    let allocated = 0;
    p.allocations.forEach((a, i) => {
      c.nonEmpty(`payload.allocations[${i}].invoiceId`, a.invoiceId);
      c.positive(`payload.allocations[${i}].amount`, a.amount);
      allocated += a.amount;
    });
    if (allocated > p.amount) c.fail('payload.allocations', `must sum to <= payload.amount ${p.amount}`, allocated);
  },
  PaymentReversed: (p, c) => c.nonEmpty('payload.paymentId', p.paymentId),

  CreditActionTaken: (p, c) => {
    c.nonEmpty('payload.orderId', p.orderId);
    c.nonEmpty('payload.actor', p.actor);
    c.nonEmpty('payload.reason', p.reason);
  },

  OrderCreditApproved: (p, c) => {
    orderValue(p, c);
    c.breakdown('payload.exposure', p.exposure);
  },
  OrderCreditHeld: (p, c) => {
    orderValue(p, c);
    if (p.reasons.length === 0) c.fail('payload.reasons', 'must name at least one reason', p.reasons);
    c.breakdown('payload.exposure', p.exposure);
  },
  OrderCreditReleased: (p, c) => {
    orderValue(p, c);
    c.atLeast('payload.heldMs', p.heldMs, 0);
    c.nonEmpty('payload.trigger', p.trigger);
    c.optionalNonEmpty('payload.actor', p.actor);
    c.breakdown('payload.exposure', p.exposure);
  },
  OrderCreditRejected: (p, c) => {
    orderValue(p, c);
    c.atLeast('payload.heldMs', p.heldMs, 0);
    c.nonEmpty('payload.actor', p.actor);
    c.nonEmpty('payload.reason', p.reason);
  },
  CustomerCreditHoldPlaced: (p, c) => {
    if (p.reasons.length === 0) c.fail('payload.reasons', 'must name at least one reason', p.reasons);
    c.breakdown('payload.exposure', p.exposure);
  },
  CustomerCreditHoldReleased: (p, c) => {
    c.atLeast('payload.heldMs', p.heldMs, 0);
    c.breakdown('payload.exposure', p.exposure);
  },
  CreditUtilizationWarning: (p, c) => {
    c.positive('payload.bandPercent', p.bandPercent);
    c.breakdown('payload.exposure', p.exposure);
  },
  CreditActionRefused: (p, c) => {
    orderValue(p, c);
    c.nonEmpty('payload.actor', p.actor);
    c.atLeast('payload.overLimit', p.overLimit, 0);
    c.atLeast('payload.authorityLimit', p.authorityLimit, 0);
    c.atLeast('payload.shortfall', p.shortfall, 0);
    c.breakdown('payload.exposure', p.exposure);
  },

  InvoiceOverdue: (p, c) => {
    c.nonEmpty('payload.invoiceId', p.invoiceId);
    c.positive('payload.daysPastDue', p.daysPastDue);
    c.currency('payload.currency', p.currency);
  },
  InvoiceAgingBucketChanged: (p, c) => {
    c.nonEmpty('payload.invoiceId', p.invoiceId);
    if (p.fromBucket === p.toBucket) c.fail('payload.toBucket', 'must differ from payload.fromBucket', p.toBucket);
    c.atLeast('payload.daysPastDue', p.daysPastDue, 0);
    c.currency('payload.currency', p.currency);
  },
  InvoiceCured: (p, c) => {
    c.nonEmpty('payload.invoiceId', p.invoiceId);
    c.atLeast('payload.daysLate', p.daysLate, 0);
  },
  CustomerDelinquencyChanged: (p, c) => {
    if (p.fromStatus === p.toStatus) c.fail('payload.toStatus', 'must differ from payload.fromStatus', p.toStatus);
    c.atLeast('payload.worstDaysPastDue', p.worstDaysPastDue, 0);
    c.atLeast('payload.overdueAmount', p.overdueAmount, 0);
    c.atLeast('payload.overdueCount', p.overdueCount, 0);
    c.currency('payload.currency', p.currency);
  },
  DunningStageReached: (p, c) => {
    c.nonEmpty('payload.invoiceId', p.invoiceId);
    c.nonEmpty('payload.stage', p.stage);
    c.atLeast('payload.daysPastDue', p.daysPastDue, 0);
    c.currency('payload.currency', p.currency);
  },

  ExposureSnapshot: (p, c) => {
    c.currency('payload.currency', p.currency);
    c.atLeast('payload.heldOrders', p.heldOrders, 0);
    c.atLeast('payload.heldOrderCount', p.heldOrderCount, 0);
    c.atLeast('payload.creditLimit', p.creditLimit, 0);
    c.atLeast('payload.effectiveLimit', p.effectiveLimit, 0);
    c.nonEmpty('payload.delinquencyStatus', p.delinquencyStatus);
  },

  GroupExposureSnapshot: (p, c) => {
    c.currency('payload.currency', p.currency);
    c.atLeast('payload.heldOrders', p.heldOrders, 0);
    c.atLeast('payload.heldOrderCount', p.heldOrderCount, 0);
    c.atLeast('payload.groupLimit', p.groupLimit, 0);
    c.atLeast('payload.memberCount', p.memberCount, 0);
  },

  MemberInputRouted: (p, c) => {
    c.nonEmpty('payload.memberId', p.memberId);
    c.nonEmpty('payload.input', p.input);
    c.atLeast('payload.originOffset', p.originOffset, 0);
  },
  MemberJoining: (p, c) => {
    c.nonEmpty('payload.memberId', p.memberId);
    c.nonEmpty('payload.moveId', p.moveId);
  },
  MemberHandedOver: (p, c) => {
    c.nonEmpty('payload.memberId', p.memberId);
    c.nonEmpty('payload.moveId', p.moveId);
    c.nonEmpty('payload.profile', p.profile);
  },

  CreditScoreUpdated: (p, c) => {
    if (p.score !== null && !(p.score >= 0 && p.score <= 100)) c.fail('payload.score', 'must be null or 0..100', p.score);
    if (!(p.probabilityBp >= 0 && p.probabilityBp <= 10_000)) c.fail('payload.probabilityBp', 'must be 0..10000', p.probabilityBp);
    c.riskClass('payload.riskClass', p.riskClass);
    c.atLeast('payload.proposedLimit', p.proposedLimit, 0);
    c.atLeast('payload.currentLimit', p.currentLimit, 0);
    c.atLeast('payload.annualSales', p.annualSales, 0);
    if (p.currency !== '') c.currency('payload.currency', p.currency);
    c.nonEmpty('payload.modelVersion', p.modelVersion);
    p.factors.forEach((f, i) => c.nonEmpty(`payload.factors[${i}].factor`, f.factor));
    if (p.issuedInvoice !== null) {
      c.nonEmpty('payload.issuedInvoice.invoiceId', p.issuedInvoice.invoiceId);
      c.riskClass('payload.issuedInvoice.riskClass', p.issuedInvoice.riskClass);
    }
  },
  CreditReviewDue: (p, c) => {
    if (p.reasons.length === 0) c.fail('payload.reasons', 'must not be empty', p.reasons);
    c.riskClass('payload.riskClass', p.riskClass);
    if (p.previousRiskClass !== null) c.riskClass('payload.previousRiskClass', p.previousRiskClass);
    c.atLeast('payload.currentLimit', p.currentLimit, 0);
    c.atLeast('payload.proposedLimit', p.proposedLimit, 0);
    if (p.currency !== '') c.currency('payload.currency', p.currency);
  },

  CustomerNoticeIssued: (p, c) => {
    c.optionalNonEmpty('payload.invoiceId', p.invoiceId);
    c.optionalNonEmpty('payload.orderId', p.orderId);
    c.optionalNonEmpty('payload.stage', p.stage);
    if (p.currency !== null) c.currency('payload.currency', p.currency);
    c.nonEmpty('payload.language', p.language);
    c.optionalNonEmpty('payload.recipient', p.recipient);
    c.nonEmpty('payload.subject', p.subject);
  },
  NoticeDeliveryFailed: (p, c) => {
    if (!isUuid(p.noticeId)) c.fail('payload.noticeId', 'must be a UUID', p.noticeId);
    c.nonEmpty('payload.recipient', p.recipient);
    c.positive('payload.attempts', p.attempts);
    c.positive('payload.failedAt', p.failedAt);
  },
  NoticeDelivered: (p, c) => {
    if (!isUuid(p.noticeId)) c.fail('payload.noticeId', 'must be a UUID', p.noticeId);
    c.nonEmpty('payload.recipient', p.recipient);
    c.positive('payload.attempts', p.attempts);
    c.positive('payload.deliveredAt', p.deliveredAt);
  },
  NoticeDeliveryRetrying: (p, c) => {
    if (!isUuid(p.noticeId)) c.fail('payload.noticeId', 'must be a UUID', p.noticeId);
    c.nonEmpty('payload.recipient', p.recipient);
    c.atLeast('payload.attempts', p.attempts, 0);
    c.positive('payload.failedAt', p.failedAt);
  },
  PromiseToPay: (p, c) => {
    c.nonEmpty('payload.promiseId', p.promiseId);
    c.positive('payload.amount', p.amount);
    c.currency('payload.currency', p.currency);
    c.nonEmpty('payload.recordedBy', p.recordedBy);
  },
  PromiseKept: promiseOutcome,
  PromiseBroken: promiseOutcome,
};

/** Throws PoisonRecordError('InvalidEvent') naming the first field that breaks an invariant. */
export function validateEvent(event: AnyEvent): void {
  const c = new Check(event);
  if (!isUuid(event.eventId)) c.fail('eventId', 'must be a UUID', event.eventId);
  if (event.eventType === 'BusinessDateTick' || event.eventType === 'FxRatePublished') {
    if (event.customerId !== '') c.fail('customerId', `must be '' on a ${event.eventType}`, event.customerId);
  } else {
    c.nonEmpty('customerId', event.customerId);
  }
  c.positive('occurredAt', event.occurredAt);
  c.nonEmpty('source', event.source);
  if (event.causationId !== null && !isUuid(event.causationId)) {
    c.fail('causationId', 'must be null or a UUID', event.causationId);
  }
  const rule = payloadRules[event.eventType] as ((p: AnyEvent['payload'], c: Check) => void) | undefined;
  if (rule === undefined) return c.fail('eventType', 'is not an event type of any topic', event.eventType);
  rule(event.payload, c);
}
