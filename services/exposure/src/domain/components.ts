// What each document contributes to the exposure components. The totals in the state are the sum of these parts
// over all documents; every document change goes through draft.put*, which swaps the old part for the new, so the
// totals never drift from the documents.
//
// Per invoice (not voided), with gross = issued + adjustments:
//   applied    = min(allocated, max(0, gross))   cash that settles it; an excess allocation stays unapplied
//   receivable = max(0, gross) - applied          never below 0
//   credit     = max(0, -gross)                   a credit note beyond the invoice is a customer credit
// A voided invoice contributes nothing, so cash allocated to it becomes unapplied again.
// unappliedCash = payments not reversed - applied + credit, hence on sums:
//   exposure = open order value + gross of invoices not voided - payments not reversed.
import type { InvoiceDoc, OrderDoc, PaymentDoc, Totals } from './state.ts';
import { ZERO_TOTALS } from './state.ts';

/** What an order still adds when it is approved, or holds while it is held: never below 0. */
export const openValue = (o: Pick<OrderDoc, 'amount' | 'invoiced'>): number => Math.max(0, o.amount - o.invoiced);

export const exposureOf = (t: Totals): number => t.openOrders + t.openReceivables - t.unappliedCash;

export const invoiceGross = (i: InvoiceDoc): number =>
  Object.values(i.adjustments).reduce((sum, a) => sum + a, i.issued);

export function orderPart(o: OrderDoc | undefined): Totals {
  if (o?.status === 'APPROVED') return { ...ZERO_TOTALS, openOrders: openValue(o) };
  if (o?.status === 'HELD') return { ...ZERO_TOTALS, heldOrders: openValue(o), heldOrderCount: 1 };
  return ZERO_TOTALS;
}

export function invoicePart(i: InvoiceDoc | undefined): Totals {
  if (i === undefined || i.voided) return ZERO_TOTALS;
  const gross = invoiceGross(i);
  const applied = Math.min(i.allocated, Math.max(0, gross));
  return {
    ...ZERO_TOTALS,
    openReceivables: Math.max(0, gross) - applied,
    unappliedCash: Math.max(0, -gross) - applied,
  };
}

export function paymentPart(p: PaymentDoc | undefined): Totals {
  return p === undefined || p.reversed ? ZERO_TOTALS : { ...ZERO_TOTALS, unappliedCash: p.amount };
}

/** t - before + after, field by field. */
export function swapPart(t: Totals, before: Totals, after: Totals): Totals {
  return {
    openOrders: t.openOrders - before.openOrders + after.openOrders,
    heldOrders: t.heldOrders - before.heldOrders + after.heldOrders,
    heldOrderCount: t.heldOrderCount - before.heldOrderCount + after.heldOrderCount,
    openReceivables: t.openReceivables - before.openReceivables + after.openReceivables,
    unappliedCash: t.unappliedCash - before.unappliedCash + after.unappliedCash,
  };
}
