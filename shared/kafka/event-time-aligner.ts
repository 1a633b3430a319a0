// Event-time alignment of co-partitioned input topics, as Kafka Streams does within a task: partition p of every
// input topic is one stream of events for the same customers, so a record should be handled only once no other
// topic of that partition still holds an earlier one. Without it a replay of pre-loaded topics is handled in fetch
// order, not event order: an order decided before its customer's profile was read, invoices aged months ahead of
// their orders.
//
// The aligner keeps, per partition and topic, the consumer's next offset, the last known end offset (high
// watermark), the event time of the last record handled and, when known, of the first record waiting. A topic is
// behind when records wait in it (next < end); a chunk of topic T may then be handled up to the earliest time another
// behind topic may still deliver: its waiting head's time when known, else the time of the last record it handled.
// The rest of the chunk is deferred: the runner pauses T and wakes it when another topic of the partition moves, or
// after maxIdleMs, when T goes ahead regardless (a topic that never delivers must not stall the partition; this is
// Kafka Streams' max.task.idle.ms). A topic that is caught up holds nothing back: live, arrival order is event order
// up to the producers' clocks. Ties go to the topic at hand.
//
// Pure bookkeeping: no Kafka calls and no timers here; the runner does the pausing and waking.

interface Position {
  next?: bigint;
  end?: bigint;
  /** Event time of the last record handled (-Infinity before the first). */
  lastTime: number;
  /** Event time of the first deferred record, while a chunk waits. */
  headTime?: number;
  /** When the topic was first deferred without handling anything since (wall clock). */
  deferredSince?: number;
}

export interface Admission {
  /** How many of the chunk's records (a prefix) to handle now; the rest wait. */
  admit: number;
  /** True when the wait ran out and the chunk goes ahead out of event-time order. */
  forced: boolean;
}

export class EventTimeAligner {
  private readonly lanes = new Map<number, Map<string, Position>>();

  constructor(
    private readonly topics: readonly string[],
    private readonly maxIdleMs: number,
  ) {
    if (!(maxIdleMs >= 0)) throw new RangeError('maxIdleMs must be >= 0');
  }

  /** Forgets everything (a rebalance may have moved partitions) and seeds what is known of the new assignment. */
  reset(seeds: ReadonlyArray<{ topic: string; partition: number; next: bigint; end: bigint }> = []): void {
    this.lanes.clear();
    for (const s of seeds) Object.assign(this.position(s.topic, s.partition), { next: s.next, end: s.end });
  }

  /**
   * How much of a chunk of `topic`'s partition to handle now. `times` are the event times of its records in offset
   * order; undefined for a record without one (poison bound for the DLQ), which never holds anything back.
   */
  admit(topic: string, partition: number, times: ReadonlyArray<number | undefined>, now: number): Admission {
    const bound = this.bound(topic, partition);
    let admit = 0;
    while (admit < times.length && (times[admit] ?? -Infinity) <= bound) admit++;
    const pos = this.position(topic, partition);
    if (admit === times.length) return { admit, forced: false };
    if (admit === 0) {
      pos.deferredSince ??= now;
      if (now - pos.deferredSince >= this.maxIdleMs) return { admit: times.length, forced: true };
    }
    pos.headTime = times[admit];
    return { admit, forced: false };
  }

  /** A batch of `topic` was fetched from offset `from`, with the partition's high watermark `end`. */
  fetched(topic: string, partition: number, from: bigint, end: bigint): void {
    const pos = this.position(topic, partition);
    pos.next = from;
    if (pos.end === undefined || end > pos.end) pos.end = end;
  }

  /** Records of `topic` up to (not including) `next` are handled, the latest with event time `lastTime`. */
  handled(topic: string, partition: number, next: bigint, lastTime: number | undefined): void {
    const pos = this.position(topic, partition);
    pos.next = next;
    if (lastTime !== undefined && lastTime > pos.lastTime) pos.lastTime = lastTime;
    pos.headTime = undefined;
    pos.deferredSince = undefined;
  }

  /** The earliest event time another topic of the partition may still deliver (+Infinity when none is behind). */
  private bound(topic: string, partition: number): number {
    let bound = Infinity;
    for (const other of this.topics) {
      if (other === topic) continue;
      const pos = this.lanes.get(partition)?.get(other);
      if (!pos || pos.next === undefined || pos.end === undefined || pos.next >= pos.end) continue;
      bound = Math.min(bound, pos.headTime ?? pos.lastTime);
    }
    return bound;
  }

  private position(topic: string, partition: number): Position {
    let lane = this.lanes.get(partition);
    if (!lane) this.lanes.set(partition, (lane = new Map()));
    let pos = lane.get(topic);
    if (!pos) lane.set(topic, (pos = { lastTime: -Infinity }));
    return pos;
  }
}
