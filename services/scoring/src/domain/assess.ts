// A customer's assessment as of a day: payment score, late-payment probability with its top factors, risk class,
// proposed limit with its reason, and segments. A pure function of the state and the day.
import { featuresOf, openReceivables, settledWithin, type Features } from './features.ts';
import { paydexScore } from './paydex.ts';
import { RISK_CLASSES, type RiskClass, type ScoringPolicy } from './policy.ts';
import { MODEL_VERSION, predict, type Factor } from './probability.ts';
import type { CustomerState } from './state.ts';

export type BehaviourSegment = 'NEW' | 'DORMANT' | 'CHRONIC_LATE' | 'DETERIORATING' | 'SLOW' | 'PROMPT';
export type SizeBand = 'SMALL' | 'MEDIUM' | 'LARGE';

export interface Assessment {
  asOfDate: number;
  score: number | null;
  /** Basis points (0..10000) of the late-payment probability. */
  probabilityBp: number;
  riskClass: RiskClass;
  factors: Factor[];
  proposedLimit: number;
  limitReason: string;
  currentLimit: number;
  currency: string;
  utilisationBp: number;
  segment: BehaviourSegment;
  sizeBand: SizeBand;
  /** Invoiced over the last 365 days, minor units. */
  annualSales: number;
  modelVersion: string;
}

const worse = (a: RiskClass, b: RiskClass): RiskClass => (a > b ? a : b);

/** The worse of the class by probability and the class by score (by probability alone without a score). */
export function riskClassOf(score: number | null, probability: number, p: ScoringPolicy): RiskClass {
  const byP = RISK_CLASSES[p.probabilityCutoffs.findIndex((c) => probability < c)] ?? 'E';
  if (score === null) return byP;
  const byScore = RISK_CLASSES[p.scoreCutoffs.findIndex((c) => score >= c)] ?? 'E';
  return worse(byP, byScore);
}

/** Sales invoiced in the 365 days up to asOf, and the months (1..12) they span from the first invoice. */
export function monthlySales(s: CustomerState, asOf: number): { annual: number; months: number } {
  let annual = 0;
  for (const [day, amount] of Object.entries(s.sales)) if (Number(day) <= asOf && Number(day) > asOf - 365) annual += amount;
  const since = s.firstIssueDay === null ? 0 : asOf - s.firstIssueDay + 1;
  return { annual, months: Math.min(12, Math.max(1, Math.ceil(since / 30))) };
}

/**
 * Multiple of the class x average monthly credit sales over the last 12 months (or the months since the first
 * invoice), rounded down to the rounding unit and capped by policy. A proposal for a person, never applied here.
 */
export function proposedLimitOf(s: CustomerState, asOf: number, cls: RiskClass, p: ScoringPolicy): { limit: number; reason: string } {
  const { annual, months } = monthlySales(s, asOf);
  const monthly = Math.floor(annual / months);
  const multiple = p.limitMultiples[RISK_CLASSES.indexOf(cls)]!;
  const raw = Math.floor((monthly * multiple) / p.limitRounding) * p.limitRounding;
  const limit = Math.min(raw, p.limitCap);
  const basis = `${multiple}x average monthly credit sales ${monthly} over ${months} month(s), class ${cls}`;
  return { limit, reason: raw > p.limitCap ? `${basis}, capped at ${p.limitCap}` : basis };
}

/**
 * Behaviour segment, the first rule that holds: NEW (fewer than 3 invoices settled in the history), DORMANT (no
 * invoice issued in the last 180 days), CHRONIC_LATE (half or more of the last 365 days' settlements late),
 * DETERIORATING (the last 90 days' mean days beyond terms at least 5 worse than the 275 days before), SLOW (a score
 * below 80: beyond terms on average), PROMPT (otherwise).
 */
export function segmentOf(s: CustomerState, f: Features, score: number | null, asOf: number): BehaviourSegment {
  if (f.settledCount < 3) return 'NEW';
  if (s.lastIssueDay === null || s.lastIssueDay <= asOf - 180) return 'DORMANT';
  let n = 0;
  let late = 0;
  for (const inv of Object.values(s.invoices)) {
    if (!settledWithin(inv, asOf, 365)) continue;
    n++;
    if (inv.settledDay > inv.dueDay) late++;
  }
  if (n > 0 && late * 2 >= n) return 'CHRONIC_LATE';
  if (f.trendDays >= 5) return 'DETERIORATING';
  if (score !== null && score < 80) return 'SLOW';
  return 'PROMPT';
}

export function sizeBandOf(annualSales: number, p: ScoringPolicy): SizeBand {
  if (annualSales >= p.sizeBands[1]) return 'LARGE';
  return annualSales >= p.sizeBands[0] ? 'MEDIUM' : 'SMALL';
}

export function assess(s: CustomerState, asOf: number, p: ScoringPolicy): Assessment {
  const invoices = Object.values(s.invoices).filter((i) => i.settledDay !== null) as Array<{ amount: number; dueDay: number; settledDay: number }>;
  const score = paydexScore(invoices, asOf);
  const f = featuresOf(s, asOf, p.historyDays);
  const { probability, factors } = predict(f);
  const probabilityBp = Math.round(probability * 10_000);
  const riskClass = riskClassOf(score, probabilityBp / 10_000, p);
  const { limit, reason } = proposedLimitOf(s, asOf, riskClass, p);
  const currentLimit = s.profile?.creditLimit ?? 0;
  const { annual } = monthlySales(s, asOf);
  return {
    asOfDate: asOf,
    score,
    probabilityBp,
    riskClass,
    factors,
    proposedLimit: limit,
    limitReason: reason,
    currentLimit,
    currency: s.profile?.currency ?? '',
    utilisationBp: currentLimit > 0 ? Math.floor((openReceivables(s, asOf) * 10_000) / currentLimit) : 0,
    segment: segmentOf(s, f, score, asOf),
    sizeBand: sizeBandOf(annual, p),
    annualSales: annual,
    modelVersion: MODEL_VERSION,
  };
}
