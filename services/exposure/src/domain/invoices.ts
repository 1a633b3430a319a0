// InvoiceIssued, InvoiceAdjusted, InvoiceVoided: open receivables, and the open value of the orders invoiced.
import type {
  InvoiceAdjusted,
  InvoiceIssued,
  InvoiceVoided,
} from '../../../../shared/contracts/events.generated.ts';
import {
  checkCurrency,
  deleteDoc,
  invalid,
  putInvoice,
  putOrder,
  setDoc,
  unknownReference,
  type Draft,
} from './draft.ts';
import { dueDateOf } from '../../../../shared/rules/due-date.ts';
import type { Rejection } from './types.ts';

export function invoiceIssued(d: Draft, p: InvoiceIssued): Rejection | undefined {
  const wrongCurrency = checkCurrency(d, p.currency);
  if (wrongCurrency) return wrongCurrency;
  if (d.s.invoices[p.invoiceId] || d.s.retiredInvoices?.[p.invoiceId]) {
    return invalid(`duplicate InvoiceIssued: invoice ${p.invoiceId} already exists`);
  }
  // Cash that arrived first (payments topic ahead of invoices) now settles it.
  const allocated = d.s.awaitingInvoice[p.invoiceId] ?? 0;
  if (p.invoiceId in d.s.awaitingInvoice) deleteDoc(d, 'awaitingInvoice', p.invoiceId);
  putInvoice(d, p.invoiceId, {
    orderId: p.orderId,
    issued: p.amount,
    adjustments: {},
    voided: false,
    allocated,
    touchedAt: d.s.watermark,
    dueDate: dueDateOf(p, d.s.profile?.paymentTermsDays),
  });
  if (p.orderId !== null) invoiceOrder(d, p.orderId, p.amount);
  return undefined;
}

/** The invoiced part of an order is no longer open order value; an order not placed yet picks it up when it is. */
function invoiceOrder(d: Draft, orderId: string, amount: number): void {
  const order = d.s.orders[orderId];
  if (order) {
    putOrder(d, orderId, { ...order, invoiced: order.invoiced + amount });
  } else {
    const ahead = d.s.invoicedAhead[orderId]?.amount ?? 0;
    setDoc(d, 'invoicedAhead', orderId, { amount: ahead + amount, touchedAt: d.s.watermark });
  }
}

export function invoiceAdjusted(d: Draft, p: InvoiceAdjusted): Rejection | undefined {
  const wrongCurrency = checkCurrency(d, p.currency);
  if (wrongCurrency) return wrongCurrency;
  const invoice = d.s.invoices[p.invoiceId];
  if (!invoice) return unknownReference(`InvoiceAdjusted: invoice ${p.invoiceId} is unknown`);
  if (invoice.voided) return invalid(`InvoiceAdjusted: invoice ${p.invoiceId} is voided`);
  if (p.adjustmentId in invoice.adjustments) {
    return invalid(`duplicate InvoiceAdjusted: adjustment ${p.adjustmentId} of invoice ${p.invoiceId} already applied`);
  }
  putInvoice(d, p.invoiceId, { ...invoice, adjustments: { ...invoice.adjustments, [p.adjustmentId]: p.amount } });
  return undefined;
}

export function invoiceVoided(d: Draft, p: InvoiceVoided): Rejection | undefined {
  const invoice = d.s.invoices[p.invoiceId];
  if (!invoice) return unknownReference(`InvoiceVoided: invoice ${p.invoiceId} is unknown`);
  if (invoice.voided) return invalid(`duplicate InvoiceVoided: invoice ${p.invoiceId} is already voided`);
  putInvoice(d, p.invoiceId, { ...invoice, voided: true });
  return undefined;
}
