// The sink handler against a real Postgres, fed records by hand: where it rewinds, what it skips, that rows and
// offsets commit together, and that an unreachable server is a TransientError (pause and retry, never the DLQ).
import { Registry } from 'prom-client';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../../shared/errors.ts';
import type { BatchContext, ConsumedRecord } from '../../../shared/kafka/runner.ts';
import { createLogger } from '../../../shared/logger.ts';
import { createPool } from '../../../shared/pg/pool.ts';
import { createSinkMetrics, type SinkMetrics } from '../src/adapters/metrics.ts';
import { readOffsets } from '../src/adapters/pg-writer.ts';
import { createSink } from '../src/adapters/sink.ts';
import type { SinkEvent } from '../src/domain/to-row-ops.ts';
import { SCENARIO } from './scenario.ts';
import { dumpTables, REPORTING_TABLES, reportingDatabase, sink, type ReportingDb } from './support.ts';

const TOPIC = 'o2c.orders.v1';
const GROUP = 'reporting';
const logger = createLogger('sink-test');
const rdb: ReportingDb = await reportingDatabase();
afterAll(() => rdb.close());

let metrics: SinkMetrics;
let registry: Registry;
beforeEach(async () => {
  await rdb.pool.query(`TRUNCATE ${[...REPORTING_TABLES, 'applied_offsets'].map((t) => `reporting.${t}`).join(', ')}`);
  registry = new Registry();
  metrics = createSinkMetrics(registry, 'reporting');
});

/** The context of a chunk fetched from `fromOffset`. */
const at = (fromOffset: number): BatchContext => ({
  topic: TOPIC, partition: 0, heartbeat: async () => undefined, isRunning: () => true, isStale: () => false,
  fromOffset: String(fromOffset),
});

/** The orders of the scenario (its own offsets 0..n-1 unless given) as consumed records. */
const records = (offsets: readonly number[], events: readonly SinkEvent[] = SCENARIO.orders!): ConsumedRecord<SinkEvent>[] =>
  offsets.map((offset, i) => ({
    topic: TOPIC, partition: 0, offset: String(offset), timestamp: 0, key: null, value: null, headers: {}, event: events[i]!,
  }));

const handler = (logStart = 0n, pool = rdb.pool) =>
  createSink({ pool, group: GROUP, logStartOffset: async () => logStart, metrics, logger });

const stored = async () => (await readOffsets(rdb.pool, GROUP)).map((o) => o.nextOffset);
const counter = async (name: string) => (await registry.getSingleMetric(name)!.get()).values.reduce((s, v) => s + v.value, 0);

describe('sink', () => {
  it('commits the rows and the next offset of a batch together', async () => {
    const orders = SCENARIO.orders!;
    await expect(handler()(records(orders.map((_, i) => i)), at(0))).resolves.toBeUndefined();
    expect(await stored()).toEqual([String(orders.length)]);

    const direct = await reportingDatabase();
    try {
      await sink(direct.pool, [orders]);
      expect(await dumpTables(rdb.pool)).toEqual(await dumpTables(direct.pool));
    } finally {
      await direct.close();
    }
  });

  it('skips the records below the stored offset, so a redelivery writes nothing twice', async () => {
    const h = handler();
    const orders = SCENARIO.orders!;
    await h(records([0, 1, 2], orders.slice(0, 3)), at(0));
    // Redelivered from offset 1 after a crash before Kafka's commit: 1 and 2 are skipped, 3 to 5 applied.
    await h(records([1, 2, 3, 4, 5], orders.slice(1, 6)), at(1));
    expect(await stored()).toEqual(['6']);
    expect(await counter('o2c_reporting_records_skipped_total')).toBe(2);
    const afterOnce = await dumpTables(rdb.pool);
    await h(records([0, 1, 2, 3, 4, 5], orders), at(0));
    expect(await counter('o2c_reporting_records_skipped_total')).toBe(8);
    expect(await dumpTables(rdb.pool)).toEqual(afterOnce);
  });

  it('rewinds an empty database to the log start, then takes the next records whatever their gaps', async () => {
    const h = handler(2n);
    // Kafka resumed at 4 from the group's committed offset; Postgres has nothing: rebuild from the log start, 2.
    await expect(h(records([4, 5]), at(4))).resolves.toEqual({ seekTo: '2' });
    expect(await stored()).toEqual([]);
    // After the rewind offset 3 is missing (compacted, or dead-lettered by the runner): not a reason to rewind again.
    await expect(h(records([2, 4, 5]), at(2))).resolves.toBeUndefined();
    expect(await stored()).toEqual(['6']);
    // Offsets 6 and 7 were dead-lettered after that chunk: Postgres still says 6, Kafka goes on from 8.
    await expect(h(records([8]), at(8))).resolves.toBeUndefined();
    expect(await stored()).toEqual(['9']);
  });

  it('rewinds to the stored offset when Kafka resumed beyond it, once', async () => {
    await handler()(records([0, 1, 2]), at(0));
    // A new process: Kafka is at 7 (e.g. the database was restored from an older backup).
    const h = handler();
    await expect(h(records([7, 8]), at(7))).resolves.toEqual({ seekTo: '3' });
    // Fetched from 3, the first record is 5: 3 and 4 were compacted away or dead-lettered.
    await expect(h(records([5, 6]), at(3))).resolves.toBeUndefined();
    expect(await stored()).toEqual(['7']);
  });

  it('does not rewind over records missing at the stored offset when Kafka fetched from there', async () => {
    await handler()(records([0, 1, 2]), at(0));
    await expect(handler()(records([6, 7]), at(3))).resolves.toBeUndefined();
    expect(await stored()).toEqual(['8']);
  });

  it('starts from the log start when retention deleted records it never applied', async () => {
    await handler()(records([0]), at(0));
    await expect(handler(10n)(records([12]), at(12))).resolves.toEqual({ seekTo: '10' });
  });

  it('throws a TransientError while Postgres is unreachable, and commits nothing', async () => {
    const url = new URL(rdb.db.url);
    url.port = '1'; // nothing listens there
    const down = createPool(url.toString(), { connectionTimeoutMillis: 2_000 });
    try {
      await expect(handler(0n, down)(records([0, 1]), at(0))).rejects.toBeInstanceOf(TransientError);
    } finally {
      await down.end();
    }
    expect(await stored()).toEqual([]);
    expect(await counter('o2c_reporting_rows_written_total')).toBe(0);
  });
});
