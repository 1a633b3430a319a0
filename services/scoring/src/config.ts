// The scoring service's environment: the common variables (its namespace included), the stateful kit's (Redis, the
// consumer's and producers' tuning) and the scoring policy.
import { commonSpec, ConfigError, int, list, loadConfig, statefulSpec, type Config } from '../../../shared/config.ts';
import { defaultPolicy, validatePolicy, type ScoringPolicy } from './domain/index.ts';

export const SERVICE = 'scoring';

const csv = (xs: readonly number[]) => xs.map(String);

export const scoringSpec = {
  ...commonSpec(SERVICE, { httpPort: 9467 }),
  ...statefulSpec,
  SCORING_CLASS_PROBABILITY_CUTOFFS: list({ default: csv(defaultPolicy.probabilityCutoffs) }),
  SCORING_CLASS_SCORE_CUTOFFS: list({ default: csv(defaultPolicy.scoreCutoffs) }),
  SCORING_LIMIT_MULTIPLES: list({ default: csv(defaultPolicy.limitMultiples) }),
  SCORING_LIMIT_CAP: int({ default: defaultPolicy.limitCap, min: 0 }),
  SCORING_LIMIT_ROUNDING: int({ default: defaultPolicy.limitRounding, min: 1 }),
  SCORING_SIZE_BANDS: list({ default: csv(defaultPolicy.sizeBands) }),
  SCORING_REVIEW_SCORE_DROP: int({ default: defaultPolicy.reviewScoreDrop, min: 1 }),
  SCORING_REVIEW_UTILISATION_DAYS: int({ default: defaultPolicy.reviewUtilisationDays, min: 1 }),
  SCORING_REVIEW_UTILISATION_BP: int({ default: defaultPolicy.reviewUtilisationBp, min: 0 }),
  SCORING_REVIEW_LIMIT_AGE_DAYS: int({ default: defaultPolicy.reviewLimitAgeDays, min: 1 }),
  SCORING_HISTORY_DAYS: int({ default: defaultPolicy.historyDays, min: 365 }),
};

export type ScoringConfig = Config<typeof scoringSpec> & { readonly policy: ScoringPolicy };

function numbers(name: string, items: readonly string[], n: number): number[] {
  const xs = items.map(Number);
  if (xs.length !== n || xs.some((x) => !Number.isFinite(x))) throw new ConfigError([`${name} must be ${n} comma-separated numbers`]);
  return xs;
}

/** Loads and checks everything, the policy included; a ConfigError names each bad variable. */
export function loadScoringConfig(env: Record<string, string | undefined> = process.env): ScoringConfig {
  const c = loadConfig(scoringSpec, env);
  const policy: ScoringPolicy = {
    probabilityCutoffs: numbers('SCORING_CLASS_PROBABILITY_CUTOFFS', c.SCORING_CLASS_PROBABILITY_CUTOFFS, 4) as unknown as ScoringPolicy['probabilityCutoffs'],
    scoreCutoffs: numbers('SCORING_CLASS_SCORE_CUTOFFS', c.SCORING_CLASS_SCORE_CUTOFFS, 4) as unknown as ScoringPolicy['scoreCutoffs'],
    limitMultiples: numbers('SCORING_LIMIT_MULTIPLES', c.SCORING_LIMIT_MULTIPLES, 5) as unknown as ScoringPolicy['limitMultiples'],
    limitCap: c.SCORING_LIMIT_CAP,
    limitRounding: c.SCORING_LIMIT_ROUNDING,
    sizeBands: numbers('SCORING_SIZE_BANDS', c.SCORING_SIZE_BANDS, 2) as unknown as ScoringPolicy['sizeBands'],
    reviewScoreDrop: c.SCORING_REVIEW_SCORE_DROP,
    reviewUtilisationDays: c.SCORING_REVIEW_UTILISATION_DAYS,
    reviewUtilisationBp: c.SCORING_REVIEW_UTILISATION_BP,
    reviewLimitAgeDays: c.SCORING_REVIEW_LIMIT_AGE_DAYS,
    historyDays: c.SCORING_HISTORY_DAYS,
  };
  try {
    return Object.freeze({ ...c, policy: validatePolicy(policy) });
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new ConfigError([`SCORING_* policy variables: ${e.message}`]);
  }
}
