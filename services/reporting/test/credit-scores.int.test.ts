// The scoring service's outputs in Postgres: the real ledger's events, and what the scoring core publishes for them,
// written by the sink's own writer into a fresh reporting database. The 2013 AUC and Brier of the probability at
// issue, computed in SQL from reporting.invoice_risk_at_issue and reporting.invoices, are the figures
// `npm run score:eval` prints.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toEvent } from '../../scoring/src/adapters/emit.ts';
import { defaultPolicy, ScoringReplay } from '../../scoring/src/domain/index.ts';
import { AR_LATE_PAYMENTS } from '../../../tools/import-ledger/src/mapping.ts';
import { readLedger } from '../../../tools/import-ledger/src/rows.ts';
import { evaluate, invoicesAtIssue, ledgerEvents } from '../../../tools/score-eval/ledger-eval.ts';
import type { SinkEvent } from '../src/domain/to-row-ops.ts';
import { RISK_AT_ISSUE_FIGURES_SQL } from './ledger-oracle.ts';
import { reportingDatabase, sink, type ReportingDb } from './support.ts';

const { rows } = readLedger(readFileSync(new URL('../../../data/ar-late-payments.csv', import.meta.url), 'utf8'), AR_LATE_PAYMENTS);
let rdb: ReportingDb;
let scoreEvents = 0;
let reviewEvents = 0;

beforeAll(async () => {
  rdb = await reportingDatabase();
  const inputs = ledgerEvents(rows);
  const core = new ScoringReplay(defaultPolicy);
  const all: SinkEvent[] = [];
  for (const e of inputs) {
    all.push(e);
    for (const o of core.push(e)) {
      all.push(toEvent(o.customerId, o.out));
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
});
