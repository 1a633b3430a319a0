// What the late-payment model knows at a moment: computed from the state (inputs applied so far) as of a day.
import type { CustomerState, InvoiceState } from './state.ts';

/** Half-life of the recency weights: a settlement a half-life old counts half as much as one today. */
export const RECENCY_HALF_LIFE_DAYS = 180;
/** Late rate prior: the ledger's share of late invoices, so a short history leans towards the average. */
export const LATE_RATE_PRIOR = 0.36;
export const LATE_RATE_PRIOR_WEIGHT = 1;

export interface Features {
  /** Settled invoices within the history window. */
  settledCount: number;
  /** Recency-weighted share settled after the due date, smoothed towards LATE_RATE_PRIOR. */
  lateRate: number;
  /** Recency-weighted mean days beyond terms (settled - due), clamped to [-30, 90]; 0 without history. */
  meanDaysBeyondTerms: number;
  /** Mean days beyond terms over the last 90 days minus over the window before; 0 when either is empty. */
  trendDays: number;
  /** Open invoices past their due date. */
  overdueCount: number;
  /** Worst days past due of an open invoice (0 when none): the delinquency status, in days. */
  worstDaysPastDue: number;
  /** Disputes raised per invoice issued, smoothed. */
  disputeRate: number;
  /** Open receivables / credit limit (0 without a limit), capped at 2. */
  utilisation: number;
  /** 1 when no invoice has settled yet. */
  noHistory: number;
}

export const settledWithin = (inv: InvoiceState, asOf: number, days: number): inv is InvoiceState & { settledDay: number } =>
  inv.settledDay !== null && inv.settledDay <= asOf && inv.settledDay > asOf - days;

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

export function openReceivables(s: CustomerState, asOf: number): number {
  let open = 0;
  for (const inv of Object.values(s.invoices)) if (inv.settledDay === null && inv.issueDay <= asOf) open += Math.max(0, inv.balance);
  return open;
}

export function featuresOf(s: CustomerState, asOf: number, historyDays: number): Features {
  let n = 0;
  let w = 0;
  let wLate = 0;
  let wDays = 0;
  const recent = { n: 0, days: 0 };
  const older = { n: 0, days: 0 };
  let overdueCount = 0;
  let worstDaysPastDue = 0;
  for (const inv of Object.values(s.invoices)) {
    if (settledWithin(inv, asOf, historyDays)) {
      const dbt = inv.settledDay - inv.dueDay;
      const k = Math.pow(0.5, (asOf - inv.settledDay) / RECENCY_HALF_LIFE_DAYS);
      n++;
      w += k;
      wLate += dbt > 0 ? k : 0;
      wDays += k * dbt;
      if (inv.settledDay > asOf - 365) {
        const part = inv.settledDay > asOf - 90 ? recent : older;
        part.n++;
        part.days += dbt;
      }
    } else if (inv.settledDay === null && inv.issueDay <= asOf && inv.dueDay < asOf) {
      overdueCount++;
      worstDaysPastDue = Math.max(worstDaysPastDue, asOf - inv.dueDay);
    }
  }
  const limit = s.profile?.creditLimit ?? 0;
  return {
    settledCount: n,
    lateRate: (wLate + LATE_RATE_PRIOR * LATE_RATE_PRIOR_WEIGHT) / (w + LATE_RATE_PRIOR_WEIGHT),
    meanDaysBeyondTerms: w > 0 ? clamp(wDays / w, -30, 90) : 0,
    trendDays: recent.n > 0 && older.n > 0 ? recent.days / recent.n - older.days / older.n : 0,
    overdueCount,
    worstDaysPastDue,
    disputeRate: (s.disputes + 0.2) / (s.issued + 1),
    utilisation: limit > 0 ? Math.min(2, openReceivables(s, asOf) / limit) : 0,
    noHistory: n === 0 ? 1 : 0,
  };
}
