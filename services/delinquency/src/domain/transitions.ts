// The transitions the delinquency topic reports, whoever causes them (the clock or an input): an invoice goes
// overdue, changes aging bucket, reaches a dunning stage, is cured or re-opens; the customer's status changes.
import type { CureKind } from '../../../../shared/contracts/events.generated.ts';
import { bucketOf, bucketRank, daysPastDue, statusOf } from './aging.ts';
import { countsForStatus } from './clock.ts';
import type { Draft } from './draft.ts';
import * as emit from './emit.ts';
import type { Emission } from './emit.ts';
import { balanceOf, type InvoiceState } from './state.ts';

/** The invoice's balance reached zero or below (or it was voided): it leaves the open set, once a cure per cycle. */
export function cure(d: Draft, id: string, inv: InvoiceState, kind: CureKind, curedDate: number, at: Emission): void {
  const daysLate = Math.max(0, daysPastDue(inv.dueDate, curedDate));
  d.events.push(emit.invoiceCured(at, inv.cycle, { invoiceId: id, cure: kind, curedDate, daysLate }));
  if (id in d.s.open) delete d.write('open', id)[id];
  if (kind !== 'VOIDED' && Object.keys(inv.paid).length > 0) d.write('closed', id)[id] = inv;
  else d.retire(id);
}

/** A new cycle: it goes overdue and changes bucket again (from CURRENT); dunning resumes past stages reached. */
export function reopen(d: Draft, id: string, inv: InvoiceState, at: Emission): void {
  delete d.write('closed', id)[id];
  inv.cycle += 1;
  inv.overdue = false;
  inv.bucket = 'CURRENT';
  d.write('open', id)[id] = inv;
  evaluateInvoice(d, id, at);
}

/**
 * The invoice's transitions at the current as-of date. Several thresholds are crossed at once only when an input
 * catches up (an invoice issued past due, a dispute resolved, a re-opening): then one bucket change spans them and
 * only the highest dunning stage is emitted, the lower ones counting as passed.
 */
export function evaluateInvoice(d: Draft, id: string, at: Emission): void {
  const inv = d.s.open[id];
  const asOfDate = d.s.asOf;
  if (!inv || asOfDate === null) return;
  const dpd = daysPastDue(inv.dueDate, asOfDate);
  const facts = { invoiceId: id, asOfDate, daysPastDue: dpd, openAmount: balanceOf(inv), currency: inv.currency };
  if (!inv.overdue && dpd > d.policy.graceDays) {
    d.writeInvoice(id).overdue = true;
    d.events.push(emit.invoiceOverdue(at, inv.cycle, { ...facts, dueDate: inv.dueDate }));
  }
  const bucket = bucketOf(dpd);
  if (bucketRank(bucket) > bucketRank(inv.bucket)) {
    d.events.push(emit.bucketChanged(at, inv.cycle, { ...facts, fromBucket: inv.bucket, toBucket: bucket }));
    d.writeInvoice(id).bucket = bucket;
  }
  if (inv.disputes.length > 0) return;
  const passed = d.policy.dunningLadder.filter((st) => st.daysPastDue <= dpd && !inv.stages.includes(st.stage));
  const highest = passed.at(-1);
  if (!highest) return;
  d.writeInvoice(id).stages.push(...passed.map((st) => st.stage));
  d.events.push(emit.dunningStageReached(at, { ...facts, stage: highest.stage }));
}

export function evaluateStatus(d: Draft, at: Emission, trigger: { clockDay: number } | { inputEventId: string }): void {
  const asOfDate = d.s.asOf;
  if (asOfDate === null) return;
  const open = d.s.open;
  let earliestDue = Number.POSITIVE_INFINITY;
  for (const id in open) {
    const inv = open[id]!;
    if (inv.dueDate < earliestDue && countsForStatus(inv, d.policy)) earliestDue = inv.dueDate;
  }
  const worst = earliestDue === Number.POSITIVE_INFINITY ? 0 : Math.max(0, daysPastDue(earliestDue, asOfDate));
  const toStatus = statusOf(worst, d.policy);
  if (toStatus === d.s.status) return;
  let overdueAmount = 0;
  let overdueCount = 0;
  for (const inv of Object.values(open)) {
    if (daysPastDue(inv.dueDate, asOfDate) <= d.policy.graceDays || !countsForStatus(inv, d.policy)) continue;
    // An amount in the customer's currency: an invoice in another counts in overdueCount and ages in its own currency.
    if (inv.currency === d.s.currency) overdueAmount += balanceOf(inv);
    overdueCount += 1;
  }
  d.events.push(
    emit.delinquencyChanged(at, trigger, {
      fromStatus: d.s.status,
      toStatus,
      asOfDate,
      worstDaysPastDue: worst,
      overdueAmount,
      overdueCount,
      currency: d.s.currency ?? '',
    }),
  );
  d.s.status = toStatus;
}
