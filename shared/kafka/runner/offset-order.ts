// The path without alignment: a fetched batch of one topic-partition handed over in offset order, a chunk of at most
// maxRecords at a time, each settled before the next is decoded. A transient decode failure settles the records
// decoded before it; the first failure or rewind ends the batch, and the partition is fetched again from there.
import type { KafkaMessage } from 'kafkajs';
import type { Batch } from './batch.ts';
import type { PartitionRetry } from './partition-retry.ts';
import type { Settler } from './settle.ts';

export interface OffsetOrderOptions<E> {
  settler: Settler<E>;
  retry: Pick<PartitionRetry, 'later'>;
  maxRecords: number;
}

/**
 * Handles `messages` (fetched from offset `from`) chunk by chunk. Returns the position after the last record it
 * resolved, or undefined when it resolved none.
 */
export async function runInOffsetOrder<E>(
  batch: Batch,
  messages: readonly KafkaMessage[],
  fromOffset: string,
  o: OffsetOrderOptions<E>,
): Promise<string | undefined> {
  const { topic, partition } = batch;
  let from = fromOffset;
  let next: string | undefined;
  for (let i = 0; i < messages.length; i += o.maxRecords) {
    if (!batch.live()) break;
    const chunk = messages.slice(i, i + o.maxRecords);
    const { items, failure } = await o.settler.decodeChunk(topic, partition, chunk);
    if (items.length > 0) {
      const outcome = await o.settler.settle(items, batch.context(topic, { [topic]: from }));
      if (outcome.kind === 'rewind') {
        batch.rewind(topic, outcome.seekTo.offset);
        for (const also of outcome.also ?? []) batch.rewind(also.topic, also.offset);
        break;
      }
      if (outcome.kind === 'failed') {
        o.retry.later(topic, partition, items[0]!.offset, outcome.failure.stage, outcome.failure.error);
        break;
      }
      const last = items[items.length - 1]!.offset;
      batch.resolve(last);
      next = (BigInt(last) + 1n).toString();
    }
    if (failure) {
      o.retry.later(topic, partition, chunk[items.length]!.offset, failure.stage, failure.error);
      break;
    }
    from = (BigInt(chunk[chunk.length - 1]!.offset) + 1n).toString();
    await batch.checkpoint();
  }
  return next;
}
