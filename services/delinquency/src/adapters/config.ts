// The delinquency service's environment: the common variables, Redis, where it reads and writes (a topic prefix,
// a Redis key prefix and a group id, so a test or a parallel environment never shares them), the live clock and
// the collections policy.
import { bool, commonSpec, ConfigError, int, list, loadConfig, redisSpec, str, type Config } from '../../../../shared/config.ts';
import { defaultPolicy, validatePolicy, type DelinquencyPolicy } from '../domain/index.ts';

export const SERVICE = 'delinquency';

const ladder = defaultPolicy.dunningLadder.map((s) => `${s.stage}:${s.daysPastDue}`);

export const delinquencySpec = {
  ...commonSpec(SERVICE, { httpPort: 9465 }),
  ...redisSpec,
  O2C_TOPIC_PREFIX: str({ default: '' }),
  REDIS_KEY_PREFIX: str({ default: 'o2c' }),
  KAFKA_GROUP_ID: str({ default: SERVICE }),
  // Partition p of the inputs in event-time order, as exposure reads them: a topic that runs ahead waits in the
  // runner, not in the customers' states; how long records parked for that order stay in memory before a re-fetch.
  EVENT_TIME_ALIGNMENT: bool({ default: true }),
  ALIGN_MAX_IDLE_MS: int({ default: 2000, min: 0, max: 600_000 }),
  // Batches of different partitions handled at once (one partition's batches never overlap), and the idempotent
  // producers the outbox goes out through (partition p by producer p % n; one sends one request at a time).
  KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: int({ default: 12, min: 1, max: 1000 }),
  KAFKA_PRODUCERS: int({ default: 4, min: 1, max: 64 }),
  // How soon the group notices a member that died or hangs without leaving (kill -9, SIGSTOP) and hands its
  // partitions over, as exposure's.
  KAFKA_SESSION_TIMEOUT_MS: int({ default: 30_000, min: 1000 }),
  KAFKA_HEARTBEAT_INTERVAL_MS: int({ default: 3000, min: 100 }),
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
