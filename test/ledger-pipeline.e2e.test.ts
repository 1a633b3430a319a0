// The real AR ledger through the whole pipeline, each part its own process as in production: the importer CLI
// replays data/ar-late-payments.csv under a 3x-monthly credit limit, then the exposure, delinquency, scoring and
// reporting services consume it until caught up. What Postgres ends with is held to the CSV alone: the receivables
// figures of the oracle the reporting KPI test uses, the file's days late on every invoice (through the sink and
// through the delinquency service), its payments, and one credit decision per order consistent with the limits
// the policy sets from the file; and the scoring service's risk at issue to what `npm run score:eval` computes in
// memory on the same file (the 2013 AUC and Brier, and every invoice's probability).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicRegistry } from '../shared/contracts/topics.ts';
import { createTempDatabase, type TempDatabase } from '../shared/pg/testing.ts';
import {
  expectedAgingRows,
  kpiMatcher,
  kpiOfRow,
  KPI_MONTHLY_SQL,
  LEDGER,
  monthlyKpis,
  readLedgerInvoices,
  RISK_AT_ISSUE_FIGURES_SQL,
  type LedgerInvoice,
} from '../services/reporting/test/ledger-oracle.ts';
import { AR_LATE_PAYMENTS } from '../tools/import-ledger/src/mapping.ts';
import { readLedger } from '../tools/import-ledger/src/rows.ts';
import { evaluate, invoicesAtIssue } from '../tools/score-eval/ledger-eval.ts';
import { removeNamespace, serviceEnv, type DemoNamespace } from '../tools/demo/src/namespace.ts';
import { caughtUp, readService, type ServiceReading } from '../tools/demo/src/pipeline-state.ts';
import { parsePromText } from '../tools/demo/src/prom-text.ts';
import { freePort, SERVICE_NAMES, ServiceProcess, tailOf } from '../tools/demo/src/service-process.ts';
import { uniqueId } from './kafka.ts';
import { getStack, type Stack } from './stack.ts';
import { endOffsetSums } from '../tools/lib/end-offsets.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CATCH_UP_WITHIN_MS = 120_000;
const STOP_GRACE_MS = 30_000;
/** The policy the importer is run with: three times the customer's average monthly sales over the file. */
const LIMIT_MULTIPLE = 3;
/** The currency the importer is told the file's amounts are in (the source names none). */
const CURRENCY = 'EUR';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runImporter(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'tools/import-ledger/main.ts', ...args],
      { cwd: REPO_ROOT, env, maxBuffer: 16 * 1024 * 1024, timeout: 90_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/** Each customer's limit under the policy, from the file: ceil(multiple x sales / months from first to last invoice). */
function expectedLimits(invoices: readonly LedgerInvoice[]): Map<string, number> {
  const month = (day: number) => {
    const d = new Date(day * 86_400_000);
    return d.getUTCFullYear() * 12 + d.getUTCMonth();
  };
  const months = Math.max(...invoices.map((i) => month(i.issued))) - Math.min(...invoices.map((i) => month(i.issued))) + 1;
  const sales = new Map<string, number>();
  for (const i of invoices) sales.set(i.customer, (sales.get(i.customer) ?? 0) + i.amountMinor);
  return new Map([...sales].map(([c, total]) => [c, Math.ceil((LIMIT_MULTIPLE * total) / months)]));
}

/**
 * The credit events an order's final decision in reporting.orders implies (no credit actions are replayed). As a set:
 * derived events carry the customer's event-time watermark, so a hold and its release may share a timestamp.
 */
const TRAILS: Readonly<Record<string, string>> = {
  APPROVED: 'OrderCreditApproved',
  HELD: 'OrderCreditHeld',
  RELEASED: 'OrderCreditHeld,OrderCreditReleased',
};

const iso = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let stack: Stack;
let ns: DemoNamespace;
let db: TempDatabase;
let logDir: string;
let invoices: LedgerInvoice[];
let imported: CliRun;
const services: ServiceProcess[] = [];
let pool: pg.Pool;
let dlqRecords: number;

/** Polls every service's /metrics until two readings a second apart agree that everything produced is in. */
async function waitCaughtUp(admin: kafkajs.Admin): Promise<Map<string, number>> {
  const topics = Object.values(topicRegistry(ns.topicPrefix)).map((t) => t.name);
  const deadline = Date.now() + CATCH_UP_WITHIN_MS;
  let previous: ServiceReading[] | undefined;
  while (Date.now() < deadline) {
    const dead = services.find((s) => !s.running);
    if (dead) throw new Error(`${dead.name} died:\n${await tailOf(dead.logFile)}`);
    // A service busy with a big batch may not answer within the scrape timeout: that reading is skipped.
    const readings = await Promise.all(
      services.map((s) => s.metrics().then((text) => readService(s.name, parsePromText(text)), () => undefined)),
    );
    const complete = readings.every((r) => r !== undefined) ? readings : undefined;
    const ends = await endOffsetSums(admin, topics);
    if (complete && caughtUp(previous, complete, ends)) return ends;
    previous = complete;
    await sleep(1000);
  }
  throw new Error(`not caught up within ${CATCH_UP_WITHIN_MS / 1000} s`);
}

beforeAll(async () => {
  stack = await getStack();
  invoices = await readLedgerInvoices();
  db = await createTempDatabase(stack.databaseUrl);
  const id = uniqueId('ledger');
  ns = { runId: id, topicPrefix: `${id}.`, redisPrefix: `o2c-${id}`, database: db.name };
  logDir = await mkdtemp(join(tmpdir(), 'o2c-ledger-'));

  const args = [fileURLToPath(LEDGER), '--credit-limit', `${LIMIT_MULTIPLE}x-monthly`, '--currency', CURRENCY];
  imported = await runImporter(args, {
    ...process.env,
    ...stack.env,
    O2C_TOPIC_PREFIX: ns.topicPrefix,
    KAFKA_PARTITIONS: '12',
  });
  if (imported.code !== 0) throw new Error(`import-ledger exited ${imported.code}:\n${imported.stderr}`);

  for (const name of SERVICE_NAMES) {
    services.push(
      await ServiceProcess.start({
        name,
        repoRoot: REPO_ROOT,
        logDir,
        port: await freePort(),
        env: { ...process.env, LOG_LEVEL: 'info', KAFKA_PARTITIONS: '12', ...serviceEnv(ns, stack.env, name) },
      }),
    );
  }
  await Promise.all(services.map((s) => s.waitHealthy(60_000)));
  const admin = new kafkajs.Kafka({ brokers: [...stack.kafkaBrokers], logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const ends = await waitCaughtUp(admin);
    dlqRecords = ends.get(topicRegistry(ns.topicPrefix).DLQ.name) ?? 0;
  } finally {
    await admin.disconnect();
  }
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
}, 240_000);

afterAll(async () => {
  await pool?.end();
  await Promise.all(services.map((s) => s.stop(STOP_GRACE_MS)));
  if (ns) expect(await removeNamespace(ns, stack.env)).toEqual([]);
  if (logDir) await rm(logDir, { recursive: true, force: true });
}, 90_000);

describe('the AR ledger through the importer and the four services', () => {
  it('imports every row of the file, rejecting none', () => {
    expect(imported.stdout).toContain('2,466 valid rows, 0 rejected');
    expect(imported.stdout).toMatch(/2,466 orders, 2,466 invoices, 561 disputes, 2,466 payments/);
    expect(imported.stdout).toContain(`to ${ns.topicPrefix}o2c.* in`);
    expect(dlqRecords).toBe(0);
  });

  it('holds every invoice with the amount, dates and days late of the file, all settled', async () => {
    const { rows } = await pool.query<{ invoice_id: string; customer_id: string; amount_minor: string; issued: string;
      due: string; settled: string; days_late: number; open_minor: string }>(`SELECT invoice_id, customer_id,
      amount_minor, issued_at::text AS issued, due_at::text AS due, settled_at::text AS settled, days_late, open_minor
      FROM reporting.invoices ORDER BY invoice_id`);
    expect(rows).toEqual(
      [...invoices].sort((a, b) => (a.id < b.id ? -1 : 1)).map((i) => ({
        invoice_id: i.id, customer_id: i.customer, amount_minor: String(i.amountMinor), issued: iso(i.issued),
        due: iso(i.due), settled: iso(i.settled), days_late: i.daysLate, open_minor: '0',
      })),
    );
  });

  it.each(['2012-06-30', '2012-12-31', '2013-09-30'])('ages the ledger at %s as the file says', async (asOf) => {
    const { rows } = await pool.query('SELECT * FROM reporting.ar_aging($1::date) ORDER BY customer_id', [asOf]);
    const expected = expectedAgingRows(invoices, asOf, CURRENCY);
    expect(expected.length).toBeGreaterThan(10);
    expect(rows).toEqual(expected);
  });

  it('computes DSO, best possible DSO, ADD, CEI and days late per month as the file says', async () => {
    const { rows } = await pool.query(KPI_MONTHLY_SQL);
    const expected = monthlyKpis(invoices);
    expect(rows.map((r) => r.month_iso)).toEqual(expected.map((k) => k.month));
    expect(rows.map(kpiOfRow)).toEqual(kpiMatcher(expected, CURRENCY));
  });

  it('records one payment per invoice, for its amount on its settlement date', async () => {
    const { rows } = await pool.query<{ payment_id: string; amount: string; allocated: string; day: string }>(
      `SELECT payment_id, amount_minor AS amount, allocated_minor AS allocated, business_date::text AS day
       FROM reporting.payments WHERE event_type = 'PaymentReceived' ORDER BY payment_id`,
    );
    expect(rows).toEqual(
      invoices
        .map((i) => {
          const amount = String(i.amountMinor);
          return { payment_id: `PAY-${i.id}`, amount, allocated: amount, day: iso(i.settled) };
        })
        .sort((a, b) => (a.payment_id < b.payment_id ? -1 : 1)),
    );
    const total = await pool.query<{ n: number; sum: string }>(
      'SELECT count(*)::int AS n, sum(amount_minor)::text AS sum FROM reporting.payments',
    );
    expect(total.rows[0]).toEqual({ n: 2_466, sum: String(invoices.reduce((s, i) => s + i.amountMinor, 0)) });
  });

  it('sees exactly the late invoices go overdue, the day after they fall due, and cures each with its days late', async () => {
    const overdue = await pool.query<{ invoice_id: string; as_of: string; dpd: number }>(
      `SELECT invoice_id, as_of_date::text AS as_of, days_past_due AS dpd FROM reporting.delinquency_events
       WHERE event_type = 'InvoiceOverdue' ORDER BY invoice_id`,
    );
    const late = invoices.filter((i) => i.daysLate > 0).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(late).toHaveLength(877);
    expect(overdue.rows).toEqual(late.map((i) => ({ invoice_id: i.id, as_of: iso(i.due + 1), dpd: 1 })));

    const cured = await pool.query<{ invoice_id: string; days_late: number }>(
      `SELECT invoice_id, days_late FROM reporting.delinquency_events WHERE event_type = 'InvoiceCured' ORDER BY invoice_id`,
    );
    expect(cured.rows).toEqual(
      [...invoices].sort((a, b) => (a.id < b.id ? -1 : 1)).map((i) => ({ invoice_id: i.id, days_late: i.daysLate })),
    );
  });

  it('decides every order exactly once, holding only what the limits (or a hold reason) demand', async () => {
    const limits = expectedLimits(invoices);
    const orders = await pool.query<{ order_id: string; customer_id: string; amount: string; decision: string }>(
      'SELECT order_id, customer_id, amount_minor AS amount, decision FROM reporting.orders ORDER BY order_id',
    );
    expect(orders.rows.map(({ decision: _, ...o }) => o)).toEqual(
      invoices
        .map((i) => ({ order_id: `ORD-${i.id}`, customer_id: i.customer, amount: String(i.amountMinor) }))
        .sort((a, b) => (a.order_id < b.order_id ? -1 : 1)),
    );

    const { rows: events } = await pool.query<{ order_id: string; customer_id: string; event_type: string;
      amount: string; reasons: string[] | null; exposure: string; limit: string; shortfall: string }>(
      `SELECT order_id, customer_id, event_type, amount_minor AS amount, reasons, exposure_minor AS exposure,
         effective_limit_minor AS limit, shortfall_minor AS shortfall
       FROM reporting.credit_events WHERE order_id IS NOT NULL ORDER BY order_id, occurred_at`,
    );
    const trails = new Map<string, string[]>();
    for (const e of events) trails.set(e.order_id, [...(trails.get(e.order_id) ?? []), e.event_type]);
    const problems: string[] = [];
    for (const o of orders.rows) {
      const got = (trails.get(o.order_id) ?? []).sort().join();
      if (got !== TRAILS[o.decision]) problems.push(`${o.order_id} (${o.decision}): ${got}`);
    }
    for (const e of events) {
      const [exposure, amount, limit, shortfall] = [e.exposure, e.amount, e.limit, e.shortfall].map(Number) as
        [number, number, number, number];
      const reasons = e.reasons ?? [];
      const why = `${e.order_id} ${e.event_type} [${reasons.join(',')}]: exposure ${exposure} + order ${amount}, ` +
        `limit ${limit}, shortfall ${shortfall}`;
      if (limit !== limits.get(e.customer_id)) problems.push(`${why}: the policy sets ${limits.get(e.customer_id)}`);
      // In event-time order each order is decided after its customer's profile and before its own invoice (the
      // importer stamps profiles 06:00, orders 09:00, invoices 12:00), so it adds its whole amount.
      if (e.event_type !== 'OrderCreditReleased' && shortfall !== Math.max(0, exposure + amount - limit)) {
        problems.push(`${why}: the shortfall does not follow from exposure, order and limit`);
      }
      if (e.event_type === 'OrderCreditHeld') {
        if (reasons.includes('OVER_LIMIT') !== shortfall > 0) problems.push(`${why}: OVER_LIMIT names exactly a shortfall`);
        if (!reasons.every((r) => r === 'OVER_LIMIT' || r === 'OVERDUE')) problems.push(`${why}: no other reason applies`);
      } else if (shortfall > 0) problems.push(`${why}: ${e.event_type} beyond the limit`);
    }
    expect(problems).toEqual([]);
    // The policy bites on this history: a run that held nothing would prove nothing about holding.
    expect(events.filter((e) => e.reasons?.includes('OVER_LIMIT')).length).toBeGreaterThan(0);
  });

  it('ends with every invoice paid: no exposure, receivables, open orders or unapplied cash left, nobody on hold', async () => {
    const limits = expectedLimits(invoices);
    const { rows } = await pool.query(
      `SELECT customer_id, credit_limit_minor::float8 AS credit_limit, exposure_minor::float8 AS exposure,
         open_orders_minor::float8 AS open_orders, open_ar_minor::float8 AS open_ar,
         unapplied_cash_minor::float8 AS unapplied, on_hold
       FROM reporting.customers ORDER BY customer_id`,
    );
    expect(rows).toEqual(
      [...limits].sort(([a], [b]) => (a < b ? -1 : 1)).map(([customer_id, limit]) => ({
        customer_id, credit_limit: limit, exposure: 0, open_orders: 0, open_ar: 0, unapplied: 0, on_hold: false,
      })),
    );
    const { rows: held } = await pool.query(`SELECT count(*)::int AS n FROM reporting.orders WHERE decision = 'HELD'`);
    expect(held).toEqual([{ n: 0 }]);
  });

  it("scores every invoice at issue as score:eval's core does in memory: the same probabilities, 2013 AUC and Brier", async () => {
    const { rows } = readLedger(await readFile(LEDGER, 'utf8'), AR_LATE_PAYMENTS);
    const atIssue = invoicesAtIssue(rows);
    const { rows: stored } = await pool.query<{ invoice_id: string; bp: number }>(
      'SELECT invoice_id, (late_probability * 10000)::int AS bp FROM reporting.invoice_risk_at_issue ORDER BY invoice_id',
    );
    expect(stored.map((r) => [r.invoice_id, r.bp])).toEqual(
      atIssue.map((a) => [a.invoiceId, Math.round(a.probability * 10_000)]).sort(([a], [b]) => (a! < b! ? -1 : 1)),
    );
    const { rows: [sql] } = await pool.query<{ auc: string; brier: string; n: number }>(
      RISK_AT_ISSUE_FIGURES_SQL, ['2013-01-01', '2014-01-01']);
    const e = evaluate(atIssue);
    expect(sql!.n).toBe(e.invoices);
    expect(e.invoices).toBe(1_189);
    // Exact SQL numerics against the in-memory doubles: only rounding of the last bits may differ.
    expect(Math.abs(Number(sql!.auc) - e.model.auc)).toBeLessThan(1e-9);
    expect(Math.abs(Number(sql!.brier) - e.model.brier)).toBeLessThan(1e-9);
    // The figures the scoring README reports, so a drift of the pipeline or the model shows here too.
    expect(e.model.auc.toFixed(4)).toBe('0.8751');
    expect(e.model.brier.toFixed(4)).toBe('0.1315');
  });

  it('stops every service cleanly on SIGTERM', async () => {
    const exits = await Promise.all(services.map(async (s) => [s.name, (await s.stop(STOP_GRACE_MS)).code]));
    expect(exits).toEqual(SERVICE_NAMES.map((n) => [n, 0]));
  });
});
