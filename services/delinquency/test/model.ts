// Reference model of the delinquency rules, written for clarity rather than speed: it walks every calendar day,
// re-derives every invoice's balance from its entries and applies the inputs of each day in arrival order after the
// day's aging. The property tests hold the core (which only visits due days and holds early inputs) to it.
import type {
  AgingBucket,
  CureKind,
  DelinquencyEvent,
  DelinquencyStatus,
} from '../../../shared/contracts/events.generated.ts';
import { dayOf, startOfDay } from '../../../shared/time.ts';
import type { DatedInput } from '../src/domain/state.ts';
import type { DelinquencyPolicy } from '../src/domain/policy.ts';

/** A derived event without its envelope's id, customer, source and causation. */
export type ModelEvent = Pick<DelinquencyEvent, 'eventType' | 'occurredAt' | 'payload'>;

export interface ModelResult {
  events: ModelEvent[];
  status: DelinquencyStatus;
  /** Event ids of the inputs the rules refuse. */
  rejected: string[];
}

const BUCKET_ORDER: AgingBucket[] = ['CURRENT', 'D1_30', 'D31_60', 'D61_90', 'D90_PLUS'];
const bucketFor = (dpd: number): AgingBucket =>
  dpd > 90 ? 'D90_PLUS' : dpd > 60 ? 'D61_90' : dpd > 30 ? 'D31_60' : dpd > 0 ? 'D1_30' : 'CURRENT';

interface Inv {
  id: string;
  due: number;
  currency: string;
  amount: number;
  notes: number[];
  paid: Map<string, number>;
  disputes: string[];
  cycle: number;
  open: boolean;
  voided: boolean;
  overdue: boolean;
  bucket: AgingBucket;
  stages: Set<string>;
}

const balance = (inv: Inv): number =>
  inv.amount + inv.notes.reduce((a, b) => a + b, 0) - [...inv.paid.values()].reduce((a, b) => a + b, 0);

/**
 * Every dated input of one customer, in the order the service read them, and the final as-of date. Assumes the
 * clock promise (no input arrives after the as-of date passed its day), one currency and no payment older than the
 * reversal window. An invoice id issued again is refused, whatever became of the first invoice.
 */
export function runModel(inputs: DatedInput[], finalAsOf: number, policy: DelinquencyPolicy): ModelResult {
  const events: ModelEvent[] = [];
  const rejected: string[] = [];
  const invoices = new Map<string, Inv>();
  const payments = new Map<string, { received: number; allocations: Array<{ invoiceId: string; amount: number }> }>();
  let status: DelinquencyStatus = 'CURRENT';
  let currency: string | null = null;

  const days = inputs.map((e) => dayOf(e.occurredAt));
  if (days.length === 0) return { events, status, rejected };
  const byDay = new Map<number, DatedInput[]>();
  inputs.forEach((e, i) => byDay.set(days[i]!, [...(byDay.get(days[i]!) ?? []), e]));

  const known = (id: string): Inv | undefined => {
    const inv = invoices.get(id);
    return inv && !inv.voided && (inv.open || inv.paid.size > 0) ? inv : undefined;
  };

  const age = (inv: Inv, day: number, occurredAt: number) => {
    const dpd = day - inv.due;
    const facts = { invoiceId: inv.id, asOfDate: day, daysPastDue: dpd, openAmount: balance(inv), currency: inv.currency };
    if (!inv.overdue && dpd > policy.graceDays) {
      inv.overdue = true;
      events.push({ eventType: 'InvoiceOverdue', occurredAt, payload: { ...facts, dueDate: inv.due } });
    }
    const bucket = bucketFor(dpd);
    if (BUCKET_ORDER.indexOf(bucket) > BUCKET_ORDER.indexOf(inv.bucket)) {
      events.push({ eventType: 'InvoiceAgingBucketChanged', occurredAt, payload: { ...facts, fromBucket: inv.bucket, toBucket: bucket } });
      inv.bucket = bucket;
    }
    if (inv.disputes.length > 0) return;
    let highest: string | null = null;
    for (const step of policy.dunningLadder) {
      if (step.daysPastDue <= dpd && !inv.stages.has(step.stage)) {
        inv.stages.add(step.stage);
        highest = step.stage;
      }
    }
    if (highest) events.push({ eventType: 'DunningStageReached', occurredAt, payload: { ...facts, stage: highest } });
  };

  const checkStatus = (day: number, occurredAt: number) => {
    const open = [...invoices.values()].filter((i) => i.open && (i.disputes.length === 0 || !policy.overdueExcludesDisputed));
    const worst = Math.max(0, ...open.map((i) => day - i.due));
    const overdue = open.filter((i) => day - i.due > policy.graceDays);
    const t = policy.statusThresholds;
    const next: DelinquencyStatus =
      worst >= t.SEVERE ? 'SEVERE' : worst >= t.DELINQUENT ? 'DELINQUENT' : worst >= t.OVERDUE ? 'OVERDUE' : 'CURRENT';
    if (next === status) return;
    events.push({
      eventType: 'CustomerDelinquencyChanged',
      occurredAt,
      payload: {
        fromStatus: status,
        toStatus: next,
        asOfDate: day,
        worstDaysPastDue: worst,
        overdueAmount: overdue.reduce((a, i) => a + balance(i), 0),
        overdueCount: overdue.length,
        currency: currency ?? '',
      },
    });
    status = next;
  };

  const cure = (inv: Inv, kind: CureKind, curedDate: number, occurredAt: number) => {
    inv.open = false;
    if (kind === 'VOIDED') inv.voided = true;
    events.push({
      eventType: 'InvoiceCured',
      occurredAt,
      payload: { invoiceId: inv.id, cure: kind, curedDate, daysLate: Math.max(0, curedDate - inv.due) },
    });
  };

  const reopen = (inv: Inv, day: number, occurredAt: number) => {
    inv.open = true;
    inv.cycle += 1;
    inv.overdue = false;
    inv.bucket = 'CURRENT';
    age(inv, day, occurredAt);
  };

  /** Returns false when the rules refuse the input. */
  const apply = (e: DatedInput, day: number): boolean => {
    const at = e.occurredAt;
    switch (e.eventType) {
      case 'InvoiceIssued': {
        const p = e.payload;
        if (invoices.has(p.invoiceId)) return false; // a document id is used once, whatever became of it
        if (currency !== null && currency !== p.currency) return false;
        currency ??= p.currency;
        const inv: Inv = {
          id: p.invoiceId, due: p.dueDate ?? p.issueDate + 30 /* no profile here: the default net 30 */, currency: p.currency, amount: p.amount, notes: [], paid: new Map(),
          disputes: [], cycle: 0, open: true, voided: false, overdue: false, bucket: 'CURRENT', stages: new Set(),
        };
        invoices.set(p.invoiceId, inv);
        let lastReceived: number | null = null;
        for (const [pid, pay] of payments) {
          const amount = pay.allocations.filter((a) => a.invoiceId === p.invoiceId).reduce((s, a) => s + a.amount, 0);
          if (amount === 0) continue;
          inv.paid.set(pid, amount);
          lastReceived = Math.max(lastReceived ?? pay.received, pay.received);
        }
        if (lastReceived !== null && balance(inv) <= 0) cure(inv, 'SETTLED', lastReceived, at);
        else age(inv, day, at);
        return true;
      }
      case 'InvoiceAdjusted': {
        const inv = known(e.payload.invoiceId);
        if (!inv || inv.currency !== e.payload.currency) return false;
        inv.notes.push(e.payload.amount);
        if (inv.open && balance(inv) <= 0) cure(inv, 'CREDITED', day, at);
        else if (!inv.open && balance(inv) > 0) reopen(inv, day, at);
        return true;
      }
      case 'InvoiceVoided': {
        const inv = known(e.payload.invoiceId);
        if (!inv) return false;
        if (inv.open) cure(inv, 'VOIDED', day, at);
        else inv.voided = true;
        return true;
      }
      case 'InvoiceDisputed': {
        const inv = known(e.payload.invoiceId);
        if (!inv) return false;
        if (!inv.disputes.includes(e.payload.disputeId)) inv.disputes.push(e.payload.disputeId);
        return true;
      }
      case 'DisputeResolved': {
        const inv = known(e.payload.invoiceId);
        if (!inv || !inv.disputes.includes(e.payload.disputeId)) return false;
        inv.disputes = inv.disputes.filter((d) => d !== e.payload.disputeId);
        if (inv.open) age(inv, day, at);
        return true;
      }
      case 'PaymentReceived': {
        const p = e.payload;
        if (payments.has(p.paymentId) || (currency !== null && currency !== p.currency)) return false;
        if (p.allocations.reduce((s, a) => s + a.amount, 0) > p.amount) return false;
        currency ??= p.currency; // a payment pins the customer's currency too (shared/rules/currency.ts)
        payments.set(p.paymentId, { received: p.receivedDate, allocations: p.allocations });
        for (const a of p.allocations) {
          const inv = known(a.invoiceId);
          if (!inv) continue;
          inv.paid.set(p.paymentId, (inv.paid.get(p.paymentId) ?? 0) + a.amount);
          if (inv.open && balance(inv) <= 0) cure(inv, 'SETTLED', p.receivedDate, at);
        }
        return true;
      }
      case 'PaymentReversed': {
        const pay = payments.get(e.payload.paymentId);
        if (!pay) return false;
        payments.delete(e.payload.paymentId);
        for (const inv of invoices.values()) {
          if (!inv.paid.delete(e.payload.paymentId) || inv.voided) continue;
          if (!inv.open && balance(inv) > 0) reopen(inv, day, at);
        }
        return true;
      }
    }
  };

  for (let day = Math.min(...days); day <= finalAsOf; day++) {
    for (const inv of [...invoices.values()].filter((i) => i.open).sort((a, b) => (a.id < b.id ? -1 : 1))) {
      age(inv, day, startOfDay(day));
    }
    checkStatus(day, startOfDay(day));
    for (const e of byDay.get(day) ?? []) {
      if (apply(e, day)) checkStatus(day, e.occurredAt);
      else rejected.push(e.eventId);
    }
  }
  return { events, status, rejected };
}
