// Start-up alignment of the Kafka group with Postgres. The sink rewinds a partition when its first records arrive
// beyond the offsets in Postgres, but a partition with no new records delivers nothing to react to: a sink pointed
// at an empty database with a group that already read everything would wait forever. So before joining, the group's
// committed offsets that are ahead of Postgres are moved back to it (to the log start where Postgres has nothing).
// Kafka accepts that only while the group has no live members; otherwise the sink's per-chunk check does it.
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from '../../../../shared/logger.ts';
import type { PartitionOffset } from './pg-writer.ts';

export interface Rewind {
  topic: string;
  partition: number;
  from: string;
  to: string;
}

/** The group offsets ahead of Postgres, and where each must go. Kafka's '-1' means no committed offset. */
export function rewindsNeeded(
  committed: ReadonlyArray<{ topic: string; partitions: ReadonlyArray<{ partition: number; offset: string }> }>,
  logStarts: ReadonlyMap<string, ReadonlyMap<number, bigint>>,
  stored: readonly PartitionOffset[],
): Rewind[] {
  const storedAt = new Map(stored.map((s) => [`${s.topic}:${s.partition}`, BigInt(s.nextOffset)]));
  const rewinds: Rewind[] = [];
  for (const { topic, partitions } of committed) {
    for (const { partition, offset } of partitions) {
      const at = BigInt(offset);
      if (at < 0n) continue;
      const logStart = logStarts.get(topic)?.get(partition) ?? 0n;
      const pg = storedAt.get(`${topic}:${partition}`);
      const target = pg === undefined || pg < logStart ? logStart : pg;
      if (at > target) rewinds.push({ topic, partition, from: offset, to: target.toString() });
    }
  }
  return rewinds;
}

export async function alignGroupWithStore(opts: {
  kafka: Kafka;
  admin: Admin;
  groupId: string;
  topics: readonly string[];
  stored: readonly PartitionOffset[];
  logger: Logger;
}): Promise<Rewind[]> {
  const { admin, groupId, topics, logger } = opts;
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const logStarts = new Map<string, Map<number, bigint>>();
  for (const topic of topics) {
    const offsets = await admin.fetchTopicOffsets(topic);
    logStarts.set(topic, new Map(offsets.map((o) => [o.partition, BigInt(o.low)])));
  }
  const rewinds = rewindsNeeded(committed, logStarts, opts.stored);
  if (rewinds.length === 0) return [];
  const { groups } = await admin.describeGroups([groupId]);
  const state = groups[0]?.state ?? 'Dead';
  if (state !== 'Empty' && state !== 'Dead') {
    logger.warn({ groupId, state, partitions: rewinds.length },
      'group offsets ahead of Postgres but the group has live members: partitions rewind when records arrive');
    return [];
  }
  await commitGroupOffsets(opts.kafka, groupId, rewinds);
  logger.warn({ groupId, rewinds }, 'group offsets were ahead of Postgres: rewound to rebuild the missing rows');
  return rewinds;
}

/**
 * Commits offsets for a group with no live members, all topics at once: a member that joins, seeks (kafkajs commits
 * a seek on the next fetch) and leaves. admin.setOffsets does the same one topic at a time, five seconds each.
 */
async function commitGroupOffsets(kafka: Kafka, groupId: string, rewinds: readonly Rewind[]): Promise<void> {
  const topics = [...new Set(rewinds.map((r) => r.topic))];
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.FETCH, () => resolve());
      consumer.run({ eachBatchAutoResolve: false, eachBatch: async () => undefined }).catch(reject);
      consumer.pause(topics.map((topic) => ({ topic })));
      for (const r of rewinds) consumer.seek({ topic: r.topic, partition: r.partition, offset: r.to });
    });
  } finally {
    await consumer.disconnect();
  }
}
