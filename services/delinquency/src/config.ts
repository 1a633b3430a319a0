// The delinquency service's environment: the common variables (its namespace included), the stateful kit's (Redis,
// the consumer's and producers' tuning), the live clock and the collections policy.
import { bool, commonSpec, ConfigError, int, list, loadConfig, statefulSpec, type Config } from '../../../shared/config.ts';
import { defaultPolicy, validatePolicy, type DelinquencyPolicy } from './domain/index.ts';

export const SERVICE = 'delinquency';

const ladder = defaultPolicy.dunningLadder.map((s) => `${s.stage}:${s.daysPastDue}`);

export const delinquencySpec = {
  ...commonSpec(SERVICE, { httpPort: 9465 }),
  ...statefulSpec,
  LIVE_CLOCK: bool({ default: false }),
  // Off by default: event-time alignment already fixes the order of a day's inputs, and a payment then cures at once.
  DELINQUENCY_SAME_DAY_ORDER: bool({ default: false }),
  DELINQUENCY_GRACE_DAYS: int({ default: defaultPolicy.graceDays, min: 0 }),
  DELINQUENCY_OVERDUE_DAYS: int({ default: defaultPolicy.statusThresholds.OVERDUE, min: 0 }),
  DELINQUENCY_DELINQUENT_DAYS: int({ default: defaultPolicy.statusThresholds.DELINQUENT, min: 0 }),
  DELINQUENCY_SEVERE_DAYS: int({ default: defaultPolicy.statusThresholds.SEVERE, min: 0 }),
  DELINQUENCY_DUNNING_LADDER: list({ default: ladder }),
  DELINQUENCY_REVERSAL_WINDOW_DAYS: int({ default: defaultPolicy.reversalWindowDays, min: 0 }),
  OVERDUE_EXCLUDES_DISPUTED: bool({ default: defaultPolicy.overdueExcludesDisputed }),
};

export type DelinquencyConfig = Config<typeof delinquencySpec> & { readonly policy: DelinquencyPolicy };

/** Loads and checks everything, the policy included; a ConfigError names each bad variable. */
export function loadDelinquencyConfig(env: Record<string, string | undefined> = process.env): DelinquencyConfig {
  const c = loadConfig(delinquencySpec, env);
  const steps = c.DELINQUENCY_DUNNING_LADDER.map((item) => /^([A-Za-z0-9_]+):(\d+)$/.exec(item.trim()));
  if (steps.some((m) => m === null)) {
    throw new ConfigError([`DELINQUENCY_DUNNING_LADDER must be STAGE:DAYS items, e.g. ${ladder.join(',')}`]);
  }
  try {
    const policy = validatePolicy({
      graceDays: c.DELINQUENCY_GRACE_DAYS,
      statusThresholds: {
        OVERDUE: c.DELINQUENCY_OVERDUE_DAYS,
        DELINQUENT: c.DELINQUENCY_DELINQUENT_DAYS,
        SEVERE: c.DELINQUENCY_SEVERE_DAYS,
      },
      dunningLadder: steps.map((m) => ({ stage: m![1]!, daysPastDue: Number(m![2]) })),
      reversalWindowDays: c.DELINQUENCY_REVERSAL_WINDOW_DAYS,
      overdueExcludesDisputed: c.OVERDUE_EXCLUDES_DISPUTED,
    });
    return Object.freeze({ ...c, policy });
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new ConfigError([`DELINQUENCY_* policy variables: ${e.message}`]);
  }
}
