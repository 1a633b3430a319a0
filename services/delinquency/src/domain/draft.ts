// One call's working copy of a customer's delinquency state and what it emits: the rules of each event family
// (invoices.ts, payments.ts, customer.ts) and the transitions (transitions.ts) write through it.
//
// Copy-on-write: the caller's state is never written; a collection, an invoice or a held entry is copied the first
// time this call changes it (`owned` holds the copies), so a call costs what it changes, not the size of the
// customer's state. In place, everything counts as owned.
import type { DelinquencyEvent } from '../../../../shared/contracts/events.generated.ts';
import type { PoisonClass, Rejection } from '../../../../shared/errors.ts';
import { admitCurrency } from '../../../../shared/rules/currency.ts';
import type { DelinquencyPolicy } from './policy.ts';
import type { CustomerState, DatedInput, DelinquencyInput, InvoiceState, PaymentState } from './state.ts';

export interface RejectedInput extends Rejection {
  event: DelinquencyInput;
}

/** The keyed collections of a state, whose entries a store may keep one part each of. */
export type DocumentCollection = 'open' | 'closed' | 'payments' | 'held' | 'retired';

/** An entry a call put, changed or deleted (for `retired`: an id added). */
export type DocumentWrite = readonly [collection: DocumentCollection, id: string];

/**
 * The new state, the events to publish (in order), the inputs that could not be applied (bound for the DLQ) and
 * every entry the call wrote (a store writes those and the state's other fields, not the whole customer).
 */
export interface Outcome {
  state: CustomerState;
  events: DelinquencyEvent[];
  rejected: RejectedInput[];
  written: readonly DocumentWrite[];
}

/**
 * How a call may treat the state it is given. By default it is never written: the new state shares what did not
 * change with it (copy-on-write). `inPlace`: the caller gives the state up (it keeps no copy it relies on), so the
 * call writes it instead of copying what it changes, and returns it as the new state.
 */
export interface CallOptions {
  inPlace?: boolean;
}

/** Why a rule refused its input, or null when it applied. */
export type Failure = [PoisonClass, string] | null;

/** The collections of a state that a call copies before its first write. */
type Collection = 'open' | 'closed' | 'payments' | 'held';

export class Draft {
  readonly s: CustomerState;
  readonly events: DelinquencyEvent[] = [];
  readonly rejected: RejectedInput[] = [];
  readonly written: DocumentWrite[] = [];
  private readonly owned = new Set<object>();
  private readonly inPlace: boolean;
  /** A payment left the state in this call: closed invoices may have lost their last reversible payment. */
  paymentLeft = false;

  constructor(
    state: CustomerState,
    readonly customerId: string,
    readonly policy: DelinquencyPolicy,
    { inPlace = false }: CallOptions,
  ) {
    this.inPlace = inPlace;
    this.s = inPlace ? state : { ...state };
    this.s.retired ??= []; // states stored before it existed have none
  }

  hold(event: DatedInput): void {
    if (this.owns(this.s.early)) this.s.early.push(event);
    else this.s.early = [...this.s.early, event];
  }

  outcome(): Outcome {
    return { state: this.s, events: this.events, rejected: this.rejected, written: this.written };
  }

  reject(event: DelinquencyInput, errorClass: PoisonClass, message: string): void {
    this.rejected.push({ event, errorClass, message });
  }

  /**
   * The customer's currency rule, shared with exposure (shared/rules/currency.ts): pins it, or the rejection (a profile
   * in another currency); a document in another currency is kept in its own.
   */
  pinCurrency(currency: string, input: 'profile' | 'document'): Failure {
    const decision = admitCurrency(this.s.currency, currency, input);
    if (!decision.ok) return ['InvalidEvent', decision.message];
    this.s.currency = decision.currency;
    return null;
  }

  /** The payment, if it can still be reversed (or applied to its invoice) at the as-of date. */
  reversible(paymentId: string): PaymentState | undefined {
    const payment = this.s.payments[paymentId];
    const asOfDate = this.s.asOf;
    if (!payment || asOfDate === null) return undefined;
    return asOfDate <= payment.receivedDate + this.policy.reversalWindowDays ? payment : undefined;
  }

  /** A closed invoice counts only while a payment on it can be reversed, however late pruning runs. */
  closedInvoice(id: string): InvoiceState | undefined {
    const inv = this.s.closed[id];
    if (inv) for (const pid in inv.paid) if (this.reversible(pid)) return inv;
    return undefined;
  }

  /** Forgets payments past the reversal window (with their held allocations) and the closed invoices they kept. */
  prune(): void {
    const asOfDate = this.s.asOf;
    if (asOfDate === null) return;
    const horizon = asOfDate - this.policy.reversalWindowDays; // received before it: past the window
    const payments = this.s.payments;
    for (const paymentId in payments) {
      if (payments[paymentId]!.receivedDate >= horizon) continue;
      delete this.write('payments', paymentId)[paymentId];
      this.paymentLeft = true;
      for (const [invoiceId, held] of Object.entries(this.s.held)) if (paymentId in held) this.unhold(invoiceId, paymentId);
    }
    // Every closed invoice keeps a reversible payment until one of its payments leaves (here or by a reversal).
    if (!this.paymentLeft) return;
    for (const id of Object.keys(this.s.closed)) if (!this.closedInvoice(id)) this.forget(id);
  }

  /** A closed invoice leaves the state for good; its id stays used. */
  forget(id: string): void {
    delete this.write('closed', id)[id];
    this.retire(id);
  }

  retire(id: string): void {
    if (!this.owns(this.s.retired)) {
      this.s.retired = [...this.s.retired];
      this.owned.add(this.s.retired);
    }
    this.s.retired.push(id);
    this.written.push(['retired', id]);
  }

  unhold(invoiceId: string, paymentId: string): void {
    const held = this.writeHeld(invoiceId);
    delete held[paymentId];
    if (Object.keys(held).length === 0) delete this.write('held', invoiceId)[invoiceId];
  }

  /** A new object this call made: it may write it freely. */
  own(o: object): void {
    this.owned.add(o);
  }

  private owns(o: object): boolean {
    return this.inPlace || this.owned.has(o);
  }

  /** The state's collection, to write its entry `id`: copied first if this call has not written it yet. */
  write<K extends Collection>(k: K, id: string): CustomerState[K] {
    this.written.push([k, id]);
    const c = this.s[k];
    if (this.owns(c)) return c;
    const copy = { ...c };
    this.owned.add(copy);
    this.s[k] = copy;
    return copy;
  }

  /** The open (else closed) invoice `id`, copied into its collection first if this call has not written it yet. */
  writeInvoice(id: string): InvoiceState {
    const where = this.s.open[id] ? 'open' : 'closed';
    const inv = this.s[where][id]!;
    if (this.owns(inv)) {
      this.written.push([where, id]);
      return inv;
    }
    const copy: InvoiceState = { ...inv, paid: { ...inv.paid }, disputes: [...inv.disputes], stages: [...inv.stages] };
    this.owned.add(copy);
    this.write(where, id)[id] = copy;
    return copy;
  }

  /** The allocations held for a not yet issued invoice (created empty), copied first if not yet written. */
  writeHeld(invoiceId: string): Record<string, number> {
    const entry = this.s.held[invoiceId];
    if (entry && this.owns(entry)) {
      this.written.push(['held', invoiceId]);
      return entry;
    }
    const copy = { ...entry };
    this.owned.add(copy);
    this.write('held', invoiceId)[invoiceId] = copy;
    return copy;
  }
}
