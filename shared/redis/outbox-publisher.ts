// Publishes a partition's outbox in order with an idempotent producer and trims what the broker acknowledged. A crash
// between send and trim republishes the same records on restart; their event ids are deterministic, so consumers
// de-duplicate. Records of one partition are published in outbox order, oldest first. An outbox entry holds one
// commit's records: it is trimmed once its last record is acknowledged.
//
// Right after a commit the records are in memory: when the outbox held nothing before that commit they are sent as
// they are and exactly that entry trimmed. When it held a backlog (a publish that failed or was cut short, by this
// instance or one that owned the partition before), the outbox is read back from Redis and sent from its oldest
// entry, so a backlog always goes out before what was committed after it.
//
// kafkajs's idempotent producer holds a lock per broker for each produce round trip. Given several producers,
// partition p always publishes through producers[p % n]: partitions go out in parallel, and one partition's batches
// (which its caller never runs concurrently) keep their order. Sends to one producer are grouped: what other
// partitions hand over while a request is in flight goes out together in the next one, so a steady trickle of small
// batches costs one produce round trip per group instead of one per batch (kafkajs spends more CPU per request than
// per record).
import type { Producer, TopicMessages } from 'kafkajs';
import type { Committed, OutboxEntry, OutboxRecord, PartitionStore } from './partition-store.ts';

interface Pending {
  partition: number;
  records: OutboxRecord[];
  /** Outbox entries to trim once `records` are acknowledged (an entry's last chunk carries its id). */
  trim: string[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** One producer and the sends waiting for its next request. */
interface Lane {
  producer: Producer;
  pending: Pending[];
  sending: boolean;
}

export class OutboxPublisher {
  private readonly lanes: Lane[];

  constructor(
    private readonly store: PartitionStore,
    producers: Producer | readonly Producer[],
    private readonly chunk = 2_000,
  ) {
    const all: readonly Producer[] = Array.isArray(producers) ? producers : [producers as Producer];
    if (all.length === 0) throw new Error('an OutboxPublisher needs at least one producer');
    this.lanes = all.map((producer) => ({ producer, pending: [], sending: false }));
  }

  /** Publishes what a commit just wrote (after any backlog before it); returns how many records were sent. */
  async publish(partition: number, committed: Committed): Promise<number> {
    if (committed.backlog > 0) return this.flush(partition);
    // An instance paused between its commit and this publish (SIGSTOP, a long GC) may have lost the partition: its
    // records stay in the outbox, and the new owner sends them before its own. Sent now they could land after newer
    // records, and on a compacted topic an older value would be the last. Once the version moved they are left to it.
    if (committed.entry === null || (await this.store.version(partition)) !== committed.version) return 0;
    await this.sendEntry(partition, committed.entry);
    return committed.entry.records.length;
  }

  /** Publishes everything in the partition's outbox, read back from Redis; returns how many records were sent. */
  async flush(partition: number): Promise<number> {
    let sent = 0;
    for (;;) {
      const entries = await this.store.readOutbox(partition, 16);
      if (entries.length === 0) return sent;
      for (const entry of entries) {
        await this.sendEntry(partition, entry);
        sent += entry.records.length;
      }
    }
  }

  /** Sends an entry's records in chunks, in order; the last chunk's acknowledgement trims the entry. */
  private async sendEntry(partition: number, entry: OutboxEntry): Promise<void> {
    const { records } = entry;
    if (records.length === 0) return this.send(partition, [], [entry.id]);
    for (let i = 0; i < records.length; i += this.chunk) {
      const last = i + this.chunk >= records.length;
      await this.send(partition, records.slice(i, i + this.chunk), last ? [entry.id] : []);
    }
  }

  /** Resolves once the records are acknowledged by Kafka and `trim` trimmed from the outbox. */
  private send(partition: number, records: OutboxRecord[], trim: string[]): Promise<void> {
    const lane = this.lanes[partition % this.lanes.length]!;
    return new Promise((resolve, reject) => {
      lane.pending.push({ partition, records, trim, resolve, reject });
      if (!lane.sending) void this.drain(lane);
    });
  }

  /** Sends what waits, one request at a time, until nothing does. A failed request fails every send in it. */
  private async drain(lane: Lane): Promise<void> {
    lane.sending = true;
    while (lane.pending.length > 0) {
      const group = lane.pending.splice(0);
      try {
        const records = group.flatMap((g) => g.records);
        if (records.length > 0) await lane.producer.sendBatch({ topicMessages: groupByTopic(records), acks: -1 });
      } catch (error) {
        for (const g of group) g.reject(error);
        continue;
      }
      // Trimmed while the next request goes out: a partition's next batch waits for its own trim anyway.
      for (const g of group) {
        if (g.trim.length === 0) g.resolve();
        else this.store.ackOutbox(g.partition, g.trim).then(g.resolve, g.reject);
      }
    }
    lane.sending = false;
  }
}

function groupByTopic(records: readonly OutboxRecord[]): TopicMessages[] {
  const byTopic = new Map<string, TopicMessages>();
  for (const r of records) {
    let tm = byTopic.get(r.topic);
    if (!tm) byTopic.set(r.topic, (tm = { topic: r.topic, messages: [] }));
    tm.messages.push({
      key: r.key,
      value: r.value,
      ...(r.partition === undefined ? {} : { partition: r.partition }),
      ...(r.headers && Object.keys(r.headers).length > 0 ? { headers: r.headers } : {}),
    });
  }
  return [...byTopic.values()];
}
