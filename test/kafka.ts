// Kafka helpers for integration tests: unique names, topics through the admin client, collecting what lands on a
// topic, and waiting for a consumer to join its group. Every wait fails fast when a consumer crashes, and times out
// with what it saw, so a broken test says why instead of hanging.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type ConsumerGroupJoinEvent, type IHeaders, type Message } from 'kafkajs';
import type { Stack } from './stack.ts';

/** `prefix-<time>-<random>`: unique across runs and parallel workers, and sortable by creation time. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export function testKafka(stack: Stack, clientId = uniqueId('test')): Kafka {
  return new Kafka({ clientId, brokers: [...stack.kafkaBrokers], logLevel: logLevel.NOTHING });
}

export async function createTopics(
  kafka: Kafka,
  topics: ReadonlyArray<{ topic: string; partitions?: number }>,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map(({ topic, partitions = 1 }) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(kafka: Kafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [...topics] });
  } finally {
    await admin.disconnect();
  }
}

/** Committed offsets of a group on a topic: partition -> next offset to read ('-1' when none). */
export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((result?.partitions ?? []).map((p) => [p.partition, p.offset]));
  } finally {
    await admin.disconnect();
  }
}

export async function produce(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, messages, acks: -1 });
  } finally {
    await producer.disconnect();
  }
}

/** Rejects as soon as the consumer crashes, with the crash's error. */
export function crashOf(consumer: Consumer): Promise<never> {
  return new Promise((_, reject) => {
    consumer.on(consumer.events.CRASH, ({ payload }) => reject(new Error(`consumer crashed: ${payload.error.message}`)));
  });
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the GROUP_JOIN event; call before consumer.run(). */
export function waitForGroupJoin(consumer: Consumer, timeoutMs = 30_000): Promise<ConsumerGroupJoinEvent> {
  const joined = new Promise<ConsumerGroupJoinEvent>((resolve) => {
    const remove = consumer.on(consumer.events.GROUP_JOIN, (event) => {
      remove();
      resolve(event);
    });
  });
  return withTimeout(Promise.race([joined, crashOf(consumer)]), timeoutMs, () => 'the consumer to join its group');
}

export interface CollectedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

export interface Collector {
  readonly messages: readonly CollectedMessage[];
  /** Resolves with the messages once at least n arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<readonly CollectedMessage[]>;
  stop(): Promise<void>;
}

/** A consumer in a group of its own reading `topic` from the beginning, keeping every message. */
export async function collect(kafka: Kafka, topic: string): Promise<Collector> {
  const consumer = kafka.consumer({ groupId: uniqueId('collector'), maxWaitTimeInMs: 100 });
  const messages: CollectedMessage[] = [];
  const waiters = new Set<() => void>();
  const crashed = crashOf(consumer);
  crashed.catch(() => undefined); // observed by waitFor
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const { offset, key, value } = message;
      messages.push({ topic, partition, offset, key, value, headers: message.headers ?? {} });
      for (const w of waiters) w();
    },
  });
  return {
    messages,
    waitFor(n, timeoutMs = 30_000) {
      const enough = new Promise<readonly CollectedMessage[]>((resolve) => {
        const check = () => {
          if (messages.length < n) return;
          waiters.delete(check);
          resolve(messages);
        };
        waiters.add(check);
        check();
      });
      return withTimeout(Promise.race([enough, crashed]), timeoutMs, () => `${n} messages on ${topic}, got ${messages.length}`);
    },
    stop: () => consumer.disconnect(),
  };
}

/** Collects the first n messages of a topic. */
export async function waitForMessages(
  kafka: Kafka,
  topic: string,
  n: number,
  timeoutMs = 30_000,
): Promise<readonly CollectedMessage[]> {
  const collector = await collect(kafka, topic);
  try {
    return await collector.waitFor(n, timeoutMs);
  } finally {
    await collector.stop();
  }
}

/** Polls `condition` until it holds; rejects with `what` after the timeout. For state with no event to wait on. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
