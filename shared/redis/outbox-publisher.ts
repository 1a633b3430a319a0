// Publishes a partition's outbox in order with an idempotent producer and trims what the broker acknowledged. A crash
// between send and trim republishes the same records on restart; their event ids are deterministic, so consumers
// de-duplicate. Records of one partition are published in outbox order, oldest first.
import type { Producer, TopicMessages } from 'kafkajs';
import type { OutboxEntry, PartitionStore } from './partition-store.ts';

export class OutboxPublisher {
  constructor(
    private readonly store: PartitionStore,
    private readonly producer: Producer,
    private readonly chunk = 2_000,
  ) {}

  /** Publishes everything in the partition's outbox; returns how many records were sent. */
  async flush(partition: number): Promise<number> {
    let sent = 0;
    for (;;) {
      const entries = await this.store.readOutbox(partition, this.chunk);
      if (entries.length === 0) return sent;
      await this.producer.sendBatch({ topicMessages: groupByTopic(entries), acks: -1 });
      await this.store.ackOutbox(partition, entries.map((e) => e.id));
      sent += entries.length;
    }
  }
}

function groupByTopic(entries: OutboxEntry[]): TopicMessages[] {
  const byTopic = new Map<string, TopicMessages>();
  for (const e of entries) {
    let tm = byTopic.get(e.topic);
    if (!tm) byTopic.set(e.topic, (tm = { topic: e.topic, messages: [] }));
    tm.messages.push({
      key: e.key,
      value: e.value,
      ...(e.partition === undefined ? {} : { partition: e.partition }),
      ...(e.headers && Object.keys(e.headers).length > 0 ? { headers: e.headers } : {}),
    });
  }
  return [...byTopic.values()];
}
