import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AR_LATE_PAYMENTS } from '../../../tools/import-ledger/src/mapping.ts';
import { readLedger } from '../../../tools/import-ledger/src/rows.ts';
import { evaluate, fitModel, invoicesAtIssue } from '../../../tools/score-eval/ledger-eval.ts';
import { MODEL_COEFFICIENTS, MODEL_INTERCEPT } from '../src/domain/coefficients.ts';
import { auc, brier, fitLogistic } from '../src/eval/metrics.ts';

describe('AUC and Brier', () => {
  it('match hand-computed values', () => {
    // Pairs (positive, negative): (0.8, 0.1) (0.8, 0.4) (0.8, 0.35) (0.35, 0.1) (0.35, 0.4) (0.35, 0.35 tie).
    // Wins 1 + 1 + 1 + 1 + 0 + 0.5 = 4.5 of 6.
    expect(auc([0.1, 0.4, 0.35, 0.8, 0.35], [false, false, false, true, true])).toBeCloseTo(0.75, 12);
    expect(auc([0.9, 0.8, 0.2, 0.1], [true, true, false, false])).toBe(1);
    expect(auc([0.1, 0.2, 0.8, 0.9], [true, true, false, false])).toBe(0);
    expect(auc([0.5, 0.5, 0.5], [true, false, false])).toBe(0.5);
    expect(auc([0.3, 0.4], [true, true])).toBeNaN();
    // ((0.9-1)^2 + (0.2-0)^2 + (0.6-1)^2 + (0.5-0)^2) / 4 = (0.01 + 0.04 + 0.16 + 0.25) / 4 = 0.115.
    expect(brier([0.9, 0.2, 0.6, 0.5], [true, false, true, false])).toBeCloseTo(0.115, 12);
    expect(brier([1, 0], [true, false])).toBe(0);
  });
  it('fits a logistic model to separable-ish data in the right direction', () => {
    const xs = [[-2], [-1], [-0.5], [0.5], [1], [2], [0.2], [-0.2]];
    const ys = [false, false, false, true, true, true, false, true];
    const [, slope] = fitLogistic(xs, ys);
    expect(slope!).toBeGreaterThan(1);
  });
});

describe('on the real ledger (data/ar-late-payments.csv)', () => {
  const { rows } = readLedger(readFileSync(new URL('../../../data/ar-late-payments.csv', import.meta.url), 'utf8'), AR_LATE_PAYMENTS);
  const atIssue = invoicesAtIssue(rows);
  const e = evaluate(atIssue);

  it('the model at issue beats the customer\'s prior late rate on 2013 invoices (AUC and Brier)', () => {
    expect(e.invoices).toBe(1189);
    expect(e.baseline.auc).toBeCloseTo(0.867, 3); // the issue author's measurement
    expect(e.model.auc).toBeGreaterThan(e.baseline.auc);
    expect(e.model.brier).toBeLessThan(e.baseline.brier);
  });

  it('the shipped coefficients are the fit on 2012 invoices', () => {
    const fit = fitModel(atIssue);
    expect(fit.intercept).toBeCloseTo(MODEL_INTERCEPT, 3);
    for (const [term, c] of Object.entries(fit.coefficients)) expect(c).toBeCloseTo(MODEL_COEFFICIENTS[term as keyof typeof MODEL_COEFFICIENTS], 3);
  });
});
