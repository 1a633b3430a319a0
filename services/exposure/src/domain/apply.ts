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
}

/**
 * How applyEvent may treat the state it is given. By default it is never written: the new state shares what did not
 * change with it (copy-on-write). `inPlace`: the caller gives the state up (it keeps no copy it relies on), so the
 * call writes its collections and fields directly instead of copying them, and returns it as the new state; a
 * rejected or ignored input leaves it as it was. Documents are replaced, never mutated, in both modes.
 */
export interface ApplyOptions {
  inPlace?: boolean;
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
 * duplicate document, an unknown reference or a wrong currency comes back as `rejected`. Throws only when the
 * caller hands over another customer's state, which is a bug in the caller.
 */
export function applyEvent(
  state: CustomerState | undefined,
  input: ExposureInput,
  policy: CreditPolicy,
  { inPlace = false }: ApplyOptions = {},
): ApplyResult {
  const current = state ?? emptyState(input.customerId);
  if (current.customerId !== input.customerId) {
    throw new Error(`state of customer ${current.customerId} given for an input of customer ${input.customerId}`);
  }
  const d = openDraft(current, input, policy, inPlace);
  const outcome = dispatch(d, input);
  if (outcome !== undefined) rollback(d);
  if (outcome === 'ignored') return { state: current, events: [], changed: false };
  if (outcome !== undefined) return { state: current, events: [], rejected: outcome, changed: false };
  releaseRound(d);
  customerHold(d);
  utilizationWarnings(d);
  exposureSnapshot(d);
  sweepClosedDocuments(d, policy.retentionMs);
  return { state: d.s, events: d.events, changed: true, written: d.owned, writtenDocs: d.docs };
}
