// The reporting service on the real stack: its rows are exactly what toRowOps and the writer give for the events it
// consumed; a redelivery of everything changes nothing; a new empty database with the same group is rebuilt from
// the start of the topics, and so is one truncated under the running sink; Postgres going away mid-stream pauses the
// sink, which resumes by itself.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { POISON_CLASSES } from '../../../shared/errors.ts';
import { RUNNER_STAGES } from '../../../shared/metrics.ts';
import { createPool, type Pool } from '../../../shared/pg/pool.ts';
import { createTempDatabase, type TempDatabase } from '../../../shared/pg/testing.ts';
import { uniqueId, waitUntil } from '../../../test/kafka.ts';
import { getStack, type Stack } from '../../../test/stack.ts';
import type { ReportingService } from '../src/service.ts';
import {
  dlqCount, endOffsets, fatalErrors, metricSeries, metricSum, produceStream, sinkEnv, sinkTopics, startSink, totals, waitForSinkAt,
  resetGroupToEarliest, type SinkTopics } from './sink-stack.ts';
import { buildStream, streamEvents } from './stream.ts';
import { closePool, dumpTables, REPORTING_TABLES, reportingDatabase, sink, type ReportingDb } from './support.ts';

const CUSTOMERS = 40;
const stream = buildStream(CUSTOMERS);
const EVENTS = streamEvents(stream).length;

let stack: Stack;
let t: SinkTopics;
let reference: Record<string, string[]>;
let referenceTotals: Record<string, string>;
let ends: Map<string, bigint>;
const services: ReportingService[] = [];
const databases: TempDatabase[] = [];
const pools: Pool[] = [];

/** A fresh empty database (the service migrates it) and a pool onto it for the test's reads. */
async function emptyDatabase(): Promise<{ url: string; pool: Pool }> {
  const db = await createTempDatabase();
  databases.push(db);
  const pool = createPool(db.url);
  pools.push(pool);
  return { url: db.url, pool };
}

async function start(env: Record<string, string>): Promise<ReportingService> {
  const service = await startSink(env);
  services.push(service);
  return service;
}

async function stop(service: ReportingService): Promise<void> {
  services.splice(services.indexOf(service), 1);
  await service.stop();
}

/** The sink left exactly the rows the writer gives when handed the streams directly, in order. */
async function expectRowsOfDirectWrite(pool: Pool, streams: ReadonlyArray<ReturnType<typeof buildStream>>): Promise<void> {
  const rdb = await reportingDatabase();
  try {
    await sink(rdb.pool, streams.map((st) => streamEvents(st)));
    expect(await dumpTables(pool)).toEqual(await dumpTables(rdb.pool));
  } finally {
    await rdb.close();
  }
}

beforeAll(async () => {
  stack = await getStack();
  t = await sinkTopics(stack);
  await produceStream(t, stream);
  ends = await endOffsets(t);
  // The same events applied directly, in one batch: what the sink must end with.
  const rdb: ReportingDb = await reportingDatabase();
  try {
    await sink(rdb.pool, [streamEvents(stream)]);
    reference = await dumpTables(rdb.pool);
    referenceTotals = await totals(rdb.pool);
  } finally {
    await rdb.close();
  }
});

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
  expect(fatalErrors).toEqual([]);
});

afterAll(async () => {
  await Promise.all(pools.splice(0).map(closePool));
  await Promise.all(databases.splice(0).map((d) => d.drop()));
  await t?.drop();
});

describe('reporting service', () => {
  it('writes the rows toRowOps and the writer give for every event of the eleven topics', async () => {
    expect(ends.size).toBe(11 * 3); // every input topic has events on every partition
    const { url, pool } = await emptyDatabase();
    const group = uniqueId('reporting');
    const service = await start(sinkEnv(stack, t, url, group));
    await waitForSinkAt(pool, group, ends);

    expect(await dumpTables(pool)).toEqual(reference);
    expect(await totals(pool)).toEqual(referenceTotals);
    expect(await dlqCount(t)).toBe(0);
    expect(await metricSum(service.httpPort!, 'o2c_records_consumed_total')).toBe(EVENTS);
    expect(await metricSum(service.httpPort!, 'o2c_reporting_rows_written_total')).toBeGreaterThan(0);
    expect(await metricSum(service.httpPort!, 'o2c_reporting_committed_offset')).toBe(
      Number([...ends.values()].reduce((a, b) => a + b, 0n)),
    );
  });

  it('shows its dead letters and other labelled counters at zero before the first one', async () => {
    const { url } = await emptyDatabase();
    // Topics of their own, empty: nothing is consumed, so every series there is the initial one.
    const empty = await sinkTopics(stack);
    try {
      const service = await start(sinkEnv(stack, empty, url, uniqueId('reporting')));
      const series = (name: string) => metricSeries(service.httpPort!, name);
      const zeros = (labels: string[][]) => new Map(labels.map((l) => [l.sort().join(','), 0]));
      const perTopic = (label: string, values: readonly string[]) =>
        empty.inputs.flatMap((topic) => values.map((v) => [`topic="${topic}"`, `${label}="${v}"`]));
      expect(await series('o2c_dlq_records_total')).toEqual(zeros(perTopic('error_class', POISON_CLASSES)));
      expect(await series('o2c_transient_errors_total')).toEqual(zeros(perTopic('stage', RUNNER_STAGES)));
      for (const name of ['o2c_records_consumed_total', 'o2c_reporting_rows_written_total', 'o2c_reporting_records_skipped_total']) {
        expect(await series(name), name).toEqual(zeros(empty.inputs.map((topic) => [`topic="${topic}"`])));
      }
    } finally {
      await Promise.all(services.splice(0).map((s) => s.stop()));
      await empty.drop();
    }
  });

  it('skips every record of a full redelivery: same rows, same offsets, nothing written', async () => {
    const { url, pool } = await emptyDatabase();
    const group = uniqueId('reporting');
    const env = sinkEnv(stack, t, url, group);
    const s1 = await start(env);
    await waitForSinkAt(pool, group, ends);
    await stop(s1);
    const offsetsBefore = (await pool.query('SELECT * FROM reporting.applied_offsets ORDER BY 1, 2, 3')).rows;

    // Kafka forgets the group's position; Postgres still has it.
    await resetGroupToEarliest(t, group);
    const again = await start(env);
    await waitUntil(
      async () => (await metricSum(again.httpPort!, 'o2c_reporting_records_skipped_total')) === EVENTS,
      'every redelivered record to be skipped',
    );

    expect(await metricSum(again.httpPort!, 'o2c_reporting_rows_written_total')).toBe(0);
    expect((await pool.query('SELECT * FROM reporting.applied_offsets ORDER BY 1, 2, 3')).rows).toEqual(offsetsBefore);
    expect(await dumpTables(pool)).toEqual(reference);
  });

  it('rebuilds an empty database from the start of the topics with the group that already read them', async () => {
    const first = await emptyDatabase();
    const group = uniqueId('reporting');
    const s1 = await start(sinkEnv(stack, t, first.url, group));
    await waitForSinkAt(first.pool, group, ends);
    await stop(s1);

    const second = await emptyDatabase();
    await start(sinkEnv(stack, t, second.url, group));
    await waitForSinkAt(second.pool, group, ends);

    expect(await dumpTables(second.pool)).toEqual(await dumpTables(first.pool));
    expect(await dumpTables(second.pool)).toEqual(reference);
  });

  it('rebuilds a database truncated while it runs, without a restart', async () => {
    const topics = await sinkTopics(stack);
    try {
      const { url, pool } = await emptyDatabase();
      const group = uniqueId('reporting');
      const firstHalf = buildStream(CUSTOMERS / 2);
      const secondHalf = buildStream(CUSTOMERS, CUSTOMERS / 2);
      await start(sinkEnv(stack, topics, url, group));
      await produceStream(topics, firstHalf);
      const before = await endOffsets(topics);
      await waitForSinkAt(pool, group, before);

      // The rows and offsets go; the running sink has handled every partition already.
      await pool.query(`TRUNCATE ${[...REPORTING_TABLES, 'applied_offsets'].map((n) => `reporting.${n}`).join(', ')}`);
      await produceStream(topics, secondHalf);
      const after = await endOffsets(topics);
      // Every partition gets new records, the only thing a partition can react to.
      expect([...before].filter(([k, end]) => after.get(k)! <= end)).toEqual([]);
      await waitForSinkAt(pool, group, after);

      await expectRowsOfDirectWrite(pool, [firstHalf, secondHalf]);
    } finally {
      await Promise.all(services.splice(0).map((s) => s.stop()));
      await topics.drop();
    }
  });

  it('pauses while Postgres is unreachable and resumes by itself, with nothing dead-lettered', async () => {
    const topics = await sinkTopics(stack);
    const proxy = new TcpProxy(new URL(stack.databaseUrl));
    try {
      const { url, pool } = await emptyDatabase();
      const viaProxy = new URL(url);
      viaProxy.host = `127.0.0.1:${await proxy.open()}`;
      const group = uniqueId('reporting');
      const firstHalf = buildStream(CUSTOMERS / 2);
      const secondHalf = buildStream(CUSTOMERS / 2, CUSTOMERS / 2);
      const service = await start(sinkEnv(stack, topics, viaProxy.toString(), group));

      await produceStream(topics, firstHalf);
      await waitForSinkAt(pool, group, await endOffsets(topics));

      // Postgres goes away: the sink's connections are cut and new ones refused.
      await proxy.close();
      await produceStream(topics, secondHalf);
      await waitUntil(
        async () => (await metricSum(service.httpPort!, 'o2c_transient_errors_total')) >= 3,
        'the sink to fail and retry against the unreachable Postgres',
      );
      await proxy.open();
      await waitForSinkAt(pool, group, await endOffsets(topics));

      await expectRowsOfDirectWrite(pool, [firstHalf, secondHalf]);
      expect(await dlqCount(topics)).toBe(0);
      expect(await metricSum(service.httpPort!, 'o2c_dlq_records_total')).toBe(0);
    } finally {
      await proxy.close();
      await Promise.all(services.splice(0).map((s) => s.stop()));
      await topics.drop();
    }
  });
});

/** A TCP forwarder in front of Postgres that can be cut and restored, so no test stops the machine's server. */
class TcpProxy {
  private server: Server | undefined;
  private port = 0;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target: URL) {}

  /** Listens (again, on the same port after a close); resolves with the port. */
  async open(): Promise<number> {
    const server = createServer((client) => {
      const upstream = connect({ host: this.target.hostname, port: Number(this.target.port || 5432) });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  /** Cuts every connection and refuses new ones. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
