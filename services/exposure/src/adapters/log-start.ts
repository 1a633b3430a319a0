// The first offset still in each input topic-partition's log (its low watermark), for the BatchProcessor to tell a
// gap left by retention from state Redis lost. Asked only when a batch finds such a gap, and cached per topic for a
// short while: retention only moves it forward, and a value much older than that could make us rewind into
// deleted records again and again.
import type { Admin } from 'kafkajs';

export function logStartOffsets(admin: Admin, opts: { ttlMs?: number; now?: () => number } = {}) {
  const ttlMs = opts.ttlMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { at: number; low: Map<number, bigint> }>();
  return async (topic: string, partition: number): Promise<bigint> => {
    let entry = cache.get(topic);
    if (!entry || now() - entry.at > ttlMs) {
      const offsets = await admin.fetchTopicOffsets(topic);
      entry = { at: now(), low: new Map(offsets.map((o) => [o.partition, BigInt(o.low)])) };
      cache.set(topic, entry);
    }
    return entry.low.get(partition) ?? 0n;
  };
}
