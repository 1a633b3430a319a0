// The working copy of one customer's state while one input is applied. Collections are copied on opening and
// documents are replaced, never mutated, so the caller's state is untouched and a rejected input simply drops
// the draft. Every document change goes through put*, which keeps the totals equal to the sum of the parts.
import { deriveEventId } from '../../../../shared/ids.ts';
import type { ExposureBreakdown } from '../../../../shared/contracts/events.generated.ts';
import { exposureOf, invoicePart, orderPart, paymentPart, swapPart } from './components.ts';
import { limitAt, type Limit } from './limits.ts';
import type { CreditPolicy } from './policy.ts';
import type { CustomerState, InvoiceDoc, OrderDoc, PaymentDoc, Totals } from './state.ts';
import { SOURCE, type DerivedEvent, type ExposureInput, type Rejection } from './types.ts';

export interface Draft {
  readonly input: ExposureInput;
  readonly policy: CreditPolicy;
  /**
   * The customer's clock after this input: max(its watermark, the input's event time). Stamps every derived event
   * and measures every held duration, so neither goes back in time when an input arrives late.
   */
  readonly at: number;
  readonly s: CustomerState;
  readonly events: DerivedEvent[];
}

export function openDraft(state: CustomerState, input: ExposureInput, policy: CreditPolicy): Draft {
  const s: CustomerState = {
    ...state,
    orders: { ...state.orders },
    invoices: { ...state.invoices },
    payments: { ...state.payments },
    heldQueue: [...state.heldQueue],
    awaitingInvoice: { ...state.awaitingInvoice },
    invoicedAhead: { ...state.invoicedAhead },
    // Spreading a missing field (a state stored before actions were parked) gives the empty record.
    parkedActions: { ...state.parkedActions },
    watermark: Math.max(state.watermark, input.occurredAt),
  };
  return { input, policy, at: s.watermark, s, events: [] };
}

export function putOrder(d: Draft, orderId: string, doc: OrderDoc): void {
  d.s.totals = swapPart(d.s.totals, orderPart(d.s.orders[orderId]), orderPart(doc));
  d.s.orders[orderId] = { ...doc, touchedAt: d.s.watermark };
}

export function putInvoice(d: Draft, invoiceId: string, doc: InvoiceDoc): void {
  d.s.totals = swapPart(d.s.totals, invoicePart(d.s.invoices[invoiceId]), invoicePart(doc));
  d.s.invoices[invoiceId] = { ...doc, touchedAt: d.s.watermark };
}

export function putPayment(d: Draft, paymentId: string, doc: PaymentDoc): void {
  d.s.totals = swapPart(d.s.totals, paymentPart(d.s.payments[paymentId]), paymentPart(doc));
  d.s.payments[paymentId] = { ...doc, touchedAt: d.s.watermark };
}

/** The limit in force at the input's own event time: a late input is judged by the limit of its time. */
export const limitNow = (d: Draft): Limit | null => limitAt(d.s.profile, d.input.occurredAt);

/** Accepts the currency if it is the customer's (pinning it on first sight), else the rejection. */
export function checkCurrency(d: Draft, currency: string): Rejection | undefined {
  if (d.s.currency === null) d.s.currency = currency;
  if (currency === d.s.currency) return undefined;
  return invalid(`currency ${currency} differs from the customer's credit currency ${d.s.currency}`);
}

export const invalid = (message: string): Rejection => ({ errorClass: 'InvalidEvent', message });
export const unknownReference = (message: string): Rejection => ({ errorClass: 'UnknownReference', message });

/** The explanation a decision carries: the components (before the order), the limit and the shortfall. */
export function breakdown(d: Draft, totals: Totals, orderValue: number): ExposureBreakdown {
  const limit = limitNow(d);
  const exposure = exposureOf(totals);
  return {
    openOrders: totals.openOrders,
    openReceivables: totals.openReceivables,
    unappliedCash: totals.unappliedCash,
    exposure,
    heldOrders: totals.heldOrders,
    creditLimit: limit?.creditLimit ?? 0,
    tempLimit: limit?.tempLimit ?? 0,
    effectiveLimit: limit?.effectiveLimit ?? 0,
    shortfall: limit === null ? 0 : Math.max(0, exposure + orderValue - limit.effectiveLimit),
    policyVersion: d.policy.policyVersion,
  };
}

type PayloadOf<T extends DerivedEvent['eventType']> = Extract<DerivedEvent, { eventType: T }>['payload'];

/** Appends a derived event whose id is fixed by the input, the event type and the parts that tell it apart. */
export function emit<T extends DerivedEvent['eventType']>(
  d: Draft,
  eventType: T,
  payload: PayloadOf<T>,
  ...parts: Array<string | number>
): void {
  emitCausedBy(d, d.input.eventId, eventType, payload, ...parts);
}

/**
 * As emit, for an event caused by an earlier input kept in the state (a parked credit action): its id and causation
 * are that input's, so the event is the one it would have derived had it arrived after its order.
 */
export function emitCausedBy<T extends DerivedEvent['eventType']>(
  d: Draft,
  causeEventId: string,
  eventType: T,
  payload: PayloadOf<T>,
  ...parts: Array<string | number>
): void {
  d.events.push({
    eventId: deriveEventId(causeEventId, eventType, ...parts),
    eventType,
    occurredAt: d.at,
    customerId: d.s.customerId,
    source: SOURCE,
    causationId: causeEventId,
    payload,
  } as DerivedEvent);
}

/** Event time from `since` (a stamp of this customer's clock) to now: never negative, the clock never goes back. */
export const elapsedSince = (d: Draft, since: number): number => d.at - since;

export const removeFromQueue = (d: Draft, orderId: string): void => {
  const i = d.s.heldQueue.indexOf(orderId);
  if (i >= 0) d.s.heldQueue.splice(i, 1);
};
