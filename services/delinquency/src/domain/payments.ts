// The payment family: received (with its allocations, to invoices issued or not yet) and reversed. Each returns why
// it refused its input, or null.
import type { PaymentReceived, PaymentReversed } from '../../../../shared/contracts/events.generated.ts';
import type { Draft, Failure } from './draft.ts';
import type { Emission } from './emit.ts';
import { balanceOf } from './state.ts';
import { cure, reopen } from './transitions.ts';

export function paymentReceived(d: Draft, p: PaymentReceived, at: Emission): Failure {
  if (d.s.payments[p.paymentId]) return ['InvalidEvent', `payment ${p.paymentId} received twice`];
  const wrong = d.pinCurrency(p.currency, 'document');
  if (wrong) return wrong;
  d.write('payments', p.paymentId)[p.paymentId] = {
    receivedDate: p.receivedDate,
    allocations: p.allocations.map((a) => ({ invoiceId: a.invoiceId, amount: a.amount })),
  };
  for (const { invoiceId, amount } of p.allocations) {
    const open = d.s.open[invoiceId] !== undefined;
    if (open || d.closedInvoice(invoiceId)) {
      const inv = d.writeInvoice(invoiceId);
      inv.paid[p.paymentId] = (inv.paid[p.paymentId] ?? 0) + amount;
      if (open && balanceOf(inv) <= 0) cure(d, invoiceId, inv, 'SETTLED', p.receivedDate, at);
    } else {
      const held = d.writeHeld(invoiceId);
      held[p.paymentId] = (held[p.paymentId] ?? 0) + amount;
    }
  }
  return null;
}

/** Undoes the payment's allocations; what it had settled opens again and ages from its due date. */
export function paymentReversed(d: Draft, { paymentId }: PaymentReversed, at: Emission): Failure {
  const payment = d.reversible(paymentId);
  if (!payment) return ['UnknownReference', `payment ${paymentId} is unknown or past the reversal window`];
  delete d.write('payments', paymentId)[paymentId];
  d.paymentLeft = true;
  for (const invoiceId of new Set(payment.allocations.map((a) => a.invoiceId))) {
    if (d.s.open[invoiceId]) {
      if (paymentId in d.s.open[invoiceId].paid) delete d.writeInvoice(invoiceId).paid[paymentId];
    } else if (d.s.closed[invoiceId]) {
      const closed = d.writeInvoice(invoiceId);
      delete closed.paid[paymentId];
      if (balanceOf(closed) > 0) reopen(d, invoiceId, closed, at);
    } else if (d.s.held[invoiceId]) {
      d.unhold(invoiceId, paymentId);
    }
  }
  return null;
}
