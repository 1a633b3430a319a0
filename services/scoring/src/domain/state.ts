// One customer's scoring state, built from its invoices, payments and credit profile in event time. The state holds
// only what the inputs applied so far say, so whatever is computed from it at a moment uses nothing from after it.
import type { CustomerEvent, InvoiceEvent, PaymentEvent } from '../../../../shared/contracts/events.generated.ts';
import { dayOf } from '../../../../shared/time.ts';
import { dueDateOf } from '../../../../shared/rules/due-date.ts';

/** A customer's input (ticks are the clock's, not a customer's). */
export type ScoringInput = Exclude<InvoiceEvent | PaymentEvent | CustomerEvent, { eventType: 'BusinessDateTick' }>;

export interface InvoiceState {
  /** As issued, minor units: the invoice's weight in the score. */
  amount: number;
  issueDay: number;
  dueDay: number;
  /** Issued + adjustments - allocations still in force. */
  balance: number;
  /** The day the balance last reached zero; null while open. */
  settledDay: number | null;
  /** Ever disputed. */
  disputed: boolean;
}

export interface Profile {
  creditLimit: number;
  currency: string;
  termsDays: number;
  /** The day the current credit limit was set (a person's last limit review). */
  limitSetDay: number;
}

export interface CustomerState {
  profile: Profile | null;
  /** Open invoices and those settled within the retention (policy.historyDays). */
  invoices: Record<string, InvoiceState>;
  /** paymentId -> its allocations, so a reversal can undo them. */
  payments: Record<string, Array<[invoiceId: string, amount: number]>>;
  /** Invoices issued and disputes raised, over the whole history. */
  issued: number;
  disputes: number;
  /** Invoices issued per day (issueDay -> amount sum) over the last 365 days: sales for the limit and size band. */
  sales: Record<string, number>;
  firstIssueDay: number | null;
  lastIssueDay: number | null;
}

export const emptyState = (): CustomerState => ({
  profile: null,
  invoices: {},
  payments: {},
  issued: 0,
  disputes: 0,
  sales: {},
  firstIssueDay: null,
  lastIssueDay: null,
});

/** The day an input takes effect: its document date where it has one, else the day of its event time. */
export function inputDay(e: ScoringInput): number {
  switch (e.eventType) {
    case 'InvoiceIssued':
      return e.payload.issueDate;
    case 'PaymentReceived':
      return e.payload.receivedDate;
    default:
      return dayOf(e.occurredAt);
  }
}

/** Why an input is not applied (it goes to the DLQ); null when it applies. */
export function checkInput(s: CustomerState, e: ScoringInput): string | null {
  switch (e.eventType) {
    case 'InvoiceIssued':
      if (e.payload.amount <= 0) return `invoice ${e.payload.invoiceId}: amount must be positive`;
      if (e.payload.dueDate !== null && e.payload.dueDate < e.payload.issueDate) return `invoice ${e.payload.invoiceId}: due before issue`;
      return s.invoices[e.payload.invoiceId] ? `invoice ${e.payload.invoiceId} issued twice` : null;
    case 'PaymentReceived':
      if (s.payments[e.payload.paymentId]) return `payment ${e.payload.paymentId} received twice`;
      return e.payload.allocations.some((a) => a.amount <= 0) ? `payment ${e.payload.paymentId}: allocation not positive` : null;
    default:
      return null;
  }
}

/**
 * The state after `e` (a copy; `s` is not changed). References to invoices the state does not hold (forgotten or
 * never seen) change nothing: the score only counts invoices whose whole life it saw.
 */
export function applyInput(s: CustomerState, e: ScoringInput, historyDays: number): CustomerState {
  const day = inputDay(e);
  const next: CustomerState = { ...s, invoices: { ...s.invoices } };
  const touch = (id: string): InvoiceState | undefined => {
    const inv = next.invoices[id];
    if (!inv) return undefined;
    const copy = { ...inv };
    next.invoices[id] = copy;
    return copy;
  };
  const rebalance = (inv: InvoiceState, delta: number) => {
    inv.balance += delta;
    if (inv.balance <= 0 && inv.settledDay === null) inv.settledDay = day;
    else if (inv.balance > 0) inv.settledDay = null;
  };
  switch (e.eventType) {
    case 'CustomerCreditProfile': {
      const p = e.payload;
      const limitSetDay = s.profile && s.profile.creditLimit === p.creditLimit ? s.profile.limitSetDay : day;
      next.profile = { creditLimit: p.creditLimit, currency: p.currency, termsDays: p.paymentTermsDays, limitSetDay };
      break;
    }
    case 'InvoiceIssued': {
      const p = e.payload;
      next.invoices[p.invoiceId] = {
        amount: p.amount,
        issueDay: p.issueDate,
        dueDay: dueDateOf(p, s.profile?.termsDays),
        balance: p.amount,
        settledDay: null,
        disputed: false,
      };
      next.issued = s.issued + 1;
      next.sales = { ...s.sales, [p.issueDate]: (s.sales[p.issueDate] ?? 0) + p.amount };
      next.firstIssueDay = s.firstIssueDay === null ? p.issueDate : Math.min(s.firstIssueDay, p.issueDate);
      next.lastIssueDay = s.lastIssueDay === null ? p.issueDate : Math.max(s.lastIssueDay, p.issueDate);
      break;
    }
    case 'InvoiceAdjusted': {
      const inv = touch(e.payload.invoiceId);
      if (inv) rebalance(inv, e.payload.amount);
      break;
    }
    case 'InvoiceVoided':
      delete next.invoices[e.payload.invoiceId];
      break;
    case 'InvoiceDisputed': {
      const inv = touch(e.payload.invoiceId);
      if (inv && !inv.disputed) {
        inv.disputed = true;
        next.disputes = s.disputes + 1;
      }
      break;
    }
    case 'DisputeResolved':
      break;
    case 'PaymentReceived': {
      const allocations: Array<[string, number]> = [];
      for (const a of e.payload.allocations) {
        const inv = touch(a.invoiceId);
        if (!inv) continue;
        allocations.push([a.invoiceId, a.amount]);
        rebalance(inv, -a.amount);
      }
      next.payments = { ...s.payments, [e.payload.paymentId]: allocations };
      break;
    }
    case 'PaymentReversed': {
      const allocations = s.payments[e.payload.paymentId];
      if (!allocations) break;
      for (const [id, amount] of allocations) {
        const inv = touch(id);
        if (inv) rebalance(inv, amount);
      }
      next.payments = { ...s.payments };
      delete next.payments[e.payload.paymentId];
      break;
    }
  }
  return forget(next, day, historyDays);
}

/** Drops what no rule looks at any more by `day`: invoices settled, and sales, more than `historyDays` ago. */
export function forget(s: CustomerState, day: number, historyDays: number): CustomerState {
  const horizon = day - historyDays;
  let invoices = s.invoices;
  for (const [id, inv] of Object.entries(s.invoices)) {
    if (inv.settledDay !== null && inv.settledDay <= horizon) {
      if (invoices === s.invoices) invoices = { ...s.invoices };
      delete invoices[id];
    }
  }
  let payments = s.payments;
  for (const [id, allocations] of Object.entries(s.payments)) {
    if (allocations.every(([inv]) => !invoices[inv])) {
      if (payments === s.payments) payments = { ...s.payments };
      delete payments[id];
    }
  }
  let sales = s.sales;
  for (const d of Object.keys(s.sales)) {
    if (Number(d) <= day - 365) {
      if (sales === s.sales) sales = { ...s.sales };
      delete sales[d];
    }
  }
  return invoices === s.invoices && payments === s.payments && sales === s.sales ? s : { ...s, invoices, payments, sales };
}
