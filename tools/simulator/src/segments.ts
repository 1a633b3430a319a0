// Payment behaviour segments. The mix (9:6:4:1 in every block of 20 customers) and the late shares are calibrated
// so that the share of invoices settled after their due date is 35.6 %, as in the real ledger
// (data/ar-late-payments.csv): (9*0.05 + 6*0.42 + 4*0.80 + 1*0.95) / 20 = 0.356.

export type SegmentName = 'prompt' | 'slow' | 'chronicLate' | 'defaulter';

export interface Segment {
  readonly name: SegmentName;
  /** Customers of this segment in every block of SEGMENT_BLOCK customers of similar size. */
  readonly perBlock: number;
  /** Probability that an invoice is settled after its due date. */
  readonly lateShare: number;
  /** Mean days past due of a late settlement (exponential, at least 1). */
  readonly meanDaysLate: number;
  /** Probability that a late invoice is never settled. */
  readonly neverPays: number;
  /** Probability that an invoice is disputed. */
  readonly disputeRate: number;
  /** Probability that an invoice is paid in instalments. */
  readonly instalmentRate: number;
  /** Risk classes a credit team would give such a customer. */
  readonly riskClasses: readonly string[];
  /** Credit limit as a multiple of the customer's expected exposure, [min, max). */
  readonly limitHeadroom: readonly [number, number];
}

export const SEGMENT_BLOCK = 20;

export const SEGMENTS: readonly Segment[] = [
  {
    name: 'prompt', perBlock: 9, lateShare: 0.05, meanDaysLate: 3, neverPays: 0, disputeRate: 0.03,
    instalmentRate: 0.02, riskClasses: ['A', 'B'], limitHeadroom: [1.3, 2.5],
  },
  {
    name: 'slow', perBlock: 6, lateShare: 0.42, meanDaysLate: 12, neverPays: 0, disputeRate: 0.06,
    instalmentRate: 0.08, riskClasses: ['B', 'C'], limitHeadroom: [1.1, 2],
  },
  {
    name: 'chronicLate', perBlock: 4, lateShare: 0.8, meanDaysLate: 30, neverPays: 0, disputeRate: 0.1,
    instalmentRate: 0.15, riskClasses: ['C', 'D'], limitHeadroom: [0.9, 1.6],
  },
  {
    name: 'defaulter', perBlock: 1, lateShare: 0.95, meanDaysLate: 75, neverPays: 0.3, disputeRate: 0.15,
    instalmentRate: 0.25, riskClasses: ['D', 'E'], limitHeadroom: [0.7, 1.2],
  },
];

/** The invoice-weighted late share the segment mix aims at. */
export const TARGET_LATE_SHARE =
  SEGMENTS.reduce((sum, s) => sum + s.perBlock * s.lateShare, 0) / SEGMENT_BLOCK;
