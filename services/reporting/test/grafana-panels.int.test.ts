import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../../../shared/pg/pool.ts';
import { dayOf, MS_PER_DAY } from '../../../shared/time.ts';
import { ALL_EVENTS, T0 } from './scenario.ts';
import { event, reportingDatabase, sink, type ReportingDb } from './support.ts';

// Every Postgres panel of the committed dashboards (the files Grafana loads) runs against a migrated database seeded
// through the writer, as grafana_reader, with Grafana's macros expanded the way its Postgres data source expands
// them, and must return the shape its panel type needs.

const DASHBOARDS_DIR = new URL('../../../grafana/dashboards/', import.meta.url);

interface Target { refId: string; rawSql?: string; format?: 'time_series' | 'table' }
interface Panel {
  title: string;
  type: string;
  datasource: { type: string };
  targets: Target[];
  fieldConfig: { overrides: Array<{ matcher: { id: string; options: string } }> };
}
interface Dashboard { title: string; panels: Panel[]; templating: { list: Array<{ name: string; query: string }> } }

const FROM = new Date(T0 - MS_PER_DAY);
const TO = new Date(T0 + 60 * MS_PER_DAY);
/** The customers of CURRENCY, as the customer variable lists them. */
const CUSTOMERS = ['C1', 'C2'];
/** The dashboards' currency: money of another currency must never reach their panels. */
const CURRENCY = 'EUR';
/** The months the scorecard compares (its `before` and `after` variables). */
const BEFORE = '2024-01';
const AFTER = '2024-02';
// Grafana sends instants without milliseconds.
const grafanaTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };
function intervalSeconds(interval: string): number {
  const m = /^'(\d+)([smhd])'$/.exec(interval.trim());
  if (!m) throw new Error(`unsupported interval ${interval}`);
  return Number(m[1]) * SECONDS[m[2]!]!;
}

/** Grafana's Postgres macros and our template variables, expanded for the fixed time range. */
function expand(rawSql: string): string {
  const from = `'${grafanaTime(FROM)}'`;
  const to = `'${grafanaTime(TO)}'`;
  const group = (col: string, interval: string) => {
    const s = intervalSeconds(interval);
    return `floor(extract(epoch from ${col})/${s})*${s}`;
  };
  const out = rawSql
    .replace(/\$__timeGroupAlias\(([^,]+),([^)]+)\)/g, (_, col, i) => `${group(col, i)} AS "time"`)
    .replace(/\$__timeGroup\(([^,]+),([^)]+)\)/g, (_, col, i) => group(col, i))
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_, col) => `${col} BETWEEN ${from} AND ${to}`)
    .replace(/\$__unixEpochFilter\(([^)]+)\)/g, (_, col) => `${col} >= ${FROM.getTime() / 1000} AND ${col} <= ${TO.getTime() / 1000}`)
    .replace(/\$__timeFrom\(\)/g, from)
    .replace(/\$__timeTo\(\)/g, to)
    .replace(/\$customer\b/g, CUSTOMERS.map((c) => `'${c}'`).join(','))
    .replace(/\$\{currency:sqlstring\}/g, `'${CURRENCY}'`)
    .replace(/\$\{before:sqlstring\}/g, `'${BEFORE}'`)
    .replace(/\$\{after:sqlstring\}/g, `'${AFTER}'`);
  if (/\$\{/.test(out)) throw new Error(`unexpanded variable in: ${out}`);
  if (/\$\w/.test(out)) throw new Error(`unexpanded macro or variable in: ${out}`);
  return out;
}

// pg type oids
const NUMERIC = new Set([20, 21, 23, 700, 701, 1700]);
const TIME = new Set([1082, 1114, 1184]);
const TEXT = new Set([25, 1043]);

/**
 * The scoring service's view of the scenario: January C1 in B (I1 issued in B), C2 in C (I2 and the voided I3 in C),
 * the USD customer C3 in E; February C1 falls to C and C2 to D. I1 was settled late (day 40, due day 31), I2 is open.
 */
const scored = (name: string, customerId: string, day: number, riskClass: string, score: number | null, issued: string | null) =>
  event(name, 'CreditScoreUpdated', customerId, T0 + day * MS_PER_DAY, {
    asOfDate: dayOf(T0) + day, score, probabilityBp: 2_000, riskClass, factors: [], proposedLimit: 100_000,
    limitReason: 'test', currentLimit: 100_000, currency: customerId === 'C3' ? 'USD' : 'EUR', utilisationBp: 0,
    segment: 'SLOW', sizeBand: 'SMALL', annualSales: 0, modelVersion: 'm1',
    issuedInvoice: issued === null ? null : { invoiceId: issued, score, probabilityBp: 2_000, riskClass },
  });
const SCORES = [
  scored('s1', 'C1', 1, 'B', 72, 'I1'),
  scored('s2', 'C2', 4, 'C', null, 'I2'),
  scored('s3', 'C2', 4, 'C', null, 'I3'),
  scored('s4', 'C3', 1, 'E', 40, 'I9'),
  scored('s5', 'C1', 36, 'C', 64, null),
  scored('s6', 'C2', 40, 'D', 52, null),
];

let rdb: ReportingDb;
let dashboards: Dashboard[];

async function runAsGrafana(sql: string) {
  return withTransaction(rdb.owner, async (client) => {
    await client.query('SET LOCAL ROLE grafana_reader');
    await client.query('SET TRANSACTION READ ONLY');
    return client.query(sql);
  });
}

beforeAll(async () => {
  dashboards = await Promise.all(
    (await readdir(DASHBOARDS_DIR))
      .filter((f) => f.endsWith('.json'))
      .map(async (f) => JSON.parse(await readFile(new URL(f, DASHBOARDS_DIR), 'utf8')) as Dashboard),
  );
  rdb = await reportingDatabase();
  // The scenario plus an order still on hold, so every panel has rows to show, and a customer in another currency
  // with a held order and an overdue invoice, which the EUR figures must leave out.
  const breakdown = (limit: number, shortfall: number) => ({ openOrders: 0, openReceivables: 0, unappliedCash: 0,
    exposure: 0, heldOrders: 0, creditLimit: limit, tempLimit: 0, effectiveLimit: limit, shortfall, policyVersion: 'v1' });
  await sink(rdb.pool, [ALL_EVENTS, [
    event('o4', 'OrderPlaced', 'C1', T0 + 50 * MS_PER_DAY, { orderId: 'O4', amount: 500_000, currency: 'EUR' }),
    event('d9', 'OrderCreditHeld', 'C1', T0 + 50 * MS_PER_DAY, {
      orderId: 'O4', amount: 500_000, currency: 'EUR', reasons: ['OVER_LIMIT'], exposure: breakdown(150_000, 350_000),
    }),
    // A controller's release of O4 beyond its authority, refused by the exposure service.
    event('r9', 'CreditActionRefused', 'C1', T0 + 51 * MS_PER_DAY, {
      orderId: 'O4', amount: 500_000, currency: 'EUR', action: 'RELEASE', actor: 'carl', actorRole: 'CREDIT_CONTROLLER',
      actionReason: 'good customer', refusal: 'BEYOND_AUTHORITY', overLimit: 350_000, authorityLimit: 100_000,
      shortfall: 250_000, exposure: breakdown(150_000, 350_000),
    }),
    event('p9', 'CustomerCreditProfile', 'C3', T0, {
      creditLimit: 10_000, currency: 'USD', tempLimit: null, tempLimitExpiresAt: null, paymentTermsDays: 10,
      riskClass: 'B', manualHold: false, parentCustomerId: null, changedBy: 'credit-desk', changeReason: null,
    }),
    event('o9', 'OrderPlaced', 'C3', T0 + 2 * MS_PER_DAY, { orderId: 'O9', amount: 70_000, currency: 'USD' }),
    event('d10', 'OrderCreditHeld', 'C3', T0 + 2 * MS_PER_DAY, {
      orderId: 'O9', amount: 70_000, currency: 'USD', reasons: ['OVER_LIMIT'], exposure: breakdown(10_000, 60_000),
    }),
    event('i9', 'InvoiceIssued', 'C3', T0 + MS_PER_DAY, {
      invoiceId: 'I9', orderId: null, amount: 40_000, currency: 'USD', issueDate: dayOf(T0) + 1, dueDate: dayOf(T0) + 11,
    }),
  ], SCORES]);
});
afterAll(() => rdb.close());

const postgresPanels = () =>
  dashboards.flatMap((d) =>
    d.panels.filter((p) => p.datasource.type === 'grafana-postgresql-datasource').map((p) => ({ dashboard: d.title, panel: p })),
  );

describe('grafana postgres panels', () => {
  it('cover the four dashboards', () => {
    expect(dashboards.map((d) => d.title).sort()).toEqual([
      'Collections and aging', 'Credit overview', 'Credit risk scorecard', 'Pipeline health',
    ]);
    expect(postgresPanels().length).toBeGreaterThanOrEqual(30);
  });

  it('return the shape each panel needs, on seeded data, as grafana_reader', async () => {
    for (const { dashboard, panel } of postgresPanels()) {
      for (const target of panel.targets) {
        const where = `${dashboard} / ${panel.title} / ${target.refId}`;
        const result = await runAsGrafana(expand(target.rawSql!));
        const columns = result.fields.map((f) => ({ name: f.name, oid: f.dataTypeID }));
        const names = columns.map((c) => c.name);
        expect(result.rows.length, `${where}: rows`).toBeGreaterThan(0);
        expect(new Set(names).size, `${where}: duplicate column names ${names}`).toBe(names.length);

        for (const o of panel.fieldConfig.overrides) {
          expect(names, `${where}: override on a missing column`).toContain(o.matcher.options);
        }

        if (target.format === 'time_series') {
          const time = columns.find((c) => c.name === 'time');
          expect(time && (TIME.has(time.oid) || NUMERIC.has(time.oid)), `${where}: time column`).toBe(true);
          const rest = columns.filter((c) => c.name !== 'time' && c.name !== 'metric');
          const metric = columns.find((c) => c.name === 'metric');
          if (metric) expect(TEXT.has(metric.oid), `${where}: metric column is text`).toBe(true);
          expect(rest.length, `${where}: value columns`).toBeGreaterThan(0);
          for (const c of rest) expect(NUMERIC.has(c.oid), `${where}: ${c.name} is numeric`).toBe(true);
          // Grafana needs time series sorted by time, ascending.
          const times = result.rows.map((r) => new Date(typeof r.time === 'object' ? r.time : Number(r.time) * 1000).getTime());
          expect(times, `${where}: sorted by time`).toEqual([...times].sort((a, b) => a - b));
        } else if (panel.type === 'stat') {
          expect(result.rows, `${where}: one row`).toHaveLength(1);
          expect(columns.length === 1 && NUMERIC.has(columns[0]!.oid), `${where}: one numeric column`).toBe(true);
        } else if (panel.type === 'barchart') {
          expect(TEXT.has(columns[0]!.oid), `${where}: a label column first`).toBe(true);
          for (const c of columns.slice(1)) expect(NUMERIC.has(c.oid), `${where}: ${c.name} is numeric`).toBe(true);
        }
      }
    }
  });

  it('show the figures of the seeded events', async () => {
    const panel = (title: string) => postgresPanels().find((p) => p.panel.title === title)!.panel.targets[0]!.rawSql!;
    expect((await runAsGrafana(expand(panel('Held order value')))).rows).toEqual([{ 'Held order value': '5000.0000000000000000' }]);
    expect((await runAsGrafana(expand(panel('Worst delinquent customers')))).rows).toEqual([
      // At the end of the range (day 60) I2's 30,000 is open again, 26 days past due.
      { Customer: 'C2', 'Worst days past due': 26, Overdue: '300.0000000000000000', 'Overdue invoices': '1', Open: '300.0000000000000000' },
    ]);
    expect((await runAsGrafana(expand(panel('Dunning stages')))).rows).toEqual([{ Stage: 'REMINDER_1', Invoices: '1' }]);
    // The scenario's rejection (day 2) and manual release (day 3) were taken; the release of O4 (day 51) was refused.
    const actions = (await runAsGrafana(expand(panel('Credit actions taken and refused')))).rows;
    const total = (column: string) => actions.reduce((n, r) => n + Number(r[column]), 0);
    expect([total('Taken'), total('Refused')]).toEqual([2, 1]);

    // As of the latest business date the delinquency events report, C2's 300.00 is 6 days past due, probability 0.2:
    // 30,000 x 6 x 0.2. No dunning stage of C2's yet (the REMINDER_1 above is another customer's). Its promise PTP1
    // (by day 48) was broken; its one notice, the credit hold of O3, was refused by the server.
    expect((await runAsGrafana(expand(panel('Collections worklist')))).rows).toEqual([{
      Rank: 1, Customer: 'C2', Promise: 'broken 2024-02-27', 'Expected loss': '36000', Overdue: '300.0000000000000000', 'Overdue invoices': 1, 'Worst days past due': 6,
      'Late probability': '0.2000', Disputed: '0.00000000000000000000', 'Last dunning stage': '', 'Last dunning': null,
      'Promised (open)': null, 'Promised by': null, 'Last notice': 'CREDIT_HOLD', 'Last notice date': new Date(Date.UTC(2024, 0, 11)),
      Delivery: 'DEAD', 'Last mailed': null, 'Dead-lettered notices': 1,
    }]);
    expect((await runAsGrafana(expand(panel('Notification dead letters')))).rows).toEqual([{
      'Failed at': new Date(T0 + MS_PER_DAY + 3_600_000), Customer: 'C2', Notice: 'CREDIT_HOLD', 'Invoice or order': 'O3', Stage: '',
      'Notice date': new Date(Date.UTC(2024, 0, 11)), Recipient: 'ap@c2.example', Attempts: 1, Why: 'refused', 'Last error': '550 5.1.1 no such user',
    }]);
  });

  it('compare the scorecard of the two months chosen, from the seeded scores', async () => {
    const panel = (title: string) => postgresPanels().find((p) => p.panel.title === title)!.panel.targets[0]!.rawSql!;
    const numbers = (rows: Array<Record<string, unknown>>) =>
      rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v])));
    const row = (klass: string, v: number[], means: Array<number | null>, late: Array<number | null>, moved: number[]) => ({
      Class: klass, 'Customers before': v[0], 'Customers after': v[1], 'AR before': v[2], 'AR after': v[3],
      'Mean score before': means[0], 'Mean score after': means[1], 'Late % before': late[0], 'Late % after': late[1],
      'Moved in (after)': moved[0], 'Moved out (after)': moved[1],
    });
    expect(numbers((await runAsGrafana(expand(panel('Scorecard, before and after')))).rows)).toEqual([
      row('A', [0, 0, 0, 0], [null, null], [null, null], [0, 0]),
      // January: C1 in B owing 250.00 of I1 (60,000 - 5,000 credit - 30,000 paid), I1 issued in B and settled late.
      row('B', [1, 0, 250, 0], [72, null], [100, null], [0, 1]),
      // C2 in C in January owing I2 (open, so no late rate); in February C1 (paid up) moved in and C2 out.
      row('C', [1, 1, 300, 0], [null, 64], [null, null], [1, 1]),
      // February: C2 in D, I2 open again after the chargeback on the month's last day.
      row('D', [0, 1, 0, 300], [null, 52], [null, null], [1, 0]),
      row('E', [0, 0, 0, 0], [null, null], [null, null], [0, 0]), // C3 is in E, but in USD
    ]);
    expect(numbers((await runAsGrafana(expand(panel('Class migrations, before to after')))).rows)).toEqual([
      { Before: 'B', After: 'C', Customers: 1 },
      { Before: 'C', After: 'D', Customers: 1 },
    ]);
    expect(numbers((await runAsGrafana(expand(panel('AR in classes D-E, after')))).rows)).toEqual([{ 'AR in D-E': 100 }]);
    expect(numbers((await runAsGrafana(expand(panel('Late rate, before')))).rows)).toEqual([{ 'Late rate': 100 }]);
    expect((await runAsGrafana(expand(panel('Class migrations month over month')))).rows).toEqual([
      { Month: '2024-01', From: 'not scored', To: 'B', Customers: '1' }, // first scored in January
      { Month: '2024-01', From: 'not scored', To: 'C', Customers: '1' },
      { Month: '2024-02', From: 'B', To: 'C', Customers: '1' },
      { Month: '2024-02', From: 'C', To: 'D', Customers: '1' },
    ]);
    // In USD the scorecard has C3 alone, in E.
    expect(numbers((await runAsGrafana(expand(panel('Customers scored, after')).replace(`'${CURRENCY}'`, "'USD'"))).rows))
      .toEqual([{ Customers: 1 }]);
  });

  it('leave out money of other currencies than the one selected', async () => {
    const panel = (title: string) => postgresPanels().find((p) => p.panel.title === title)!.panel.targets[0]!.rawSql!;
    expect((await runAsGrafana(expand(panel('Open AR')))).rows).toEqual([{ 'Open AR': '300.0000000000000000' }]);
    expect((await runAsGrafana(expand(panel('Held orders')))).rows).toEqual([{ 'Held orders': '1' }]);
    expect((await runAsGrafana(expand(panel('Held orders')).replace(`'${CURRENCY}'`, "'USD'"))).rows)
      .toEqual([{ 'Held orders': '1' }]);
    expect((await runAsGrafana(expand(panel('Worst delinquent customers')).replace(`'${CURRENCY}'`, "'USD'"))).rows)
      .toEqual([
        { Customer: 'C3', 'Worst days past due': 49, Overdue: '400.0000000000000000', 'Overdue invoices': '1', Open: '400.0000000000000000' },
      ]);
  });

  it('fill their template variables', async () => {
    const variables = Object.fromEntries(dashboards.map((d) => [d.title, d.templating.list.map((v) => v.name)]));
    expect(variables).toEqual({
      'Credit overview': ['currency', 'customer'], 'Collections and aging': ['currency'], 'Pipeline health': [],
      'Credit risk scorecard': ['currency', 'before', 'after'],
    });
    const values = async (name: string) => {
      const variable = dashboards.flatMap((d) => d.templating.list).find((v) => v.name === name)!;
      return (await runAsGrafana(expand(variable.query))).rows.map((r) => Object.values(r)[0]);
    };
    expect(await values('customer')).toEqual(CUSTOMERS);
    expect(await values('currency')).toEqual(['EUR', 'USD']);
    expect(await values('before')).toEqual(['2024-01', '2024-02']); // earliest first
    expect(await values('after')).toEqual(['2024-02', '2024-01']); // latest first
  });
});
