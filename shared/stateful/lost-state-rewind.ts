// A partition whose state Redis lost is replayed from every input topic, not only from the one whose record revealed
// the loss (the BatchProcessor's 'seek' outcome names one topic): a topic with nothing new to deliver, such as
// customer profiles that rarely change, would otherwise never be read again, and the rebuilt state would lack it.
// Each topic goes back to what Redis says was applied of it (nothing, once lost), never below its log start; a topic
// whose consumer is already there loses nothing by the seek, since what was applied is skipped as a redelivery.
import type { PartitionStore } from '../redis/partition-store.ts';

/** The handler's answer to a 'seek' outcome (shared/kafka/runner/batch.ts, HandleBatch): every input rewound. */
export async function rewindEveryInput(
  store: Pick<PartitionStore, 'load'>,
  partition: number,
  seek: { topic: string; offset: bigint },
  inputs: readonly string[],
  logStartOffset: (topic: string, partition: number) => Promise<bigint>,
): Promise<{ seekTo: string; topic: string; rewindAlso: Record<string, string> }> {
  const { offsets } = await store.load(partition, []);
  const rewindAlso: Record<string, string> = {};
  for (const topic of inputs) {
    if (topic === seek.topic) continue;
    const applied = offsets.get(topic) ?? 0n;
    const start = await logStartOffset(topic, partition);
    rewindAlso[topic] = (applied > start ? applied : start).toString();
  }
  return { seekTo: seek.offset.toString(), topic: seek.topic, rewindAlso };
}
