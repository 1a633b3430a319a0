import type { DelinquencyStatus } from '../../../../shared/contracts/events.generated.ts';

/** One step of the dunning ladder: reached when an undisputed open invoice is this many days past due. */
export interface DunningStep {
  readonly stage: string;
  readonly daysPastDue: number;
}

/** The collections policy. Event ids depend on it, so a replay must run with the policy of the original run. */
export interface DelinquencyPolicy {
  /** An invoice is overdue when its days past due exceed this. */
  readonly graceDays: number;
  /** Lowest worst-days-past-due of each status above CURRENT. */
  readonly statusThresholds: Readonly<Record<Exclude<DelinquencyStatus, 'CURRENT'>, number>>;
  /** Strictly increasing in daysPastDue. */
  readonly dunningLadder: ReadonlyArray<DunningStep>;
  /** How long a payment can still be reversed (and so re-open what it settled); it is forgotten after that. */
  readonly reversalWindowDays: number;
  /**
   * Invoices with an open dispute stay out of the customer's status (its worst days past due, overdue amount and
   * count), as SAP and most collections tools exempt disputed items; they still age.
   */
  readonly overdueExcludesDisputed: boolean;
}

export const defaultPolicy: DelinquencyPolicy = Object.freeze({
  graceDays: 0,
  statusThresholds: Object.freeze({ OVERDUE: 1, DELINQUENT: 31, SEVERE: 61 }),
  dunningLadder: Object.freeze([
    { stage: 'REMINDER_1', daysPastDue: 1 },
    { stage: 'REMINDER_2', daysPastDue: 15 },
    { stage: 'FINAL_NOTICE', daysPastDue: 30 },
    { stage: 'COLLECTIONS', daysPastDue: 60 },
  ]),
  reversalWindowDays: 120,
  overdueExcludesDisputed: true,
});

const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/** Throws a RangeError naming the first inconsistency; returns the policy frozen. */
export function validatePolicy(p: DelinquencyPolicy): DelinquencyPolicy {
  const fail = (why: string): never => {
    throw new RangeError(`delinquency policy: ${why}`);
  };
  if (!isCount(p.graceDays)) fail('graceDays must be a whole number >= 0');
  if (!isCount(p.reversalWindowDays)) fail('reversalWindowDays must be a whole number >= 0');
  const { OVERDUE, DELINQUENT, SEVERE } = p.statusThresholds;
  if (![OVERDUE, DELINQUENT, SEVERE].every(isCount)) fail('status thresholds must be whole numbers');
  if (!(OVERDUE > p.graceDays && DELINQUENT > OVERDUE && SEVERE > DELINQUENT)) {
    fail('status thresholds must increase: graceDays < OVERDUE < DELINQUENT < SEVERE');
  }
  const names = new Set<string>();
  let previous = p.graceDays;
  for (const step of p.dunningLadder) {
    if (!step.stage || names.has(step.stage)) fail(`dunning stage names must be unique and non-empty: '${step.stage}'`);
    if (!isCount(step.daysPastDue) || step.daysPastDue <= previous) {
      fail(`dunning step ${step.stage} must come after the grace period and the previous step`);
    }
    names.add(step.stage);
    previous = step.daysPastDue;
  }
  return Object.freeze({
    ...p,
    statusThresholds: Object.freeze({ ...p.statusThresholds }),
    dunningLadder: Object.freeze(p.dunningLadder.map((s) => Object.freeze({ ...s }))),
  });
}
