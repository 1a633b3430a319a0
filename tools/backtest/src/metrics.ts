// The backtest's figures, from what a policy's replay published on credit-holds and the ledger's own book (its
// orders and invoices). Pure: replay.ts runs the cores, report.ts prints. The README's "What each figure means"
// states the same definitions for a reader of the output.
import type { CreditHoldEvent, HoldReason } from '../../../shared/contracts/events.generated.ts';
import { isoFromDay } from '../../../shared/time.ts';
import { endOfMonth } from '../../import-ledger/src/replay.ts';

export interface BookOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly amount: number;
  readonly placedAt: number;
}

export interface BookInvoice {
  readonly invoiceId: string;
  readonly orderId: string | null;
  readonly amount: number;
  /** Event time of the InvoiceIssued: when the ledger shipped and billed. */
  readonly issuedAt: number;
  readonly issueDay: number;
  readonly dueDay: number;
  /** The day the allocations reached the amount; null while open. */
  readonly settledDay: number | null;
}

/** What happened in the ledger, whatever the policy: the same for every column. */
export interface Book {
  readonly orders: readonly BookOrder[];
  readonly invoices: readonly BookInvoice[];
  /** End of history: the end of the last business date replayed (a hold still on is counted up to it). */
  readonly endAt: number;
}

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
}

export interface MonthFigures {
  /** YYYY-MM. */
  readonly month: string;
  /** Its last day, YYYY-MM-DD: the figures are as at its end. */
  readonly monthEnd: string;
  /** Overdue receivables (open, past due) at month-end of the invoices of orders the policy blocked. */
  readonly overdueAvoided: number;
  /** All overdue receivables of the ledger at month-end. */
  readonly overdue: number;
  /** DSO of the ledger without the blocked orders' invoices; null without credit sales in the month. */
  readonly dso: number | null;
  /** DSO of the ledger as it happened. */
  readonly ledgerDso: number | null;
}

export interface PolicyFigures {
  readonly orders: {
    readonly placed: number;
    /** Approved at once (no OrderCreditHeld). */
    readonly approved: number;
    /** Held at least once. */
    readonly held: number;
    readonly released: number;
    readonly releasedAutomatic: number;
    readonly releasedManual: number;
    readonly rejected: number;
    /** Held at the end of history. */
    readonly stillHeld: number;
    /** Held, and not released before the ledger issued the order's invoice. */
    readonly blocked: number;
  };
  /** Sums of the orders' amounts (minor units). */
  readonly value: { readonly held: number; readonly released: number; readonly stillHeld: number; readonly blocked: number };
  /** Per held order: until its release or rejection, else until the end of history. Null without holds. */
  readonly holdDurationMs: Percentiles | null;
  /** Held orders per reason (an order held for two reasons counts under both). */
  readonly reasons: Readonly<Partial<Record<HoldReason, number>>>;
  readonly months: readonly MonthFigures[];
}

interface Outcome {
  amount: number;
  heldAt: number;
  reasons: readonly HoldReason[];
  /** When it stopped being held (release or rejection), with how long it was. */
  ended: { at: number; heldMs: number; kind: 'AUTOMATIC' | 'MANUAL' | 'REJECTED' } | null;
}

/** Nearest-rank percentile of an ascending list (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of nothing');
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Each held order's first hold and what ended it; a hold after a release (an upward amendment) starts a new one. */
function outcomes(holds: readonly CreditHoldEvent[]): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  for (const e of holds) {
    if (e.eventType === 'OrderCreditHeld') {
      const o = out.get(e.payload.orderId);
      if (o === undefined) out.set(e.payload.orderId, { amount: e.payload.amount, heldAt: e.occurredAt, reasons: e.payload.reasons, ended: null });
      else o.ended = null;
    } else if (e.eventType === 'OrderCreditReleased' || e.eventType === 'OrderCreditRejected') {
      const o = out.get(e.payload.orderId);
      if (o === undefined) continue;
      const kind = e.eventType === 'OrderCreditRejected' ? 'REJECTED' : e.payload.release;
      o.ended = { at: e.occurredAt, heldMs: e.payload.heldMs, kind };
    }
  }
  return out;
}

/** Calendar months from the first invoice's to the last settlement's (the last invoice's when none is settled). */
function monthEnds(invoices: readonly BookInvoice[]): number[] {
  if (invoices.length === 0) return [];
  const first = Math.min(...invoices.map((i) => i.issueDay));
  const settled = invoices.flatMap((i) => (i.settledDay === null ? [] : [i.settledDay]));
  const last = settled.length > 0 ? Math.max(...settled) : Math.max(...invoices.map((i) => i.issueDay));
  const ends: number[] = [];
  for (let end = endOfMonth(first); ; end = endOfMonth(end + 1)) {
    ends.push(end);
    if (end >= last) return ends;
  }
}

const startOfMonth = (end: number): number => end - Number(isoFromDay(end).slice(8, 10)) + 1;

/**
 * DSO as reporting.kpi_monthly defines it (services/reporting/migrations/0002_receivables_kpis.sql): receivables
 * open at the end of the month's last day / credit sales (invoices issued in the month) x days in the month.
 */
function receivablesAt(invoices: readonly BookInvoice[], end: number) {
  const start = startOfMonth(end);
  let open = 0;
  let overdue = 0;
  let sales = 0;
  for (const i of invoices) {
    if (i.issueDay >= start && i.issueDay <= end) sales += i.amount;
    if (i.issueDay > end || (i.settledDay !== null && i.settledDay <= end)) continue;
    open += i.amount;
    if (end - i.dueDay > 0) overdue += i.amount;
  }
  return { overdue, dso: sales === 0 ? null : (open / sales) * (end - start + 1) };
}

export function policyFigures(book: Book, holds: readonly CreditHoldEvent[]): PolicyFigures {
  const held = outcomes(holds);
  const invoiceOf = new Map(book.invoices.flatMap((i) => (i.orderId === null ? [] : [[i.orderId, i] as const])));
  const blocked = new Set<string>();
  for (const [orderId, o] of held) {
    const invoice = invoiceOf.get(orderId);
    if (invoice !== undefined && (o.ended === null || o.ended.at >= invoice.issuedAt)) blocked.add(orderId);
  }
  const all = [...held.values()];
  const sum = (os: readonly Outcome[]) => os.reduce((s, o) => s + o.amount, 0);
  const still = all.filter((o) => o.ended === null);
  const released = all.filter((o) => o.ended !== null && o.ended.kind !== 'REJECTED');
  const durations = all.map((o) => (o.ended === null ? book.endAt - o.heldAt : o.ended.heldMs)).sort((a, b) => a - b);
  const reasons: Partial<Record<HoldReason, number>> = {};
  for (const o of all) for (const r of o.reasons) reasons[r] = (reasons[r] ?? 0) + 1;

  const kept = book.invoices.filter((i) => i.orderId === null || !blocked.has(i.orderId));
  const avoided = book.invoices.filter((i) => i.orderId !== null && blocked.has(i.orderId));
  const months = monthEnds(book.invoices).map((end): MonthFigures => {
    const ledger = receivablesAt(book.invoices, end);
    return {
      month: isoFromDay(end).slice(0, 7),
      monthEnd: isoFromDay(end),
      overdueAvoided: receivablesAt(avoided, end).overdue,
      overdue: ledger.overdue,
      dso: receivablesAt(kept, end).dso,
      ledgerDso: ledger.dso,
    };
  });

  return {
    orders: {
      placed: book.orders.length,
      approved: book.orders.filter((o) => !held.has(o.orderId)).length,
      held: held.size,
      released: released.length,
      releasedAutomatic: released.filter((o) => o.ended!.kind === 'AUTOMATIC').length,
      releasedManual: released.filter((o) => o.ended!.kind === 'MANUAL').length,
      rejected: all.filter((o) => o.ended?.kind === 'REJECTED').length,
      stillHeld: still.length,
      blocked: blocked.size,
    },
    value: {
      held: sum(all),
      released: sum(released),
      stillHeld: sum(still),
      blocked: [...blocked].reduce((s, id) => s + held.get(id)!.amount, 0),
    },
    holdDurationMs: durations.length === 0 ? null : { p50: percentile(durations, 50), p90: percentile(durations, 90) },
    reasons,
    months,
  };
}
