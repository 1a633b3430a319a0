import { Partitioners, type Kafka } from 'kafkajs';
import type { Pool } from '../../../shared/pg/pool.ts';
import { reportingDatabaseEnv } from './support.ts';
import type { EventSerde } from '../../../shared/contracts/serde.ts';
import { topicRegistry, type TopicRegistry } from '../../../shared/contracts/topics.ts';
import { reportingInputs } from '../src/service.ts';
import { prepareContracts } from '../../../shared/kafka/admin.ts';
import { createLogger } from '../../../shared/logger.ts';
import { deleteTopics, testKafka, uniqueId, waitUntil } from '../../../test/kafka.ts';
import type { Stack } from '../../../test/stack.ts';
import { loadReportingConfig } from '../src/config.ts';
import { ReportingService } from '../src/service.ts';
import { specOf, type Stream, type StreamTopic } from './stream.ts';

// The sink's stack tests share this: topics of their own under a unique prefix, the stream produced keyed by
// customer, the service in-process or its environment for a child process, and waits on what Postgres committed.

export const PARTITIONS = 3;

export interface SinkTopics {
  prefix: string;
  topics: TopicRegistry;
  kafka: Kafka;
  serde: EventSerde;
  /** The input topics' names. */
  inputs: string[];
  drop(): Promise<void>;
}

export async function sinkTopics(stack: Stack): Promise<SinkTopics> {
  const prefix = `${uniqueId('rep')}.`;
  const topics = topicRegistry(prefix);
  const kafka = testKafka(stack);
  const { serde } = await prepareContracts({ kafka, registry: stack.schemaRegistryUrl, topics, partitions: PARTITIONS });
  const inputs = reportingInputs(topics).map((t) => t.name);
  return { prefix, topics, kafka, serde, inputs, drop: () => deleteTopics(kafka, Object.values(topics).map((t) => t.name)) };
}

/** Produces each topic's events in order, keyed by customerId with the Java client's partitioner, as our producers do. */
export async function produceStream(t: SinkTopics, stream: Partial<Stream>): Promise<void> {
  const producer = t.kafka.producer({
    idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    for (const [topic, events] of Object.entries(stream) as Array<[StreamTopic, Stream[StreamTopic]]>) {
      const spec = specOf(t.topics, topic);
      const messages = await Promise.all(events.map(async (e) => ({ key: e.customerId, value: await t.serde.encode(spec, e) })));
      await producer.send({ topic: spec.name, messages, acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * The environment the service reads, pointed at the test's topics and database (`databaseUrl`, as its owner): the
 * sink writes as o2c_writer, the owner only migrates, with the development role passwords.
 */
export function sinkEnv(stack: Stack, t: SinkTopics, databaseUrl: string, groupId: string, extra: Record<string, string> = {}) {
  return {
    ...stack.env,
    ...reportingDatabaseEnv(databaseUrl),
    O2C_TOPIC_PREFIX: t.prefix,
    KAFKA_GROUP_ID: groupId,
    KAFKA_PARTITIONS: String(PARTITIONS),
    KAFKA_CLIENT_ID: groupId,
    KAFKA_FETCH_MAX_WAIT_MS: '100',
    HTTP_PORT: '0',
    ...extra,
  };
}

/** Consumer crashes kafkajs would not restart from, in any sink started here: a test expects none. */
export const fatalErrors: Error[] = [];

export async function startSink(env: Record<string, string>): Promise<ReportingService> {
  const service = new ReportingService({
    config: loadReportingConfig(env),
    logger: createLogger('reporting-test'),
    onFatal: (error) => fatalErrors.push(error),
  });
  await service.start();
  return service;
}

/** Every topic-partition's end offset: where the sink's committed offsets must arrive. */
export async function endOffsets(t: SinkTopics): Promise<Map<string, bigint>> {
  const admin = t.kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, bigint>();
    for (const topic of t.inputs) {
      for (const o of await admin.fetchTopicOffsets(topic)) {
        if (o.high !== '0') ends.set(`${topic}:${o.partition}`, BigInt(o.high));
      }
    }
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/** Resolves once Postgres holds, for `group`, exactly the end offset of every non-empty input partition. */
export async function waitForSinkAt(pool: Pool, group: string, ends: ReadonlyMap<string, bigint>, timeoutMs = 90_000): Promise<void> {
  let seen = '';
  await waitUntil(async () => {
    const { rows } = await pool
      .query<{ topic: string; partition: number; next_offset: string }>(
        'SELECT topic, partition, next_offset FROM reporting.applied_offsets WHERE consumer_group = $1',
        [group],
      )
      .catch(() => ({ rows: [] }));
    const at = new Map(rows.map((r) => [`${r.topic}:${r.partition}`, BigInt(r.next_offset)]));
    seen = [...ends].map(([k, end]) => `${k}=${at.get(k) ?? '-'}/${end}`).join(' ');
    return [...ends].every(([k, end]) => at.get(k) === end);
  }, `the sink to commit every end offset (${seen})`, timeoutMs);
}

/** Records on the DLQ topic. */
/** Makes Kafka forget the group's position on every input topic; Postgres keeps its own. */
export async function resetGroupToEarliest(t: SinkTopics, groupId: string): Promise<void> {
  const admin = t.kafka.admin();
  await admin.connect();
  try {
    for (const topic of t.inputs) await admin.resetOffsets({ groupId, topic, earliest: true });
  } finally {
    await admin.disconnect();
  }
}

export async function dlqCount(t: SinkTopics): Promise<number> {
  const admin = t.kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(t.topics.DLQ.name);
    return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The series of a metric in the service's /metrics, as `label="value",...` (the service label left out) -> value. */
export async function metricSeries(port: number, name: string): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    const labels = m[2]!.split(',').filter((l) => !l.startsWith('service=')).sort().join(',');
    series.set(labels, Number(m[3]));
  }
  return series;
}

/** A sample of the service's /metrics: the value of a series, summed over its labels. */
export async function metricSum(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** Counts and money sums per table: what "equal to an uninterrupted run" is checked on, besides the full dump. */
export async function totals(pool: Pool): Promise<Record<string, string>> {
  const { rows } = await pool.query<Record<string, string>>(`SELECT
    (SELECT count(*) FROM reporting.customers) AS customers,
    (SELECT count(*) || '/' || coalesce(sum(amount_minor), 0) FROM reporting.orders) AS orders,
    (SELECT count(*) || '/' || coalesce(sum(amount_minor), 0) || '/' || coalesce(sum(open_minor), 0) FROM reporting.invoices) AS invoices,
    (SELECT count(*) || '/' || coalesce(sum(amount_minor), 0) FROM reporting.payments) AS payments,
    (SELECT count(*) || '/' || coalesce(sum(amount_minor), 0) FROM reporting.payment_allocations) AS allocations,
    (SELECT count(*) FROM reporting.credit_events) AS credit_events,
    (SELECT count(*) FROM reporting.delinquency_events) AS delinquency_events,
    (SELECT count(*) || '/' || coalesce(sum(exposure_minor), 0) FROM reporting.exposure_history) AS exposure_history`);
  return rows[0]!;
}
