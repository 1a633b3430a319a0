import { Redis } from 'ioredis';
import type { Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopics, deleteTopics, testKafka, uniqueId, waitForMessages } from '../../../test/kafka.ts';
import { getStack } from '../../../test/stack.ts';
import { createIdempotentProducer } from '../../kafka/client.ts';
import { OutboxPublisher } from '../outbox-publisher.ts';
import { PartitionStore, type BatchCommit, type Committed, type OutboxRecord } from '../partition-store.ts';

const topic = uniqueId('outbox-publisher');
const prefix = uniqueId('test');
let kafka: Kafka;
let redis: Redis;
let store: PartitionStore;
let producers: Producer[];

beforeAll(async () => {
  const stack = await getStack();
  kafka = testKafka(stack);
  await createTopics(kafka, [{ topic, partitions: 2 }]);
  redis = new Redis(stack.redisUrl);
  store = new PartitionStore(redis, 'svc', prefix);
  producers = [createIdempotentProducer(kafka), createIdempotentProducer(kafka)];
  await Promise.all(producers.map((p) => p.connect()));
});

afterAll(async () => {
  await Promise.all(producers.map((p) => p.disconnect()));
  await deleteTopics(kafka, [topic]);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const record = (partition: number, n: string): OutboxRecord => ({ topic, partition, key: n, value: Buffer.from(n) });

async function commit(partition: number, outbox: OutboxRecord[]): Promise<Committed> {
  const { version } = await store.load(partition, []);
  const c: BatchCommit = { expectedVersion: version, offsets: new Map([['in', BigInt(version + 1)]]), states: new Map(), outbox };
  const committed = await store.commit(partition, c);
  if (committed === 'stale') throw new Error('unexpected stale commit');
  return committed;
}

const keysOn = (messages: ReadonlyArray<{ partition: number; key: Buffer | null }>, partition: number) =>
  messages.filter((m) => m.partition === partition).map((m) => m.key!.toString());

describe('OutboxPublisher', () => {
  it('publishes a backlog before the records committed after it, then publishes from memory, trimming all', async () => {
    const publisher = new OutboxPublisher(store, producers);
    // A publish that never happened (a crash after the commit): its records stay in the outbox.
    await commit(0, [record(0, 'a1'), record(0, 'a2')]);
    const second = await commit(0, [record(0, 'b1')]);
    expect(second.backlog).toBe(1); // the earlier commit's entry
    expect(await publisher.publish(0, second)).toBe(3);
    expect(await store.outboxLength(0)).toBe(0);

    const third = await commit(0, [record(0, 'c1'), record(0, 'c2')]);
    expect(third.backlog).toBe(0);
    expect(await publisher.publish(0, third)).toBe(2);
    expect(await store.outboxLength(0)).toBe(0);

    // Partition 1 goes through the second producer.
    const other = await commit(1, [record(1, 'd1')]);
    expect(await publisher.publish(1, other)).toBe(1);

    const messages = await waitForMessages(kafka, topic, 6);
    expect(keysOn(messages, 0)).toEqual(['a1', 'a2', 'b1', 'c1', 'c2']);
    expect(keysOn(messages, 1)).toEqual(['d1']);
  });

  it('leaves a commit to the next owner once the partition moved on before it was published', async () => {
    const stale = new OutboxPublisher(store, producers[0]!);
    const owner = new OutboxPublisher(store, producers[1]!);
    const topicBefore = (await waitForMessages(kafka, topic, 6)).length;
    // The stale instance committed f1, then paused; the new owner committed g1 and sent the backlog first.
    const first = await commit(2, [record(1, 'f1')]);
    const second = await commit(2, [record(1, 'g1')]);
    expect(await owner.publish(2, second)).toBe(2);
    expect(await stale.publish(2, first)).toBe(0); // back: f1 is not sent again after g1
    const keys = keysOn(await waitForMessages(kafka, topic, topicBefore + 2), 1);
    expect(keys.filter((k) => k === 'f1' || k === 'g1')).toEqual(['f1', 'g1']);
    expect(await store.outboxLength(2)).toBe(0);
  });

  it('flush drains an outbox left by a commit that was not published', async () => {
    const publisher = new OutboxPublisher(store, producers[0]!);
    await commit(0, [record(0, 'e1')]);
    expect(await publisher.flush(0)).toBe(1);
    expect(await publisher.flush(0)).toBe(0);
    expect(await store.outboxLength(0)).toBe(0);
  });

  it('sends a commit larger than its chunk in order, trimming its entry only after the last chunk', async () => {
    const publisher = new OutboxPublisher(store, producers, 2);
    const keys = ['h1', 'h2', 'h3', 'h4', 'h5'];
    const committed = await commit(1, keys.map((k) => record(1, k)));
    expect(await publisher.publish(1, committed)).toBe(5);
    expect(await store.outboxLength(1)).toBe(0);
    // The cases above published 9 records to the topic before these 5.
    expect(keysOn(await waitForMessages(kafka, topic, 14), 1).filter((k) => k.startsWith('h'))).toEqual(keys);
  });
});
