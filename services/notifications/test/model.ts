// A small reference model of the notifications rule, written again without the core's economies: every invoice,
// payment and decision is kept for ever, open amounts are recomputed from the whole history, and every customer is
// looked at on every tick. The property tests hold the core (through its PartitionDomain, index included) to it.
import type { StreamEvent } from '../src/domain/index.ts';

export interface ModelPolicy {
  days: number;
  byClass: ReadonlyMap<string, number>;
  likelyLateDays: number;
  likelyLateBp: number;
  enabled: ReadonlySet<string>;
  defaultLanguage: 'en' | 'de';
}

interface Invoice {
  amount: number;
  adjustments: number;
  due: number;
  voided: boolean;
  disputed: boolean;
}

interface Customer {
  profile: { limit: number; currency: string; terms: number; riskClass: string; email: string | null; language: string | null; optOuts: string[] } | null;
  prob: number | null;
  scoredClass: string | null;
  invoices: Map<string, Invoice>;
  /** payment id -> allocations to invoices known when it arrived; reversed payments are dropped. */
  payments: Map<string, Array<[string, number]>>;
  decided: Set<string>;
}

/** One notice as the model describes it: customer, type, business key, business date, recipient, language, amount. */
export type ModelNotice = string;

export function modelNotices(events: readonly StreamEvent[], p: ModelPolicy): ModelNotice[] {
  // A broken promise tells the customer at the event that broke it (a tick, or the promise recorded too late), with
  // the profile the customer has then.
  const broken = new Map<number, Judgement[]>();
  for (const j of modelPromiseJudgements(events)) if (j.kind === 'PromiseBroken') broken.set(j.at, [...(broken.get(j.at) ?? []), j]);
  const customers = new Map<string, Customer>();
  const out: ModelNotice[] = [];
  let clock: number | null = null;
  const customer = (id: string): Customer => {
    let c = customers.get(id);
    if (!c) customers.set(id, (c = { profile: null, prob: null, scoredClass: null, invoices: new Map(), payments: new Map(), decided: new Set() }));
    return c;
  };
  const open = (c: Customer, id: string): number => {
    const inv = c.invoices.get(id)!;
    let paid = 0;
    for (const allocs of c.payments.values()) for (const [i, a] of allocs) if (i === id) paid += a;
    return inv.amount + inv.adjustments - paid;
  };
  const notice = (cid: string, c: Customer, type: string, key: string, day: number, amount: number | null) => {
    if (c.decided.has(key)) return;
    c.decided.add(key);
    const optOuts = c.profile?.optOuts ?? [];
    if (!p.enabled.has(type) || optOuts.includes('ALL') || optOuts.includes(type)) return;
    const tag = (c.profile?.language ?? '').toLowerCase().split(/[-_]/)[0];
    const language = tag === 'en' || tag === 'de' ? tag : p.defaultLanguage;
    out.push([cid, type, key, day, c.profile?.email ?? '-', language, amount ?? '-'].join(' '));
  };
  const remindAll = (cid: string, c: Customer, day: number) => {
    const cls = c.scoredClass ?? c.profile?.riskClass;
    const base = cls !== undefined && p.byClass.has(cls) ? p.byClass.get(cls)! : p.days;
    const lead = c.prob !== null && c.prob >= p.likelyLateBp ? Math.max(base, p.likelyLateDays) : base;
    for (const id of [...c.invoices.keys()].sort()) {
      const inv = c.invoices.get(id)!;
      const amount = open(c, id);
      if (inv.voided || inv.disputed || amount <= 0 || day < inv.due - lead || day >= inv.due) continue;
      notice(cid, c, 'PAYMENT_REMINDER', `R|${id}`, day, amount);
    }
  };
  const tellBroken = (at: number) => {
    for (const j of broken.get(at) ?? []) notice(j.cid, customer(j.cid), 'PROMISE_BROKEN', `B|${j.id}`, j.day, j.amount);
  };
  for (const [at, e] of events.entries()) {
    if (e.eventType === 'BusinessDateTick') {
      const day = e.payload.businessDate;
      if (clock !== null && day <= clock) continue;
      clock = day;
      for (const [cid, c] of [...customers].sort(([a], [b]) => (a < b ? -1 : 1))) remindAll(cid, c, day);
      tellBroken(at);
      continue;
    }
    const c = customer(e.customerId);
    const eventDay = Math.max(clock ?? -Infinity, Math.floor(e.occurredAt / 86_400_000));
    switch (e.eventType) {
      case 'CustomerCreditProfile': {
        const before = c.profile;
        const q = e.payload;
        c.profile = { limit: q.creditLimit, currency: q.currency, terms: q.paymentTermsDays, riskClass: q.riskClass, email: q.contactEmail ?? null, language: q.language ?? null, optOuts: q.noticeOptOuts ?? [] };
        if (before && before.terms !== q.paymentTermsDays) notice(e.customerId, c, 'TERMS_CHANGED', `T|${e.eventId}`, eventDay, null);
        if (before && (before.limit !== q.creditLimit || before.currency !== q.currency)) notice(e.customerId, c, 'LIMIT_CHANGED', `L|${e.eventId}`, eventDay, q.creditLimit);
        break;
      }
      case 'InvoiceIssued':
        if (c.invoices.has(e.payload.invoiceId)) break;
        c.invoices.set(e.payload.invoiceId, { amount: e.payload.amount, adjustments: 0, due: e.payload.dueDate ?? e.payload.issueDate + (c.profile?.terms ?? 30), voided: false, disputed: false });
        if (clock !== null) remindAll(e.customerId, c, clock);
        break;
      case 'InvoiceAdjusted': {
        const inv = c.invoices.get(e.payload.invoiceId);
        if (inv) inv.adjustments += e.payload.amount;
        break;
      }
      case 'InvoiceVoided': {
        const inv = c.invoices.get(e.payload.invoiceId);
        if (inv) inv.voided = true;
        break;
      }
      case 'InvoiceDisputed':
      case 'DisputeResolved': {
        const inv = c.invoices.get(e.payload.invoiceId);
        if (inv) inv.disputed = e.eventType === 'InvoiceDisputed';
        break;
      }
      case 'PaymentReceived':
        c.payments.set(e.payload.paymentId, e.payload.allocations.filter((a) => c.invoices.has(a.invoiceId)).map((a) => [a.invoiceId, a.amount]));
        break;
      case 'PaymentReversed':
        c.payments.delete(e.payload.paymentId);
        break;
      case 'CreditScoreUpdated':
        c.prob = e.payload.probabilityBp;
        c.scoredClass = e.payload.riskClass;
        break;
      case 'DunningStageReached':
        notice(e.customerId, c, 'OVERDUE_NOTICE', `O|${e.payload.invoiceId}|${e.payload.stage}`, e.payload.asOfDate, e.payload.openAmount);
        break;
      case 'OrderCreditHeld':
        notice(e.customerId, c, 'CREDIT_HOLD', `H|${e.payload.orderId}`, eventDay, e.payload.amount);
        break;
      case 'PromiseToPay':
        tellBroken(at);
        break;
      default:
        break;
    }
  }
  return out;
}

/** One promise outcome as the model describes it: customer, kind, promise, business date, paid towards it. */
export type ModelOutcome = string;

/**
 * The promise rule again, from the whole history: a promise is open until judged; at each payment, what counts is
 * recomputed from every receipt after the promise (same currency, received by the promised date) not reversed
 * since; every tick looks at every customer's open promises.
 */
export function modelPromiseOutcomes(events: readonly StreamEvent[]): ModelOutcome[] {
  return modelPromiseJudgements(events).map((j) => [j.cid, j.kind, j.id, j.day, j.paid].join(' '));
}

interface Judgement {
  /** Index of the event that judged it. */
  at: number;
  cid: string;
  kind: 'PromiseKept' | 'PromiseBroken';
  id: string;
  day: number;
  paid: number;
  amount: number;
}

function modelPromiseJudgements(events: readonly StreamEvent[]): Judgement[] {
  const out: Judgement[] = [];
  const judged = new Set<string>();
  const open = new Map<string, { cid: string; id: string; at: number; amount: number; currency: string; date: number }>();
  let clock: number | null = null;
  const counted = (pr: { cid: string; at: number; currency: string; date: number }, upTo: number): number => {
    let sum = 0;
    for (let i = pr.at + 1; i <= upTo; i++) {
      const e = events[i]!;
      if (e.eventType !== 'PaymentReceived' || e.customerId !== pr.cid) continue;
      if (e.payload.currency !== pr.currency || e.payload.receivedDate > pr.date) continue;
      const reversedSince = events.slice(i + 1, upTo + 1).some((r) => r.eventType === 'PaymentReversed' && r.customerId === pr.cid && r.payload.paymentId === e.payload.paymentId);
      if (!reversedSince) sum += e.payload.amount;
    }
    return sum;
  };
  events.forEach((e, i) => {
    if (e.eventType === 'BusinessDateTick') {
      const day = e.payload.businessDate;
      if (clock !== null && day <= clock) return;
      clock = day;
      for (const [k, pr] of [...open].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (pr.date >= day) continue;
        open.delete(k);
        out.push({ at: i, cid: pr.cid, kind: 'PromiseBroken', id: pr.id, day, paid: counted(pr, i), amount: pr.amount });
      }
      return;
    }
    if (e.eventType === 'PromiseToPay') {
      const k = `${e.customerId}|${e.payload.promiseId}`;
      if (open.has(k) || judged.has(k)) return;
      judged.add(k);
      const pr = { cid: e.customerId, id: e.payload.promiseId, at: i, amount: e.payload.amount, currency: e.payload.currency, date: e.payload.promisedDate };
      if (clock !== null && clock > pr.date) out.push({ at: i, cid: pr.cid, kind: 'PromiseBroken', id: pr.id, day: clock, paid: 0, amount: pr.amount });
      else open.set(k, pr);
      return;
    }
    if (e.eventType !== 'PaymentReceived') return;
    for (const [k, pr] of [...open].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (pr.cid !== e.customerId) continue;
      const paid = counted(pr, i);
      if (paid < pr.amount) continue;
      open.delete(k);
      out.push({ at: i, cid: pr.cid, kind: 'PromiseKept', id: pr.id, day: e.payload.receivedDate, paid, amount: pr.amount });
    }
  });
  return out;
}
