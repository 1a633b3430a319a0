// Days past due, aging buckets and customer status: pure functions of dates and the policy.
import type { AgingBucket, DelinquencyStatus } from '../../../../shared/contracts/events.generated.ts';
import { daysBetween } from '../../../../shared/time.ts';
import type { DelinquencyPolicy } from './policy.ts';

/** Whole days from the due date to the as-of date; 0 or less while not yet past due. */
export const daysPastDue = (dueDate: number, asOfDate: number): number => daysBetween(dueDate, asOfDate);

/** Each bucket with the lowest days past due it starts at, in order. */
export const BUCKETS: ReadonlyArray<readonly [AgingBucket, number]> = [
  ['CURRENT', Number.NEGATIVE_INFINITY],
  ['D1_30', 1],
  ['D31_60', 31],
  ['D61_90', 61],
  ['D90_PLUS', 91],
];

const RANK = Object.fromEntries(BUCKETS.map(([name], i) => [name, i])) as Record<AgingBucket, number>;

export const bucketRank = (b: AgingBucket): number => RANK[b];

export function bucketOf(dpd: number): AgingBucket {
  let bucket: AgingBucket = 'CURRENT';
  for (const [name, from] of BUCKETS) if (dpd >= from) bucket = name;
  return bucket;
}

export function statusOf(worstDaysPastDue: number, policy: DelinquencyPolicy): DelinquencyStatus {
  const t = policy.statusThresholds;
  if (worstDaysPastDue >= t.SEVERE) return 'SEVERE';
  if (worstDaysPastDue >= t.DELINQUENT) return 'DELINQUENT';
  if (worstDaysPastDue >= t.OVERDUE) return 'OVERDUE';
  return 'CURRENT';
}

/** The lowest worst-days-past-due above `dpd` at which the status changes, or null from SEVERE on. */
export function nextStatusThreshold(dpd: number, policy: DelinquencyPolicy): number | null {
  const t = policy.statusThresholds;
  return [t.OVERDUE, t.DELINQUENT, t.SEVERE].find((from) => from > dpd) ?? null;
}
