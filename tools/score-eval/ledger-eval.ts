// The scoring core measured on an AR ledger: the file is replayed in event time through the core (the importer's
// replay, so the same events the pipeline gets), and each invoice's late-payment probability as it stood when it
// was issued (inputs strictly before it) is set against whether it was paid late (settled after its due date).
// Beside it, the simplest baseline, the customer's own late rate over the invoices settled before the issue date,
// and the PAYDEX score at issue (as a probability: the late rate of its 10-point band over the training year).
import { assessDay, emptyState, TERM_NAMES, termValues, featuresOf, type Term } from '../../services/scoring/src/domain/index.ts';
import { defaultPolicy, ScoringReplay, type ScoringPolicy, type StreamEvent } from '../../services/scoring/src/domain/index.ts';
import { auc, brier, fitLogistic } from '../../services/scoring/src/eval/metrics.ts';
import { parseCreditLimit } from '../import-ledger/src/credit-policy.ts';
import { ledgerReplay } from '../import-ledger/src/replay.ts';
import type { LedgerRow } from '../import-ledger/src/rows.ts';
import { dayFromIso } from '../../shared/time.ts';

/** One invoice as it stood at issue, and what happened to it. */
export interface AtIssue {
  invoiceId: string;
  customerId: string;
  issueDay: number;
  late: boolean;
  probability: number;
  score: number | null;
  /** The model's term values at issue (for the fit). */
  terms: number[];
  baseline: number;
}

export interface Figures {
  n: number;
  auc: number;
  brier: number;
}

export interface Evaluation {
  invoices: number;
  lateShare: number;
  model: Figures;
  baseline: Figures;
  paydex: Figures & { scored: number };
}

/** The replayed events the scoring service reads (invoices, payments, customers and their ticks), in order. */
const SCORING_TOPICS: ReadonlySet<string> = new Set(['CUSTOMERS', 'INVOICES', 'PAYMENTS']);

export function ledgerEvents(rows: readonly LedgerRow[], creditLimit = '3x-monthly'): StreamEvent[] {
  const replay = ledgerReplay(rows, {
    sourceId: 'score-eval',
    currency: 'USD',
    partitions: 1,
    creditLimit: parseCreditLimit(creditLimit, 2),
  });
  // What the scoring service consumes: profiles, invoices and payments (the ticks ride on the last two).
  return replay.records.filter((r) => SCORING_TOPICS.has(r.topic)).map((r) => r.event as StreamEvent);
}

/** Every invoice at its issue, in issue order. */
export function invoicesAtIssue(rows: readonly LedgerRow[], policy: ScoringPolicy = defaultPolicy): AtIssue[] {
  const byInvoice = new Map(rows.map((r) => [`${r.customerId}\u0000${r.invoiceId}`, r]));
  const core = new ScoringReplay(policy);
  const out: AtIssue[] = [];
  for (const e of ledgerEvents(rows)) {
    if (e.eventType === 'InvoiceIssued') {
      // The features at issue, from the state before the invoice: what the core's issuedInvoice reports.
      const entity = core.entities.get(e.customerId);
      const day = assessDay(e, core.clockDay);
      const f = featuresOf(entity?.s ?? emptyState(), day, policy.historyDays);
      const published = core.push(e).find((o) => o.out.kind === 'score' && o.out.issuedInvoice !== null);
      if (!published || published.out.kind !== 'score') throw new Error(`no risk at issue for ${e.payload.invoiceId}`);
      const risk = published.out.issuedInvoice!;
      const row = byInvoice.get(`${e.customerId}\u0000${e.payload.invoiceId}`)!;
      out.push({
        invoiceId: e.payload.invoiceId,
        customerId: e.customerId,
        issueDay: e.payload.issueDate,
        late: row.settledDay !== null && row.settledDay > row.dueDay,
        probability: risk.probabilityBp / 10_000,
        score: risk.score,
        terms: termValues(f),
        baseline: priorLateRate(rows, row),
      });
    } else {
      core.push(e);
    }
  }
  return out;
}

/** The customer's own share of late invoices among those settled before `row` was issued (0 with none). */
export function priorLateRate(rows: readonly LedgerRow[], row: LedgerRow): number {
  let n = 0;
  let late = 0;
  for (const r of rows) {
    if (r.customerId !== row.customerId || r.settledDay === null || r.settledDay >= row.invoiceDay) continue;
    n++;
    if (r.settledDay > r.dueDay) late++;
  }
  return n === 0 ? 0 : late / n;
}

const figures = (p: number[], y: boolean[]): Figures => ({ n: p.length, auc: auc(p, y), brier: brier(p, y) });

const band = (score: number | null) => (score === null ? 'none' : String(Math.floor(score / 10)));

/** The figures for invoices issued in `testYear`; the PAYDEX bands are calibrated on the year before. */
export function evaluate(atIssue: readonly AtIssue[], testYear = 2013): Evaluation {
  const from = dayFromIso(`${testYear}-01-01`);
  const to = dayFromIso(`${testYear + 1}-01-01`);
  const test = atIssue.filter((a) => a.issueDay >= from && a.issueDay < to);
  const train = atIssue.filter((a) => a.issueDay < from);
  const y = test.map((a) => a.late);
  const bands = new Map<string, { n: number; late: number }>();
  for (const a of train) {
    const b = bands.get(band(a.score)) ?? { n: 0, late: 0 };
    b.n++;
    if (a.late) b.late++;
    bands.set(band(a.score), b);
  }
  const overall = train.filter((a) => a.late).length / Math.max(1, train.length);
  const paydexP = test.map((a) => {
    const b = bands.get(band(a.score));
    return b ? (b.late + overall) / (b.n + 1) : overall;
  });
  // AUC of the score itself: a lower score ranks riskier; no score ranks as the training year's average band.
  const paydexRank = test.map((a) => (a.score === null ? -80 : -a.score));
  return {
    invoices: test.length,
    lateShare: y.filter(Boolean).length / Math.max(1, y.length),
    model: figures(test.map((a) => a.probability), y),
    baseline: figures(test.map((a) => a.baseline), y),
    paydex: { ...figures(paydexP, y), auc: auc(paydexRank, y), scored: test.filter((a) => a.score !== null).length },
  };
}

/** The model refitted on the invoices issued before `testYear`: intercept and one coefficient per term. */
export function fitModel(atIssue: readonly AtIssue[], testYear = 2013): { intercept: number; coefficients: Record<Term, number> } {
  const from = dayFromIso(`${testYear}-01-01`);
  const train = atIssue.filter((a) => a.issueDay < from);
  const b = fitLogistic(train.map((a) => a.terms), train.map((a) => a.late));
  const coefficients = Object.fromEntries(TERM_NAMES.map((t, i) => [t, b[i + 1]!])) as Record<Term, number>;
  return { intercept: b[0]!, coefficients };
}

