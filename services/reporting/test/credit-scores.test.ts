// The scoring service's outputs as reporting rows: history, the customer's latest, the risk at issue, reviews.
import { describe, expect, it } from 'vitest';
import { ROW_SPECS } from '../src/domain/row-specs.ts';
import { toRowOps } from '../src/domain/to-row-ops.ts';
import { event } from './support.ts';

const T0 = Date.UTC(2024, 0, 10, 12);
const D0 = Math.floor(T0 / 86_400_000);
const score = (name: string, at: number, probabilityBp: number, issuedInvoice: { invoiceId: string; score: number | null; probabilityBp: number; riskClass: string } | null) =>
  event(name, 'CreditScoreUpdated', 'C1', at, {
    asOfDate: D0, score: 74, probabilityBp, riskClass: 'B',
    factors: [{ factor: 'meanDaysBeyondTerms', value: 2.5, contribution: 0.409 }],
    proposedLimit: 90_000, limitReason: '3x average monthly credit sales 30000 over 12 month(s), class B',
    currentLimit: 100_000, currency: 'EUR', utilisationBp: 12_345, segment: 'SLOW', sizeBand: 'SMALL',
    annualSales: 360_000, modelVersion: 'm1', issuedInvoice,
  });

describe('credit score rows', () => {
  it('keeps every score, the latest on the customer, and the risk at issue once per invoice', () => {
    const ops = toRowOps([
      score('s1', T0, 2_150, { invoiceId: 'I1', score: null, probabilityBp: 3_000, riskClass: 'C' }),
      score('s2', T0 + 3_600_000, 1_999, null),
    ]);
    expect(ops.rows.creditScore).toHaveLength(2);
    expect(ops.rows.creditScore[0]).toMatchObject({
      customer_id: 'C1', as_of_date: '2024-01-10', score: 74, late_probability: '0.2150', risk_class: 'B',
      utilisation: '1.2345', currency: 'EUR', factors: '[{"factor":"meanDaysBeyondTerms","value":2.5,"contribution":0.409}]',
    });
    expect(ops.rows.customerScore).toEqual([{
      customer_id: 'C1', score: 74, late_probability: '0.1999', scored_risk_class: 'B', proposed_limit_minor: 90_000,
      segment: 'SLOW', size_band: 'SMALL', score_at: new Date(T0 + 3_600_000).toISOString(),
    }]);
    expect(ops.rows.invoiceRiskAtIssue).toEqual([{
      invoice_id: 'I1', customer_id: 'C1', event_id: ops.rows.creditScore[0]!.event_id, issued_at: new Date(T0).toISOString(),
      as_of_date: '2024-01-10', score: null, late_probability: '0.3000', risk_class: 'C', model_version: 'm1',
    }]);
    for (const kind of ['creditScore', 'customerScore', 'invoiceRiskAtIssue'] as const) {
      for (const row of ops.rows[kind]) expect(Object.keys(row).sort()).toEqual([...ROW_SPECS[kind].columns].sort());
    }
  });

  it('keeps review-due events with their reasons', () => {
    const ops = toRowOps([event('r1', 'CreditReviewDue', 'C1', T0, {
      asOfDate: D0, reasons: ['CLASS_WORSENED', 'SCORE_DROP'], score: 58, previousScore: 76, riskClass: 'D',
      previousRiskClass: 'B', utilisationBp: 7_500, currentLimit: 100_000, proposedLimit: 30_000, currency: '',
      limitSetDate: null,
    })]);
    expect(ops.rows.creditReview).toEqual([expect.objectContaining({
      reasons: ['CLASS_WORSENED', 'SCORE_DROP'], risk_class: 'D', previous_risk_class: 'B', utilisation: '0.7500',
      currency: null, limit_set_date: null, as_of_date: '2024-01-10',
    })]);
    expect(Object.keys(ops.rows.creditReview[0]!).sort()).toEqual([...ROW_SPECS.creditReview.columns].sort());
  });
});
