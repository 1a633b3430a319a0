// The invoice family: issued, adjusted (credit and debit notes), voided, disputed, dispute resolved. Each returns
// why it refused its input, or null.
import type {
  DisputeResolved,
  InvoiceAdjusted,
  InvoiceDisputed,
  InvoiceIssued,
  InvoiceVoided,
} from '../../../../shared/contracts/events.generated.ts';
import { dueDateOf } from '../../../../shared/rules/due-date.ts';
import type { PoisonClass } from '../../../../shared/errors.ts';
import type { Draft, Failure } from './draft.ts';
import type { Emission } from './emit.ts';
import { balanceOf, type InvoiceState } from './state.ts';
import { cure, evaluateInvoice, reopen } from './transitions.ts';

export function invoiceIssued(d: Draft, p: InvoiceIssued, at: Emission): Failure {
  // A document id is used once: open, closed, or voided, credited or settled and forgotten since.
  if (d.s.open[p.invoiceId] || d.s.closed[p.invoiceId] || d.s.retired.includes(p.invoiceId)) {
    return ['InvalidEvent', `invoice ${p.invoiceId} issued twice`];
  }
  const wrong = d.pinCurrency(p.currency, 'document');
  if (wrong) return wrong;
  const inv: InvoiceState = {
    issueDate: p.issueDate,
    // Without a due date: issue date + the latest profile's terms, net 30 before any (shared/rules/due-date.ts).
    dueDate: dueDateOf(p, d.s.paymentTermsDays),
    currency: p.currency,
    amount: p.amount,
    adjusted: 0,
    paid: {},
    disputes: [],
    cycle: 0,
    overdue: false,
    bucket: 'CURRENT',
    stages: [],
  };
  d.own(inv);
  // Cash that arrived before its invoice counts from the day it was received.
  let lastReceived: number | null = null;
  for (const [paymentId, amount] of Object.entries(d.s.held[p.invoiceId] ?? {})) {
    const payment = d.reversible(paymentId);
    if (!payment) continue;
    inv.paid[paymentId] = amount;
    lastReceived = Math.max(lastReceived ?? payment.receivedDate, payment.receivedDate);
  }
  if (p.invoiceId in d.s.held) delete d.write('held', p.invoiceId)[p.invoiceId];
  if (lastReceived !== null && balanceOf(inv) <= 0) {
    cure(d, p.invoiceId, inv, 'SETTLED', lastReceived, at);
    return null;
  }
  d.write('open', p.invoiceId)[p.invoiceId] = inv;
  evaluateInvoice(d, p.invoiceId, at);
  return null;
}

export function invoiceAdjusted(d: Draft, p: InvoiceAdjusted, day: number, at: Emission): Failure {
  const open = d.s.open[p.invoiceId] !== undefined;
  const known = d.s.open[p.invoiceId] ?? d.closedInvoice(p.invoiceId);
  if (!known) return unknownInvoice(p.invoiceId);
  if (p.currency !== known.currency) return ['InvalidEvent', `adjustment in ${p.currency}, invoice in ${known.currency}`];
  const inv = d.writeInvoice(p.invoiceId);
  inv.adjusted += p.amount;
  if (open && balanceOf(inv) <= 0) cure(d, p.invoiceId, inv, 'CREDITED', day, at);
  else if (!open && balanceOf(inv) > 0) reopen(d, p.invoiceId, inv, at);
  return null;
}

export function invoiceVoided(d: Draft, p: InvoiceVoided, day: number, at: Emission): Failure {
  const id = p.invoiceId;
  const open = d.s.open[id];
  if (open) cure(d, id, open, 'VOIDED', day, at);
  else if (d.closedInvoice(id)) d.forget(id);
  else return unknownInvoice(id);
  return null;
}

export function invoiceDisputed(d: Draft, p: InvoiceDisputed): Failure {
  const { invoiceId, disputeId } = p;
  const inv = d.s.open[invoiceId] ?? d.closedInvoice(invoiceId);
  if (!inv) return unknownInvoice(invoiceId);
  if (!inv.disputes.includes(disputeId)) d.writeInvoice(invoiceId).disputes.push(disputeId);
  return null;
}

export function disputeResolved(d: Draft, p: DisputeResolved, at: Emission): Failure {
  const { invoiceId, disputeId } = p;
  const known = d.s.open[invoiceId] ?? d.closedInvoice(invoiceId);
  if (!known) return unknownInvoice(invoiceId);
  if (!known.disputes.includes(disputeId)) return ['UnknownReference', `no open dispute ${disputeId} on ${invoiceId}`];
  const inv = d.writeInvoice(invoiceId);
  inv.disputes = inv.disputes.filter((x) => x !== disputeId);
  if (d.s.open[invoiceId]) evaluateInvoice(d, invoiceId, at);
  return null;
}

const unknownInvoice = (id: string): [PoisonClass, string] => ['UnknownReference', `unknown or closed invoice ${id}`];
