// Event-time alignment, the Kafka side of it. EventTimeAligner decides what may go when (pure bookkeeping); this
// module holds partition p's fetched records in memory (sources), merges the batch at hand with those parked, hands
// them over in that order, and parks what must wait: its topic-partition paused at its first record, until a later
// batch of p lets it go or maxIdleMs passed and it is dropped and fetched again. On each assignment it seeds where
// every assigned topic-partition starts and ends, so a topic not fetched yet still counts as lagging.
import type { KafkaMessage } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import type { RunnerMetrics } from '../../metrics.ts';
import { EventTimeAligner } from '../event-time-aligner.ts';
import type { Batch, Lanes, PartitionPort } from './batch.ts';
import type { PartitionRetry } from './partition-retry.ts';
import type { Item, Settler } from './settle.ts';

/**
 * A topic-partition's fetched records held in memory while aligning: the batch at hand, or a parked one (its
 * topic-partition paused) waiting for its turn in event-time order.
 */
interface Source<E> {
  topic: string;
  partition: number;
  /** Decoded, in offset order; `pending` follows them, decoded a chunk at a time as they run out. */
  items: Array<Item<E>>;
  pending: readonly KafkaMessage[];
  /** A record of `pending` failed to decode transiently: nothing from it on is in memory; retried once reached. */
  failed?: { offset: string; error: unknown };
  /** Offset of the batch's last record, and its high watermark: whether the topic holds more, and the lag gauge. */
  lastOffset: string;
  highWatermark: string;
  timer?: NodeJS.Timeout;
}

/** Where an assigned topic-partition resumes (`next`) and ends. */
export interface Seed {
  topic: string;
  partition: number;
  next: bigint;
  end: bigint;
}

/** A fetched batch of the topic-partition `batch` names. */
export interface Fetched {
  messages: readonly KafkaMessage[];
  /** The offset the batch was fetched from. */
  from: string;
  lastOffset: string;
  highWatermark: string;
}

export interface AlignmentOptions<E> {
  topics: readonly string[];
  /** How long parked records stay in memory before they are dropped and fetched again. */
  maxIdleMs: number;
  /** One handler call for the records of several topics (else one per run of one topic). */
  mixedTopics?: boolean;
  maxRecords: number;
  port: PartitionPort;
  settler: Settler<E>;
  retry: Pick<PartitionRetry, 'later'>;
  metrics: Pick<RunnerMetrics, 'alignmentWaits' | 'consumerLag'>;
  log: Logger;
  /** Where each topic-partition of an assignment starts and ends (see readPositions). */
  positions: (assignment: Record<string, number[]>) => Promise<Seed[]>;
  /** The runner's partition lanes: a parked source expires in its partition's lane, never in the middle of a batch. */
  inLane: Lanes;
}

export interface Alignment {
  /** The group assigned these partitions: drops what is parked (fetching starts from the committed positions) and seeds. */
  assigned(assignment: Record<string, number[]>): void;
  /** A batch fetched before its topic-partition was parked: its records come again once it resumes. */
  isParked(topic: string, partition: number): boolean;
  /**
   * Handles the batch's records and those parked for its partition in event-time order, as far as the aligner allows,
   * and parks what of the batch cannot go yet. Returns the position of the batch's topic-partition after what it
   * handled, or undefined when the batch must stop (its topic failed or was rewound).
   */
  run(batch: Batch, fetched: Fetched): Promise<string | undefined>;
  /** Drops what is parked, timers included. */
  stop(): void;
}

const parkKey = (topic: string, partition: number) => `${topic}:${partition}`;

const firstUnhandled = (s: Source<unknown>): string | undefined => s.items[0]?.offset ?? s.pending[0]?.offset ?? s.failed?.offset;

/** Whether the topic-partition holds records after those in memory. */
const hasMore = (s: Source<unknown>): boolean =>
  s.pending.length > 0 || s.failed !== undefined || BigInt(s.lastOffset) + 1n < BigInt(s.highWatermark);

export function createAlignment<E>(o: AlignmentOptions<E>): Alignment {
  const { port, settler, retry, metrics, log, maxRecords } = o;
  const aligner = new EventTimeAligner(o.topics);
  const parked = new Map<string, Source<E>>();
  let seeding: Promise<void> = Promise.resolve();

  /** Decodes the next chunk of a source whose decoded records ran out. */
  async function topUp(s: Source<E>): Promise<void> {
    if (s.items.length > 0 || s.pending.length === 0) return;
    const chunk = s.pending.slice(0, maxRecords);
    const { items, failure } = await settler.decodeChunk(s.topic, s.partition, chunk);
    s.items = items;
    s.pending = failure ? [] : s.pending.slice(chunk.length);
    if (failure) s.failed = { offset: chunk[items.length]!.offset, error: failure.error };
  }

  /**
   * Keeps decoded records that must wait for another topic of the partition, and pauses their topic-partition at the
   * first of them (the seek commits that position once it is fetched again).
   */
  function park(source: Source<E>): void {
    const { topic, partition } = source;
    metrics.alignmentWaits.inc({ topic, outcome: 'waiting' });
    port.pause(topic, partition);
    port.seek(topic, partition, firstUnhandled(source)!);
    const key = parkKey(topic, partition);
    clearTimeout(parked.get(key)?.timer);
    source.timer = setTimeout(() => void o.inLane(partition, async () => unpark(key)), o.maxIdleMs);
    parked.set(key, source);
  }

  /** Drops what waits in memory and resumes fetching from the first record not handled. */
  function unpark(key: string): void {
    const p = parked.get(key);
    if (!p) return;
    clearTimeout(p.timer);
    parked.delete(key);
    port.resume(p.topic, p.partition);
  }

  async function alignedRun(batch: Batch, current: Source<E>, fromOffset: string): Promise<string | undefined> {
    const { partition } = current;
    let from = fromOffset;
    for (;;) {
      if (!batch.live()) return undefined;
      const waiting = [...parked.values()].filter((p) => p.partition === partition);
      for (const src of [current, ...waiting]) await topUp(src);
      const sources = [current, ...waiting].filter((s) => s.items.length > 0);
      const sequences = sources.map((p) => ({ topic: p.topic, times: p.items.map((i) => i.time), more: hasMore(p) }));
      const { order } = aligner.merge(partition, sequences, maxRecords);
      if (order.length === 0) {
        if (current.items.length > 0) park(current);
        else if (current.failed) retry.later(current.topic, partition, current.failed.offset, 'decode', current.failed.error);
        return from;
      }
      // Each source's picks are its front records, in order; a call takes them in merged order.
      const picks = order.map(({ sequence, index }) => ({ source: sources[sequence]!, item: sources[sequence]!.items[index]! }));
      const calls: Array<typeof picks> = [];
      for (const pick of picks) {
        const last = calls[calls.length - 1];
        if (last && (o.mixedTopics || last[0]!.source === pick.source)) last.push(pick);
        else calls.push([pick]);
      }
      for (const call of calls) {
        const involved = [...new Set(call.map((c) => c.source))];
        const fromOffsets = Object.fromEntries(involved.map((src) => [src.topic, src === current ? from : src.items[0]!.offset]));
        const topic = involved.includes(current) ? current.topic : involved[0]!.topic;
        const outcome = await settler.settle(call.map((c) => c.item), batch.context(topic, fromOffsets));
        if (outcome.kind !== 'settled') {
          for (const src of involved) {
            const first = src.items[0]!.offset;
            if (src !== current) unpark(parkKey(src.topic, partition));
            if (outcome.kind === 'failed') retry.later(src.topic, partition, first, outcome.failure.stage, outcome.failure.error);
            else if (src.topic !== outcome.seekTo.topic) port.seek(src.topic, partition, first);
          }
          if (outcome.kind === 'rewind') {
            batch.rewind(outcome.seekTo.topic, outcome.seekTo.offset);
            aligner.rewound(outcome.seekTo.topic, partition, BigInt(outcome.seekTo.offset));
            // Topics rewound besides the call's: what they hold in memory is past the rewind, so it is dropped.
            for (const also of outcome.also ?? []) {
              unpark(parkKey(also.topic, partition));
              batch.rewind(also.topic, also.offset);
              aligner.rewound(also.topic, partition, BigInt(also.offset));
            }
            if (outcome.also?.some((a) => a.topic === current.topic)) return undefined;
          }
          if (involved.includes(current)) return undefined;
          break; // merge again without them
        }
        for (const t of outcome.progress) aligner.handled(t.topic, partition, t.next, t.lastTime);
        for (const src of involved) {
          const n = call.filter((c) => c.source === src).length;
          const after = (BigInt(src.items[n - 1]!.offset) + 1n).toString();
          src.items = src.items.slice(n);
          if (src === current) {
            batch.resolve((BigInt(after) - 1n).toString());
            from = after;
            continue;
          }
          // A parked partition: the position to fetch from (and commit) once it resumes.
          await topUp(src);
          const position = firstUnhandled(src) ?? after;
          port.seek(src.topic, partition, position);
          metrics.consumerLag.set({ topic: src.topic, partition: String(partition) }, Number(BigInt(src.highWatermark) - BigInt(position)));
          if (src.items.length > 0) continue;
          unpark(parkKey(src.topic, partition));
          if (src.failed) retry.later(src.topic, partition, src.failed.offset, 'decode', src.failed.error);
        }
        await batch.checkpoint();
      }
    }
  }

  return {
    assigned(assignment) {
      for (const key of [...parked.keys()]) unpark(key);
      seeding = o.positions(assignment)
        .then((seeds) => aligner.reset(seeds))
        .catch((err: unknown) => {
          aligner.reset();
          log.warn({ err }, 'could not read the assigned partitions\' offsets: aligning by what is fetched only');
        });
    },
    isParked: (topic, partition) => parked.has(parkKey(topic, partition)),
    async run(batch, fetched) {
      const { topic, partition } = batch;
      await seeding;
      aligner.fetched(topic, partition, BigInt(fetched.from), BigInt(fetched.highWatermark));
      const current: Source<E> = {
        topic, partition, items: [], pending: fetched.messages, lastOffset: fetched.lastOffset, highWatermark: fetched.highWatermark,
      };
      return alignedRun(batch, current, fetched.from);
    },
    stop() {
      for (const p of parked.values()) clearTimeout(p.timer);
      parked.clear();
    },
  };
}

/** The port readPositions reads offsets through (a kafkajs Admin). */
export interface OffsetsPort {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  fetchOffsets(o: { groupId: string; topics: string[] }): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
  fetchTopicOffsets(topic: string): Promise<Array<{ partition: number; low: string; high: string }>>;
}

/**
 * Where each assigned topic-partition resumes (the group's committed offset, else where a group without one starts,
 * never below the log start) and its log end.
 */
export async function readPositions(
  admin: OffsetsPort,
  groupId: string,
  assignment: Record<string, number[]>,
  fromBeginning: boolean,
): Promise<Seed[]> {
  await admin.connect();
  try {
    const topics = Object.keys(assignment);
    const committed = await admin.fetchOffsets({ groupId, topics });
    const seeds: Seed[] = [];
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      for (const partition of assignment[topic] ?? []) {
        const end = ends.find((e) => e.partition === partition);
        if (!end) continue;
        const [low, high] = [BigInt(end.low), BigInt(end.high)];
        const offset = committed.find((c) => c.topic === topic)?.partitions.find((c) => c.partition === partition)?.offset;
        const next = offset !== undefined && offset !== '-1' ? BigInt(offset) : fromBeginning ? low : high;
        seeds.push({ topic, partition, next: next < low ? low : next, end: high });
      }
    }
    return seeds;
  } finally {
    await admin.disconnect();
  }
}
