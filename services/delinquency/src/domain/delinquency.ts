// The delinquency core: one customer's open invoices aged against the as-of date, transition events only.
//
// Time: at as-of date D every input dated before D has been applied, so an invoice due on day d is D - d days past
// due, and the clock's transitions for day D are computed before the inputs dated D. An input dated after the as-of
// date is held in the state and applied when the as-of date reaches its day, so cross-topic consumption order
// cannot let a payment of day D settle an invoice before day D's aging has been seen.
import type {
  CureKind,
  DelinquencyEvent,
  InvoiceAdjusted,
  InvoiceIssued,
  PaymentReceived,
} from '../../../../shared/contracts/events.generated.ts';
import type { PoisonClass } from '../../../../shared/errors.ts';
import { dayOf, startOfDay } from '../../../../shared/time.ts';
import { BUCKETS, bucketOf, bucketRank, daysPastDue, nextStatusThreshold, statusOf } from './aging.ts';
import * as emit from './emit.ts';
import type { Emission } from './emit.ts';
import type { DelinquencyPolicy } from './policy.ts';
import { balanceOf, type CustomerState, type DatedInput, type DelinquencyInput, type InvoiceState, type PaymentState } from './state.ts';

export interface RejectedInput {
  event: DelinquencyInput;
  errorClass: PoisonClass;
  message: string;
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
 * Applies one input of this customer, first advancing the state to the partition's as-of date (null while the
 * clock has not started). An input dated after the as-of date is held until the as-of date reaches its day; a
 * rejected input leaves the state as it was apart from that advance.
 */
export function applyEvent(
  state: CustomerState,
  event: DelinquencyInput,
  asOfDate: number | null,
  policy: DelinquencyPolicy,
): Outcome {
  const run = new Run(structuredClone(state), event.customerId, policy);
  if (asOfDate !== null) run.advance(asOfDate, event.eventId);
  const invalid = validate(event);
  if (invalid !== null) run.reject(event, 'InvalidEvent', invalid);
  else if (event.eventType === 'CustomerCreditProfile') run.s.currency = event.payload.currency;
  else if (run.s.asOf === null || inputDay(event) > run.s.asOf) run.s.early.push(event);
  else run.apply(event);
  return run.outcome();
}

/**
 * Moves the customer's as-of date forward to `asOfDate`, day by day over the days where something is due, so the
 * events are the same whether the clock steps one day at a time or jumps. `causationId`: the tick that moved it.
 */
export function advanceTo(
  state: CustomerState,
  customerId: string,
  asOfDate: number,
  policy: DelinquencyPolicy,
  causationId: string | null,
): Outcome {
  const run = new Run(structuredClone(state), customerId, policy);
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
    for (const inv of Object.values(state.open)) {
      earliestDue = Math.min(earliestDue, inv.dueDate);
      if (!inv.overdue) next = Math.min(next, inv.dueDate + policy.graceDays + 1);
      const nextBucket = BUCKETS[bucketRank(inv.bucket) + 1];
      if (nextBucket) next = Math.min(next, inv.dueDate + nextBucket[1]);
      if (inv.disputes.length === 0) {
        const step = policy.dunningLadder.find((st) => !inv.stages.includes(st.stage));
        if (step) next = Math.min(next, inv.dueDate + step.daysPastDue);
      }
    }
    // The status follows the oldest open invoice.
    if (earliestDue !== Number.POSITIVE_INFINITY) {
      const t = nextStatusThreshold(daysPastDue(earliestDue, state.asOf), policy);
      if (t !== null) next = Math.min(next, earliestDue + t);
    }
  }
  return next === Number.POSITIVE_INFINITY ? null : next;
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

/** One call's working copy of the state and what it emits. */
class Run {
  readonly events: DelinquencyEvent[] = [];
  readonly rejected: RejectedInput[] = [];

  constructor(
    readonly s: CustomerState,
    private readonly customerId: string,
    private readonly policy: DelinquencyPolicy,
  ) {}

  outcome(): Outcome {
    return { state: this.s, events: this.events, rejected: this.rejected };
  }

  reject(event: DelinquencyInput, errorClass: PoisonClass, message: string): void {
    this.rejected.push({ event, errorClass, message });
  }

  advance(target: number, causationId: string | null): void {
    for (let d = nextDueDay(this.s, this.policy); d !== null && d <= target; d = nextDueDay(this.s, this.policy)) {
      this.processDay(d, causationId);
    }
    if (this.s.asOf === null || target > this.s.asOf) this.s.asOf = target;
    this.prune();
  }

  /** Day d's clock transitions (state = every input before d), then the held inputs of day d. */
  private processDay(d: number, causationId: string | null): void {
    this.s.asOf = d;
    const at: Emission = { customerId: this.customerId, occurredAt: startOfDay(d), causationId };
    for (const id of Object.keys(this.s.open).sort()) this.evaluateInvoice(id, at);
    this.evaluateStatus(at, { clockDay: d });
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
        else if (this.closedInvoice(id)) delete this.s.closed[id];
        else return unknownInvoice(id);
        return null;
      }
      case 'InvoiceDisputed': {
        const { invoiceId, disputeId } = e.payload;
        const inv = this.s.open[invoiceId] ?? this.closedInvoice(invoiceId);
        if (!inv) return unknownInvoice(invoiceId);
        if (!inv.disputes.includes(disputeId)) inv.disputes.push(disputeId);
        return null;
      }
      case 'DisputeResolved': {
        const { invoiceId, disputeId } = e.payload;
        const inv = this.s.open[invoiceId] ?? this.closedInvoice(invoiceId);
        if (!inv) return unknownInvoice(invoiceId);
        if (!inv.disputes.includes(disputeId)) return ['UnknownReference', `no open dispute ${disputeId} on ${invoiceId}`];
        inv.disputes = inv.disputes.filter((d) => d !== disputeId);
        if (this.s.open[invoiceId]) this.evaluateInvoice(invoiceId, at);
        return null;
      }
    }
  }

  private issue(p: InvoiceIssued, at: Emission): [PoisonClass, string] | null {
    if (this.s.open[p.invoiceId] || this.closedInvoice(p.invoiceId)) {
      return ['InvalidEvent', `invoice ${p.invoiceId} issued twice`];
    }
    const wrong = this.currencyMismatch(p.currency);
    if (wrong) return wrong;
    this.s.currency ??= p.currency;
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
    // Cash that arrived before its invoice counts from the day it was received.
    let lastReceived: number | null = null;
    for (const [paymentId, amount] of Object.entries(this.s.held[p.invoiceId] ?? {})) {
      const payment = this.reversible(paymentId);
      if (!payment) continue;
      inv.paid[paymentId] = amount;
      lastReceived = Math.max(lastReceived ?? payment.receivedDate, payment.receivedDate);
    }
    delete this.s.held[p.invoiceId];
    if (lastReceived !== null && balanceOf(inv) <= 0) {
      this.cure(p.invoiceId, inv, 'SETTLED', lastReceived, at);
      return null;
    }
    this.s.open[p.invoiceId] = inv;
    this.evaluateInvoice(p.invoiceId, at);
    return null;
  }

  private adjust(p: InvoiceAdjusted, day: number, at: Emission): [PoisonClass, string] | null {
    const open = this.s.open[p.invoiceId];
    const inv = open ?? this.closedInvoice(p.invoiceId);
    if (!inv) return unknownInvoice(p.invoiceId);
    if (p.currency !== inv.currency) return ['InvalidEvent', `adjustment in ${p.currency}, invoice in ${inv.currency}`];
    inv.adjusted += p.amount;
    if (open && balanceOf(inv) <= 0) this.cure(p.invoiceId, inv, 'CREDITED', day, at);
    else if (!open && balanceOf(inv) > 0) this.reopen(p.invoiceId, inv, at);
    return null;
  }

  private receive(p: PaymentReceived, at: Emission): [PoisonClass, string] | null {
    if (this.s.payments[p.paymentId]) return ['InvalidEvent', `payment ${p.paymentId} received twice`];
    const wrong = this.currencyMismatch(p.currency);
    if (wrong) return wrong;
    this.s.payments[p.paymentId] = {
      receivedDate: p.receivedDate,
      allocations: p.allocations.map((a) => ({ invoiceId: a.invoiceId, amount: a.amount })),
    };
    for (const { invoiceId, amount } of p.allocations) {
      const open = this.s.open[invoiceId];
      const inv = open ?? this.closedInvoice(invoiceId);
      if (inv) {
        inv.paid[p.paymentId] = (inv.paid[p.paymentId] ?? 0) + amount;
        if (open && balanceOf(open) <= 0) this.cure(invoiceId, open, 'SETTLED', p.receivedDate, at);
      } else {
        const held = (this.s.held[invoiceId] ??= {});
        held[p.paymentId] = (held[p.paymentId] ?? 0) + amount;
      }
    }
    return null;
  }

  /** Undoes the payment's allocations; what it had settled opens again and ages from its due date. */
  private reverse(paymentId: string, at: Emission): [PoisonClass, string] | null {
    const payment = this.reversible(paymentId);
    if (!payment) return ['UnknownReference', `payment ${paymentId} is unknown or past the reversal window`];
    delete this.s.payments[paymentId];
    for (const invoiceId of new Set(payment.allocations.map((a) => a.invoiceId))) {
      const open = this.s.open[invoiceId];
      const closed = this.s.closed[invoiceId];
      const held = this.s.held[invoiceId];
      if (open) delete open.paid[paymentId];
      else if (closed) {
        delete closed.paid[paymentId];
        if (balanceOf(closed) > 0) this.reopen(invoiceId, closed, at);
      } else if (held) {
        delete held[paymentId];
        if (Object.keys(held).length === 0) delete this.s.held[invoiceId];
      }
    }
    return null;
  }

  private cure(id: string, inv: InvoiceState, cure: CureKind, curedDate: number, at: Emission): void {
    const daysLate = Math.max(0, daysPastDue(inv.dueDate, curedDate));
    this.events.push(emit.invoiceCured(at, inv.cycle, { invoiceId: id, cure, curedDate, daysLate }));
    delete this.s.open[id];
    if (cure !== 'VOIDED' && Object.keys(inv.paid).length > 0) this.s.closed[id] = inv;
  }

  /** A new cycle: it goes overdue and changes bucket again (from CURRENT); dunning resumes past stages reached. */
  private reopen(id: string, inv: InvoiceState, at: Emission): void {
    delete this.s.closed[id];
    inv.cycle += 1;
    inv.overdue = false;
    inv.bucket = 'CURRENT';
    this.s.open[id] = inv;
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
      inv.overdue = true;
      this.events.push(emit.invoiceOverdue(at, inv.cycle, { ...facts, dueDate: inv.dueDate }));
    }
    const bucket = bucketOf(dpd);
    if (bucketRank(bucket) > bucketRank(inv.bucket)) {
      this.events.push(emit.bucketChanged(at, inv.cycle, { ...facts, fromBucket: inv.bucket, toBucket: bucket }));
      inv.bucket = bucket;
    }
    if (inv.disputes.length > 0) return;
    const passed = this.policy.dunningLadder.filter((st) => st.daysPastDue <= dpd && !inv.stages.includes(st.stage));
    const highest = passed.at(-1);
    if (!highest) return;
    inv.stages.push(...passed.map((st) => st.stage));
    this.events.push(emit.dunningStageReached(at, { ...facts, stage: highest.stage }));
  }

  private evaluateStatus(at: Emission, trigger: { clockDay: number } | { inputEventId: string }): void {
    const asOfDate = this.s.asOf;
    if (asOfDate === null) return;
    let worst = 0;
    let overdueAmount = 0;
    let overdueCount = 0;
    for (const inv of Object.values(this.s.open)) {
      const dpd = daysPastDue(inv.dueDate, asOfDate);
      worst = Math.max(worst, dpd);
      if (dpd > this.policy.graceDays) {
        overdueAmount += balanceOf(inv);
        overdueCount += 1;
      }
    }
    const toStatus = statusOf(worst, this.policy);
    if (toStatus === this.s.status) return;
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

  private currencyMismatch(currency: string): [PoisonClass, string] | null {
    const own = this.s.currency;
    return own === null || own === currency ? null : ['InvalidEvent', `${currency} for a customer in ${own}`];
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
    return inv && Object.keys(inv.paid).some((pid) => this.reversible(pid)) ? inv : undefined;
  }

  /** Forgets payments past the reversal window (with their held allocations) and the closed invoices they kept. */
  private prune(): void {
    for (const paymentId of Object.keys(this.s.payments)) {
      if (this.reversible(paymentId)) continue;
      delete this.s.payments[paymentId];
      for (const [invoiceId, held] of Object.entries(this.s.held)) {
        delete held[paymentId];
        if (Object.keys(held).length === 0) delete this.s.held[invoiceId];
      }
    }
    for (const id of Object.keys(this.s.closed)) if (!this.closedInvoice(id)) delete this.s.closed[id];
  }
}

const unknownInvoice = (id: string): [PoisonClass, string] => ['UnknownReference', `unknown or closed invoice ${id}`];
