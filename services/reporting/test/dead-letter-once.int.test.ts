// Dead letters are effectively-once: undecodable records in the middle and at the very end of partitions go to the
// DLQ once, in the transaction that moves Postgres' offset past them, and a full redelivery (Kafka forgot the
// group's position, as after a crash before its commit) sends none of them again.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DlqHeaders } from '../../../shared/kafka/dlq.ts';
import { produce, uniqueId, waitForMessages, waitUntil } from '../../../test/kafka.ts';
import { getStack, type Stack } from '../../../test/stack.ts';
import type { ReportingService } from '../src/service.ts';
import {
  dlqCount, endOffsets, fatalErrors, metricSum, PARTITIONS, produceStream, sinkEnv, sinkTopics, startSink,
  waitForSinkAt, resetGroupToEarliest, type SinkTopics } from './sink-stack.ts';
import { buildStream, streamEvents } from './stream.ts';
import { dumpTables, reportingDatabase, sink, type ReportingDb } from './support.ts';

let stack: Stack;
let t: SinkTopics;
let rdb: ReportingDb;
const services: ReportingService[] = [];

beforeAll(async () => {
  stack = await getStack();
  t = await sinkTopics(stack);
  rdb = await reportingDatabase();
});

afterAll(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
  await rdb?.close();
  await t?.drop();
});

/** One record that is not the Confluent wire format on every partition of `topic`. */
async function producePoison(topic: string, tag: string): Promise<void> {
  const partitions = [...Array(PARTITIONS).keys()];
  await produce(t.kafka, topic, partitions.map((partition) => ({ partition, key: `poison-${tag}`, value: `not avro ${tag}` })));
}

it('dead-letters each undecodable record once, however often Kafka redelivers it', async () => {
  const firstHalf = buildStream(10);
  const secondHalf = buildStream(10, 10);
  await produceStream(t, firstHalf);
  await producePoison(t.topics.ORDERS.name, 'middle'); // followed by more orders
  await produceStream(t, secondHalf);
  await producePoison(t.topics.INVOICES.name, 'last'); // the last record of its partitions
  const ends = await endOffsets(t);
  const letters = 2 * PARTITIONS;
  const records = Number([...ends.values()].reduce((a, b) => a + b, 0n));

  const group = uniqueId('reporting');
  const env = sinkEnv(stack, t, rdb.db.url, group);
  const first = await startSink(env);
  services.push(first);
  // Postgres' offsets reach the end even where a dead letter is the last record.
  await waitForSinkAt(rdb.pool, group, ends);
  expect(await metricSum(first.httpPort!, 'o2c_dlq_records_total')).toBe(letters);
  await services.splice(0)[0]!.stop();

  // Kafka forgets the group's position; Postgres keeps it.
  await resetGroupToEarliest(t, group);
  const again = await startSink(env);
  services.push(again);
  await waitUntil(
    async () => (await metricSum(again.httpPort!, 'o2c_records_consumed_total')) === records,
    'every record to be redelivered',
    60_000,
  );
  expect(await metricSum(again.httpPort!, 'o2c_reporting_records_skipped_total')).toBe(records);
  expect(await metricSum(again.httpPort!, 'o2c_dlq_records_total')).toBe(0);
  expect(await dlqCount(t)).toBe(letters);

  const dlq = await waitForMessages(t.kafka, t.topics.DLQ.name, letters);
  const sources = dlq.map((m) => [m.headers[DlqHeaders.SOURCE_TOPIC]?.toString(), m.value?.toString()].join(' '));
  expect(sources.sort()).toEqual([
    ...Array<string>(PARTITIONS).fill(`${t.topics.INVOICES.name} not avro last`),
    ...Array<string>(PARTITIONS).fill(`${t.topics.ORDERS.name} not avro middle`),
  ].sort());

  const direct = await reportingDatabase();
  try {
    await sink(direct.pool, [streamEvents(firstHalf), streamEvents(secondHalf)]);
    expect(await dumpTables(rdb.pool)).toEqual(await dumpTables(direct.pool));
  } finally {
    await direct.close();
  }
  expect(fatalErrors).toEqual([]);
});
