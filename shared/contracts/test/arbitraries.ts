// fast-check arbitraries of valid events, for every event type and topic. Valid means: encodes against the topic's
// schema and passes validateEvent, so anything that fails on these is a bug in the serde or the rules.
import fc from 'fast-check';
import type { CreditTerms, ExposureBreakdown } from '../events.generated.ts';
import type { AnyEvent, EventType, TopicSpec } from '../topics.ts';

type PayloadOf<T extends EventType> = Extract<AnyEvent, { eventType: T }>['payload'];

// Graphemes, not UTF-16 units: a lone surrogate cannot survive UTF-8, so it is not a string Avro can carry.
const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
const optText = fc.option(text, { nil: null });
const id = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 10 });
const money = fc.integer({ min: 0, max: 10 ** 12 });
const signed = fc.integer({ min: -(10 ** 12), max: 10 ** 12 });
const nonZero = signed.filter((n) => n !== 0);
const currency = fc.constantFrom('EUR', 'USD', 'GBP', 'CHF', 'JPY');
const day = fc.integer({ min: 1, max: 40_000 });
const days = fc.integer({ min: 0, max: 3_650 });
const count = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const epochMs = fc.integer({ min: 1, max: 4_102_444_800_000 });
const holdReasons = fc.uniqueArray(fc.constantFrom('OVER_LIMIT', 'OVERDUE', 'MANUAL', 'RISK_CLASS', 'NO_CREDIT_PROFILE', 'STATE_INCOMPLETE', 'MAX_DOCUMENT_VALUE', 'OLDEST_ITEM_OVERDUE', 'GROUP_OVER_LIMIT'), {
  minLength: 1,
});
const bucket = fc.constantFrom('CURRENT', 'D1_30', 'D31_60', 'D61_90', 'D90_PLUS');
const status = fc.constantFrom('CURRENT', 'OVERDUE', 'DELINQUENT', 'SEVERE');
const riskClass = fc.constantFrom('A', 'B', 'C', 'D', 'E');
const noticeType = fc.constantFrom('PAYMENT_REMINDER', 'OVERDUE_NOTICE', 'TERMS_CHANGED', 'LIMIT_CHANGED', 'CREDIT_HOLD', 'PROMISE_BROKEN');

const creditAction = fc.constantFrom('RELEASE', 'REJECT');
const actorRole = fc.constantFrom('VIEWER', 'CREDIT_CONTROLLER', 'CREDIT_MANAGER', 'ADMIN');
const terms: fc.Arbitrary<CreditTerms> = fc.record({
  creditLimit: money,
  currency,
  tempLimit: fc.option(money, { nil: null }),
  tempLimitExpiresAt: fc.option(epochMs, { nil: null }),
  paymentTermsDays: days,
  riskClass,
  manualHold: fc.boolean(),
  parentCustomerId: fc.option(id, { nil: null }),
});

const breakdown: fc.Arbitrary<ExposureBreakdown> = fc.record({
  openOrders: money,
  openReceivables: signed,
  unappliedCash: money,
  exposure: signed,
  heldOrders: money,
  creditLimit: money,
  tempLimit: money,
  effectiveLimit: money,
  shortfall: money,
  policyVersion: id,
});

const order = { orderId: id, amount: money, currency };

const payloads: { [T in EventType]: fc.Arbitrary<PayloadOf<T>> } = {
  CustomerCreditProfile: fc.record({
    creditLimit: money,
    currency,
    tempLimit: fc.option(money, { nil: null }),
    tempLimitExpiresAt: fc.option(epochMs, { nil: null }),
    paymentTermsDays: days,
    riskClass: fc.constantFrom('A', 'B', 'C', 'D', 'E'),
    manualHold: fc.boolean(),
    parentCustomerId: fc.option(id, { nil: null }),
    changedBy: text,
    changeReason: optText,
    contactEmail: fc.option(fc.emailAddress(), { nil: null }),
    language: fc.option(fc.constantFrom('en', 'de', 'fr'), { nil: null }),
    noticeOptOuts: fc.option(fc.uniqueArray(noticeType), { nil: null }),
  }),
  CustomerProfileChanged: fc.record({ before: fc.option(terms, { nil: null }), after: terms, changedBy: text, changeReason: optText }),
  OrderPlaced: fc.record(order),
  OrderAmended: fc.record(order),
  OrderCancelled: fc.record({ orderId: id, reason: optText }),
  BusinessDateTick: fc.record({ businessDate: day }),
  FxRatePublished: fc.record({
    base: fc.constant('EUR'),
    quote: fc.constantFrom('USD', 'GBP', 'JPY', 'CHF'),
    rateDate: day,
    rate: fc.tuple(fc.integer({ min: 1, max: 200 }), fc.nat(9999)).map(([u, f]) => `${u}.${String(f).padStart(4, '0')}`),
  }),
  InvoiceIssued: fc
    .record({ invoiceId: id, orderId: fc.option(id, { nil: null }), amount: money, currency, issueDate: day, terms: fc.option(days, { nil: null }) })
    // No due date: the consumers take issue date + payment terms (shared/rules/due-date.ts).
    .map(({ terms, ...p }) => ({ ...p, dueDate: terms === null ? null : p.issueDate + terms })),
  InvoiceAdjusted: fc.record({ invoiceId: id, adjustmentId: id, amount: nonZero, currency, reason: optText }),
  InvoiceVoided: fc.record({ invoiceId: id, reason: optText }),
  InvoiceDisputed: fc.record({ invoiceId: id, disputeId: id, reason: optText }),
  DisputeResolved: fc.record({ invoiceId: id, disputeId: id, outcome: text }),
  PaymentReceived: fc
    .record({
      paymentId: id,
      unapplied: money,
      currency,
      receivedDate: day,
      allocations: fc.array(fc.record({ invoiceId: id, amount: fc.integer({ min: 1, max: 10 ** 12 }) }), {
        maxLength: 4,
      }),
    })
    .map(({ unapplied, ...p }) => ({ ...p, amount: unapplied + p.allocations.reduce((s, a) => s + a.amount, 0) })),
  PaymentReversed: fc.record({ paymentId: id, reason: optText }),
  CreditActionTaken: fc.record({ orderId: id, action: creditAction, actor: text, reason: text, actorRole: fc.option(actorRole, { nil: null }) }),
  OrderCreditApproved: fc.record({ ...order, exposure: breakdown }),
  OrderCreditHeld: fc.record({ ...order, reasons: holdReasons, exposure: breakdown }),
  OrderCreditReleased: fc.record({
    ...order,
    release: fc.constantFrom('AUTOMATIC', 'MANUAL'),
    heldMs: money,
    trigger: id,
    actor: fc.option(text, { nil: null }),
    exposure: breakdown,
    actorRole: fc.option(actorRole, { nil: null }),
  }),
  OrderCreditRejected: fc.record({ ...order, heldMs: money, actor: text, reason: text, actorRole: fc.option(actorRole, { nil: null }) }),
  CustomerCreditHoldPlaced: fc.record({ reasons: holdReasons, exposure: breakdown }),
  CustomerCreditHoldReleased: fc.record({ heldMs: money, exposure: breakdown }),
  CreditUtilizationWarning: fc.record({
    bandPercent: fc.integer({ min: 1, max: 1_000 }),
    utilizationBasisPoints: money,
    exposure: breakdown,
  }),
  CreditActionRefused: fc.record({
    ...order,
    action: creditAction,
    actor: text,
    actorRole: fc.option(actorRole, { nil: null }),
    actionReason: text,
    refusal: fc.constantFrom('ROLE_NOT_PERMITTED', 'BEYOND_AUTHORITY'),
    overLimit: money,
    authorityLimit: money,
    shortfall: money,
    exposure: breakdown,
  }),
  InvoiceOverdue: fc.record({
    invoiceId: id,
    dueDate: day,
    asOfDate: day,
    daysPastDue: fc.integer({ min: 1, max: 3_650 }),
    openAmount: money,
    currency,
  }),
  InvoiceAgingBucketChanged: fc
    .record({ invoiceId: id, buckets: fc.uniqueArray(bucket, { minLength: 2, maxLength: 2 }), asOfDate: day, daysPastDue: days, openAmount: money, currency })
    .map(({ buckets: [fromBucket, toBucket], ...p }) => ({ ...p, fromBucket: fromBucket!, toBucket: toBucket! })),
  InvoiceCured: fc.record({ invoiceId: id, cure: fc.constantFrom('SETTLED', 'CREDITED', 'VOIDED'), curedDate: day, daysLate: days }),
  CustomerDelinquencyChanged: fc
    .record({ statuses: fc.uniqueArray(status, { minLength: 2, maxLength: 2 }), asOfDate: day, worstDaysPastDue: days, overdueAmount: money, overdueCount: count, currency })
    .map(({ statuses: [fromStatus, toStatus], ...p }) => ({ ...p, fromStatus: fromStatus!, toStatus: toStatus! })),
  DunningStageReached: fc.record({ invoiceId: id, stage: id, asOfDate: day, daysPastDue: days, openAmount: money, currency }),
  ExposureSnapshot: fc.record({
    currency,
    openOrders: money,
    openReceivables: signed,
    unappliedCash: money,
    exposure: signed,
    heldOrders: money,
    heldOrderCount: count,
    creditLimit: money,
    effectiveLimit: money,
    utilizationBasisPoints: signed,
    onHold: fc.boolean(),
    delinquencyStatus: fc.constantFrom('CURRENT', 'OVERDUE', 'DELINQUENT', 'SEVERE'),
  }),
  GroupExposureSnapshot: fc.record({
    currency,
    openOrders: money,
    openReceivables: signed,
    unappliedCash: money,
    exposure: signed,
    heldOrders: money,
    heldOrderCount: count,
    groupLimit: money,
    utilizationBasisPoints: signed,
    memberCount: fc.integer({ min: 1, max: 50 }),
    overLimit: fc.boolean(),
  }),
  MemberInputRouted: fc.record({ memberId: id, input: fc.constant('{"eventType":"OrderPlaced"}'), originTopic: id, originPartition: fc.nat(11), originOffset: fc.nat(), originSeq: fc.nat(3) }),
  MemberJoining: fc.record({ memberId: id, moveId: id, originTopic: id, originPartition: fc.nat(11), originOffset: fc.nat(), originSeq: fc.nat(3) }),
  MemberHandedOver: fc.record({ memberId: id, moveId: id, state: fc.option(fc.constant('{}'), { nil: null }), profile: fc.constant('{"eventType":"CustomerCreditProfile"}'), originTopic: id, originPartition: fc.nat(11), originOffset: fc.nat(), originSeq: fc.nat(3) }),
  CreditScoreUpdated: fc.record({
    asOfDate: day,
    score: fc.option(fc.integer({ min: 20, max: 100 }), { nil: null }),
    probabilityBp: fc.integer({ min: 0, max: 10_000 }),
    riskClass,
    factors: fc.array(fc.record({ factor: id, value: fc.double({ noNaN: true, noDefaultInfinity: true }), contribution: fc.double({ noNaN: true, noDefaultInfinity: true }) }), { maxLength: 3 }),
    proposedLimit: money,
    limitReason: text,
    currentLimit: money,
    currency: fc.oneof(currency, fc.constant('')),
    utilisationBp: signed,
    segment: fc.constantFrom('NEW', 'DORMANT', 'CHRONIC_LATE', 'DETERIORATING', 'SLOW', 'PROMPT'),
    sizeBand: fc.constantFrom('SMALL', 'MEDIUM', 'LARGE'),
    annualSales: money,
    modelVersion: id,
    issuedInvoice: fc.option(
      fc.record({ invoiceId: id, score: fc.option(fc.integer({ min: 20, max: 100 }), { nil: null }), probabilityBp: fc.integer({ min: 0, max: 10_000 }), riskClass }),
      { nil: null },
    ),
  }),
  CreditReviewDue: fc.record({
    asOfDate: day,
    reasons: fc.uniqueArray(fc.constantFrom('SCORE_DROP', 'CLASS_WORSENED', 'HIGH_UTILISATION', 'LIMIT_NOT_REVIEWED'), { minLength: 1 }),
    score: fc.option(fc.integer({ min: 20, max: 100 }), { nil: null }),
    previousScore: fc.option(fc.integer({ min: 20, max: 100 }), { nil: null }),
    riskClass,
    previousRiskClass: fc.option(riskClass, { nil: null }),
    utilisationBp: signed,
    currentLimit: money,
    proposedLimit: money,
    currency,
    limitSetDate: fc.option(day, { nil: null }),
  }),
  CustomerNoticeIssued: fc.record({
    noticeType,
    invoiceId: fc.option(id, { nil: null }),
    orderId: fc.option(id, { nil: null }),
    stage: fc.option(id, { nil: null }),
    asOfDate: day,
    dueDate: fc.option(day, { nil: null }),
    amount: fc.option(money, { nil: null }),
    currency: fc.option(currency, { nil: null }),
    language: fc.constantFrom('en', 'de'),
    recipient: fc.option(fc.emailAddress(), { nil: null }),
    subject: text,
    body: text,
  }),
  NoticeDeliveryFailed: fc.record({
    noticeId: fc.uuid(),
    noticeType,
    recipient: fc.emailAddress(),
    attempts: fc.integer({ min: 1, max: 100 }),
    permanent: fc.boolean(),
    lastError: text,
    failedAt: epochMs,
  }),
  NoticeDelivered: fc.record({ noticeId: fc.uuid(), noticeType, recipient: fc.emailAddress(), attempts: fc.integer({ min: 1, max: 100 }), deliveredAt: epochMs }),
  NoticeDeliveryRetrying: fc.record({
    noticeId: fc.uuid(), noticeType, recipient: fc.emailAddress(), attempts: fc.integer({ min: 0, max: 100 }),
    failure: fc.constantFrom('TRANSIENT', 'UNAVAILABLE'), lastError: text, failedAt: epochMs,
  }),
  PromiseToPay: fc.record({
    promiseId: id,
    amount: money.filter((m) => m > 0),
    currency,
    promisedDate: day,
    recordedBy: text,
    recordedByRole: actorRole,
    note: optText,
  }),
  PromiseKept: fc.record({ promiseId: id, amount: money.filter((m) => m > 0), paid: money, currency, promisedDate: day, asOfDate: day }),
  PromiseBroken: fc.record({ promiseId: id, amount: money.filter((m) => m > 0), paid: money, currency, promisedDate: day, asOfDate: day }),
};

/** A valid event of one type. */
export function eventOfType<T extends EventType>(eventType: T): fc.Arbitrary<Extract<AnyEvent, { eventType: T }>> {
  return fc
    .record({
      eventId: fc.uuid(),
      occurredAt: epochMs,
      customerId: eventType === 'BusinessDateTick' || eventType === 'FxRatePublished' ? fc.constant('') : id,
      source: id,
      causationId: fc.option(fc.uuid(), { nil: null }),
      payload: payloads[eventType] as fc.Arbitrary<PayloadOf<T>>,
    })
    .map((e) => ({ ...e, eventType }) as unknown as Extract<AnyEvent, { eventType: T }>);
}

/** A valid event of any type the topic carries. */
export function eventOf<E extends AnyEvent>(spec: TopicSpec<E>): fc.Arbitrary<E> {
  return fc.oneof(...spec.eventTypes.map((t) => eventOfType(t) as unknown as fc.Arbitrary<E>));
}
