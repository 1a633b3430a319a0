// The scoring policy: every cut-off, multiple and threshold a credit team may tune, with defaults. The adapter
// reads it from the environment (src/config.ts); the core only receives it.
export const RISK_CLASSES = ['A', 'B', 'C', 'D', 'E'] as const;
export type RiskClass = (typeof RISK_CLASSES)[number];

export interface ScoringPolicy {
  /** Upper bounds of the late-payment probability for A, B, C, D (E above the last), ascending. */
  probabilityCutoffs: readonly [number, number, number, number];
  /** Lowest payment score for A, B, C, D (E below the last), descending; no score: the probability alone. */
  scoreCutoffs: readonly [number, number, number, number];
  /** Proposed limit = multiple x average monthly credit sales, per class A..E. */
  limitMultiples: readonly [number, number, number, number, number];
  /** Policy cap of a proposed limit, minor units. */
  limitCap: number;
  /** Proposed limits are rounded down to a multiple of this, minor units. */
  limitRounding: number;
  /** Annual sales (last 365 days, minor units) from which a customer is MEDIUM, and LARGE. */
  sizeBands: readonly [medium: number, large: number];
  /** A review is due when the score falls this much below its highest since the last review. */
  reviewScoreDrop: number;
  /** A review is due when utilisation stays above utilisationBp for this many days. */
  reviewUtilisationDays: number;
  reviewUtilisationBp: number;
  /** A review is due when the limit has not changed for this many days. */
  reviewLimitAgeDays: number;
  /** How long settled invoices are kept for the features (and so how far back they look). */
  historyDays: number;
}

export const defaultPolicy: ScoringPolicy = Object.freeze({
  probabilityCutoffs: [0.1, 0.25, 0.45, 0.65] as const,
  scoreCutoffs: [80, 70, 60, 50] as const,
  limitMultiples: [4, 3, 2, 1, 0] as const,
  limitCap: 100_000_000,
  limitRounding: 10_000,
  sizeBands: [1_000_000, 10_000_000] as const,
  reviewScoreDrop: 10,
  reviewUtilisationDays: 30,
  reviewUtilisationBp: 9_000,
  reviewLimitAgeDays: 365,
  historyDays: 730,
});

const ascending = (xs: readonly number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

/** The policy if it is coherent; a RangeError saying what is not. */
export function validatePolicy(p: ScoringPolicy): ScoringPolicy {
  if (p.probabilityCutoffs.length !== 4 || !ascending(p.probabilityCutoffs) || p.probabilityCutoffs.some((x) => x <= 0 || x >= 1)) {
    throw new RangeError('probability cut-offs must be 4 ascending numbers in (0, 1)');
  }
  if (p.scoreCutoffs.length !== 4 || !ascending([...p.scoreCutoffs].reverse())) {
    throw new RangeError('score cut-offs must be 4 descending numbers');
  }
  if (p.limitMultiples.length !== 5 || p.limitMultiples.some((m) => !(m >= 0))) {
    throw new RangeError('limit multiples must be 5 numbers >= 0 (classes A to E)');
  }
  if (!(p.limitRounding >= 1) || !(p.limitCap >= 0)) throw new RangeError('limit rounding must be >= 1 and the cap >= 0');
  if (!ascending(p.sizeBands)) throw new RangeError('size bands must be ascending');
  if (p.historyDays < 365) throw new RangeError('history must cover at least the 365-day score window');
  return Object.freeze({ ...p });
}
