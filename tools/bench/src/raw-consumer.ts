// The floor every service is measured against: a kafkajs consumer that does nothing with what it fetches (eachBatch,
// no decoding), reading the pre-loaded topics from the start. Timed from joining the group to the last record, as
// ConsumerPerformance times itself: the offset look-up and the first fetch are in, the group join is not.
import type { Kafka } from 'kafkajs';
import { sleep } from '../../lib/cli.ts';

export interface RawRun {
  readonly records: number;
  readonly ms: number;
}

export async function rawConsume(
  kafka: Kafka,
  o: { groupId: string; topics: readonly string[]; records: number; signal: AbortSignal; onProgress: (records: number) => void },
): Promise<RawRun> {
  const consumer = kafka.consumer({ groupId: o.groupId, maxWaitTimeInMs: 100 });
  let records = 0;
  let joined = 0;
  let last = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined ||= Date.now()));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...o.topics], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        records += batch.messages.length;
        last = Date.now();
      },
    });
    let shown = Date.now();
    while (records < o.records) {
      o.signal.throwIfAborted();
      await sleep(10);
      if (Date.now() - shown >= 1000) {
        o.onProgress(records);
        shown = Date.now();
      }
    }
  } finally {
    await consumer.disconnect();
  }
  return { records, ms: Math.max(1, last - joined) };
}
