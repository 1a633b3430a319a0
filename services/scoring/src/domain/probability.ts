// The late-payment probability: a logistic model over a few explainable terms of the features, with fixed
// coefficients (coefficients.ts). Each term's contribution to the log-odds is its coefficient times its value, so
// the factors that moved a score most are the terms with the largest contributions.
import { MODEL_COEFFICIENTS, MODEL_INTERCEPT, MODEL_VERSION } from './coefficients.ts';
import type { Features } from './features.ts';

export { MODEL_VERSION };

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const logit = (p: number) => Math.log(p / (1 - p));

/** Each term: the feature it reads and how it is scaled, so the coefficients are of comparable size. */
export const TERMS = {
  lateRate: (f: Features) => logit(clamp(f.lateRate, 0.01, 0.99)),
  meanDaysBeyondTerms: (f: Features) => f.meanDaysBeyondTerms / 10,
  trendDays: (f: Features) => clamp(f.trendDays / 10, -3, 3),
  overdueCount: (f: Features) => Math.log1p(f.overdueCount),
  worstDaysPastDue: (f: Features) => Math.log1p(Math.min(180, f.worstDaysPastDue)),
  disputeRate: (f: Features) => f.disputeRate,
  utilisation: (f: Features) => f.utilisation,
  noHistory: (f: Features) => f.noHistory,
} as const satisfies Partial<Record<keyof Features, (f: Features) => number>>;

export type Term = keyof typeof TERMS;
export const TERM_NAMES = Object.keys(TERMS) as Term[];

export interface Factor {
  /** The term's name (a feature of Features). */
  factor: Term;
  /** The feature's value, rounded to 4 decimals. */
  value: number;
  /** Its contribution to the log-odds of paying late, rounded to 4 decimals: positive raises the probability. */
  contribution: number;
}

export interface Prediction {
  probability: number;
  factors: Factor[];
}

export const TOP_FACTORS = 3;

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

export const termValues = (f: Features): number[] => TERM_NAMES.map((t) => TERMS[t](f));

export function predictWith(f: Features, intercept: number, coefficients: Readonly<Record<Term, number>>): Prediction {
  let z = intercept;
  const contributions = TERM_NAMES.map((t) => {
    const c = coefficients[t] * TERMS[t](f);
    z += c;
    return { factor: t, value: round4(f[t]), contribution: round4(c) };
  });
  const factors = contributions
    .filter((c) => c.contribution !== 0)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.factor.localeCompare(b.factor))
    .slice(0, TOP_FACTORS);
  return { probability: 1 / (1 + Math.exp(-z)), factors };
}

export const predict = (f: Features): Prediction => predictWith(f, MODEL_INTERCEPT, MODEL_COEFFICIENTS);
