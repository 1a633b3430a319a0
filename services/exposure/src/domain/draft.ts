// The working copy of one customer's state while one input is applied. A collection is copied the first time the
// input writes to it (own), and documents are replaced, never mutated, so the caller's state is untouched and a
// rejected input simply drops the draft. Copying on write, not on opening: an input touches one or two of a
// customer's collections, and copying all of them (dozens of documents) per input was the core's largest cost.
// In place (ApplyOptions.inPlace) the draft is the caller's state itself: own() copies nothing, documents are still
// replaced rather than mutated, and the scalars a rule may write before it rejects (the pinned currency, the
// watermark) are put back by rollback().
// Every document change goes through put*, which keeps the totals equal to the sum of the parts.
import { deriveEventId } from '../../../../shared/ids.ts';
import { admitCurrency } from '../../../../shared/rules/currency.ts';
import type { ExposureBreakdown } from '../../../../shared/contracts/events.generated.ts';
import { exposureOf, invoicePart, orderPart, paymentPart, swapPart } from './components.ts';
import { defaultLimitNow } from './class-policy.ts';
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
  /** Read freely; write a collection only through own(d, name), scalars directly. */
  readonly s: CustomerState;
  readonly events: DerivedEvent[];
  /** Collections of `s` this draft wrote: copied before the first write, unless in place. */
  readonly owned: Set<Collection>;
  /** Every document this draft put or deleted, in order (a store writes these parts, not the whole state). */
  readonly docs: DocumentWrite[];
  /** `s` is the caller's state, written directly. */
  readonly inPlace: boolean;
  /** What rollback() restores of an in-place state: the fields written before the input's outcome is known. */
  readonly before: Pick<CustomerState, 'currency' | 'watermark'> & { hadParkedActions: boolean };
  /**
   * Id basis and causation of the events this input derives: the input's event id, except for a business-date tick
   * that expires a temporary limit, whose events must not depend on which topic's tick came first (several topics
   * tick the same date) nor collide with another customer's: based on the customer and the expiry, no causation.
   */
  readonly cause: { idBasis: string; causationId: string | null };
}

/** The collections of documents keyed by id; a document is written as a whole (put or deleted), never in part. */
export type DocumentCollection = Exclude<Collection, 'heldQueue'> | 'retiredInvoices';

/** A document a draft put or deleted. */
export type DocumentWrite = readonly [collection: DocumentCollection, id: string];

/** The collections of a state that a draft shares with the caller's state until it writes them. */
export type Collection =
  | 'orders'
  | 'invoices'
  | 'payments'
  | 'heldQueue'
  | 'awaitingInvoice'
  | 'invoicedAhead'
  | 'parkedActions';

/**
 * A copy of a collection keyed by document id. Not `{ ...record }`: every customer's ids are different property names,
 * so V8 gives each copy a chain of new hidden classes (~1 µs per entry and much garbage); a copy that starts in
 * dictionary mode (an object with properties deleted) takes plain hash inserts. Same keys, same order, same prototype.
 */
function copyRecord(record: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { a: 0, b: 0 };
  delete copy.a;
  delete copy.b;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) copy[keys[i]!] = record[keys[i]!];
  return copy;
}

/** The draft's own (writable) copy of a collection, made on first use. */
export function own<K extends Collection>(d: Draft, name: K): CustomerState[K] {
  if (!d.owned.has(name)) {
    if (!d.inPlace) {
      const shared = d.s[name] as unknown;
      (d.s as unknown as Record<K, unknown>)[name] = Array.isArray(shared) ? [...shared] : copyRecord(shared as Record<string, unknown>);
    }
    d.owned.add(name);
  }
  return d.s[name];
}

export function openDraft(state: CustomerState, input: ExposureInput, policy: CreditPolicy, inPlace: boolean): Draft {
  // A state stored before actions were parked has no such field: it reads as empty.
  const hadParkedActions = state.parkedActions !== undefined;
  const watermark = Math.max(state.watermark, input.occurredAt);
  const before = { currency: state.currency, watermark: state.watermark, hadParkedActions };
  let s: CustomerState;
  if (inPlace) {
    s = state;
    if (!hadParkedActions) s.parkedActions = {};
    s.watermark = watermark;
  } else {
    s = { ...state, parkedActions: state.parkedActions ?? {}, watermark };
  }
  const expiresAt = state.profile?.tempLimitExpiresAt ?? null;
  // A rate record reaches every customer of the partition under one event id: its revaluation's ids are the customer's.
  const cause = input.eventType === 'BusinessDateTick'
    ? { idBasis: deriveEventId(SOURCE, 'TempLimitExpired', state.customerId, expiresAt ?? 0), causationId: null }
    : input.eventType === 'FxRatePublished'
      ? { idBasis: deriveEventId(input.eventId, 'FxRevalued', state.customerId), causationId: input.eventId }
      : { idBasis: input.eventId, causationId: input.eventId };
  return { input, policy, at: watermark, s, events: [], owned: new Set(), docs: [], inPlace, before, cause };
}

/**
 * Puts an in-place state back as it was given, after an input that is rejected or ignored. Rules check before they
 * write documents, so only what openDraft and checkCurrency set first can have changed. A copy needs nothing: the
 * caller's state was never written.
 */
export function rollback(d: Draft): void {
  if (!d.inPlace) return;
  d.s.currency = d.before.currency;
  d.s.watermark = d.before.watermark;
  if (!d.before.hadParkedActions) delete (d.s as Partial<CustomerState>).parkedActions;
}

/** Puts a document of a keyed collection (other than orders, invoices and payments: see put*). */
export function setDoc<K extends Exclude<Collection, 'heldQueue'>>(d: Draft, name: K, id: string, doc: CustomerState[K][string]): void {
  (own(d, name) as Record<string, unknown>)[id] = doc;
  d.docs.push([name, id]);
}

export function deleteDoc(d: Draft, name: Exclude<Collection, 'heldQueue'>, id: string): void {
  delete (own(d, name) as Record<string, unknown>)[id];
  d.docs.push([name, id]);
}

export function putOrder(d: Draft, orderId: string, doc: OrderDoc): void {
  d.s.totals = swapPart(d.s.totals, orderPart(d.s.orders[orderId]), orderPart(doc));
  setDoc(d, 'orders', orderId, { ...doc, touchedAt: d.s.watermark });
}

export function putInvoice(d: Draft, invoiceId: string, doc: InvoiceDoc): void {
  d.s.totals = swapPart(d.s.totals, invoicePart(d.s.invoices[invoiceId]), invoicePart(doc));
  setDoc(d, 'invoices', invoiceId, { ...doc, touchedAt: d.s.watermark });
}

export function putPayment(d: Draft, paymentId: string, doc: PaymentDoc): void {
  d.s.totals = swapPart(d.s.totals, paymentPart(d.s.payments[paymentId]), paymentPart(doc));
  setDoc(d, 'payments', paymentId, { ...doc, touchedAt: d.s.watermark });
}

/**
 * The limit in force at the customer's clock (d.at), not at the input's own event time: a late input must not bring
 * back a temporary limit that had expired by a decision already taken (the clock is never earlier than one).
 * Without a profile, its class's default limit if the policy gives one.
 */
export const limitNow = (d: Draft): Limit | null => limitAt(d.s.profile, d.at) ?? defaultLimitNow(d);

/**
 * The shared currency rule (shared/rules/currency.ts): pins the customer's currency on first sight, refuses a profile in
 * another. A document reaches its rule in the credit currency (converted, fx-parking.ts), so only a profile is refused.
 */
export function checkCurrency(d: Draft, currency: string, input: 'profile' | 'document' = 'document'): Rejection | undefined {
  const decision = admitCurrency(d.s.currency, currency, input);
  if (!decision.ok) return invalid(decision.message);
  d.s.currency = decision.currency;
  return undefined;
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
  push(d, d.cause.idBasis, d.cause.causationId, eventType, payload, parts);
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
  push(d, causeEventId, causeEventId, eventType, payload, parts);
}

function push<T extends DerivedEvent['eventType']>(
  d: Draft,
  idBasis: string,
  causationId: string | null,
  eventType: T,
  payload: PayloadOf<T>,
  parts: Array<string | number>,
): void {
  d.events.push({
    eventId: deriveEventId(idBasis, eventType, ...parts),
    eventType,
    occurredAt: d.at,
    customerId: d.s.customerId,
    source: SOURCE,
    causationId,
    payload,
  } as DerivedEvent);
}

/** Event time from `since` (a stamp of this customer's clock) to now: never negative, the clock never goes back. */
export const elapsedSince = (d: Draft, since: number): number => d.at - since;

export const removeFromQueue = (d: Draft, orderId: string): void => {
  const i = d.s.heldQueue.indexOf(orderId);
  if (i >= 0) own(d, 'heldQueue').splice(i, 1);
};
