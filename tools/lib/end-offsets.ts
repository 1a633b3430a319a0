// How many records each topic holds (the sum of its partitions' end offsets): what the demo, the bench and the
// pipeline tests wait for the services to have consumed.
import type { Admin } from 'kafkajs';
import { TransientError } from '../../shared/errors.ts';
import { retryTransient } from '../../shared/retry.ts';

export async function endOffsetSums(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const sums = await Promise.all(
    topics.map(async (t) => [t, (await endOffsets(admin, t)).reduce((s, o) => s + Number(o.high), 0)] as const),
  );
  return new Map(sums);
}

/**
 * A topic's end offsets, asked again for a couple of seconds: after a long bench step (the admin idle for minutes) a
 * 1M-event run once failed here with a TypeError from inside kafkajs's fetchTopicOffsets (an empty answer); a single
 * failure should not throw away a twenty-minute run.
 */
function endOffsets(admin: Admin, topic: string): Promise<Array<{ high: string }>> {
  const ask = () =>
    admin.fetchTopicOffsets(topic).catch((error: unknown) => {
      throw new TransientError(`end offsets of ${topic}: ${(error as Error).message}`, { cause: error });
    });
  return retryTransient(ask, { withinMs: 1_500, initialMs: 500 });
}
