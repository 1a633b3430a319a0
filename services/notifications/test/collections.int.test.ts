// Promises to pay through the chain on the real stack (issue 17): a collector's PromiseToPay on o2c.collections.v1,
// the notifications service judging it against the payments and the business-date ticks, its outcome on
// o2c.promise-outcomes.v1, the reporting service sinking promise and outcome into Postgres, and the collections
// worklist putting the account whose promise was broken before one with a larger expected loss. The outcomes in
// Postgres are those of the core driven directly over the same history (NotificationReplay).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/logger.ts';
import { createPool, type Pool } from '../../../shared/pg/pool.ts';
import { createTempDatabase, type TempDatabase } from '../../../shared/pg/testing.ts';
import { isoFromDay } from '../../../shared/time.ts';
import { waitUntil } from '../../../test/kafka.ts';
import { getStack } from '../../../test/stack.ts';
import type { ReportingService } from '../../reporting/src/service.ts';
import { startSink } from '../../reporting/test/sink-stack.ts';
import { reportingDatabaseEnv } from '../../reporting/test/support.ts';
import { loadNotificationsConfig } from '../src/config.ts';
import { defaultPolicy, NotificationReplay, type StreamEvent } from '../src/domain/index.ts';
import { NotificationsService } from '../src/service.ts';
import { issued, paid, profile, promised, resetIds, ticks } from './fixtures.ts';
import { openSandbox, produceEvents, sandboxRecords, type Sandbox } from './real-stack.ts';

const PARTITIONS = 2;

function history(): StreamEvent[] {
  resetIds();
  const events: StreamEvent[] = [
    profile('BIG', '2026-01-01'),
    profile('SMALL', '2026-01-01'),
    issued('BIG', 'BIG-1', '2026-01-02', '2026-01-20', 2_000_00), // the larger expected loss...
    issued('SMALL', 'SMALL-1', '2026-01-02', '2026-01-20', 500_00),
    promised('BIG', 'PTP-BIG', '2026-01-22', '2026-01-28', 300_00), // ...promised 300 by the 28th and paid it on the 27th
    paid('BIG', 'PAY-BIG', '2026-01-27', [['BIG-1', 300_00]]),
    promised('SMALL', 'PTP-SMALL', '2026-01-22', '2026-01-28', 500_00), // SMALL promised 500 by the 28th: nothing came
    ...ticks('2026-01-15', '2026-02-02'),
  ];
  return events.map((e, i) => [e, i] as const).sort(([a, i], [b, j]) => a.occurredAt - b.occurredAt || i - j).map(([e]) => e);
}

const events = history();
const replay = new NotificationReplay(defaultPolicy);
replay.pushAll(events);

let box: Sandbox;
let db: TempDatabase;
let pool: Pool;
let notifications: NotificationsService | undefined;
let reporting: ReportingService | undefined;

beforeAll(async () => {
  box = await openSandbox(await getStack(), 'collections-int', PARTITIONS);
  db = await createTempDatabase();
  pool = createPool(db.url);
  await produceEvents(box, sandboxRecords(box, events, PARTITIONS));
  notifications = new NotificationsService({
    config: loadNotificationsConfig(box.env),
    logger: createLogger('collections-int', { level: 'silent' }),
    onFatal: (e) => {
      throw e;
    },
  });
  await notifications.start();
  const group = `${box.groupId}-reporting`;
  reporting = await startSink({ ...box.env, ...reportingDatabaseEnv(db.url), KAFKA_GROUP_ID: group, KAFKA_CLIENT_ID: group });
  // Everything in: both promises with their outcomes, both invoices, the payment (the topics arrive at their own pace).
  await waitUntil(async () => {
    const { rows } = await pool.query(`
      SELECT (SELECT count(*) FROM reporting.promises_to_pay WHERE outcome IS NOT NULL AND recorded_at IS NOT NULL)::int AS promises,
             (SELECT count(*) FROM reporting.invoices)::int AS invoices, (SELECT count(*) FROM reporting.payments)::int AS payments`)
      .catch(() => ({ rows: [{ promises: 0, invoices: 0, payments: 0 }] }));
    return rows[0].promises === 2 && rows[0].invoices === 2 && rows[0].payments === 1;
  }, 'the promises, their outcomes, the invoices and the payment in Postgres', 180_000);
}, 300_000);

afterAll(async () => {
  await notifications?.stop();
  await reporting?.stop();
  await pool?.end();
  await db?.drop();
  await box?.close();
});

describe('promises to pay from the collector to the worklist', () => {
  it("lands each promise with who recorded it and the outcome the core gives: BIG's kept, SMALL's broken", async () => {
    const { rows } = await pool.query(`
      SELECT customer_id, promise_id, amount_minor::int AS amount, recorded_by, recorded_by_role, outcome, paid_minor::int AS paid,
             to_char(outcome_date, 'YYYY-MM-DD') AS outcome_date
      FROM reporting.promises_to_pay ORDER BY customer_id`);
    const expected = replay.outcomes.map((o) => ({
      customer_id: o.customerId, promise_id: o.promiseId, amount: o.amount, recorded_by: 'collector.anna', recorded_by_role: 'CREDIT_CONTROLLER',
      outcome: o.kind === 'PromiseKept' ? 'KEPT' : 'BROKEN', paid: o.paid, outcome_date: isoFromDay(o.asOfDate),
    })).sort((a, b) => a.customer_id.localeCompare(b.customer_id));
    expect(rows).toEqual(expected);
    expect(rows.map((r) => `${r.customer_id} ${r.outcome} ${r.outcome_date}`)).toEqual(['BIG KEPT 2026-01-27', 'SMALL BROKEN 2026-01-29']);
  });

  it('ranks SMALL, whose promise was broken, before BIG, whose expected loss is larger', async () => {
    const { rows } = await pool.query(`
      SELECT rank, customer_id, expected_loss::float8 AS expected_loss, broken_promise, to_char(last_broken_promise_date, 'YYYY-MM-DD') AS broken
      FROM reporting.collections_worklist ORDER BY rank`);
    expect(rows.map((r) => [r.rank, r.customer_id, r.broken_promise, r.broken])).toEqual([
      [1, 'SMALL', true, '2026-01-28'],
      [2, 'BIG', false, null],
    ]);
    expect(rows[1].expected_loss).toBeGreaterThan(rows[0].expected_loss);
  });
});
