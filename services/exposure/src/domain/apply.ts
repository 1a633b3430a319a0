// applyEvent: one input in, the customer's next state and the events it derives out. Pure: no I/O, no clock but
// event time (the customer's, which never goes back), no policy but the one passed in.
import type { CreditPolicy } from './policy.ts';
import { creditActionTaken } from './credit-actions.ts';
import { delinquencyChanged, profileChanged } from './customer.ts';
import { openDraft, rollback, type Collection, type DocumentWrite, type Draft } from './draft.ts';
import { invoiceAdjusted, invoiceIssued, invoiceVoided } from './invoices.ts';
import { pendingExpiry } from './limits.ts';
import { pendingOldestItemOverdue } from './oldest-item.ts';
import { orderAmended, orderCancelled, orderPlaced } from './orders.ts';
import { paymentReceived, paymentReversed } from './payments.ts';
import { releaseRound } from './release.ts';
import { sweepClosedDocuments } from './retention.ts';
import { creditScoreUpdated } from './scores.ts';
import { customerHold, exposureSnapshot, utilizationWarnings } from './signals.ts';
import { NO_RATES, type FxRates } from './fx.ts';
import { convertInput, converterFor, dropOrigin, keepOrigin, mustWait, revalueDocuments, splitParked } from './fx-parking.ts';
import { emptyState, type CustomerState } from './state.ts';
import type { DerivedEvent, ExposureInput, Rejection } from './types.ts';

export interface ApplyResult {
  /** The next state; the very state passed in (or a fresh empty one) when `changed` is false. */
  state: CustomerState;
  /** Derived events in emission order: decisions, releases, customer hold, warnings, snapshot. */
  events: DerivedEvent[];
  /** Set when the input goes to the DLQ; the state is then unchanged and no event is derived. */
  rejected?: Rejection;
  /** False when the input was rejected or has no effect on this service: nothing to write back. */
  changed: boolean;
  /**
   * When `changed`: the collections of the state this input wrote (new objects by default, the given state's own
   * objects in place); the others are the given state's, unchanged. A cache of a collection's text drops these.
   */
  written?: ReadonlySet<Collection>;
  /** When `changed`: the documents this input put or deleted, in order (a store writes those, not the whole state). */
  writtenDocs?: readonly DocumentWrite[];
  /**
   * Parked inputs a rate let through that the core then rejected (e.g. an amendment of an order cancelled meanwhile):
   * each goes to the DLQ as its own input would have. Only for an FxRatePublished.
   */
  rejectedParked?: ReadonlyArray<{ input: ExposureInput; rejection: Rejection }>;
}

/**
 * How applyEvent may treat the state it is given. By default it is never written: the new state shares what did not
 * change with it (copy-on-write). `inPlace`: the caller gives the state up (it keeps no copy it relies on), so the
 * call writes its collections and fields directly instead of copying them, and returns it as the new state; a
 * rejected or ignored input leaves it as it was. Documents are replaced, never mutated, in both modes.
 */
export interface ApplyOptions {
  inPlace?: boolean;
  /**
   * The FX rates known now (fx.ts), which convert documents in another currency than the customer's; without them a
   * foreign document waits in the state (fx-parking.ts).
   */
  rates?: FxRates;
}

type Outcome = Rejection | 'ignored' | undefined;

/** Does a tick at `at` reach the customer: a temporary limit expires, or the oldest open item gets too old, by then. */
function pendingTickUpTo(d: Draft, at: number): boolean {
  const before = { ...d.s, watermark: d.before.watermark };
  const expiresAt = pendingExpiry(d.s.profile, d.before.watermark);
  const overdueAt = pendingOldestItemOverdue(before, d.policy);
  return (expiresAt !== null && expiresAt <= at) || (overdueAt !== null && overdueAt <= at);
}

/** Routes the input to its rule; inputs this service does not use are 'ignored'. */
function dispatch(d: Draft, input: ExposureInput): Outcome {
  switch (input.eventType) {
    case 'CustomerCreditProfile': return profileChanged(d, input.payload);
    case 'OrderPlaced': return orderPlaced(d, input.payload);
    case 'OrderAmended': return orderAmended(d, input.payload);
    case 'OrderCancelled': return orderCancelled(d, input.payload);
    case 'InvoiceIssued': return invoiceIssued(d, input.payload);
    case 'InvoiceAdjusted': return invoiceAdjusted(d, input.payload);
    case 'InvoiceVoided': return invoiceVoided(d, input.payload);
    case 'PaymentReceived': return paymentReceived(d, input.payload);
    case 'PaymentReversed': return paymentReversed(d, input.payload);
    case 'CreditActionTaken': return creditActionTaken(d, input.payload);
    case 'CustomerDelinquencyChanged': return delinquencyChanged(d, input.payload);
    case 'CreditScoreUpdated': return creditScoreUpdated(d, input.payload);
    // Handled before dispatch (applyEvent): a rate lets parked documents through.
    case 'FxRatePublished': return 'ignored';
    // A BusinessDateTick is partition-wide; the adapter hands it to each customer whose temporary limit it expires
    // or whose oldest open item it makes too old (addressed to the customer): the customer's clock moves to the tick
    // and hold, bands and snapshot are re-evaluated at the lower limit now, not at its next input; an order decided
    // after it is judged at it. Any other tick changes nothing.
    case 'BusinessDateTick': return pendingTickUpTo(d, input.occurredAt) ? undefined : 'ignored';
    // Disputes do not change exposure (a credit arrives as InvoiceAdjusted); invoice-level delinquency events are
    // summarised by CustomerDelinquencyChanged.
    case 'InvoiceDisputed':
    case 'DisputeResolved':
    case 'InvoiceOverdue':
    case 'InvoiceAgingBucketChanged':
    case 'InvoiceCured':
    case 'DunningStageReached':
      return 'ignored';
  }
}

/**
 * Applies one input (already shape-validated by serde) to its customer's state. Never throws for bad input: a
 * duplicate document, an unknown reference or a profile in another currency comes back as `rejected` (a document in
 * another currency is converted with `rates`, or waits for its rate in the state). Throws only when the
 * caller hands over another customer's state, which is a bug in the caller.
 */
export function applyEvent(
  state: CustomerState | undefined,
  input: ExposureInput,
  policy: CreditPolicy,
  { inPlace = false, rates = NO_RATES }: ApplyOptions = {},
): ApplyResult {
  const current = state ?? emptyState(input.customerId);
  if (current.customerId !== input.customerId) {
    throw new Error(`state of customer ${current.customerId} given for an input of customer ${input.customerId}`);
  }
  // A rate, addressed to this customer by the adapter: the parked inputs it lets through, in order (and, under
  // FX_REVALUE, the open foreign documents revalued). Any other input waits for its rate, or is applied now.
  if (input.eventType === 'FxRatePublished') return applyRate(current, input, policy, inPlace, rates);
  const wait = mustWait(current, input, rates);
  if (wait !== null) {
    const fxParked = [...(current.fxParked ?? []), wait];
    const next = inPlace ? Object.assign(current, { fxParked }) : { ...current, fxParked };
    return { state: next, events: [], changed: true, written: new Set(), writtenDocs: [] };
  }
  return applyNow(current, input, policy, inPlace, rates);
}

type RateInput = Extract<ExposureInput, { eventType: 'FxRatePublished' }>;

/** A rate: the parked inputs it lets through, then, under FX_REVALUE, the open foreign documents revalued at it. */
function applyRate(current: CustomerState, input: RateInput, policy: CreditPolicy, inPlace: boolean, rates: FxRates): ApplyResult {
  const parked = applyParked(current, policy, inPlace, rates);
  if (!policy.fxRevalue) return parked;
  const revalued = revalueAt(parked.state, input, policy, inPlace, rates);
  if (!revalued.changed) return parked;
  if (!parked.changed) return revalued;
  return {
    ...parked,
    state: revalued.state,
    events: [...parked.events, ...revalued.events],
    written: new Set([...(parked.written ?? []), ...(revalued.written ?? [])]),
    writtenDocs: [...(parked.writtenDocs ?? []), ...(revalued.writtenDocs ?? [])],
  };
}

/**
 * Revalues the open foreign documents at the rate (fx-parking.ts), then what every accepted input ends with: exposure
 * moves at the rate's event time, held orders may be released, decisions taken before stay. Its events' ids are
 * based on the customer and the rate (one rate record reaches every customer of the partition), caused by the rate.
 */
function revalueAt(current: CustomerState, input: RateInput, policy: CreditPolicy, inPlace: boolean, rates: FxRates): ApplyResult {
  const d = openDraft(current, input, policy, inPlace);
  if (!revalueDocuments(d, rates, input.payload)) {
    rollback(d);
    return { state: current, events: [], changed: false };
  }
  return settle(d, policy);
}

/** Applies the parked inputs the rates now convert (and those waiting behind them), as if they arrived now in order. */
function applyParked(current: CustomerState, policy: CreditPolicy, inPlace: boolean, rates: FxRates): ApplyResult {
  const { due, stay } = splitParked(current, rates);
  if (due.length === 0) return { state: current, events: [], changed: false };
  let s: CustomerState = inPlace ? current : { ...current };
  if (stay.length > 0) s.fxParked = stay;
  else delete s.fxParked;
  const events: DerivedEvent[] = [];
  const written = new Set<Collection>();
  const writtenDocs: DocumentWrite[] = [];
  const rejectedParked: Array<{ input: ExposureInput; rejection: Rejection }> = [];
  for (const { input } of due) {
    const r = applyNow(s, input, policy, inPlace, rates);
    if (r.rejected) rejectedParked.push({ input, rejection: r.rejected });
    if (!r.changed) continue;
    s = r.state;
    events.push(...r.events);
    for (const c of r.written ?? []) written.add(c);
    writtenDocs.push(...(r.writtenDocs ?? []));
  }
  return { state: s, events, changed: true, written, writtenDocs, ...(rejectedParked.length > 0 ? { rejectedParked } : {}) };
}

/** One input applied now: a foreign document converted into the credit currency, its origin kept on the document. */
function applyNow(current: CustomerState, original: ExposureInput, policy: CreditPolicy, inPlace: boolean, rates: FxRates): ApplyResult {
  const converter = converterFor(current, original, rates);
  const input = converter ? convertInput(original as Parameters<typeof convertInput>[0], current.currency!, converter) : original;
  const d = openDraft(current, input, policy, inPlace);
  const outcome = dispatch(d, input);
  if (outcome !== undefined) rollback(d);
  if (outcome === 'ignored') return { state: current, events: [], changed: false };
  if (outcome !== undefined) return { state: current, events: [], rejected: outcome, changed: false };
  if (converter) keepOrigin(d, original);
  else dropOrigin(d, original);
  return settle(d, policy);
}

/** What every accepted input ends with: the release round, customer hold, bands, snapshot and the retention sweep. */
function settle(d: Draft, policy: CreditPolicy): ApplyResult {
  releaseRound(d);
  customerHold(d);
  utilizationWarnings(d);
  exposureSnapshot(d);
  sweepClosedDocuments(d, policy.retentionMs);
  return { state: d.s, events: d.events, changed: true, written: d.owned, writtenDocs: d.docs };
}
