// When the clock has something to do for a customer: the day an input belongs to, the day each open invoice next
// changes (overdue, a bucket, a dunning stage) and the next status threshold. The adapter indexes customers by
// nextDueDay, so a tick loads only the customers it can change.
import { dayOf } from '../../../../shared/time.ts';
import { BUCKETS, bucketRank, daysPastDue, nextStatusThreshold } from './aging.ts';
import type { DelinquencyPolicy } from './policy.ts';
import type { CustomerState, DelinquencyInput, InvoiceState } from './state.ts';

/** The day an input belongs to for the clock: the UTC day of its event time. */
export const inputDay = (e: DelinquencyInput): number => dayOf(e.occurredAt);

/**
 * The earliest as-of date at which advancing this state would do something (a transition or a held input), or
 * null when nothing is ever due without a new input. The adapter indexes customers by it.
 */
export function nextDueDay(state: CustomerState, policy: DelinquencyPolicy): number | null {
  let next = Number.POSITIVE_INFINITY;
  for (const e of state.early) next = Math.min(next, inputDay(e));
  if (state.asOf !== null) {
    let earliestDue = Number.POSITIVE_INFINITY;
    const open = state.open;
    for (const id in open) {
      const inv = open[id]!;
      if (inv.dueDate < earliestDue && countsForStatus(inv, policy)) earliestDue = inv.dueDate;
      const due = invoiceDueDay(inv, policy);
      if (due < next) next = due;
    }
    // The status follows the oldest open invoice that counts for it.
    if (earliestDue !== Number.POSITIVE_INFINITY) {
      const t = nextStatusThreshold(daysPastDue(earliestDue, state.asOf), policy);
      if (t !== null) next = Math.min(next, earliestDue + t);
    }
  }
  return next === Number.POSITIVE_INFINITY ? null : next;
}

/**
 * The earliest as-of date at which the clock changes this open invoice (it goes overdue, changes bucket or reaches
 * a dunning stage), +Infinity when never: before it, evaluating the invoice emits and changes nothing.
 */
export function invoiceDueDay(inv: InvoiceState, policy: DelinquencyPolicy): number {
  let next = inv.overdue ? Number.POSITIVE_INFINITY : inv.dueDate + policy.graceDays + 1;
  const nextBucket = BUCKETS[bucketRank(inv.bucket) + 1];
  if (nextBucket) next = Math.min(next, inv.dueDate + nextBucket[1]);
  if (inv.disputes.length === 0) {
    const ladder = policy.dunningLadder;
    let i = 0;
    while (i < ladder.length && inv.stages.includes(ladder[i]!.stage)) i++;
    if (i < ladder.length) next = Math.min(next, inv.dueDate + ladder[i]!.daysPastDue);
  }
  return next;
}

/** Whether the invoice (open) counts toward the customer's status: not while disputed, unless the policy says so. */
export const countsForStatus = (inv: InvoiceState, policy: DelinquencyPolicy): boolean =>
  inv.disputes.length === 0 || !policy.overdueExcludesDisputed;
