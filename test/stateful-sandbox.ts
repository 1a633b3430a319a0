// Helpers for the tests of the stateful services that read invoices, payments and customers (delinquency, scoring)
// on the real stack: a private set of topics, Redis keys and group per test, the service's environment for them,
// producing events through the serde, waiting until the service has consumed everything, and reading a topic back.
import { Redis } from 'ioredis';
import type { Kafka, Producer } from 'kafkajs';
import type { EventSerde } from '../shared/contracts/serde.ts';
import { topicRegistry, type AnyEvent, type TopicRegistry, type TopicSpec } from '../shared/contracts/topics.ts';
import { prepareContracts } from '../shared/kafka/admin.ts';
import { createIdempotentProducer, createKafka } from '../shared/kafka/client.ts';
import { createLogger } from '../shared/logger.ts';
import { collect, deleteTopics, uniqueId, waitUntil, type CollectedMessage } from './kafka.ts';
import type { Stack } from './stack.ts';

export interface Sandbox {
  readonly kafka: Kafka;
  readonly topics: TopicRegistry;
  readonly serde: EventSerde;
  readonly producer: Producer;
  readonly redis: Redis;
  readonly redisPrefix: string;
  readonly groupId: string;
  /** The service's environment for this sandbox. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

export async function openSandbox(stack: Stack, name: string, partitions: number): Promise<Sandbox> {
  const kafka = createKafka({ KAFKA_BROKERS: stack.kafkaBrokers, KAFKA_CLIENT_ID: name }, createLogger(name, { level: 'silent' }));
  const topics = topicRegistry(`${uniqueId(name)}.`);
  const { serde } = await prepareContracts({ kafka, registry: stack.schemaRegistryUrl, topics, partitions });
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const redis = new Redis(stack.redisUrl);
  const redisPrefix = uniqueId(name);
  const groupId = uniqueId(`${name}-group`);
  return {
    kafka,
    topics,
    serde,
    producer,
    redis,
    redisPrefix,
    groupId,
    env: {
      ...stack.env,
      O2C_TOPIC_PREFIX: topics.INVOICES.name.slice(0, -'o2c.invoices.v1'.length),
      REDIS_KEY_PREFIX: redisPrefix,
      KAFKA_GROUP_ID: groupId,
      KAFKA_PARTITIONS: String(partitions),
      KAFKA_FETCH_MAX_WAIT_MS: '100',
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
    },
    async close() {
      await producer.disconnect();
      const keys = await redis.keys(`${redisPrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await deleteTopics(kafka, Object.values(topics).map((t) => t.name));
    },
  };
}

/** Produces events in order, keyed by customerId; a record with a partition goes there (ticks). */
export async function produceEvents(
  box: Sandbox,
  records: ReadonlyArray<{ spec: TopicSpec; event: AnyEvent; partition?: number }>,
  batchSize = 2000,
): Promise<void> {
  for (let i = 0; i < records.length; i += batchSize) {
    const byTopic = new Map<string, Array<{ key: string; value: Buffer; partition?: number }>>();
    for (const r of records.slice(i, i + batchSize)) {
      const messages = byTopic.get(r.spec.name) ?? [];
      const value = await box.serde.encode(r.spec, r.event);
      messages.push(r.partition === undefined ? { key: r.event.customerId, value } : { key: '', value, partition: r.partition });
      byTopic.set(r.spec.name, messages);
    }
    await box.producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 });
  }
}

async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
  } finally {
    await admin.disconnect();
  }
}

/** Records in a topic now (sum of its partitions' high watermarks). */
export async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  return [...(await endOffsets(kafka, topic)).values()].reduce((n, o) => n + Number(o), 0);
}

/** Resolves once the group has committed every input topic-partition up to its end: all of it was handled. */
export async function waitConsumed(box: Sandbox, timeoutMs = 180_000): Promise<void> {
  const inputs = [box.topics.INVOICES.name, box.topics.PAYMENTS.name, box.topics.CUSTOMERS.name];
  const ends = new Map(await Promise.all(inputs.map(async (t) => [t, await endOffsets(box.kafka, t)] as const)));
  const admin = box.kafka.admin();
  await admin.connect();
  try {
    await waitUntil(
      async () => {
        const committed = await admin.fetchOffsets({ groupId: box.groupId, topics: inputs });
        return committed.every(({ topic, partitions }) =>
          partitions.every((p) => {
            const end = ends.get(topic)!.get(p.partition);
            return end === '0' || p.offset === end;
          }),
        );
      },
      `group ${box.groupId} to commit every input up to its end`,
      timeoutMs,
    );
  } finally {
    await admin.disconnect();
  }
}

/** Every record of the topic as of now. */
export async function readAll(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<readonly CollectedMessage[]> {
  const n = await topicSize(kafka, topic);
  const collector = await collect(kafka, topic);
  try {
    return [...(await collector.waitFor(n, timeoutMs))];
  } finally {
    await collector.stop();
  }
}
