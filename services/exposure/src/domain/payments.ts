// PaymentReceived, PaymentReversed: unapplied cash, and the receivables the allocations settle.
import type { PaymentReceived, PaymentReversed } from '../../../../shared/contracts/events.generated.ts';
import {
  checkCurrency,
  deleteDoc,
  invalid,
  putInvoice,
  putPayment,
  setDoc,
  unknownReference,
  type Draft,
} from './draft.ts';
import type { Rejection } from './types.ts';

/** Moves `amount` (signed) of allocation onto an invoice, or onto the waiting list while it is not issued yet. */
function allocate(d: Draft, invoiceId: string, amount: number): void {
  const invoice = d.s.invoices[invoiceId];
  if (invoice) {
    putInvoice(d, invoiceId, { ...invoice, allocated: invoice.allocated + amount });
    return;
  }
  const waiting = (d.s.awaitingInvoice[invoiceId] ?? 0) + amount;
  if (waiting === 0) deleteDoc(d, 'awaitingInvoice', invoiceId);
  else setDoc(d, 'awaitingInvoice', invoiceId, waiting);
}

export function paymentReceived(d: Draft, p: PaymentReceived): Rejection | undefined {
  const wrongCurrency = checkCurrency(d, p.currency);
  if (wrongCurrency) return wrongCurrency;
  if (d.s.payments[p.paymentId]) return invalid(`duplicate PaymentReceived: payment ${p.paymentId} already exists`);
  const allocations: Record<string, number> = {};
  for (const a of p.allocations) allocations[a.invoiceId] = (allocations[a.invoiceId] ?? 0) + a.amount;
  putPayment(d, p.paymentId, { amount: p.amount, allocations, reversed: false, touchedAt: d.s.watermark });
  for (const [invoiceId, amount] of Object.entries(allocations)) allocate(d, invoiceId, amount);
  return undefined;
}

/** Undoes the payment and every allocation it made, wherever that allocation stands now. */
export function paymentReversed(d: Draft, p: PaymentReversed): Rejection | undefined {
  const payment = d.s.payments[p.paymentId];
  if (!payment) return unknownReference(`PaymentReversed: payment ${p.paymentId} is unknown`);
  if (payment.reversed) return invalid(`duplicate PaymentReversed: payment ${p.paymentId} is already reversed`);
  putPayment(d, p.paymentId, { ...payment, reversed: true });
  for (const [invoiceId, amount] of Object.entries(payment.allocations)) allocate(d, invoiceId, -amount);
  return undefined;
}
