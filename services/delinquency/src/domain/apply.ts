// The delinquency core: one customer's open invoices aged against the as-of date, transition events only.
//
// Time: at as-of date D every input dated before D has been applied, so an invoice due on day d is D - d days past
// due, and the clock's transitions for day D are computed before the inputs dated D. An input dated after the as-of
// date is held in the state and applied when the as-of date reaches its day, so cross-topic consumption order
// cannot let a payment of day D settle an invoice before day D's aging has been seen.
//
// Each input goes to the rule of its event family (dispatch: invoices.ts, payments.ts, customer.ts); the transitions
// it causes are in transitions.ts, when the clock has something to do in clock.ts.
import { startOfDay } from '../../../../shared/time.ts';
import { customerProfile } from './customer.ts';
import { inputDay, invoiceDueDay, nextDueDay } from './clock.ts';
import { Draft, type CallOptions, type Failure, type Outcome } from './draft.ts';
import type { Emission } from './emit.ts';
import { disputeResolved, invoiceAdjusted, invoiceDisputed, invoiceIssued, invoiceVoided } from './invoices.ts';
import { paymentReceived, paymentReversed } from './payments.ts';
import type { DelinquencyPolicy } from './policy.ts';
import type { CustomerState, DatedInput, DelinquencyInput } from './state.ts';
import { evaluateInvoice, evaluateStatus } from './transitions.ts';

/**
 * Applies one input of this customer, first advancing the state to the partition's as-of date (null while the
 * clock has not started). An input dated after the as-of date is held until the as-of date reaches its day; a
 * rejected input leaves the state as it was apart from that advance.
 */
export function applyEvent(
  state: CustomerState,
  event: DelinquencyInput,
  asOfDate: number | null,
  policy: DelinquencyPolicy,
  options: CallOptions = {},
): Outcome {
  const d = new Draft(state, event.customerId, policy, options);
  if (asOfDate !== null) advance(d, asOfDate, event.eventId);
  const invalid = validate(event);
  if (invalid !== null) d.reject(event, 'InvalidEvent', invalid);
  else if (event.eventType === 'CustomerCreditProfile') customerProfile(d, event);
  else if (d.s.asOf === null || inputDay(event) > d.s.asOf) d.hold(event);
  else applyDated(d, event);
  return d.outcome();
}

/**
 * Moves the customer's as-of date forward to `asOfDate`, day by day over the days where something is due, so the
 * events are the same whether the clock steps one day at a time or jumps. `causationId`: the tick that moved it.
 * On each due day only the invoices due that day are evaluated and copied (found by a scan of their due days).
 */
export function advanceTo(
  state: CustomerState,
  customerId: string,
  asOfDate: number,
  policy: DelinquencyPolicy,
  causationId: string | null,
  options: CallOptions = {},
): Outcome {
  const d = new Draft(state, customerId, policy, options);
  advance(d, asOfDate, causationId);
  return d.outcome();
}

/** Routes a dated input to the rule of its event family. */
function dispatch(d: Draft, e: DatedInput, at: Emission): Failure {
  switch (e.eventType) {
    case 'InvoiceIssued': return invoiceIssued(d, e.payload, at);
    case 'InvoiceAdjusted': return invoiceAdjusted(d, e.payload, inputDay(e), at);
    case 'InvoiceVoided': return invoiceVoided(d, e.payload, inputDay(e), at);
    case 'InvoiceDisputed': return invoiceDisputed(d, e.payload);
    case 'DisputeResolved': return disputeResolved(d, e.payload, at);
    case 'PaymentReceived': return paymentReceived(d, e.payload, at);
    case 'PaymentReversed': return paymentReversed(d, e.payload, at);
  }
}

/** Applies a dated input at the current as-of date; the status is evaluated after every input (a cure improves it). */
function applyDated(d: Draft, e: DatedInput): void {
  const at: Emission = { customerId: d.customerId, occurredAt: e.occurredAt, causationId: e.eventId };
  const failure = dispatch(d, e, at);
  if (failure) d.reject(e, failure[0], failure[1]);
  else evaluateStatus(d, at, { inputEventId: e.eventId });
}

function advance(d: Draft, target: number, causationId: string | null): void {
  // A state is left with nothing due on or before its as-of date, so an as-of date that does not move does nothing
  // (the common case: the inputs of the current day), and a payment expires only when the as-of date moves.
  const from = d.s.asOf;
  if (from !== null && target <= from) return;
  for (let day = nextDueDay(d.s, d.policy); day !== null && day <= target; day = nextDueDay(d.s, d.policy)) {
    processDay(d, day, causationId);
  }
  d.s.asOf = target;
  d.prune();
}

/**
 * Day `day`'s clock transitions (state = every input before it), then the held inputs of that day. Only the invoices
 * due by then are evaluated: the others would emit and change nothing.
 */
function processDay(d: Draft, day: number, causationId: string | null): void {
  d.s.asOf = day;
  const at: Emission = { customerId: d.customerId, occurredAt: startOfDay(day), causationId };
  const dueIds = Object.keys(d.s.open).filter((id) => invoiceDueDay(d.s.open[id]!, d.policy) <= day);
  for (const id of dueIds.sort()) evaluateInvoice(d, id, at);
  evaluateStatus(d, at, { clockDay: day });
  if (!d.s.early.some((e) => inputDay(e) <= day)) return;
  const due = d.s.early.filter((e) => inputDay(e) <= day);
  d.s.early = d.s.early.filter((e) => inputDay(e) > day);
  for (const e of due) applyDated(d, e);
}

function validate(e: DelinquencyInput): string | null {
  const money = (n: number): boolean => Number.isSafeInteger(n);
  switch (e.eventType) {
    case 'InvoiceIssued':
      return money(e.payload.amount) && e.payload.amount > 0 ? null : 'invoice amount must be a positive integer';
    case 'InvoiceAdjusted':
      return money(e.payload.amount) ? null : 'adjustment amount must be an integer';
    case 'PaymentReceived': {
      const p = e.payload;
      if (!money(p.amount) || p.amount < 0) return 'payment amount must be a non-negative integer';
      if (!p.allocations.every((a) => money(a.amount) && a.amount > 0)) return 'allocations must be positive integers';
      const allocated = p.allocations.reduce((sum, a) => sum + a.amount, 0);
      return allocated <= p.amount ? null : `allocations (${allocated}) exceed the payment (${p.amount})`;
    }
    default:
      return null;
  }
}
