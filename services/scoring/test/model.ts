// The reference model of the scoring core, written from the rules and not from the core: it keeps no state, only
// the list of a customer's inputs in order, and recomputes everything from that list for the moment asked about.
// Settlement is found by walking the balances; the score and the features follow the definitions of
// services/scoring/README.md literally. The probability is the same formula of the same features (the
// coefficients are the specification), so a difference in a feature shows up as a difference in probability.
import type { ScoringInput } from '../src/domain/state.ts';
import { dayOf } from '../../../shared/time.ts';
import { predictWith, type Features } from '../src/domain/index.ts';
import { MODEL_COEFFICIENTS, MODEL_INTERCEPT } from '../src/domain/coefficients.ts';

const KEY: Array<[number, number]> = [[-30, 100], [-20, 90], [0, 80], [15, 70], [22, 60], [30, 50], [60, 40], [90, 30], [120, 20]];

export function modelPoints(days: number): number {
  if (days <= -30) return 100;
  if (days >= 120) return 20;
  for (let i = 0; i + 1 < KEY.length; i++) {
    const [d0, p0] = KEY[i]!;
    const [d1, p1] = KEY[i + 1]!;
    if (days >= d0 && days <= d1) return p0 + (p1 - p0) * ((days - d0) / (d1 - d0));
  }
  throw new Error('unreachable');
}

export interface ModelInvoice {
  id: string;
  amount: number;
  issueDay: number;
  dueDay: number;
  balance: number;
  settledDay: number | null;
}

const dayOfInput = (e: ScoringInput): number =>
  e.eventType === 'InvoiceIssued' ? e.payload.issueDate : e.eventType === 'PaymentReceived' ? e.payload.receivedDate : dayOf(e.occurredAt);

/** The customer's invoices after the inputs, in order (voided ones gone). */
export function modelInvoices(events: readonly ScoringInput[]): ModelInvoice[] {
  return walk(events).invoices;
}

/** Walks the inputs: the invoices, how many were issued, how many got a (first) dispute while they existed. */
function walk(events: readonly ScoringInput[]): { invoices: ModelInvoice[]; issued: number; disputes: number } {
  let issued = 0;
  const disputed = new Set<ModelInvoice>();
  const invoices = new Map<string, ModelInvoice>();
  const payments = new Map<string, Array<{ invoiceId: string; amount: number }>>();
  const move = (id: string, delta: number, day: number) => {
    const inv = invoices.get(id);
    if (!inv) return false;
    const wasOpen = inv.balance > 0;
    inv.balance += delta;
    if (inv.balance <= 0 && wasOpen) inv.settledDay = day;
    if (inv.balance > 0) inv.settledDay = null;
    return true;
  };
  let terms: number | null = null;
  for (const e of events) {
    const day = dayOfInput(e);
    if (e.eventType === 'CustomerCreditProfile') terms = e.payload.paymentTermsDays;
    if (e.eventType === 'InvoiceIssued') {
      if (invoices.has(e.payload.invoiceId)) continue;
      issued++;
      invoices.set(e.payload.invoiceId, {
        id: e.payload.invoiceId, amount: e.payload.amount, issueDay: e.payload.issueDate, dueDay: e.payload.dueDate ?? e.payload.issueDate + (terms ?? 30), balance: e.payload.amount, settledDay: null,
      });
    } else if (e.eventType === 'InvoiceDisputed') {
      const inv = invoices.get(e.payload.invoiceId);
      if (inv) disputed.add(inv);
    } else if (e.eventType === 'InvoiceAdjusted') move(e.payload.invoiceId, e.payload.amount, day);
    else if (e.eventType === 'InvoiceVoided') invoices.delete(e.payload.invoiceId);
    else if (e.eventType === 'PaymentReceived') {
      if (payments.has(e.payload.paymentId)) continue;
      payments.set(e.payload.paymentId, e.payload.allocations.filter((a) => move(a.invoiceId, -a.amount, day)));
    } else if (e.eventType === 'PaymentReversed') {
      for (const a of payments.get(e.payload.paymentId) ?? []) move(a.invoiceId, a.amount, day);
      payments.delete(e.payload.paymentId);
    }
  }
  return { invoices: [...invoices.values()], issued, disputes: disputed.size };
}

/** The PAYDEX score of the inputs as of `asOf`. */
export function modelScore(events: readonly ScoringInput[], asOf: number): number | null {
  const window = modelInvoices(events).filter((i) => i.settledDay !== null && asOf - i.settledDay >= 0 && asOf - i.settledDay < 365);
  if (window.length < 3) return null;
  const total = window.reduce((s, i) => s + i.amount, 0);
  const mean = window.reduce((s, i) => s + i.amount * modelPoints(i.settledDay! - i.dueDay), 0) / total;
  return Math.floor(mean + 0.5 + 1e-9);
}

export function modelFeatures(events: readonly ScoringInput[], asOf: number, historyDays = 730): Features {
  const { invoices: all, issued, disputes } = walk(events);
  const settled = all.filter((i) => i.settledDay !== null && i.settledDay <= asOf && i.settledDay > asOf - historyDays);
  const weight = (i: ModelInvoice) => 0.5 ** ((asOf - i.settledDay!) / 180);
  const w = settled.reduce((s, i) => s + weight(i), 0);
  const dbt = (i: ModelInvoice) => i.settledDay! - i.dueDay;
  const recent = settled.filter((i) => asOf - i.settledDay! < 90);
  const older = settled.filter((i) => asOf - i.settledDay! >= 90 && asOf - i.settledDay! < 365);
  const mean = (xs: ModelInvoice[]) => xs.reduce((s, i) => s + dbt(i), 0) / xs.length;
  const overdue = all.filter((i) => i.settledDay === null && i.issueDay <= asOf && i.dueDay < asOf);
  const open = all.filter((i) => i.settledDay === null && i.issueDay <= asOf).reduce((s, i) => s + Math.max(0, i.balance), 0);
  let limit = 0;
  for (const e of events) if (e.eventType === 'CustomerCreditProfile') limit = e.payload.creditLimit;
  return {
    settledCount: settled.length,
    lateRate: (settled.filter((i) => dbt(i) > 0).reduce((s, i) => s + weight(i), 0) + 0.36) / (w + 1),
    meanDaysBeyondTerms: w > 0 ? Math.min(90, Math.max(-30, settled.reduce((s, i) => s + weight(i) * dbt(i), 0) / w)) : 0,
    trendDays: recent.length > 0 && older.length > 0 ? mean(recent) - mean(older) : 0,
    overdueCount: overdue.length,
    worstDaysPastDue: overdue.reduce((m, i) => Math.max(m, asOf - i.dueDay), 0),
    disputeRate: (disputes + 0.2) / (issued + 1),
    utilisation: limit > 0 ? Math.min(2, open / limit) : 0,
    noHistory: settled.length === 0 ? 1 : 0,
  };
}

export function modelProbabilityBp(events: readonly ScoringInput[], asOf: number): number {
  return Math.round(predictWith(modelFeatures(events, asOf), MODEL_INTERCEPT, MODEL_COEFFICIENTS).probability * 10_000);
}
