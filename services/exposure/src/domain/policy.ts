// The credit policy the decisions are made under: passed in, never read from the environment, so the same
// history under the same policy always gives the same decisions.
import type { DelinquencyStatus } from '../../../../shared/contracts/events.generated.ts';

/** Delinquency statuses from best to worst; a status holds new orders when it ranks at or above the policy level. */
export const DELINQUENCY_LADDER: readonly DelinquencyStatus[] = ['CURRENT', 'OVERDUE', 'DELINQUENT', 'SEVERE'];

/** Where a customer's risk class comes from. */
export const RISK_CLASS_SOURCES = ['profile', 'scoring'] as const;
export type RiskClassSource = (typeof RISK_CLASS_SOURCES)[number];

export interface CreditPolicy {
  /** Stamped on every decision so an explanation names the rules it was made under. */
  readonly policyVersion: string;
  /** A customer with no credit profile: hold its orders (NO_CREDIT_PROFILE), or approve them without a limit. */
  readonly noProfileHold: boolean;
  /** Risk classes whose orders are held (RISK_CLASS). */
  readonly riskHoldClasses: readonly string[];
  /** Where the customer's risk class comes from: its credit profile, or its latest credit score (services/scoring). */
  readonly riskClassSource: RiskClassSource;
  /** New orders are held (OVERDUE) while the customer's delinquency status is at or above this level. */
  readonly overdueHoldLevel: DelinquencyStatus;
  /** Utilisation bands in percent, ascending; crossing one upward raises a CreditUtilizationWarning. */
  readonly warningBands: readonly number[];
  /** How long (event time) a closed document is kept to recognise duplicates and late references. */
  readonly retentionMs: number;
  /**
   * Not configured: set by the adapter for a partition whose state was rebuilt from a log that had lost records
   * (retention). Its state may lack documents, so every new order is held (STATE_INCOMPLETE) until it is restored.
   */
  readonly stateIncomplete?: boolean;
}

export const DEFAULT_RETENTION_MS = 90 * 86_400_000;

/** A validated, frozen policy; throws RangeError naming the field that is wrong. */
export function creditPolicy(fields: Partial<CreditPolicy> & Pick<CreditPolicy, 'policyVersion'>): CreditPolicy {
  const policy: CreditPolicy = {
    noProfileHold: true,
    riskHoldClasses: ['E'],
    riskClassSource: 'profile',
    overdueHoldLevel: 'DELINQUENT',
    warningBands: [80, 90, 100],
    retentionMs: DEFAULT_RETENTION_MS,
    ...fields,
  };
  if (policy.policyVersion.length === 0) throw new RangeError('policyVersion must not be empty');
  if (!DELINQUENCY_LADDER.includes(policy.overdueHoldLevel)) {
    throw new RangeError(`overdueHoldLevel must be one of ${DELINQUENCY_LADDER.join(', ')}`);
  }
  policy.warningBands.forEach((band, i) => {
    if (!Number.isInteger(band) || band <= 0 || (i > 0 && band <= policy.warningBands[i - 1]!)) {
      throw new RangeError('warningBands must be ascending positive integers');
    }
  });
  if (!RISK_CLASS_SOURCES.includes(policy.riskClassSource)) {
    throw new RangeError(`riskClassSource must be one of ${RISK_CLASS_SOURCES.join(', ')}`);
  }
  if (!(policy.retentionMs > 0)) throw new RangeError('retentionMs must be > 0');
  return Object.freeze({
    ...policy,
    riskHoldClasses: Object.freeze([...policy.riskHoldClasses]),
    warningBands: Object.freeze([...policy.warningBands]),
  });
}
