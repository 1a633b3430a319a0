// Reads topics from the start to the end offsets they had when the read began, each partition in offset order, with
// a consumer group of its own (under the run's prefix, so the namespace's removal takes it too).
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { TransientError } from '../../../shared/errors.ts';
import { retryTransient } from '../../../shared/retry.ts';
import { sleep } from '../../lib/cli.ts';

export type OnRecord = (topic: string, partition: number, message: KafkaMessage) => void | Promise<void>;

/** End offset per partition of each topic; asked again for a moment on a failure (see tools/lib/end-offsets.ts). */
export async function partitionEnds(admin: Admin, topics: readonly string[]): Promise<Map<string, Map<number, bigint>>> {
  const ask = (topic: string) =>
    retryTransient(
      () =>
        admin.fetchTopicOffsets(topic).catch((error: unknown) => {
          throw new TransientError(`end offsets of ${topic}: ${(error as Error).message}`, { cause: error });
        }),
      { withinMs: 1_500, initialMs: 500 },
    );
  const all = await Promise.all(topics.map(async (t) => [t, await ask(t)] as const));
  return new Map(all.map(([t, offsets]) => [t, new Map(offsets.map((o) => [o.partition, BigInt(o.high)]))]));
}

/** Hands every record below the ends to `onRecord`, one partition's records in offset order; resolves when all came. */
export async function readTopics(
  kafka: Kafka,
  admin: Admin,
  o: { groupId: string; topics: readonly string[]; signal: AbortSignal; onRecord: OnRecord },
): Promise<void> {
  const ends = await partitionEnds(admin, o.topics);
  const left = new Map<string, bigint>();
  for (const [topic, partitions] of ends) {
    for (const [partition, end] of partitions) if (end > 0n) left.set(`${topic}/${partition}`, end);
  }
  if (left.size === 0) return;
  const consumer = kafka.consumer({ groupId: o.groupId, maxWaitTimeInMs: 100 });
  let failure: unknown;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...o.topics], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const key = `${batch.topic}/${batch.partition}`;
        const end = left.get(key);
        if (end === undefined) return;
        try {
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= end) break;
            await o.onRecord(batch.topic, batch.partition, m);
          }
        } catch (e) {
          failure ??= e;
        }
        if (BigInt(batch.lastOffset()) + 1n >= end) left.delete(key);
      },
    });
    while (left.size > 0 && failure === undefined) {
      o.signal.throwIfAborted();
      await sleep(20);
    }
  } finally {
    await consumer.disconnect();
  }
  if (failure !== undefined) throw failure;
}
