// The sink handler against a real Postgres, fed records by hand: where it rewinds, what it skips, that rows and
// offsets commit together, that an undecodable record is dead-lettered once however often it is redelivered, and
// that an unreachable server is a TransientError (pause and retry, never the DLQ).
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { PoisonRecordError, TransientError } from '../../../shared/errors.ts';
import type { DeadLetter } from '../../../shared/kafka/dlq.ts';
import type { BatchContext, ConsumedRecord } from '../../../shared/kafka/runner.ts';
import { createLogger } from '../../../shared/logger.ts';
import { createPool } from '../../../shared/pg/pool.ts';
import { Undecodable, type SinkInput } from '../src/adapters/dead-letters.ts';
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

const truncate = () =>
  rdb.owner.query(`TRUNCATE ${[...REPORTING_TABLES, 'applied_offsets'].map((t) => `reporting.${t}`).join(', ')}`);

let metrics: SinkMetrics;
let registry: Registry;
let dlqRecords: Counter<'topic' | 'error_class'>;
/** What the DLQ acknowledged, and whether it is down. */
let sent: DeadLetter[];
let dlqDown: boolean;
beforeEach(async () => {
  await truncate();
  registry = new Registry();
  metrics = createSinkMetrics(registry, 'reporting');
  dlqRecords = new Counter({ name: 'o2c_dlq_records_total', help: 'dead letters', labelNames: ['topic', 'error_class'], registers: [registry] });
  sent = [];
  dlqDown = false;
});

/** The context of a chunk fetched from `fromOffset`. */
const at = (fromOffset: number): BatchContext => ({
  topic: TOPIC, partition: 0, heartbeat: async () => undefined, isRunning: () => true, isStale: () => false,
  fromOffset: String(fromOffset), fromOffsets: { [TOPIC]: String(fromOffset) },
});

/** The orders of the scenario (its own offsets 0..n-1 unless given) as consumed records. */
const records = (offsets: readonly number[], events: readonly SinkInput[] = SCENARIO.orders!): ConsumedRecord<SinkInput>[] =>
  offsets.map((offset, i) => ({
    topic: TOPIC, partition: 0, offset: String(offset), timestamp: 0, key: null, value: null, headers: {}, event: events[i]!,
  }));

/** A record the decoder refused, as the service's decoder hands it over. */
const undecodable = (offset: number): ConsumedRecord<SinkInput> => ({
  topic: TOPIC, partition: 0, offset: String(offset), timestamp: 1_700_000_000_000, key: Buffer.from('C1'),
  value: Buffer.from(`garbage ${offset}`), headers: { trace: 'x' },
  event: new Undecodable(new PoisonRecordError('InvalidMagicByte', 'not the Confluent wire format')),
});

const dlq = {
  async publish(letters: readonly DeadLetter[]) {
    if (dlqDown && letters.length > 0) throw new Error('KafkaJSNumberOfRetriesExceeded');
    sent.push(...letters);
  },
};

const handler = (logStart = 0n, pool = rdb.pool, log = logger) =>
  createSink({ pool, group: GROUP, logStartOffset: async () => logStart, metrics, dlq, dlqRecords, logger: log });

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
    // After the rewind offset 3 is missing (compacted away): not a reason to rewind again.
    await expect(h(records([2, 4, 5]), at(2))).resolves.toBeUndefined();
    expect(await stored()).toEqual(['6']);
    // Fetched from 6, offsets 6 and 7 compacted away: Kafka and Postgres agree on where the chunk starts.
    await expect(h(records([8]), at(6))).resolves.toBeUndefined();
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

  it('rewinds a partition whose database was truncated while it ran', async () => {
    const h = handler();
    await h(records([0, 1, 2]), at(0));
    await truncate();
    // The same process, the same assignment: the next chunk finds Postgres empty and rebuilds from the log start.
    await expect(h(records([3, 4], SCENARIO.orders!.slice(3)), at(3))).resolves.toEqual({ seekTo: '0' });
    expect(await stored()).toEqual([]);
  });

  it('rewinds a partition assigned back to it with group offsets ahead of Postgres', async () => {
    const h = handler();
    await h(records([0, 1, 2]), at(0));
    // Meanwhile another instance had the partition and the group committed 7, but Postgres (restored from a
    // backup) says 3: this process handled the partition before, yet must rewind it now.
    await expect(h(records([7, 8]), at(7))).resolves.toEqual({ seekTo: '3' });
    expect(await stored()).toEqual(['3']);
  });

  it('dead-letters an undecodable record in the transaction that moves past it, and never again', async () => {
    const h = handler();
    const orders = SCENARIO.orders!;
    const chunk = [...records([0, 1], orders.slice(0, 2)), undecodable(2), ...records([3], orders.slice(2, 3)), undecodable(4)];
    await expect(h(chunk, at(0))).resolves.toBeUndefined();
    // The trailing letter moves the offset too: Postgres knows the sink is done with it.
    expect(await stored()).toEqual(['5']);
    expect(sent.map((l) => [l.offset, l.error.errorClass, l.value?.toString(), l.key?.toString(), l.timestamp])).toEqual([
      ['2', 'InvalidMagicByte', 'garbage 2', 'C1', '1700000000000'],
      ['4', 'InvalidMagicByte', 'garbage 4', 'C1', '1700000000000'],
    ]);
    expect(sent[0]).toMatchObject({ topic: TOPIC, partition: 0, headers: { trace: 'x' } });
    expect(await counter('o2c_dlq_records_total')).toBe(2);

    // Redelivered after a crash before Kafka's commit, and again from further back: nothing is sent twice.
    await expect(h(chunk, at(0))).resolves.toBeUndefined();
    await expect(handler()(chunk.slice(2), at(2))).resolves.toBeUndefined();
    expect(sent.map((l) => l.offset)).toEqual(['2', '4']);
    expect(await counter('o2c_dlq_records_total')).toBe(2);

    // A chunk of letters only advances the offset as well.
    await h([undecodable(5)], at(5));
    expect(await stored()).toEqual(['6']);
    expect(sent.map((l) => l.offset)).toEqual(['2', '4', '5']);
  });

  it('logs each dead letter at warn, where it came from and why, without its bytes', async () => {
    const lines: string[] = [];
    const log = createLogger('sink-test', { level: 'info', destination: { write: (line: string) => lines.push(line) } });
    await handler(0n, rdb.pool, log)([...records([0]), undecodable(1), undecodable(2)], at(0));
    const letters = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'poison record sent to the DLQ');
    expect(letters).toEqual([1, 2].map((offset) => expect.objectContaining({
      level: 'warn', topic: TOPIC, partition: 0, offset: String(offset), errorClass: 'InvalidMagicByte',
    })));
    expect(lines.join('')).not.toMatch(/garbage/);
    expect(await counter('o2c_dlq_records_total')).toBe(2);
  });

  it('commits nothing while the DLQ is down, then sends each letter once', async () => {
    const h = handler();
    const chunk = [...records([0]), undecodable(1)];
    dlqDown = true;
    await expect(h(chunk, at(0))).rejects.toBeInstanceOf(TransientError);
    expect(await stored()).toEqual([]);
    expect(await counter('o2c_reporting_rows_written_total')).toBe(0);
    dlqDown = false;
    await expect(h(chunk, at(0))).resolves.toBeUndefined();
    expect(await stored()).toEqual(['2']);
    expect(sent.map((l) => l.offset)).toEqual(['1']);
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
