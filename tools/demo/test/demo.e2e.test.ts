// `npm run demo` end to end: the demo as its own process against the test stack, with a short run, then its JSON
// summary held against what Postgres and Kafka hold in the run's namespace.
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStack } from '../../../test/stack.ts';
import { dayFromIso } from '../../../shared/time.ts';
import { simulate } from '../../simulator/src/simulate.ts';
import { namespaceOf, removeNamespace, topicsOf } from '../src/namespace.ts';
import type { DemoSummary } from '../src/summary.ts';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDemo(args: string[], env: NodeJS.ProcessEnv): Promise<DemoRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'tools/demo/main.ts', ...args],
      { cwd: REPO_ROOT, env, maxBuffer: 16 * 1024 * 1024, timeout: 150_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

// Six weeks of business days for 50 customers at 4 days/s: about 10 s of traffic, and invoices go overdue. Given the
// seed, start date and days, the events are fixed, whatever the machine's speed.
const SIMULATION = { seed: 7, customers: 50, startDay: dayFromIso('2026-01-05'), days: 42, partitions: 12 };
const ARGS = [
  '--seed', '7', '--customers', '50', '--start-date', '2026-01-05', '--days', '42',
  '--days-per-second', '4', '--rate', '400', '--duration', '60', '--json', '--no-stack-up',
];

const count = (rows: ReadonlyArray<{ key: string; n: string }>) => Object.fromEntries(rows.map((r) => [r.key, Number(r.n)]));

describe('npm run demo', () => {
  let run: DemoRun;
  let summary: DemoSummary;
  let db: pg.Client;

  beforeAll(async () => {
    const stack = await getStack();
    run = await runDemo(ARGS, { ...process.env, ...stack.env });
    if (run.code !== 0) throw new Error(`demo exited ${run.code}:\n${run.stderr}`);
    summary = JSON.parse(run.stdout) as DemoSummary;
    db = new pg.Client({ connectionString: summary.lookFurther.psql });
    await db.connect();
  }, 170_000);

  afterAll(async () => {
    await db?.end();
    if (!summary) return;
    const stack = await getStack();
    expect(await removeNamespace(namespaceOf(summary.runId), stack.env)).toEqual([]);
    await rm(new URL(`../../../.demo/runs/${summary.runId}`, import.meta.url), { recursive: true, force: true });
  });

  it('produces every event of the simulation and stops the five services cleanly once they caught up', () => {
    const expected = new Map<string, number>();
    for (const r of simulate(SIMULATION)) expected.set(r.event.eventType, (expected.get(r.event.eventType) ?? 0) + 1);
    expect(summary.produced.byType).toEqual(Object.fromEntries(expected));
    expect(summary.simulation).toMatchObject({ firstBusinessDate: '2026-01-05', lastBusinessDate: '2026-02-16' });
    expect(summary.caughtUp).toBe(true);
    expect(summary.services.map((s) => [s.service, s.exitCode])).toEqual([
      ['exposure', 0],
      ['delinquency', 0],
      ['scoring', 0],
      ['notifications', 0],
      ['reporting', 0],
    ]);
  });

  it('counts orders by decision as reporting.orders holds them, one final decision per order placed', async () => {
    const { rows } = await db.query<{ key: string; n: string }>(
      'SELECT decision AS key, count(*) AS n FROM reporting.orders WHERE decision IS NOT NULL GROUP BY decision',
    );
    expect(summary.ordersByDecision).toEqual(count(rows));
    const decided = Object.values(summary.ordersByDecision).reduce((a, b) => a + b, 0);
    expect(decided).toBe(summary.produced.byType.OrderPlaced);
  });

  it("reports the exposure service's published decisions, as many as reporting stored of each kind", async () => {
    const { rows } = await db.query<{ key: string; n: string }>(
      `SELECT lower(substring(event_type FROM 'OrderCredit(.*)')) AS key, count(*) AS n FROM reporting.credit_events
        WHERE event_type LIKE 'OrderCredit%' GROUP BY event_type`,
    );
    expect(summary.decisionEvents).toEqual(count(rows));
    expect(summary.decisionEvents.approved).toBeGreaterThan(0);
  });

  it('produced what reporting holds: orders, invoices and payments', async () => {
    const { rows } = await db.query<{ orders: string; invoices: string; payments: string }>(
      `SELECT (SELECT count(*) FROM reporting.orders) AS orders, (SELECT count(*) FROM reporting.invoices) AS invoices,
              (SELECT count(*) FROM reporting.payments WHERE event_type = 'PaymentReceived') AS payments`,
    );
    expect(Number(rows[0]!.orders)).toBe(summary.produced.byType.OrderPlaced);
    expect(Number(rows[0]!.invoices)).toBe(summary.produced.byType.InvoiceIssued);
    expect(Number(rows[0]!.payments)).toBe(summary.produced.byType.PaymentReceived);
  });

  it('shows the aging buckets of reporting.ar_aging at the last business date, with overdue receivables', async () => {
    const { rows } = await db.query<Record<string, string | null>>(
      `SELECT sum(current) AS current, sum(d1_30) AS d1_30, sum(d31_60) AS d31_60, sum(d61_90) AS d61_90,
              sum(d90_plus) AS d90_plus, sum(total) AS total FROM reporting.ar_aging($1::date)`,
      [summary.simulation.lastBusinessDate],
    );
    const r = rows[0]!;
    const a = summary.aging;
    expect(a.asOf).toBe(summary.simulation.lastBusinessDate);
    expect([a.currentMinor, a.d1_30Minor, a.d31_60Minor, a.d61_90Minor, a.d90PlusMinor, a.totalMinor]).toEqual(
      [r.current, r.d1_30, r.d31_60, r.d61_90, r.d90_plus, r.total].map((v) => Number(v ?? 0)),
    );
    expect(a.d1_30Minor).toBeGreaterThan(0);
  });

  it('lists held customers with as many held orders as reporting.orders has, and delinquency statuses as stored', async () => {
    for (const h of summary.topHeld) {
      const { rows } = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM reporting.orders WHERE customer_id = $1 AND decision = 'HELD' AND cancelled_at IS NULL`,
        [h.customerId],
      );
      expect(h.heldOrders).toBe(Number(rows[0]!.n));
    }
    const { rows } = await db.query<{ key: string; n: string }>(
      'SELECT delinquency_status AS key, count(*) AS n FROM reporting.customers WHERE delinquency_status IS NOT NULL GROUP BY 1',
    );
    expect(summary.delinquency).toEqual(count(rows));
  });

  it('scores the customers: classes as reporting.customers holds them, a risk at issue for every invoice', async () => {
    const { rows } = await db.query<{ key: string; n: string }>(
      'SELECT scored_risk_class AS key, count(*) AS n FROM reporting.customers WHERE scored_risk_class IS NOT NULL GROUP BY 1',
    );
    expect(summary.riskClasses).toEqual(count(rows));
    expect(Object.values(summary.riskClasses).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const missing = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM reporting.invoices i
        WHERE NOT EXISTS (SELECT 1 FROM reporting.invoice_risk_at_issue r WHERE r.invoice_id = i.invoice_id)`,
    );
    expect(Number(missing.rows[0]!.n)).toBe(0);
  });

  it('counts the notices by type as reporting holds them: every one published, a credit-hold notice per order held', async () => {
    const { rows } = await db.query<{ key: string; n: string }>('SELECT notice_type AS key, count(*) AS n FROM reporting.notices GROUP BY 1');
    expect(summary.notices).toEqual(count(rows));
    // The simulated profiles opt out of nothing: each order ever held gets exactly one notice.
    const held = await db.query<{ n: string }>(
      "SELECT count(DISTINCT order_id) AS n FROM reporting.credit_events WHERE event_type = 'OrderCreditHeld'",
    );
    expect(summary.notices.CREDIT_HOLD ?? 0).toBe(Number(held.rows[0]!.n));
    expect(summary.notices.CREDIT_HOLD).toBeGreaterThan(0);
    expect(summary.notices.PAYMENT_REMINDER).toBeGreaterThan(0);
    // The topic holds the notices and one delivery outcome (NoticeDelivered) per mailed notice, nothing else.
    const stack = await getStack();
    const admin = new kafkajs.Kafka({ brokers: [...stack.kafkaBrokers], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topicsOf(namespaceOf(summary.runId)).NOTIFICATIONS.name);
      expect(offsets.reduce((sum, o) => sum + Number(o.high), 0)).toBe(Object.values(summary.notices).reduce((a, b) => a + b, 0) + summary.mails.accepted);
    } finally {
      await admin.disconnect();
    }
  });

  it("mails every notice with a recipient to the demo's SMTP sink once, its Message-ID the notice id, and counts them by type", async () => {
    const { rows } = await db.query<{ notice_id: string; notice_type: string; customer_id: string; recipient: string }>(
      'SELECT notice_id, notice_type, customer_id, recipient FROM reporting.notices WHERE recipient IS NOT NULL');
    // The simulator gives a share of its customers an address: some notices are mailed, some not.
    expect(rows.length).toBeGreaterThan(0);
    const { rows: unaddressed } = await db.query<{ n: string }>('SELECT count(*) AS n FROM reporting.notices WHERE recipient IS NULL');
    expect(Number(unaddressed[0]!.n)).toBeGreaterThan(0);
    const mails = (await readFile(summary.mails.file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as {
      messageId: string; noticeType: string; customerId: string; to: string[];
    });
    expect(mails).toHaveLength(summary.mails.accepted);
    const expected = rows.map((r) => [`${r.notice_id}@notifications.o2c.invalid`, r.notice_type, r.customer_id, r.recipient].join(' ')).sort();
    expect(mails.map((m) => [m.messageId, m.noticeType, m.customerId, m.to.join(',')].join(' ')).sort()).toEqual(expected);
    const byType: Record<string, number> = {};
    for (const r of rows) byType[r.notice_type] = (byType[r.notice_type] ?? 0) + 1;
    expect(summary.mails.byType).toEqual(byType);
    // Reporting's delivery view agrees: each of them SENT.
    const { rows: sent } = await db.query<{ n: string }>("SELECT count(*) AS n FROM reporting.notice_delivery_status WHERE outcome = 'SENT'");
    expect(Number(sent[0]!.n)).toBe(rows.length);
  });

  it("counts the records of the run's DLQ topic", async () => {
    const stack = await getStack();
    const admin = new kafkajs.Kafka({ brokers: [...stack.kafkaBrokers], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topicsOf(namespaceOf(summary.runId)).DLQ.name);
      expect(summary.dlqRecords).toBe(offsets.reduce((sum, o) => sum + Number(o.high), 0));
    } finally {
      await admin.disconnect();
    }
  });

  it('keeps stdout to the JSON summary, status lines going to stderr', () => {
    expect(run.stdout.trimStart().startsWith('{')).toBe(true);
    expect(run.stderr).toContain(`run ${summary.runId}`);
  });
});

describe('npm run demo with a service that cannot start', () => {
  let run: DemoRun;
  let runId: string | undefined;

  beforeAll(async () => {
    const stack = await getStack();
    // Passed through to the services: the reporting service refuses it and exits 2 (bad configuration) at once.
    run = await runDemo(['--duration', '5', '--customers', '10', '--no-stack-up'], {
      ...process.env,
      ...stack.env,
      REPORTING_BATCH_RECORDS: '0',
    });
    runId = /run (d[0-9a-z]{14}):/.exec(run.stdout)?.[1];
  }, 170_000);

  afterAll(async () => {
    if (!runId) return;
    const stack = await getStack();
    expect(await removeNamespace(namespaceOf(runId), stack.env)).toEqual([]);
    await rm(new URL(`../../../.demo/runs/${runId}`, import.meta.url), { recursive: true, force: true });
  });

  it('exits 1 naming the service, with the end of its log, after stopping the others cleanly', () => {
    expect(run.code).toBe(1);
    expect(runId).toBeDefined();
    const errors = run.stderr.split('\n').filter((line) => line.startsWith('error: '));
    expect(errors).toEqual([
      'error: reporting exited before it became healthy (exit code 2)',
      expect.stringMatching(/^error: reporting died \(exit code 2\); the end of .*reporting\.log:$/),
    ]);
    expect(run.stderr).toContain('REPORTING_BATCH_RECORDS=\\"0\\" must be an integer in [1, 100000]');
    expect(run.stdout).not.toContain('events produced');
  });
});
