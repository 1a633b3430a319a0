// The delinquency core: one customer's open invoices aged against the as-of date, transition events only.
//
// Time: at as-of date D every input dated before D has been applied, so an invoice due on day d is D - d days past
// due, and the clock's transitions for day D are computed before the inputs dated D. An input dated after the as-of
// date is held in the state and applied when the as-of date reaches its day, so cross-topic consumption order
// cannot let a payment of day D settle an invoice before day D's aging has been seen.
import type {
  CureKind,
  CustomerEvent,
  DelinquencyEvent,
  InvoiceAdjusted,
  InvoiceIssued,
  PaymentReceived,
} from '../../../../shared/contracts/events.generated.ts';
import type { PoisonClass, Rejection } from '../../../../shared/errors.ts';
import { admitCurrency } from '../../../../shared/rules/currency.ts';
import { dayOf, startOfDay } from '../../../../shared/time.ts';
import { BUCKETS, bucketOf, bucketRank, daysPastDue, nextStatusThreshold, statusOf } from './aging.ts';
import * as emit from './emit.ts';
import type { Emission } from './emit.ts';
import type { DelinquencyPolicy } from './policy.ts';
import { balanceOf, type CustomerState, type DatedInput, type DelinquencyInput, type InvoiceState, type PaymentState } from './state.ts';

export interface RejectedInput extends Rejection {
  event: DelinquencyInput;
}

/** The new state, the events to publish (in order) and the inputs that could not be applied (bound for the DLQ). */
export interface Outcome {
  state: CustomerState;
  events: DelinquencyEvent[];
  rejected: RejectedInput[];
}

/** The day an input belongs to for the clock: the UTC day of its event time. */
export const inputDay = (e: DelinquencyInput): number => dayOf(e.occurredAt);

/**
 * How a call may treat the state it is given. By default it is never written: the new state shares what did not
 * change with it (copy-on-write). `inPlace`: the caller gives the state up (it keeps no copy it relies on), so the
 * call writes it instead of copying what it changes, and returns it as the new state.
 */
export interface CallOptions {
  inPlace?: boolean;
}

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
  const run = new Run(state, event.customerId, policy, options);
  if (asOfDate !== null) run.advance(asOfDate, event.eventId);
  const invalid = validate(event);
  if (invalid !== null) run.reject(event, 'InvalidEvent', invalid);
  else if (event.eventType === 'CustomerCreditProfile') run.profile(event);
  else if (run.s.asOf === null || inputDay(event) > run.s.asOf) run.hold(event);
  else run.apply(event);
  return run.outcome();
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
  const run = new Run(state, customerId, policy, options);
  run.advance(asOfDate, causationId);
  return run.outcome();
}

/**
 * The earliest as-of date at which advancing this state would do something (a transition or a held input), or
 * null when nothing is ever due without a new input. The adapter indexes customers by it.
 */
export function nextDueDay(state: CustomerState, policy: DelinquencyPolicy): number | null {
  let next = Number.POSITIVE_INFINITY;
  for (const e of state.early) next = Math.min(next, inputDay(e));
  if (state.asOf !== null) {
    let earliestDue = Number.POSITIVE_INFINITY;
    const open = state.open;
    for (const id in open) {
      const inv = open[id]!;
      if (inv.dueDate < earliestDue && countsForStatus(inv, policy)) earliestDue = inv.dueDate;
      const due = invoiceDueDay(inv, policy);
      if (due < next) next = due;
    }
    // The status follows the oldest open invoice that counts for it.
    if (earliestDue !== Number.POSITIVE_INFINITY) {
      const t = nextStatusThreshold(daysPastDue(earliestDue, state.asOf), policy);
      if (t !== null) next = Math.min(next, earliestDue + t);
    }
  }
  return next === Number.POSITIVE_INFINITY ? null : next;
}

/**
 * The earliest as-of date at which the clock changes this open invoice (it goes overdue, changes bucket or reaches
 * a dunning stage), +Infinity when never: before it, evaluating the invoice emits and changes nothing.
 */
function invoiceDueDay(inv: InvoiceState, policy: DelinquencyPolicy): number {
  let next = inv.overdue ? Number.POSITIVE_INFINITY : inv.dueDate + policy.graceDays + 1;
  const nextBucket = BUCKETS[bucketRank(inv.bucket) + 1];
  if (nextBucket) next = Math.min(next, inv.dueDate + nextBucket[1]);
  if (inv.disputes.length === 0) {
    const ladder = policy.dunningLadder;
    let i = 0;
    while (i < ladder.length && inv.stages.includes(ladder[i]!.stage)) i++;
    if (i < ladder.length) next = Math.min(next, inv.dueDate + ladder[i]!.daysPastDue);
  }
  return next;
}

/** Whether the invoice (open) counts toward the customer's status: not while disputed, unless the policy says so. */
const countsForStatus = (inv: InvoiceState, policy: DelinquencyPolicy): boolean =>
  inv.disputes.length === 0 || !policy.overdueExcludesDisputed;

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

/** The collections of a state that a run copies before its first write. */
type Collection = 'open' | 'closed' | 'payments' | 'held';

/**
 * One call's working copy of the state and what it emits. Copy-on-write: the caller's state is never written; a
 * collection, an invoice or a held entry is copied the first time this run changes it (`owned` holds the copies),
 * so a call costs what it changes, not the size of the customer's state. In place, everything counts as owned.
 */
class Run {
  readonly s: CustomerState;
  readonly events: DelinquencyEvent[] = [];
  readonly rejected: RejectedInput[] = [];
  private readonly owned = new Set<object>();
  private readonly inPlace: boolean;
  /** A payment left the state in this run: closed invoices may have lost their last reversible payment. */
  private paymentLeft = false;

  constructor(
    state: CustomerState,
    private readonly customerId: string,
    private readonly policy: DelinquencyPolicy,
    { inPlace = false }: CallOptions,
  ) {
    this.inPlace = inPlace;
    this.s = inPlace ? state : { ...state };
    this.s.retired ??= []; // states stored before it existed have none
  }

  /** A profile applies whenever it arrives; it may not re-denominate the customer. */
  profile(event: CustomerEvent): void {
    const wrong = this.pinCurrency(event.payload.currency);
    if (wrong) this.reject(event, ...wrong);
  }

  hold(event: DatedInput): void {
    if (this.owns(this.s.early)) this.s.early.push(event);
    else this.s.early = [...this.s.early, event];
  }

  outcome(): Outcome {
    return { state: this.s, events: this.events, rejected: this.rejected };
  }

  reject(event: DelinquencyInput, errorClass: PoisonClass, message: string): void {
    this.rejected.push({ event, errorClass, message });
  }

  advance(target: number, causationId: string | null): void {
    // A state is left with nothing due on or before its as-of date, so an as-of date that does not move does nothing
    // (the common case: the inputs of the current day), and a payment expires only when the as-of date moves.
    const from = this.s.asOf;
    if (from !== null && target <= from) return;
    for (let d = nextDueDay(this.s, this.policy); d !== null && d <= target; d = nextDueDay(this.s, this.policy)) {
      this.processDay(d, causationId);
    }
    this.s.asOf = target;
    this.prune();
  }

  /**
   * Day d's clock transitions (state = every input before d), then the held inputs of day d. Only the invoices due
   * by d are evaluated: the others would emit and change nothing.
   */
  private processDay(d: number, causationId: string | null): void {
    this.s.asOf = d;
    const at: Emission = { customerId: this.customerId, occurredAt: startOfDay(d), causationId };
    const dueIds = Object.keys(this.s.open).filter((id) => invoiceDueDay(this.s.open[id]!, this.policy) <= d);
    for (const id of dueIds.sort()) this.evaluateInvoice(id, at);
    this.evaluateStatus(at, { clockDay: d });
    if (!this.s.early.some((e) => inputDay(e) <= d)) return;
    const due = this.s.early.filter((e) => inputDay(e) <= d);
    this.s.early = this.s.early.filter((e) => inputDay(e) > d);
    for (const e of due) this.apply(e);
  }

  /** Applies an input at the current as-of date. */
  apply(e: DatedInput): void {
    const at: Emission = { customerId: this.customerId, occurredAt: e.occurredAt, causationId: e.eventId };
    const failure = this.applyInput(e, at);
    if (failure) this.reject(e, failure[0], failure[1]);
    else this.evaluateStatus(at, { inputEventId: e.eventId });
  }

  private applyInput(e: DatedInput, at: Emission): [PoisonClass, string] | null {
    const day = inputDay(e);
    switch (e.eventType) {
      case 'InvoiceIssued':
        return this.issue(e.payload, at);
      case 'InvoiceAdjusted':
        return this.adjust(e.payload, day, at);
      case 'PaymentReceived':
        return this.receive(e.payload, at);
      case 'PaymentReversed':
        return this.reverse(e.payload.paymentId, at);
      case 'InvoiceVoided': {
        const id = e.payload.invoiceId;
        const open = this.s.open[id];
        if (open) this.cure(id, open, 'VOIDED', day, at);
        else if (this.closedInvoice(id)) this.forget(id);
        else return unknownInvoice(id);
        return null;
      }
      case 'InvoiceDisputed': {
        const { invoiceId, disputeId } = e.payload;
        const inv = this.s.open[invoiceId] ?? this.closedInvoice(invoiceId);
        if (!inv) return unknownInvoice(invoiceId);
        if (!inv.disputes.includes(disputeId)) this.writeInvoice(invoiceId).disputes.push(disputeId);
        return null;
      }
      case 'DisputeResolved': {
        const { invoiceId, disputeId } = e.payload;
        const known = this.s.open[invoiceId] ?? this.closedInvoice(invoiceId);
        if (!known) return unknownInvoice(invoiceId);
        if (!known.disputes.includes(disputeId)) return ['UnknownReference', `no open dispute ${disputeId} on ${invoiceId}`];
        const inv = this.writeInvoice(invoiceId);
        inv.disputes = inv.disputes.filter((d) => d !== disputeId);
        if (this.s.open[invoiceId]) this.evaluateInvoice(invoiceId, at);
        return null;
      }
    }
  }

  private issue(p: InvoiceIssued, at: Emission): [PoisonClass, string] | null {
    // A document id is used once: open, closed, or voided, credited or settled and forgotten since.
    if (this.s.open[p.invoiceId] || this.s.closed[p.invoiceId] || this.s.retired.includes(p.invoiceId)) {
      return ['InvalidEvent', `invoice ${p.invoiceId} issued twice`];
    }
    const wrong = this.pinCurrency(p.currency);
    if (wrong) return wrong;
    const inv: InvoiceState = {
      issueDate: p.issueDate,
      dueDate: p.dueDate,
      currency: p.currency,
      amount: p.amount,
      adjusted: 0,
      paid: {},
      disputes: [],
      cycle: 0,
      overdue: false,
      bucket: 'CURRENT',
      stages: [],
    };
    this.owned.add(inv);
    // Cash that arrived before its invoice counts from the day it was received.
    let lastReceived: number | null = null;
    for (const [paymentId, amount] of Object.entries(this.s.held[p.invoiceId] ?? {})) {
      const payment = this.reversible(paymentId);
      if (!payment) continue;
      inv.paid[paymentId] = amount;
      lastReceived = Math.max(lastReceived ?? payment.receivedDate, payment.receivedDate);
    }
    if (p.invoiceId in this.s.held) delete this.write('held')[p.invoiceId];
    if (lastReceived !== null && balanceOf(inv) <= 0) {
      this.cure(p.invoiceId, inv, 'SETTLED', lastReceived, at);
      return null;
    }
    this.write('open')[p.invoiceId] = inv;
    this.evaluateInvoice(p.invoiceId, at);
    return null;
  }

  private adjust(p: InvoiceAdjusted, day: number, at: Emission): [PoisonClass, string] | null {
    const open = this.s.open[p.invoiceId] !== undefined;
    const known = this.s.open[p.invoiceId] ?? this.closedInvoice(p.invoiceId);
    if (!known) return unknownInvoice(p.invoiceId);
    if (p.currency !== known.currency) return ['InvalidEvent', `adjustment in ${p.currency}, invoice in ${known.currency}`];
    const inv = this.writeInvoice(p.invoiceId);
    inv.adjusted += p.amount;
    if (open && balanceOf(inv) <= 0) this.cure(p.invoiceId, inv, 'CREDITED', day, at);
    else if (!open && balanceOf(inv) > 0) this.reopen(p.invoiceId, inv, at);
    return null;
  }

  private receive(p: PaymentReceived, at: Emission): [PoisonClass, string] | null {
    if (this.s.payments[p.paymentId]) return ['InvalidEvent', `payment ${p.paymentId} received twice`];
    const wrong = this.pinCurrency(p.currency);
    if (wrong) return wrong;
    this.write('payments')[p.paymentId] = {
      receivedDate: p.receivedDate,
      allocations: p.allocations.map((a) => ({ invoiceId: a.invoiceId, amount: a.amount })),
    };
    for (const { invoiceId, amount } of p.allocations) {
      const open = this.s.open[invoiceId] !== undefined;
      if (open || this.closedInvoice(invoiceId)) {
        const inv = this.writeInvoice(invoiceId);
        inv.paid[p.paymentId] = (inv.paid[p.paymentId] ?? 0) + amount;
        if (open && balanceOf(inv) <= 0) this.cure(invoiceId, inv, 'SETTLED', p.receivedDate, at);
      } else {
        const held = this.writeHeld(invoiceId);
        held[p.paymentId] = (held[p.paymentId] ?? 0) + amount;
      }
    }
    return null;
  }

  /** Undoes the payment's allocations; what it had settled opens again and ages from its due date. */
  private reverse(paymentId: string, at: Emission): [PoisonClass, string] | null {
    const payment = this.reversible(paymentId);
    if (!payment) return ['UnknownReference', `payment ${paymentId} is unknown or past the reversal window`];
    delete this.write('payments')[paymentId];
    this.paymentLeft = true;
    for (const invoiceId of new Set(payment.allocations.map((a) => a.invoiceId))) {
      if (this.s.open[invoiceId]) {
        if (paymentId in this.s.open[invoiceId].paid) delete this.writeInvoice(invoiceId).paid[paymentId];
      } else if (this.s.closed[invoiceId]) {
        const closed = this.writeInvoice(invoiceId);
        delete closed.paid[paymentId];
        if (balanceOf(closed) > 0) this.reopen(invoiceId, closed, at);
      } else if (this.s.held[invoiceId]) {
        this.unhold(invoiceId, paymentId);
      }
    }
    return null;
  }

  private cure(id: string, inv: InvoiceState, cure: CureKind, curedDate: number, at: Emission): void {
    const daysLate = Math.max(0, daysPastDue(inv.dueDate, curedDate));
    this.events.push(emit.invoiceCured(at, inv.cycle, { invoiceId: id, cure, curedDate, daysLate }));
    if (id in this.s.open) delete this.write('open')[id];
    if (cure !== 'VOIDED' && Object.keys(inv.paid).length > 0) this.write('closed')[id] = inv;
    else this.retire(id);
  }

  /** A new cycle: it goes overdue and changes bucket again (from CURRENT); dunning resumes past stages reached. */
  private reopen(id: string, inv: InvoiceState, at: Emission): void {
    delete this.write('closed')[id];
    inv.cycle += 1;
    inv.overdue = false;
    inv.bucket = 'CURRENT';
    this.write('open')[id] = inv;
    this.evaluateInvoice(id, at);
  }

  /**
   * The invoice's transitions at the current as-of date. Several thresholds are crossed at once only when an input
   * catches up (an invoice issued past due, a dispute resolved, a re-opening): then one bucket change spans them and
   * only the highest dunning stage is emitted, the lower ones counting as passed.
   */
  private evaluateInvoice(id: string, at: Emission): void {
    const inv = this.s.open[id];
    const asOfDate = this.s.asOf;
    if (!inv || asOfDate === null) return;
    const dpd = daysPastDue(inv.dueDate, asOfDate);
    const facts = { invoiceId: id, asOfDate, daysPastDue: dpd, openAmount: balanceOf(inv), currency: inv.currency };
    if (!inv.overdue && dpd > this.policy.graceDays) {
      this.writeInvoice(id).overdue = true;
      this.events.push(emit.invoiceOverdue(at, inv.cycle, { ...facts, dueDate: inv.dueDate }));
    }
    const bucket = bucketOf(dpd);
    if (bucketRank(bucket) > bucketRank(inv.bucket)) {
      this.events.push(emit.bucketChanged(at, inv.cycle, { ...facts, fromBucket: inv.bucket, toBucket: bucket }));
      this.writeInvoice(id).bucket = bucket;
    }
    if (inv.disputes.length > 0) return;
    const passed = this.policy.dunningLadder.filter((st) => st.daysPastDue <= dpd && !inv.stages.includes(st.stage));
    const highest = passed.at(-1);
    if (!highest) return;
    this.writeInvoice(id).stages.push(...passed.map((st) => st.stage));
    this.events.push(emit.dunningStageReached(at, { ...facts, stage: highest.stage }));
  }

  private evaluateStatus(at: Emission, trigger: { clockDay: number } | { inputEventId: string }): void {
    const asOfDate = this.s.asOf;
    if (asOfDate === null) return;
    const open = this.s.open;
    let earliestDue = Number.POSITIVE_INFINITY;
    for (const id in open) {
      const inv = open[id]!;
      if (inv.dueDate < earliestDue && countsForStatus(inv, this.policy)) earliestDue = inv.dueDate;
    }
    const worst = earliestDue === Number.POSITIVE_INFINITY ? 0 : Math.max(0, daysPastDue(earliestDue, asOfDate));
    const toStatus = statusOf(worst, this.policy);
    if (toStatus === this.s.status) return;
    let overdueAmount = 0;
    let overdueCount = 0;
    for (const inv of Object.values(open)) {
      if (daysPastDue(inv.dueDate, asOfDate) <= this.policy.graceDays || !countsForStatus(inv, this.policy)) continue;
      overdueAmount += balanceOf(inv);
      overdueCount += 1;
    }
    this.events.push(
      emit.delinquencyChanged(at, trigger, {
        fromStatus: this.s.status,
        toStatus,
        asOfDate,
        worstDaysPastDue: worst,
        overdueAmount,
        overdueCount,
        currency: this.s.currency ?? '',
      }),
    );
    this.s.status = toStatus;
  }

  /** The customer's currency rule, shared with exposure (shared/rules/currency.ts): pins it, or the rejection. */
  private pinCurrency(currency: string): [PoisonClass, string] | null {
    const decision = admitCurrency(this.s.currency, currency);
    if (!decision.ok) return ['InvalidEvent', decision.message];
    this.s.currency = decision.currency;
    return null;
  }

  /** The payment, if it can still be reversed (or applied to its invoice) at the as-of date. */
  private reversible(paymentId: string): PaymentState | undefined {
    const payment = this.s.payments[paymentId];
    const asOfDate = this.s.asOf;
    if (!payment || asOfDate === null) return undefined;
    return asOfDate <= payment.receivedDate + this.policy.reversalWindowDays ? payment : undefined;
  }

  /** A closed invoice counts only while a payment on it can be reversed, however late pruning runs. */
  private closedInvoice(id: string): InvoiceState | undefined {
    const inv = this.s.closed[id];
    if (inv) for (const pid in inv.paid) if (this.reversible(pid)) return inv;
    return undefined;
  }

  /** Forgets payments past the reversal window (with their held allocations) and the closed invoices they kept. */
  private prune(): void {
    const asOfDate = this.s.asOf;
    if (asOfDate === null) return;
    const horizon = asOfDate - this.policy.reversalWindowDays; // received before it: past the window
    const payments = this.s.payments;
    for (const paymentId in payments) {
      if (payments[paymentId]!.receivedDate >= horizon) continue;
      delete this.write('payments')[paymentId];
      this.paymentLeft = true;
      for (const [invoiceId, held] of Object.entries(this.s.held)) if (paymentId in held) this.unhold(invoiceId, paymentId);
    }
    // Every closed invoice keeps a reversible payment until one of its payments leaves (here or by a reversal).
    if (!this.paymentLeft) return;
    for (const id of Object.keys(this.s.closed)) if (!this.closedInvoice(id)) this.forget(id);
  }

  /** A closed invoice leaves the state for good; its id stays used. */
  private forget(id: string): void {
    delete this.write('closed')[id];
    this.retire(id);
  }

  private retire(id: string): void {
    if (!this.owns(this.s.retired)) {
      this.s.retired = [...this.s.retired];
      this.owned.add(this.s.retired);
    }
    this.s.retired.push(id);
  }

  private unhold(invoiceId: string, paymentId: string): void {
    const held = this.writeHeld(invoiceId);
    delete held[paymentId];
    if (Object.keys(held).length === 0) delete this.write('held')[invoiceId];
  }

  private owns(o: object): boolean {
    return this.inPlace || this.owned.has(o);
  }

  /** The state's collection, copied first if this run has not written it yet. */
  private write<K extends Collection>(k: K): CustomerState[K] {
    const c = this.s[k];
    if (this.owns(c)) return c;
    const copy = { ...c };
    this.owned.add(copy);
    this.s[k] = copy;
    return copy;
  }

  /** The open (else closed) invoice `id`, copied into its collection first if this run has not written it yet. */
  private writeInvoice(id: string): InvoiceState {
    const where = this.s.open[id] ? 'open' : 'closed';
    const inv = this.s[where][id]!;
    if (this.owns(inv)) return inv;
    const copy: InvoiceState = { ...inv, paid: { ...inv.paid }, disputes: [...inv.disputes], stages: [...inv.stages] };
    this.owned.add(copy);
    this.write(where)[id] = copy;
    return copy;
  }

  /** The allocations held for a not yet issued invoice (created empty), copied first if not yet written. */
  private writeHeld(invoiceId: string): Record<string, number> {
    const entry = this.s.held[invoiceId];
    if (entry && this.owns(entry)) return entry;
    const copy = { ...entry };
    this.owned.add(copy);
    this.write('held')[invoiceId] = copy;
    return copy;
  }
}

const unknownInvoice = (id: string): [PoisonClass, string] => ['UnknownReference', `unknown or closed invoice ${id}`];
