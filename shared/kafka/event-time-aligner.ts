// Event-time alignment of co-partitioned input topics, as Kafka Streams does within a task: partition p of every
// input topic is one stream of events for the same customers, so a record should be handled only once no other
// topic of that partition still holds an earlier one. Without it a replay of pre-loaded topics is handled in fetch
// order, not event order: an order decided before its customer's profile was read, invoices aged months ahead of
// their orders.
//
// The runner (runner/alignment.ts) holds, per partition, the decoded records fetched and not yet handled, per topic
// (a sequence). merge() picks from them in event-time order, the earliest head first, as long as no other topic may
// still deliver an earlier record: a topic with nothing in memory that is behind (records wait in it: next < end)
// may deliver one as early as the last record it handled, so nothing later than that goes before it is fetched. The
// runner then pauses what cannot go and wakes it when a fetch brings more. A topic whose position is behind its log
// end is never gone ahead of, however long it takes to deliver (KIP-695: Kafka Streams enforces processing after
// max.task.idle.ms only when the lag is zero or unknown), so a replay decides the same on a loaded machine as on an
// idle one. A topic that is caught up, or whose lag is unknown, holds nothing back: live, arrival order is event
// order up to the producers' clocks. Ties go to the topic listed first in the constructor, whether or not the other
// is in memory yet (an unfetched topic listed earlier may still deliver a record at its last handled time), so records
// with the same event time are handled in the same order whatever the fetch timing.
//
// Pure bookkeeping: no Kafka calls and no timers here.

interface Position {
  next?: bigint;
  end?: bigint;
  /** Event time of the last record handled (-Infinity before the first). */
  lastTime: number;
}

/** Decoded records of one topic of the partition, in offset order: their event times (undefined: none, e.g. poison). */
export interface Sequence {
  topic: string;
  times: ReadonlyArray<number | undefined>;
  /** The topic holds records after these, not in memory yet: once these are taken, nothing later goes first. */
  more: boolean;
}

export interface Merge {
  /** What to handle now, in this order: the sequence (its index in the input) and the record's index in it. */
  order: Array<{ sequence: number; index: number }>;
}

/** The earliest record some topic not in memory may still deliver: its time, and its topic's rank for ties. */
interface Bound {
  time: number;
  rank: number;
}
const NO_BOUND: Bound = { time: Infinity, rank: Infinity };
const lower = (a: Bound, b: Bound): Bound => (b.time < a.time || (b.time === a.time && b.rank < a.rank) ? b : a);
/** Whether a record at (time, rank) comes before everything `bound` may still deliver; one without a time always. */
const before = (time: number, rank: number, bound: Bound): boolean =>
  time === -Infinity || time < bound.time || (time === bound.time && rank < bound.rank);

export class EventTimeAligner {
  private readonly lanes = new Map<number, Map<string, Position>>();

  /** Rank of each topic in the constructor's list: the tie-break between equal event times. */
  private readonly rank: ReadonlyMap<string, number>;

  constructor(private readonly topics: readonly string[]) {
    this.rank = new Map(topics.map((t, i) => [t, i]));
  }

  private rankOf(topic: string): number {
    return this.rank.get(topic) ?? this.topics.length;
  }

  /** Forgets everything (a rebalance may have moved partitions) and seeds what is known of the new assignment. */
  reset(seeds: ReadonlyArray<{ topic: string; partition: number; next: bigint; end: bigint }> = []): void {
    this.lanes.clear();
    for (const s of seeds) Object.assign(this.position(s.topic, s.partition), { next: s.next, end: s.end });
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
  }

  /**
   * `topic` of the partition is consumed again from `next` (a handler's rewind, e.g. a state rebuilt from the log): its
   * next record may be as early as any, so until it is fetched nothing of another topic goes before it.
   */
  rewound(topic: string, partition: number, next: bigint): void {
    const pos = this.position(topic, partition);
    pos.next = next;
    pos.lastTime = -Infinity;
  }

  /** Up to `limit` records of the partition's sequences, merged in event-time order, that may be handled now. */
  merge(partition: number, sequences: readonly Sequence[], limit = Infinity): Merge {
    return { order: this.pick(partition, sequences, this.bound(partition, sequences), limit) };
  }

  /**
   * K-way merge by (head time, topic rank) while heads come before `bound`; a head without a time goes at once. A
   * sequence with more behind it that runs out lowers the bound to its last time: its next record may come that early.
   */
  private pick(partition: number, sequences: readonly Sequence[], initial: Bound, limit: number): Merge['order'] {
    let bound = initial;
    const heads = sequences.map(() => 0);
    const ranks = sequences.map((s) => this.rankOf(s.topic));
    const lastTimes = sequences.map((s) => this.position(s.topic, partition).lastTime);
    const order: Merge['order'] = [];
    while (order.length < limit) {
      let best = -1;
      let bestTime = Infinity;
      for (const [i, s] of sequences.entries()) {
        if (heads[i]! >= s.times.length) continue;
        const t = s.times[heads[i]!] ?? -Infinity;
        if (best === -1 || t < bestTime || (t === bestTime && ranks[i]! < ranks[best]!)) [best, bestTime] = [i, t];
      }
      if (best === -1 || !before(bestTime, ranks[best]!, bound)) return order;
      const s = sequences[best]!;
      order.push({ sequence: best, index: heads[best]!++ });
      if (bestTime > lastTimes[best]!) lastTimes[best] = bestTime;
      if (s.more && heads[best] === s.times.length) bound = lower(bound, { time: lastTimes[best]!, rank: ranks[best]! });
    }
    return order;
  }

  /** The earliest (event time, rank) a topic with nothing in memory may still deliver (none: nothing is behind). */
  private bound(partition: number, sequences: readonly Sequence[]): Bound {
    let bound: Bound = NO_BOUND;
    const inMemory = new Set(sequences.filter((s) => s.times.length > 0).map((s) => s.topic));
    for (const topic of this.topics) {
      if (inMemory.has(topic)) continue;
      const pos = this.lanes.get(partition)?.get(topic);
      if (!pos || pos.next === undefined || pos.end === undefined || pos.next >= pos.end) continue;
      bound = lower(bound, { time: pos.lastTime, rank: this.rankOf(topic) });
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
