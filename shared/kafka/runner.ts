// The consumer runner every service shares. It owns the Kafka side of "nothing lost, nothing skipped, bad input
// never stops a partition", so services only write a decode function and a batch handler.
//
// Per fetched batch (one topic-partition), in chunks of at most maxRecordsPerCall records:
//   1. decode every record; a PoisonRecordError marks that record for the DLQ;
//   2. handleBatch(the good records), then publish the poison ones to the DLQ (acks all);
//   3. resolve the chunk's last offset, commit if due, heartbeat.
// Any other failure (a TransientError from decode, handler or DLQ, or any unexpected error, which we refuse to guess
// about) settles the records decoded before it, then pauses the topic-partition, seeks back to the first unsettled
// record and resumes after a capped exponential backoff; other partitions go on meanwhile. A retry re-runs the
// handler for the records of the failed chunk, so handlers must be idempotent per offset (ours fence on the applied
// offset in Redis or Postgres); the DLQ goes last so a retry never writes a dead letter twice.
//
// With `align`, partition p of the input topics is handled in event-time order (see event-time-aligner.ts): the
// batch's records and those of the partition's other topics waiting in memory are merged by event time and handed
// over as far as no lagging topic may still deliver an earlier record. What must wait stays in memory (decoded a
// chunk at a time), its topic-partition paused at its first record, until a later batch of the partition lets it go,
// or align.maxIdleMs passed and it is dropped and fetched again. A topic known to lag is always waited for, so a
// replay is handled in the same order however loaded the machine is.
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage, PartitionAssigner } from 'kafkajs';
import type { EventSerde } from '../contracts/serde.ts';
import type { EventOf, TopicSpec } from '../contracts/topics.ts';
import { TransientError, isPoison } from '../errors.ts';
import { ConsumerHealth } from '../health.ts';
import type { Logger } from '../logger.ts';
import type { RunnerMetrics } from '../metrics.ts';
import { backoffMs } from '../retry.ts';
import { CopartitionAssigner } from './copartition-assigner.ts';
import type { DeadLetter, DlqPublisher } from './dlq.ts';
import { EventTimeAligner } from './event-time-aligner.ts';

export interface ConsumedRecord<E> {
  topic: string;
  partition: number;
  offset: string;
  /** Broker or producer timestamp, epoch ms. Event time is the event's own occurredAt. */
  timestamp: number;
  key: Buffer | null;
  /** The original bytes, so a service can dead-letter an event its domain rejects byte for byte. */
  value: Buffer | null;
  headers: IHeaders;
  event: E;
}

export interface BatchContext {
  topic: string;
  partition: number;
  /** Call between long steps so the group does not evict this member. */
  heartbeat(): Promise<void>;
  /** False once stop() has begun: finish what is in hand, start nothing new. */
  isRunning(): boolean;
  /** True when this partition's position moved under the batch (seek, rebalance): its results will be redone. */
  isStale(): boolean;
  /**
   * The consumer's position before this call's records: every offset below it is settled. Offsets between it and the
   * first record handed over were not handed over (poison records bound for the DLQ, records compacted away), so a
   * handler that tracks applied offsets must not mistake them for a gap.
   */
  fromOffset: string;
  /** fromOffset per topic of the call's records (a call mixes the topics of a partition when align.mixedTopics). */
  fromOffsets: Readonly<Record<string, string>>;
}

/** Turns a record value into an event, or throws PoisonRecordError (DLQ) or TransientError (retry). */
export type Decode<E> = (topic: string, value: Buffer | null) => Promise<E>;

/**
 * Applies a chunk of one topic-partition's records, in offset order (with align.mixedTopics: of several topics of one
 * partition, in event-time order, each topic's in offset order); resolves once their effects are durable.
 * It may instead ask to rewind a topic-partition to an earlier offset (its store of record is behind what Kafka
 * delivered, e.g. a state store that came back empty): nothing of the chunk is resolved and consumption resumes there.
 * `topic` names it when the chunk mixes topics (default: ctx.topic).
 */
export type HandleBatch<E> = (
  records: ReadonlyArray<ConsumedRecord<E>>,
  ctx: BatchContext,
) => Promise<void | { seekTo: string; topic?: string }>;

export interface RunnerOptions<E> {
  kafka: Kafka;
  groupId: string;
  topics: readonly string[];
  decode: Decode<E>;
  handleBatch: HandleBatch<E>;
  /** Started and stopped by the runner. */
  dlq: DlqPublisher;
  metrics: RunnerMetrics;
  logger: Logger;
  /** Default: CopartitionAssigner, so one member owns partition p of every topic. */
  partitionAssigners?: PartitionAssigner[];
  /** Where a group without committed offsets starts. Default true: a new service reads the whole history. */
  fromBeginning?: boolean;
  /** Largest chunk handed to handleBatch at once. Default 1000. */
  maxRecordsPerCall?: number;
  /** Backoff after a transient failure: initialMs doubling per consecutive failure, capped at maxMs. */
  retry?: { initialMs?: number; maxMs?: number };
  fetch?: { minBytes?: number; maxWaitTimeInMs?: number; maxBytesPerPartition?: number };
  /**
   * Batches handled at once. Batches of the same partition number (different topics) never overlap, so a handler
   * owns its partition's state while it runs. Default 1.
   */
  partitionsConsumedConcurrently?: number;
  sessionTimeout?: number;
  heartbeatInterval?: number;
  /** Called when the consumer crashed and kafkajs will not restart it: the process should exit and be restarted. */
  onFatal?: (error: Error) => void;
  /**
   * Handle partition p of the input topics in event-time order; maxIdleMs is how long parked records stay in memory
   * before they are fetched again (a lagging topic is waited for however long it takes). With
   * mixedTopics the handler takes records of several topics in one call (fewer, larger calls when topics interleave).
   */
  align?: { eventTime: (event: E) => number; maxIdleMs: number; mixedTopics?: boolean };
}

export interface Runner {
  readonly health: ConsumerHealth;
  /** Stops fetching, lets the in-flight chunk finish and commit, leaves the group, disconnects. Idempotent. */
  stop(): Promise<void>;
}

type Stage = 'decode' | 'handle' | 'dlq';
type Failure = { stage: Stage; error: unknown };

/** One decoded record: for the handler, or a dead letter; with its event time when aligning. */
interface Item<E> {
  topic: string;
  offset: string;
  record?: ConsumedRecord<E>;
  poison?: DeadLetter;
  time?: number;
}

/** A chunk's records decoded up to the first transient failure. */
interface Decoded<E> {
  items: Array<Item<E>>;
  failure?: Failure;
}

/** Items either settle, fail (nothing of them settled), or the handler asks to rewind (nothing settled). */
interface Settled {
  failure?: Failure;
  seekTo?: { topic: string; offset: string };
}

/**
 * A topic-partition's fetched records held in memory while aligning: the batch at hand, or a parked one (its
 * topic-partition paused) waiting for its turn in event-time order.
 */
interface Source<E> {
  topic: string;
  partition: number;
  /** Decoded, in offset order; `pending` follows them, decoded a chunk at a time as they run out. */
  items: Array<Item<E>>;
  pending: KafkaMessage[];
  /** A record of `pending` failed to decode transiently: nothing from it on is in memory; retried once reached. */
  failed?: { offset: string; error: unknown };
  /** Offset of the batch's last record, and its high watermark: whether the topic holds more, and the lag gauge. */
  lastOffset: string;
  highWatermark: string;
  timer?: NodeJS.Timeout;
}

/** An error from the consumer itself (rebalance, lost membership): kafkajs must see it, not our retry loop. */
class ConsumerApiError extends Error {
  constructor(readonly original: unknown) {
    super('consumer API call failed', { cause: original });
  }
}

/** Serializes work per partition number, so concurrent batches of co-partitioned topics never overlap. */
function partitionLanes() {
  const lanes = new Map<number, Promise<unknown>>();
  return async <T>(partition: number, work: () => Promise<T>): Promise<T> => {
    const previous = lanes.get(partition) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(work);
    lanes.set(partition, current);
    try {
      return await current;
    } finally {
      if (lanes.get(partition) === current) lanes.delete(partition);
    }
  };
}

export async function startRunner<E>(opts: RunnerOptions<E>): Promise<Runner> {
  const { kafka, groupId, decode, handleBatch, dlq, metrics, logger } = opts;
  const maxRecords = opts.maxRecordsPerCall ?? 1000;
  const initialMs = opts.retry?.initialMs ?? 250;
  const maxMs = opts.retry?.maxMs ?? 30_000;
  const health = new ConsumerHealth(`consumer:${groupId}`);
  const attempts = new Map<string, number>();
  const resumeTimers = new Map<string, NodeJS.Timeout>();
  const inLane = partitionLanes();
  const log = logger.child({ component: 'runner', groupId });
  const fromBeginning = opts.fromBeginning ?? true;
  const align = opts.align;
  const aligner = align ? new EventTimeAligner(opts.topics) : undefined;
  const parked = new Map<string, Source<E>>();
  let seeding: Promise<void> = Promise.resolve();

  const consumer: Consumer = kafka.consumer({
    groupId,
    partitionAssigners: opts.partitionAssigners ?? [CopartitionAssigner],
    allowAutoTopicCreation: false,
    minBytes: opts.fetch?.minBytes ?? 1,
    maxWaitTimeInMs: opts.fetch?.maxWaitTimeInMs ?? 500,
    maxBytesPerPartition: opts.fetch?.maxBytesPerPartition ?? 1_048_576,
    ...(opts.sessionTimeout === undefined ? {} : { sessionTimeout: opts.sessionTimeout }),
    ...(opts.heartbeatInterval === undefined ? {} : { heartbeatInterval: opts.heartbeatInterval }),
  });

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    metrics.groupJoins.inc();
    metrics.consumerLag.reset(); // partitions this member no longer owns must not report a stale lag
    health.joined();
    log.info({ memberId: payload.memberId, assignment: payload.memberAssignment }, 'joined consumer group');
    if (aligner) {
      for (const key of [...parked.keys()]) unpark(key); // the new assignment starts from the committed positions
      seeding = seedAligner(payload.memberAssignment).catch((err: unknown) => {
        aligner.reset();
        log.warn({ err }, 'could not read the assigned partitions\' offsets: aligning by what is fetched only');
      });
    }
  });
  consumer.on(consumer.events.REBALANCING, () => {
    metrics.rebalances.inc();
    health.rebalancing();
  });
  consumer.on(consumer.events.STOP, () => health.stopped());
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    metrics.crashes.inc();
    health.crashed(payload.error, payload.restart);
    log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
    if (!payload.restart) opts.onFatal?.(payload.error);
  });

  const toRecord = (topic: string, partition: number, m: KafkaMessage, event: E): ConsumedRecord<E> => ({
    topic,
    partition,
    offset: m.offset,
    timestamp: Number(m.timestamp),
    key: m.key ?? null,
    value: m.value ?? null,
    headers: m.headers ?? {},
    event,
  });

  /** Decodes a chunk in offset order up to the first record that fails transiently (returned as `failure`). */
  async function decodeChunk(topic: string, partition: number, chunk: readonly KafkaMessage[]): Promise<Decoded<E>> {
    const items: Array<Item<E>> = [];
    for (const m of chunk) {
      try {
        const record = toRecord(topic, partition, m, await decode(topic, m.value));
        items.push({ topic, offset: m.offset, record, ...(align ? { time: align.eventTime(record.event) } : {}) });
      } catch (error) {
        if (!isPoison(error)) return { items, failure: { stage: 'decode', error } };
        const { offset, timestamp, value } = m;
        items.push({ topic, offset, poison: { topic, partition, offset, timestamp, key: m.key ?? null, value, headers: m.headers ?? {}, error } });
      }
    }
    return { items };
  }

  /** Hands decoded items (of one partition) to the handler, then their poison records to the DLQ. */
  async function settle(items: ReadonlyArray<Item<E>>, ctx: BatchContext): Promise<Settled> {
    const good = items.flatMap((i) => (i.record ? [i.record] : []));
    const poison = items.flatMap((i) => (i.poison ? [i.poison] : []));
    try {
      const handled = good.length > 0 ? await handleBatch(good, ctx) : undefined;
      if (handled) return { seekTo: { topic: handled.topic ?? ctx.topic, offset: handled.seekTo } };
    } catch (error) {
      if (error instanceof ConsumerApiError) throw error;
      return { failure: { stage: 'handle', error } };
    }
    try {
      await dlq.publish(poison);
    } catch (error) {
      return { failure: { stage: 'dlq', error } };
    }
    for (const p of poison) {
      metrics.dlqRecords.inc({ topic: p.topic, error_class: p.error.errorClass });
      log.warn(
        { topic: p.topic, partition: p.partition, offset: p.offset, errorClass: p.error.errorClass, error: p.error.message },
        'poison record sent to the DLQ',
      );
    }
    const byTopic = new Map<string, { count: number; next: bigint; lastTime?: number }>();
    for (const i of items) {
      const t = byTopic.get(i.topic) ?? { count: 0, next: 0n };
      t.count++;
      t.next = BigInt(i.offset) + 1n;
      if (i.time !== undefined && (t.lastTime === undefined || i.time > t.lastTime)) t.lastTime = i.time;
      byTopic.set(i.topic, t);
    }
    for (const [topic, t] of byTopic) {
      metrics.recordsConsumed.inc({ topic }, t.count);
      aligner?.handled(topic, ctx.partition, t.next, t.lastTime);
    }
    return {};
  }

  const parkKey = (topic: string, partition: number) => `${topic}:${partition}`;

  /**
   * Keeps decoded records that must wait for another topic of the partition, and pauses their topic-partition at the
   * first of them (the seek commits that position once it is fetched again). They are handled from memory when their
   * turn comes, or dropped and fetched again after align.maxIdleMs.
   */
  function park(source: Source<E>): void {
    const { topic, partition } = source;
    metrics.alignmentWaits.inc({ topic, outcome: 'waiting' });
    consumer.pause([{ topic, partitions: [partition] }]);
    consumer.seek({ topic, partition, offset: firstUnhandled(source)! });
    const key = parkKey(topic, partition);
    clearTimeout(parked.get(key)?.timer);
    source.timer = setTimeout(() => void inLane(partition, async () => unpark(key)), align!.maxIdleMs);
    parked.set(key, source);
  }

  const firstUnhandled = (s: Source<E>): string | undefined => s.items[0]?.offset ?? s.pending[0]?.offset ?? s.failed?.offset;

  /** Whether the topic-partition holds records after those in memory. */
  const hasMore = (s: Source<E>): boolean =>
    s.pending.length > 0 || s.failed !== undefined || BigInt(s.lastOffset) + 1n < BigInt(s.highWatermark);

  /** Decodes the next chunk of a source whose decoded records ran out. */
  async function topUp(s: Source<E>): Promise<void> {
    if (s.items.length > 0 || s.pending.length === 0) return;
    const chunk = s.pending.slice(0, maxRecords);
    const { items, failure } = await decodeChunk(s.topic, s.partition, chunk);
    s.items = items;
    s.pending = failure ? [] : s.pending.slice(chunk.length);
    if (failure) s.failed = { offset: chunk[items.length]!.offset, error: failure.error };
  }

  /** Drops what waits in memory and resumes fetching from the first record not handled. */
  function unpark(key: string): void {
    const p = parked.get(key);
    if (!p) return;
    clearTimeout(p.timer);
    parked.delete(key);
    consumer.resume([{ topic: p.topic, partitions: [p.partition] }]);
  }

  /**
   * Handles partition p's records in memory (the batch's, `current`, and those parked) in event-time order, as far as
   * the aligner allows: one handler call at a time for them all with align.mixedTopics, else one per run of one topic.
   * What of `current` cannot go yet is parked. Returns the position of `current`'s topic-partition after what it
   * handled, or undefined when the batch must stop (its topic failed or was rewound).
   */
  async function alignedRun(payload: EachBatchPayload, current: Source<E>, fromOffset: string): Promise<string | undefined> {
    const { partition } = current;
    let from = fromOffset;
    for (;;) {
      if (!payload.isRunning() || payload.isStale()) return undefined;
      const waiting = [...parked.values()].filter((p) => p.partition === partition);
      for (const src of [current, ...waiting]) await topUp(src);
      const sources = [current, ...waiting].filter((s) => s.items.length > 0);
      const sequences = sources.map((p) => ({ topic: p.topic, times: p.items.map((i) => i.time), more: hasMore(p) }));
      const { order } = aligner!.merge(partition, sequences, maxRecords);
      if (order.length === 0) {
        if (current.items.length > 0) park(current);
        else if (current.failed) retryLater(current.topic, partition, current.failed.offset, 'decode', current.failed.error);
        return from;
      }
      // Each source's picks are its front records, in order; a call takes them in merged order.
      const picks = order.map(({ sequence, index }) => ({ source: sources[sequence]!, item: sources[sequence]!.items[index]! }));
      const calls: Array<typeof picks> = [];
      for (const pick of picks) {
        const last = calls[calls.length - 1];
        if (last && (align!.mixedTopics || last[0]!.source === pick.source)) last.push(pick);
        else calls.push([pick]);
      }
      for (const call of calls) {
        const involved = [...new Set(call.map((c) => c.source))];
        const fromOffsets = Object.fromEntries(involved.map((src) => [src.topic, src === current ? from : src.items[0]!.offset]));
        const topic = involved.includes(current) ? current.topic : involved[0]!.topic;
        const ctx = batchContext(topic, partition, payload, fromOffsets);
        const outcome = await settle(call.map((c) => c.item), ctx);
        if (outcome.failure || outcome.seekTo) {
          for (const src of involved) {
            const first = src.items[0]!.offset;
            if (src !== current) unpark(parkKey(src.topic, partition));
            if (outcome.failure) retryLater(src.topic, partition, first, outcome.failure.stage, outcome.failure.error);
            else if (src.topic !== outcome.seekTo!.topic) consumer.seek({ topic: src.topic, partition, offset: first });
          }
          if (outcome.seekTo) {
            const { topic: target, offset } = outcome.seekTo;
            log.warn({ topic: target, partition, to: offset }, 'handler asked to rewind the partition');
            consumer.seek({ topic: target, partition, offset });
          }
          if (involved.includes(current)) return undefined;
          break; // merge again without them
        }
        for (const src of involved) {
          const n = call.filter((c) => c.source === src).length;
          const after = (BigInt(src.items[n - 1]!.offset) + 1n).toString();
          src.items = src.items.slice(n);
          if (src === current) {
            payload.resolveOffset((BigInt(after) - 1n).toString());
            from = after;
            continue;
          }
          // A parked partition: the position to fetch from (and commit) once it resumes.
          await topUp(src);
          const position = firstUnhandled(src) ?? after;
          consumer.seek({ topic: src.topic, partition, offset: position });
          metrics.consumerLag.set({ topic: src.topic, partition: String(partition) }, Number(BigInt(src.highWatermark) - BigInt(position)));
          if (src.items.length > 0) continue;
          unpark(parkKey(src.topic, partition));
          if (src.failed) retryLater(src.topic, partition, src.failed.offset, 'decode', src.failed.error);
        }
        attempts.delete(`${current.topic}:${partition}`);
        await consumerCall(() => payload.commitOffsetsIfNecessary());
        await consumerCall(() => payload.heartbeat());
      }
    }
  }

  /** `fromOffsets` names every topic of the call; `topic` (the batch's, when it takes part) is among them. */
  const batchContext = (
    topic: string,
    partition: number,
    payload: EachBatchPayload,
    fromOffsets: Readonly<Record<string, string>>,
  ): BatchContext => ({
    topic,
    partition,
    heartbeat: () => consumerCall(() => payload.heartbeat()),
    isRunning: () => payload.isRunning(),
    isStale: () => payload.isStale(),
    fromOffset: fromOffsets[topic]!,
    fromOffsets,
  });

  /** Where each assigned topic-partition starts and ends, so a topic not fetched yet still counts as lagging. */
  async function seedAligner(assignment: Record<string, number[]>): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topics = Object.keys(assignment);
      const committed = await admin.fetchOffsets({ groupId, topics });
      const seeds = [];
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
      aligner!.reset(seeds);
    } finally {
      await admin.disconnect();
    }
  }

  /** Pause the partition, rewind it to `offset` and resume it after the backoff. */
  function retryLater(topic: string, partition: number, offset: string, stage: Stage, error: unknown): void {
    const key = `${topic}:${partition}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const delayMs = backoffMs(attempt, initialMs, maxMs);
    metrics.transientErrors.inc({ topic, stage });
    const fields = { topic, partition, offset, stage, attempt, delayMs, err: error };
    if (error instanceof TransientError) log.warn(fields, 'transient failure, partition paused for a retry');
    else log.error(fields, 'unexpected failure, treated as transient: partition paused for a retry');

    consumer.pause([{ topic, partitions: [partition] }]);
    consumer.seek({ topic, partition, offset });
    clearTimeout(resumeTimers.get(key));
    resumeTimers.set(
      key,
      setTimeout(() => {
        resumeTimers.delete(key);
        consumer.resume([{ topic, partitions: [partition] }]);
      }, delayMs),
    );
  }

  /** Wraps a consumer API call so its failure reaches kafkajs instead of our retry loop. */
  const consumerCall = async (call: () => Promise<void>): Promise<void> => {
    try {
      await call();
    } catch (error) {
      throw new ConsumerApiError(error);
    }
  };

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    // A batch fetched before its partition was parked: the records come again once it resumes.
    if (parked.has(parkKey(topic, partition))) return;
    const endTimer = metrics.batchDuration.startTimer({ topic });
    let next = batch.firstOffset() ?? batch.lastOffset();
    // The offset this batch was fetched from (kafkajs keeps it on the batch but does not type it).
    let from = (batch as unknown as { fetchedOffset?: string }).fetchedOffset ?? next;
    if (aligner) {
      await seeding;
      aligner.fetched(topic, partition, BigInt(from), BigInt(batch.highWatermark));
      const current: Source<E> = {
        topic, partition, items: [], pending: batch.messages, lastOffset: batch.lastOffset(), highWatermark: batch.highWatermark,
      };
      const position = await alignedRun(payload, current, from);
      if (position !== undefined) next = position;
    }
    for (let i = 0; !aligner && i < batch.messages.length; i += maxRecords) {
      if (!payload.isRunning() || payload.isStale()) break;
      const chunk = batch.messages.slice(i, i + maxRecords);
      const { items, failure } = await decodeChunk(topic, partition, chunk);
      if (items.length > 0) {
        const outcome = await settle(items, batchContext(topic, partition, payload, { [topic]: from }));
        if (outcome.seekTo) {
          log.warn({ topic, partition, from: items[0]!.offset, to: outcome.seekTo.offset }, 'handler asked to rewind the partition');
          consumer.seek({ topic, partition, offset: outcome.seekTo.offset });
          break;
        }
        if (outcome.failure) {
          retryLater(topic, partition, items[0]!.offset, outcome.failure.stage, outcome.failure.error);
          break;
        }
        const last = items[items.length - 1]!.offset;
        payload.resolveOffset(last);
        next = (BigInt(last) + 1n).toString();
      }
      if (failure) {
        retryLater(topic, partition, chunk[items.length]!.offset, failure.stage, failure.error);
        break;
      }
      from = (BigInt(chunk[chunk.length - 1]!.offset) + 1n).toString();
      attempts.delete(`${topic}:${partition}`);
      await consumerCall(() => payload.commitOffsetsIfNecessary());
      await consumerCall(() => payload.heartbeat());
    }
    metrics.consumerLag.set({ topic, partition: String(partition) }, Number(BigInt(batch.highWatermark) - BigInt(next)));
    endTimer();
  }

  await dlq.start();
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...opts.topics], fromBeginning });
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommitInterval: 1000,
      partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 1,
      eachBatch: async (payload) => {
        try {
          await inLane(payload.batch.partition, () => eachBatch(payload));
        } catch (error) {
          // kafkajs handles its own errors (a rebalance, a lost membership) by rejoining; hand them back unwrapped.
          throw error instanceof ConsumerApiError ? error.original : error;
        }
      },
    });
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    await dlq.stop().catch(() => undefined);
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    health,
    stop() {
      stopping ??= (async () => {
        for (const timer of resumeTimers.values()) clearTimeout(timer);
        resumeTimers.clear();
        for (const p of parked.values()) clearTimeout(p.timer);
        parked.clear();
        await consumer.disconnect();
        await dlq.stop();
        health.stopped();
        log.info('consumer stopped');
      })();
      return stopping;
    },
  };
}

/** The runner's fetch tuning from a service's config (see commonSpec). */
export function fetchOptions(config: {
  KAFKA_FETCH_MIN_BYTES: number;
  KAFKA_FETCH_MAX_WAIT_MS: number;
  KAFKA_MAX_BYTES_PER_PARTITION: number;
}): NonNullable<RunnerOptions<unknown>['fetch']> {
  return {
    minBytes: config.KAFKA_FETCH_MIN_BYTES,
    maxWaitTimeInMs: config.KAFKA_FETCH_MAX_WAIT_MS,
    maxBytesPerPartition: config.KAFKA_MAX_BYTES_PER_PARTITION,
  };
}

/** The Decode of a service: the serde over its input topics' specs. A topic outside them is a wiring bug. */
export function specDecoder<S extends TopicSpec>(serde: Pick<EventSerde, 'decode'>, specs: readonly S[]): Decode<EventOf<S>> {
  const byName = new Map<string, S>(specs.map((s) => [s.name, s]));
  return async (topic, value) => {
    const spec = byName.get(topic);
    if (!spec) throw new Error(`no topic spec for ${topic}`);
    return (await serde.decode(spec, value)) as EventOf<S>;
  };
}
