// The late-payment model's coefficients: log-odds of paying an invoice late per unit of each term of
// probability.ts. Fitted offline, once, by logistic regression (Newton's method, L2 penalty 1e-3 on the
// coefficients; fitLogistic in src/eval/metrics.ts) on the 1,277 invoices of data/ar-late-payments.csv issued in
// 2012, each with its terms as the core computed them at its issue (inputs strictly before it); the 2013 invoices
// are the test set, never seen by the fit. Reproduce with `npm run score:eval -- data/ar-late-payments.csv --fit`.
// Changing a coefficient changes the model: bump MODEL_VERSION with it.
import type { Term } from './probability.ts';

export const MODEL_VERSION = 'late-logit-2012-v1';
export const MODEL_INTERCEPT = -0.717;
export const MODEL_COEFFICIENTS: Readonly<Record<Term, number>> = Object.freeze({
  lateRate: 0.0911,
  meanDaysBeyondTerms: 1.6358,
  trendDays: -0.1862,
  overdueCount: 0.7281,
  worstDaysPastDue: 0.1371,
  disputeRate: 0.3225,
  utilisation: 0.3159,
  noHistory: 0.5474,
});
