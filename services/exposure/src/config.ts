// The exposure service's environment: the common variables (its namespace included), the stateful kit's (Redis, the
// consumer's and producers' tuning) and the credit policy.
import { bool, commonSpec, ConfigError, file, list, loadConfig, oneOf, optional, statefulSpec, str, type Config, type Var } from '../../../shared/config.ts';
import { creditPolicy, DELINQUENCY_LADDER, RISK_CLASS_SOURCES, type CreditPolicy } from './domain/index.ts';
import { policyFromFile } from './policy-file.ts';

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
    ...statefulSpec,
    CREDIT_POLICY_VERSION: str({ default: 'v1' }),
    NO_PROFILE_HOLD: bool({ default: true }),
    RISK_HOLD_CLASSES: names(['E']),
    // scoring: the risk class is the latest o2c.credit-scores.v1 record's, and that topic is consumed too.
    RISK_CLASS_SOURCE: oneOf(RISK_CLASS_SOURCES, { default: 'profile' }),
    OVERDUE_HOLD_LEVEL: oneOf(DELINQUENCY_LADDER, { default: 'DELINQUENT' }),
    WARNING_BANDS: list({ default: ['80', '90', '100'] }),
    CREDIT_POLICY_FILE: optional(file()), // version, authority matrix and class rules, read by policyOf (src/policy-file.ts)
    // true: open documents in another currency are revalued at each later rate of their currency (README "Currency").
    FX_REVALUE: bool({ default: false }),
  };
}

export type ExposureConfig = Config<ReturnType<typeof exposureSpec>>;

export function loadExposureConfig(env: Record<string, string | undefined> = process.env): ExposureConfig {
  return loadConfig(exposureSpec(), env);
}

/**
 * The credit policy the configuration names; a ConfigError (exit 2) when WARNING_BANDS is not a valid ladder or
 * CREDIT_POLICY_FILE is not a valid policy. A file setting wins over the environment's: its version over
 * CREDIT_POLICY_VERSION, and a class's holdAll, where the file sets it, over RISK_HOLD_CLASSES.
 */
export function policyOf(config: ExposureConfig): CreditPolicy {
  const bands = config.WARNING_BANDS.map((b) => (/^\d+$/.test(b) ? Number(b) : Number.NaN));
  if (!bands.every((b, i) => b > 0 && (i === 0 || b > bands[i - 1]!))) {
    throw new ConfigError([
      `WARNING_BANDS=${JSON.stringify(config.WARNING_BANDS.join(','))} must be ascending positive integer percentages, e.g. 80,90,100`,
    ]);
  }
  const file = policyFromFile(config.CREDIT_POLICY_FILE);
  return creditPolicy({
    policyVersion: file?.version ?? config.CREDIT_POLICY_VERSION,
    noProfileHold: config.NO_PROFILE_HOLD,
    riskHoldClasses: config.RISK_HOLD_CLASSES.filter((c) => !file?.holdAllSet.includes(c)),
    riskClassSource: config.RISK_CLASS_SOURCE,
    overdueHoldLevel: config.OVERDUE_HOLD_LEVEL,
    warningBands: bands,
    ...(file && { authority: file.authority, classes: file.classes, classDefaults: file.defaults }),
    // Only when set, so the policy (and the start-up line that shows it) is as before without it.
    ...(config.FX_REVALUE ? { fxRevalue: true } : {}),
  });
}
