// The exposure service's environment: the common variables, Redis, the consumer's tuning, where it reads and writes
// (a topic prefix, a Redis key prefix and a group id, so a test or a parallel environment never shares them) and the
// credit policy.
import { bool, commonSpec, ConfigError, int, list, loadConfig, oneOf, redisSpec, str, type Config, type Var } from '../../../shared/config.ts';
import { creditPolicy, DELINQUENCY_LADDER, type CreditPolicy } from './domain/index.ts';

export const SERVICE = 'exposure';

/** Comma-separated names; `none` for no name at all (an empty variable means "the default"). */
function names(defaults: readonly string[]): Var<readonly string[]> {
  return {
    expects: "a comma-separated list, or 'none'",
    parse: (raw) => {
      if (raw === undefined) return defaults;
      if (raw.trim().toLowerCase() === 'none') return [];
      return Object.freeze(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''));
    },
  };
}

export function exposureSpec() {
  return {
    ...commonSpec(SERVICE, { httpPort: 9401 }),
    ...redisSpec,
    // Batches of different partitions handled at once; one partition's topics are still handled one at a time.
    KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: int({ default: 12, min: 1, max: 1000 }),
    // Idempotent producers the outbox is published through, partition p by producer p % n: one kafkajs idempotent
    // producer sends one request at a time, so a single one would make every partition wait for the others.
    KAFKA_PRODUCERS: int({ default: 4, min: 1, max: 64 }),
    // How soon the group notices a member that died without leaving (kill -9) and hands its partitions over.
    KAFKA_SESSION_TIMEOUT_MS: int({ default: 30_000, min: 1000 }),
    KAFKA_HEARTBEAT_INTERVAL_MS: int({ default: 3000, min: 100 }),
    // Partition p of the inputs in event-time order (a replay of pre-loaded topics decides as it happened); how long
    // records parked for that order stay in memory before they are fetched again.
    EVENT_TIME_ALIGNMENT: bool({ default: true }),
    ALIGN_MAX_IDLE_MS: int({ default: 2000, min: 0, max: 600_000 }),
    CREDIT_POLICY_VERSION: str({ default: 'v1' }),
    NO_PROFILE_HOLD: bool({ default: true }),
    RISK_HOLD_CLASSES: names(['E']),
    OVERDUE_HOLD_LEVEL: oneOf(DELINQUENCY_LADDER, { default: 'DELINQUENT' }),
    WARNING_BANDS: list({ default: ['80', '90', '100'] }),
  };
}

export type ExposureConfig = Config<ReturnType<typeof exposureSpec>>;

export function loadExposureConfig(env: Record<string, string | undefined> = process.env): ExposureConfig {
  return loadConfig(exposureSpec(), env);
}

/** The credit policy the configuration names; a ConfigError (exit 2) when WARNING_BANDS is not a valid ladder. */
export function policyOf(config: ExposureConfig): CreditPolicy {
  const bands = config.WARNING_BANDS.map((b) => (/^\d+$/.test(b) ? Number(b) : Number.NaN));
  if (!bands.every((b, i) => b > 0 && (i === 0 || b > bands[i - 1]!))) {
    throw new ConfigError([
      `WARNING_BANDS=${JSON.stringify(config.WARNING_BANDS.join(','))} must be ascending positive integer percentages, e.g. 80,90,100`,
    ]);
  }
  return creditPolicy({
    policyVersion: config.CREDIT_POLICY_VERSION,
    noProfileHold: config.NO_PROFILE_HOLD,
    riskHoldClasses: config.RISK_HOLD_CLASSES,
    overdueHoldLevel: config.OVERDUE_HOLD_LEVEL,
    warningBands: bands,
  });
}
