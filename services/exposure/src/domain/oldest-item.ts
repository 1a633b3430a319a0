// OLDEST_ITEM_OVERDUE: new orders are held, and held ones stay held, while the customer's oldest open invoice is more
// than its class's `oldestItemMaxDaysPastDue` days past due. Open: not voided, receivable > 0 (components.ts). Days
// past due are counted at the customer's clock (d.at), never the input's own time, so a late input cannot make an
// invoice less overdue than a decision already taken saw it. Time only makes an item more overdue, so it is lifted by
// a document (a payment or credit note settling the invoice, a void), and the release round that follows releases.
// A business-date tick past the day the oldest item crosses N reaches the customer (the adapter's index, as for a
// temporary limit's expiry) and moves its clock there: later orders, even late-stamped ones, are judged at it.
import { dayOf, startOfDay } from '../../../../shared/time.ts';
import { classPolicyNow, classPolicyOf } from './class-policy.ts';
import { invoicePart } from './components.ts';
import type { Draft } from './draft.ts';
import type { CreditPolicy } from './policy.ts';
import type { CustomerState } from './state.ts';

/** The earliest due date (day) of the customer's open invoices; null when none is open or none has one. */
export function oldestOpenDueDate(s: Pick<CustomerState, 'invoices'>): number | null {
  let oldest: number | null = null;
  for (const invoice of Object.values(s.invoices)) {
    // A state stored before due dates were kept has none: such an invoice is never judged overdue here.
    if (invoice.dueDate === undefined || invoicePart(invoice).openReceivables <= 0) continue;
    if (oldest === null || invoice.dueDate < oldest) oldest = invoice.dueDate;
  }
  return oldest;
}

export function oldestItemOverdue(d: Draft): boolean {
  const maxDays = classPolicyNow(d).oldestItemMaxDaysPastDue;
  if (maxDays === null) return false;
  const oldest = oldestOpenDueDate(d.s);
  return oldest !== null && dayOf(d.at) - oldest > maxDays;
}

/**
 * When (the start of the UTC day) the customer's oldest open item becomes more than N days past due, if its clock has
 * not reached that yet; null when there is no such day to come (no rule, no open item, or already past).
 */
export function pendingOldestItemOverdue(s: CustomerState, policy: CreditPolicy): number | null {
  const maxDays = classPolicyOf(policy, s).oldestItemMaxDaysPastDue;
  if (maxDays === null) return null;
  const oldest = oldestOpenDueDate(s);
  if (oldest === null) return null;
  const at = startOfDay(oldest + maxDays + 1);
  return at > s.watermark ? at : null;
}
