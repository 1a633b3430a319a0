// The scoring service's outputs in Postgres: the real ledger's events, and what the scoring core publishes for them,
// written by the sink's own writer into a fresh reporting database. The 2013 AUC and Brier of the probability at
// issue, computed in SQL from reporting.invoice_risk_at_issue and reporting.invoices, are the figures
// `npm run score:eval` prints; the monthly scorecard (0010) is the one computed here from the published scores and
// the file.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toEvent } from '../../scoring/src/adapters/emit.ts';
import { defaultPolicy, ScoringReplay } from '../../scoring/src/domain/index.ts';
import { AR_LATE_PAYMENTS } from '../../../tools/import-ledger/src/mapping.ts';
import { readLedger } from '../../../tools/import-ledger/src/rows.ts';
import { evaluate, invoicesAtIssue, ledgerEvents } from '../../../tools/score-eval/ledger-eval.ts';
import type { CreditScoreEvent } from '../../../shared/contracts/events.generated.ts';
import type { SinkEvent } from '../src/domain/to-row-ops.ts';
import { agingAt, readLedgerInvoices, RISK_AT_ISSUE_FIGURES_SQL } from './ledger-oracle.ts';
import { reportingDatabase, sink, type ReportingDb } from './support.ts';

const { rows } = readLedger(readFileSync(new URL('../../../data/ar-late-payments.csv', import.meta.url), 'utf8'), AR_LATE_PAYMENTS);
let rdb: ReportingDb;
let scoreEvents = 0;
let reviewEvents = 0;
/** Every published score, in publication order. */
const published: CreditScoreEvent[] = [];

beforeAll(async () => {
  rdb = await reportingDatabase();
  const inputs = ledgerEvents(rows);
  const core = new ScoringReplay(defaultPolicy);
  const all: SinkEvent[] = [];
  for (const e of inputs) {
    all.push(e);
    for (const o of core.push(e)) {
      const event = toEvent(o.customerId, o.out);
      all.push(event);
      if (event.eventType === 'CreditScoreUpdated') published.push(event);
      if (o.out.kind === 'score') scoreEvents++;
      else reviewEvents++;
    }
  }
  const batches: SinkEvent[][] = [];
  for (let i = 0; i < all.length; i += 5_000) batches.push(all.slice(i, i + 5_000));
  await sink(rdb.pool, batches);
}, 300_000);
afterAll(() => rdb?.close());

describe('credit scores in Postgres', () => {
  it('keeps every score, one risk at issue per invoice, and the latest score per customer', async () => {
    const q = async (sql: string) => (await rdb.pool.query(sql)).rows;
    expect(await q(`SELECT (SELECT count(*) FROM reporting.credit_scores)::int AS scores,
                           (SELECT count(*) FROM reporting.credit_reviews)::int AS reviews,
                           (SELECT count(*) FROM reporting.invoice_risk_at_issue)::int AS at_issue,
                           (SELECT count(*) FROM reporting.customers WHERE score_at IS NOT NULL)::int AS scored`))
      .toEqual([{ scores: scoreEvents, reviews: reviewEvents, at_issue: rows.length, scored: 100 }]);
  });

  it('gives the 2013 AUC and Brier of score:eval, computed in SQL', async () => {
    const { rows: [sql] } = await rdb.pool.query<{ auc: string; brier: string; n: number }>(
      RISK_AT_ISSUE_FIGURES_SQL, ['2013-01-01', '2014-01-01']);
    const e = evaluate(invoicesAtIssue(rows));
    expect(sql!.n).toBe(e.invoices);
    expect(Number(sql!.auc)).toBeCloseTo(e.model.auc, 10);
    expect(Number(sql!.brier)).toBeCloseTo(e.model.brier, 10);
  });

  it('gives the monthly scorecard of the published scores and the file: customers, AR, mean score, late rate', async () => {
    const invoices = await readLedgerInvoices();
    const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
    const monthOf = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 7);
    const monthEnd = (m: string) => {
      const [y, mo] = m.split('-').map(Number) as [number, number];
      return Date.UTC(y, mo, 1) / 86_400_000 - 1;
    };
    // The latest score on or before each month's end: by as-of date, event time, then event id (as the view).
    const later = (a: CreditScoreEvent, b: CreditScoreEvent) =>
      a.payload.asOfDate - b.payload.asOfDate || a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
    const months = [...new Set(published.map((e) => monthOf(e.payload.asOfDate)))].sort();
    const expected = new Map<string, { customers: number; ar: number; scores: number[]; issued: number; late: number }>();
    const cell = (m: string, c: string) => {
      const key = `${m} ${c}`;
      if (!expected.has(key)) expected.set(key, { customers: 0, ar: 0, scores: [], issued: 0, late: 0 });
      return expected.get(key)!;
    };
    for (const m of months) {
      const end = monthEnd(m);
      const ar = agingAt(invoices, end);
      const latest = new Map<string, CreditScoreEvent>();
      for (const e of published) {
        if (e.payload.asOfDate > end) continue;
        const held = latest.get(e.customerId);
        if (!held || later(e, held) > 0) latest.set(e.customerId, e);
      }
      for (const [customer, e] of latest) {
        const c = cell(m, e.payload.riskClass);
        c.customers++;
        c.ar += ar.get(customer)?.total ?? 0;
        if (e.payload.score !== null) c.scores.push(e.payload.score);
      }
    }
    const lateById = new Map(invoices.map((i) => [i.id, i.daysLate > 0]));
    const issueMonth = new Map(invoices.map((i) => [i.id, monthOf(i.issued)]));
    for (const e of published) {
      const risk = e.payload.issuedInvoice;
      if (!risk) continue;
      const c = cell(issueMonth.get(risk.invoiceId)!, risk.riskClass);
      c.issued++;
      if (lateById.get(risk.invoiceId)) c.late++;
    }
    const { rows: got } = await rdb.pool.query(`
      SELECT to_char(month, 'YYYY-MM') AS month, risk_class, customers::int, ar_open_minor::float8 AS ar,
             mean_score::float8, invoices_issued::int, invoices_settled::int, invoices_late::int, late_rate::float8
        FROM reporting.scorecard_monthly WHERE currency = 'USD' ORDER BY 1, 2`);
    const want = [...expected].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, c]) => {
      const [month, klass] = key.split(' ');
      return {
        month, risk_class: klass, customers: c.customers, ar: c.ar,
        mean_score: c.scores.length === 0 ? null : expect.closeTo(c.scores.reduce((a, b) => a + b, 0) / c.scores.length, 9),
        invoices_issued: c.issued, invoices_settled: c.issued, invoices_late: c.late,
        late_rate: c.issued === 0 ? null : expect.closeTo(c.late / c.issued, 12),
      };
    });
    expect(got).toEqual(want);
    expect(months[0]).toBe('2012-01');
    expect(day(`${months.at(-1)}-01`)).toBeGreaterThan(day('2013-06-01'));
    // Every scored customer is in exactly one class per month; the late rate separates the classes.
    const { rows: spread } = await rdb.pool.query(`
      SELECT risk_class, sum(invoices_late)::float8 / sum(invoices_settled) AS rate FROM reporting.scorecard_monthly
       WHERE month >= DATE '2013-01-01' GROUP BY 1 HAVING sum(invoices_settled) >= 30 ORDER BY 1`);
    expect(spread.length).toBeGreaterThanOrEqual(3);
    expect(spread.at(-1)!.rate).toBeGreaterThan(spread[0]!.rate);
  });
});
