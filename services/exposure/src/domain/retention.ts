// Keeps the state bounded: a closed document untouched for policy.retentionMs of event time is dropped. Open
// items (approved orders with open value, held orders, invoices with a balance, payments with unapplied cash) are
// never dropped. Within the window a duplicate or late reference is recognised exactly; past it the id is
// forgotten, so a late reference goes to the DLQ as unknown and a duplicate counts as new (a dedup window, as in
// Kafka Streams), except an invoice id: a dropped invoice's id is kept in retiredInvoices, so a re-issue is a
// duplicate however late (a document id is used once). Dropping a document never changes the totals: they hold its
// last part, which a closed document has already settled to nothing that can still change. What waits for an order that never came (an invoiced amount,
// a credit action) is dropped after the same window.
import { dayOf } from '../../../../shared/time.ts';
import { invoiceGross, openValue } from './components.ts';
import { deleteDoc, type Draft } from './draft.ts';
import type { CustomerState, InvoiceDoc, OrderDoc, PaymentDoc } from './state.ts';

const orderClosed = (o: OrderDoc): boolean =>
  o.status === 'CANCELLED' || o.status === 'REJECTED' || (o.status === 'APPROVED' && openValue(o) === 0);

const invoiceClosed = (i: InvoiceDoc): boolean => i.voided || i.allocated === invoiceGross(i);

/** Reversed, or fully allocated to invoices that exist, so none of its cash waits for an invoice. */
function paymentClosed(p: PaymentDoc, s: CustomerState): boolean {
  if (p.reversed) return true;
  const allocations = Object.entries(p.allocations);
  const allocated = allocations.reduce((sum, [, a]) => sum + a, 0);
  return allocated === p.amount && allocations.every(([invoiceId]) => invoiceId in s.invoices);
}

/**
 * Sweeps at most once per UTC day of the watermark; writes the draft's state (copying what it drops from). Whether
 * anything can expire is answered from the state's touchedFloor without reading a document: in a history younger
 * than the window no daily sweep looks at one. Once the horizon passes the floor, the sweep looks and sets the floor
 * to the oldest touchedAt left, so the next sweeps look again only once the horizon passes that.
 */
export function sweepClosedDocuments(d: Draft, retentionMs: number): void {
  const s = d.s;
  const day = dayOf(s.watermark);
  if (day <= s.sweptDay) return;
  s.sweptDay = day;
  const horizon = s.watermark - retentionMs;
  if (horizon < (s.touchedFloor ?? 0)) return;
  const expired = (doc: { touchedAt: number }): boolean => doc.touchedAt <= horizon;
  if (oldestTouch(s) <= horizon) {
    for (const [id, o] of Object.entries(s.orders)) if (expired(o) && orderClosed(o)) deleteDoc(d, 'orders', id);
    for (const [id, p] of Object.entries(s.payments)) if (expired(p) && paymentClosed(p, s)) deleteDoc(d, 'payments', id);
    // A payment still kept may be reversed, which must find every invoice it allocated to.
    const referenced = new Set(Object.values(s.payments).flatMap((p) => Object.keys(p.allocations)));
    const retired: string[] = [];
    for (const [id, i] of Object.entries(s.invoices)) {
      if (expired(i) && invoiceClosed(i) && !referenced.has(id)) {
        deleteDoc(d, 'invoices', id);
        retired.push(id);
      }
    }
    // Replaced, not written in place: it is not a draft collection, and the caller's state may share it.
    if (retired.length > 0) {
      const ids: Record<string, true> = { ...(s.retiredInvoices ?? {}) };
      for (const id of retired) {
        ids[id] = true;
        d.docs.push(['retiredInvoices', id]);
      }
      s.retiredInvoices = ids;
    }
    for (const [id, a] of Object.entries(s.invoicedAhead)) if (expired(a)) deleteDoc(d, 'invoicedAhead', id);
    for (const [id, a] of Object.entries(s.parkedActions)) if (expired(a)) deleteDoc(d, 'parkedActions', id);
  }
  s.touchedFloor = Math.min(oldestTouch(s), s.watermark);
}

/** The earliest touchedAt of any document, +Infinity without documents. */
function oldestTouch(s: CustomerState): number {
  const collections: ReadonlyArray<Readonly<Record<string, { touchedAt: number }>>> = [
    s.orders, s.invoices, s.payments, s.invoicedAhead, s.parkedActions,
  ];
  let oldest = Number.POSITIVE_INFINITY;
  for (const collection of collections) {
    for (const id in collection) oldest = Math.min(oldest, collection[id]!.touchedAt);
  }
  return oldest;
}
