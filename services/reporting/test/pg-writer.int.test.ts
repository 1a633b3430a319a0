import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withTransaction } from '../../../shared/pg/pool.ts';
import { isoFromDay, MS_PER_DAY } from '../../../shared/time.ts';
import { commitOffsets, readOffsets } from '../src/adapters/pg-writer.ts';
import type { SinkEvent } from '../src/domain/to-row-ops.ts';
import { ALL_EVENTS, D0, SCENARIO, T0 } from './scenario.ts';
import { dumpTables, REPORTING_TABLES, reportingDatabase, sink, type ReportingDb } from './support.ts';

let rdb: ReportingDb;
let reference: Record<string, string[]>;

const reset = () =>
  rdb.owner.query(`TRUNCATE ${[...REPORTING_TABLES, 'applied_offsets'].map((t) => `reporting.${t}`).join(', ')}`);

beforeAll(async () => {
  rdb = await reportingDatabase();
  await sink(rdb.pool, [ALL_EVENTS]);
  reference = await dumpTables(rdb.pool);
});
afterAll(() => rdb.close());

describe('pg writer', () => {
  it('writes the rows every event implies', async () => {
    const q = async (sql: string) => (await rdb.pool.query(sql)).rows;
    expect(await q(`SELECT customer_id, credit_limit_minor, risk_class, exposure_minor, on_hold, utilization,
                           delinquency_status, worst_dpd, updated_at FROM reporting.customers ORDER BY 1`)).toEqual([
      // The later profile (limit 150,000, class A) won; exposure and delinquency from their own latest events.
      { customer_id: 'C1', credit_limit_minor: '150000', risk_class: 'A', exposure_minor: '0', on_hold: false,
        utilization: '0.0000', delinquency_status: 'CURRENT', worst_dpd: 0, updated_at: new Date(T0 + 40 * MS_PER_DAY) },
      { customer_id: 'C2', credit_limit_minor: '50000', risk_class: 'C', exposure_minor: '30000', on_hold: false,
        utilization: '0.6000', delinquency_status: null, worst_dpd: null, updated_at: new Date(T0 + 3 * MS_PER_DAY) },
    ]);
    expect(await q(`SELECT order_id, amount_minor, decision, reasons, held_ms, cancelled_at IS NOT NULL AS cancelled,
                           released_at FROM reporting.orders ORDER BY 1`)).toEqual([
      { order_id: 'O1', amount_minor: '60000', decision: 'APPROVED', reasons: [], held_ms: null, cancelled: false,
        released_at: null },
      // Rejected keeps the reasons it was held for.
      { order_id: 'O2', amount_minor: '90000', decision: 'REJECTED', reasons: ['OVER_LIMIT'],
        held_ms: String(2 * MS_PER_DAY - 3 * 3_600_000), cancelled: true, released_at: null },
      { order_id: 'O3', amount_minor: '30000', decision: 'RELEASED', reasons: ['OVERDUE', 'RISK_CLASS'],
        held_ms: String(2 * MS_PER_DAY), cancelled: false, released_at: new Date(T0 + 3 * MS_PER_DAY) },
    ]);
    expect(await q(`SELECT invoice_id, open_minor, settled_at::text, days_late, disputed, in_dispute, voided_at::text
                      FROM reporting.invoices ORDER BY 1`)).toEqual([
      // 60,000 - 5,000 credit note - 30,000 - 25,000: settled by the second payment, 9 days after due.
      { invoice_id: 'I1', open_minor: '0', settled_at: isoFromDay(D0 + 40), days_late: 9, disputed: false,
        in_dispute: false, voided_at: null },
      // Paid, then the payment was reversed: open again.
      { invoice_id: 'I2', open_minor: '30000', settled_at: null, days_late: null, disputed: true, in_dispute: false,
        voided_at: null },
      { invoice_id: 'I3', open_minor: '0', settled_at: null, days_late: null, disputed: false, in_dispute: false,
        voided_at: isoFromDay(D0 + 6) },
    ]);
    const counts = await q(`SELECT (SELECT count(*) FROM reporting.payments)::int AS payments,
      (SELECT count(*) FROM reporting.payment_allocations)::int AS allocations,
      (SELECT count(*) FROM reporting.credit_events)::int AS credit,
      (SELECT count(*) FROM reporting.delinquency_events)::int AS delinquency,
      (SELECT count(*) FROM reporting.exposure_history)::int AS exposure`);
    expect(counts).toEqual([{ payments: 4, allocations: 3, credit: 8, delinquency: 6, exposure: 4 }]);
    // Who changed a profile or took a credit action, when and why.
    expect(await q(`SELECT occurred_at, customer_id, event_type, action, actor, reason, order_id, credit_limit_minor
                      FROM reporting.audit_log ORDER BY occurred_at, customer_id, event_type`)).toEqual([
      { occurred_at: new Date(T0), customer_id: 'C1', event_type: 'CustomerCreditProfile', action: 'PROFILE_CHANGE',
        actor: 'credit-desk', reason: null, order_id: null, credit_limit_minor: '100000' },
      { occurred_at: new Date(T0), customer_id: 'C2', event_type: 'CustomerCreditProfile', action: 'PROFILE_CHANGE',
        actor: 'credit-desk', reason: null, order_id: null, credit_limit_minor: '50000' },
      { occurred_at: new Date(T0 + 2 * MS_PER_DAY), customer_id: 'C1', event_type: 'CreditActionTaken', action: 'REJECT',
        actor: 'bob', reason: 'too big', order_id: 'O2', credit_limit_minor: null },
      // what the exposure service made of it: the rejection it took
      { occurred_at: new Date(T0 + 2 * MS_PER_DAY), customer_id: 'C1', event_type: 'OrderCreditRejected', action: 'REJECT',
        actor: 'bob', reason: 'too big', order_id: 'O2', credit_limit_minor: null },
      { occurred_at: new Date(T0 + 3 * MS_PER_DAY), customer_id: 'C2', event_type: 'CreditActionTaken', action: 'RELEASE',
        actor: 'ann', reason: 'paid by wire', order_id: 'O3', credit_limit_minor: null },
      { occurred_at: new Date(T0 + 3 * MS_PER_DAY), customer_id: 'C2', event_type: 'OrderCreditReleased', action: 'RELEASE',
        actor: 'ann', reason: null, order_id: 'O3', credit_limit_minor: null },
      { occurred_at: new Date(T0 + 5 * MS_PER_DAY), customer_id: 'C1', event_type: 'CustomerCreditProfile',
        action: 'PROFILE_CHANGE', actor: 'credit-desk', reason: 'annual review', order_id: null, credit_limit_minor: '150000' },
    ]);
  });

  it('ages receivables as of a day from event dates', async () => {
    const aging = async (day: number) =>
      (await rdb.pool.query('SELECT * FROM reporting.ar_aging($1::date) ORDER BY customer_id', [isoFromDay(day)])).rows;
    // Day 25: I1 has 25,000 left (not due until day 31), I2 30,000 not due, I3 voided on day 6.
    expect(await aging(D0 + 25)).toEqual([
      { customer_id: 'C1', currency: 'EUR', current: '25000', d1_30: '0', d31_60: '0', d61_90: '0', d90_plus: '0', total: '25000' },
      { customer_id: 'C2', currency: 'EUR', current: '30000', d1_30: '0', d31_60: '0', d61_90: '0', d90_plus: '0', total: '30000' },
    ]);
    // Day 5: the credit note (day 10) not yet counted, I3 not yet voided.
    expect((await aging(D0 + 5)).map((r) => [r.customer_id, r.total])).toEqual([['C1', '60000'], ['C2', '31000']]);
    // Day 50: I1 settled on day 40; I2 open again after the reversal, 16 days past due.
    expect(await aging(D0 + 50)).toEqual([
      { customer_id: 'C2', currency: 'EUR', current: '0', d1_30: '30000', d31_60: '0', d61_90: '0', d90_plus: '0', total: '30000' },
    ]);
  });

  it('changes nothing when a batch is applied again', async () => {
    await sink(rdb.pool, [ALL_EVENTS, SCENARIO.payments!, SCENARIO.invoices!]);
    expect(await dumpTables(rdb.pool)).toEqual(reference);
  });

  it('ends in the same rows when the topics arrive in the opposite order, one event per batch', async () => {
    await reset();
    const reversedTopics = Object.values(SCENARIO).reverse().flat();
    await sink(rdb.pool, reversedTopics.map((e) => [e]));
    expect(await dumpTables(rdb.pool)).toEqual(reference);
  });

  it('ends in the same rows for any interleaving of the topics and any batch boundaries', async () => {
    const topics = Object.values(SCENARIO);
    // An interleaving keeps each topic's own order (as a partition does) and cuts the stream into batches.
    const schedule = fc.record({
      picks: fc.shuffledSubarray(topics.flatMap((events, t) => events.map(() => t)), { minLength: ALL_EVENTS.length }),
      cuts: fc.array(fc.boolean(), { minLength: ALL_EVENTS.length, maxLength: ALL_EVENTS.length }),
    });
    await fc.assert(
      fc.asyncProperty(schedule, async ({ picks, cuts }) => {
        const next = topics.map(() => 0);
        const batches: SinkEvent[][] = [[]];
        picks.forEach((t, i) => {
          batches.at(-1)!.push(topics[t]![next[t]!++]!);
          if (cuts[i]) batches.push([]);
        });
        await reset();
        await sink(rdb.pool, batches);
        expect(await dumpTables(rdb.pool)).toEqual(reference);
      }),
      { numRuns: 12 },
    );
  });
});

describe('applied offsets', () => {
  beforeEach(reset);

  it('are read back per group and never move back', async () => {
    await withTransaction(rdb.pool, (c) =>
      commitOffsets(c, 'reporting', [
        { topic: 'o2c.orders.v1', partition: 0, nextOffset: '10' },
        { topic: 'o2c.orders.v1', partition: 1, nextOffset: '9007199254740993' },
      ]),
    );
    await withTransaction(rdb.pool, (c) =>
      commitOffsets(c, 'reporting', [
        { topic: 'o2c.orders.v1', partition: 0, nextOffset: '7' }, // a stale instance
        { topic: 'o2c.invoices.v1', partition: 0, nextOffset: '3' },
      ]),
    );
    await withTransaction(rdb.pool, (c) => commitOffsets(c, 'other', [{ topic: 'o2c.orders.v1', partition: 0, nextOffset: '1' }]));
    expect(await readOffsets(rdb.pool, 'reporting')).toEqual([
      { topic: 'o2c.invoices.v1', partition: 0, nextOffset: '3' },
      { topic: 'o2c.orders.v1', partition: 0, nextOffset: '10' },
      { topic: 'o2c.orders.v1', partition: 1, nextOffset: '9007199254740993' },
    ]);
  });

  it('roll back with the batch', async () => {
    await expect(
      withTransaction(rdb.pool, async (c) => {
        await commitOffsets(c, 'reporting', [{ topic: 'o2c.orders.v1', partition: 0, nextOffset: '5' }]);
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    expect(await readOffsets(rdb.pool, 'reporting')).toEqual([]);
  });
});

describe('roles', () => {
  const asRole = (role: string, sql: string) =>
    withTransaction(rdb.owner, async (c) => {
      await c.query(`SET LOCAL ROLE ${role}`);
      return (await c.query(sql)).rows;
    });

  it('lets grafana_reader read reporting and nothing else', async () => {
    await expect(asRole('grafana_reader', 'SELECT count(*)::int AS n FROM reporting.kpi_monthly')).resolves.toBeDefined();
    await expect(asRole('grafana_reader', "INSERT INTO reporting.applied_offsets VALUES ('g', 't', 0, 1)")).rejects.toThrow(
      /permission denied/,
    );
    await expect(asRole('grafana_reader', 'SELECT * FROM o2c_meta.migrations')).rejects.toThrow(/permission denied/);
  });

  it('lets o2c_writer append to the audit log but never change or delete an entry', async () => {
    const entry = `INSERT INTO reporting.audit_log (event_id, occurred_at, customer_id, event_type, action, actor)
                   VALUES (gen_random_uuid(), now(), 'C9', 'CreditActionTaken', 'RELEASE', 'eve')`;
    await expect(asRole('o2c_writer', entry)).resolves.toEqual([]);
    await expect(asRole('o2c_writer', "UPDATE reporting.audit_log SET actor = 'mallory'")).rejects.toThrow(/permission denied/);
    await expect(asRole('o2c_writer', 'DELETE FROM reporting.audit_log')).rejects.toThrow(/permission denied/);
    await expect(asRole('o2c_writer', 'TRUNCATE reporting.audit_log')).rejects.toThrow(/permission denied/);
    await expect(asRole('grafana_reader', 'SELECT count(*) FROM reporting.audit_log')).resolves.toBeDefined();
  });

  it('lets o2c_writer write rows but not change the schema', async () => {
    await expect(asRole('o2c_writer', "INSERT INTO reporting.applied_offsets VALUES ('g', 't', 0, 1)")).resolves.toEqual([]);
    await expect(asRole('o2c_writer', 'CREATE TABLE reporting.x (id int)')).rejects.toThrow(/permission denied/);
  });

  it('records roles with read-only sessions for Grafana', async () => {
    const { rows } = await rdb.pool.query(
      "SELECT rolconfig FROM pg_roles WHERE rolname = 'grafana_reader'",
    );
    expect(rows[0].rolconfig).toEqual(expect.arrayContaining(['default_transaction_read_only=on']));
  });
});

