// Documents in another currency than the customer's credit currency: converted at the rate in force on their day
// (fx.ts), or parked in the customer's state until that rate is known, then applied in arrival order.
//
// Which inputs wait: a money document (order placed or amended, invoice issued or adjusted, payment received) in a
// foreign currency whose rate for its day is not settled yet; and any input naming a document (same orderId,
// invoiceId or paymentId; a credit action names its order) that has an input waiting, so a document's inputs keep
// their order (a void never overtakes its invoice, a controller's reject never overtakes the amendment before it).
// Cash allocated to a waiting invoice needs no rule: allocations add up whatever the order (awaitingInvoice). A parked input is accepted (written, no event, the clock unmoved);
// it moves the clock when it is applied, as if it had arrived then with its own event time.
import { documentDay, converterAt, type Converter, type FxRates } from './fx.ts';
import type { FxRatePublished } from '../../../../shared/contracts/events.generated.ts';
import { putInvoice, putOrder, setDoc, type Draft } from './draft.ts';
import type { CustomerState, FxParked } from './state.ts';
import type { ExposureInput } from './types.ts';

type MoneyInput = Extract<ExposureInput, { eventType: 'OrderPlaced' | 'OrderAmended' | 'InvoiceIssued' | 'InvoiceAdjusted' | 'PaymentReceived' }>;

export const isMoney = (e: ExposureInput): e is MoneyInput =>
  e.eventType === 'OrderPlaced' || e.eventType === 'OrderAmended' || e.eventType === 'InvoiceIssued'
  || e.eventType === 'InvoiceAdjusted' || e.eventType === 'PaymentReceived';

/** The document an input creates or names, as `o:`/`i:`/`p:` and its id; null for other inputs. */
export function documentOf(e: ExposureInput): string | null {
  switch (e.eventType) {
    case 'OrderPlaced': case 'OrderAmended': case 'OrderCancelled': case 'CreditActionTaken': return `o:${e.payload.orderId}`;
    case 'InvoiceIssued': case 'InvoiceAdjusted': case 'InvoiceVoided': return `i:${e.payload.invoiceId}`;
    case 'PaymentReceived': case 'PaymentReversed': return `p:${e.payload.paymentId}`;
    default: return null;
  }
}

/** The input's currency when it is a money document in another currency than the customer's (once one is pinned). */
export function foreignCurrency(s: CustomerState, e: ExposureInput): string | null {
  if (!isMoney(e) || s.currency === null || e.payload.currency === s.currency) return null;
  return e.payload.currency;
}

/** The converter for a foreign input, null while its rate is not settled; undefined for an input in the credit currency. */
export function converterFor(s: CustomerState, e: ExposureInput, rates: FxRates): Converter | null | undefined {
  const currency = foreignCurrency(s, e);
  if (currency === null) return undefined;
  return converterAt(rates, currency, s.currency!, documentDay(e.occurredAt));
}

/** Why the input must wait now: its rate, or an earlier input of its document still waiting; null to apply it. */
export function mustWait(s: CustomerState, e: ExposureInput, rates: FxRates): FxParked | null {
  const currency = foreignCurrency(s, e);
  const doc = documentOf(e);
  const behind = doc !== null && (s.fxParked ?? []).some((p) => documentOf(p.input) === doc);
  if (!behind && (currency === null || converterAt(rates, currency, s.currency!, documentDay(e.occurredAt)) !== null)) return null;
  return { input: e, day: documentDay(e.occurredAt), currency };
}

/** The parked inputs a rate change lets through (in order) and those that still wait. */
export function splitParked(s: CustomerState, rates: FxRates): { due: FxParked[]; stay: FxParked[] } {
  const due: FxParked[] = [];
  const stay: FxParked[] = [];
  const blocked = new Set<string>();
  for (const p of s.fxParked ?? []) {
    const doc = documentOf(p.input);
    const waits = (doc !== null && blocked.has(doc))
      || (p.currency !== null && converterAt(rates, p.currency, s.currency!, p.day) === null);
    if (waits) {
      stay.push(p);
      if (doc !== null) blocked.add(doc);
    } else {
      due.push(p);
    }
  }
  return { due, stay };
}

/** The earliest day a parked input waits for a rate of (the adapter's index score), null when none waits for one. */
export function earliestParkedDay(s: CustomerState): number | null {
  let day: number | null = null;
  for (const p of s.fxParked ?? []) if (p.currency !== null && (day === null || p.day < day)) day = p.day;
  return day;
}

/** The input with its amounts in the credit currency (allocations rounded so they add up to the converted payment). */
export function convertInput(e: MoneyInput, currency: string, c: Converter): ExposureInput {
  switch (e.eventType) {
    case 'PaymentReceived': {
      const { allocations } = e.payload;
      const parts = c.parts([...allocations.map((a) => a.amount), e.payload.amount - allocations.reduce((s, a) => s + a.amount, 0)]);
      const converted = allocations.map((a, i) => ({ ...a, amount: parts[i]! }));
      return { ...e, payload: { ...e.payload, currency, amount: parts.reduce((s, x) => s + x, 0), allocations: converted } };
    }
    default:
      return { ...e, payload: { ...e.payload, currency, amount: c.amount(e.payload.amount) } } as ExposureInput;
  }
}

/**
 * Under FX_REVALUE, what a rate of `p.quote` for day R does to the customer's open documents in another currency whose
 * conversion involves that currency (theirs or the credit currency) and that were last valued before R: each is
 * converted again from its origin at the rates in force on R. Open: an order approved or held; an invoice not voided
 * with nothing allocated to it (a settled or partly paid invoice keeps its rate: the cash was booked at its own).
 * Payments never (cash is realised at its day). Returns whether a document was revalued.
 */
export function revalueDocuments(d: Draft, rates: FxRates, p: FxRatePublished): boolean {
  const credit = d.s.currency;
  if (credit === null) return false;
  const day = p.rateDate;
  const involved = (o: { currency: string; day: number; valuedOn?: number }) =>
    (o.currency === p.quote || credit === p.quote) && (o.valuedOn ?? o.day) < day;
  let revalued = false;
  for (const [id, o] of Object.entries(d.s.orders)) {
    if (!o.fx || (o.status !== 'APPROVED' && o.status !== 'HELD') || !involved(o.fx)) continue;
    const c = converterAt(rates, o.fx.currency, credit, day);
    if (!c) continue;
    putOrder(d, id, { ...o, amount: c.amount(o.fx.amount), fx: { ...o.fx, valuedOn: day } });
    revalued = true;
  }
  for (const [id, i] of Object.entries(d.s.invoices)) {
    if (!i.fx || i.voided || i.allocated !== 0 || !involved(i.fx)) continue;
    const c = converterAt(rates, i.fx.currency, credit, day);
    if (!c) continue;
    const adjustments = { ...i.adjustments };
    for (const [a, origin] of Object.entries(i.fxAdjustments ?? {})) {
      if (origin.currency === i.fx.currency) adjustments[a] = c.amount(origin.amount);
    }
    const issued = c.amount(i.fx.amount);
    putInvoice(d, id, { ...i, issued, adjustments, fx: { ...i.fx, valuedOn: day } });
    // What the invoice takes off its order's open value is its issued amount: that moves with it.
    if (i.orderId !== null && issued !== i.issued) {
      const order = d.s.orders[i.orderId];
      const ahead = d.s.invoicedAhead[i.orderId];
      if (order) putOrder(d, i.orderId, { ...order, invoiced: order.invoiced - i.issued + issued });
      else if (ahead) setDoc(d, 'invoicedAhead', i.orderId, { ...ahead, amount: ahead.amount - i.issued + issued });
    }
    revalued = true;
  }
  return revalued;
}

/** Whether the customer has a document FX_REVALUE may revalue (the adapter hands such customers every rate). */
export function hasRevaluable(s: CustomerState): boolean {
  for (const id in s.orders) {
    const o = s.orders[id]!;
    if (o.fx && (o.status === 'APPROVED' || o.status === 'HELD')) return true;
  }
  for (const id in s.invoices) {
    const i = s.invoices[id]!;
    if (i.fx && !i.voided && i.allocated === 0) return true;
  }
  return false;
}

/** An amendment in the credit currency of a converted order: the order is not foreign any more (nothing to revalue). */
export function dropOrigin(d: Draft, original: ExposureInput): void {
  if (original.eventType !== 'OrderAmended') return;
  const order = d.s.orders[original.payload.orderId];
  if (order?.fx) {
    const { fx: _fx, ...rest } = order;
    setDoc(d, 'orders', original.payload.orderId, rest);
  }
}

/** Keeps the original currency and amount on the document the converted input wrote. */
export function keepOrigin(d: Draft, original: ExposureInput): void {
  if (!isMoney(original)) return;
  const origin = { currency: original.payload.currency, amount: original.payload.amount, day: documentDay(original.occurredAt) };
  switch (original.eventType) {
    case 'OrderPlaced':
    case 'OrderAmended': {
      const order = d.s.orders[original.payload.orderId];
      if (order) setDoc(d, 'orders', original.payload.orderId, { ...order, fx: origin });
      return;
    }
    case 'InvoiceIssued': {
      const invoice = d.s.invoices[original.payload.invoiceId];
      if (invoice) setDoc(d, 'invoices', original.payload.invoiceId, { ...invoice, fx: origin });
      return;
    }
    case 'InvoiceAdjusted': {
      const invoice = d.s.invoices[original.payload.invoiceId];
      if (invoice) {
        const fxAdjustments = { ...invoice.fxAdjustments, [original.payload.adjustmentId]: origin };
        setDoc(d, 'invoices', original.payload.invoiceId, { ...invoice, fxAdjustments });
      }
      return;
    }
    case 'PaymentReceived': {
      const payment = d.s.payments[original.payload.paymentId];
      if (payment) setDoc(d, 'payments', original.payload.paymentId, { ...payment, fx: origin });
      return;
    }
  }
}
