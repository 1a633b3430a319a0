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
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage, PartitionAssigner } from 'kafkajs';
import type { EventSerde } from '../contracts/serde.ts';
import type { EventOf, TopicSpec } from '../contracts/topics.ts';
import { TransientError, isPoison } from '../errors.ts';
import { ConsumerHealth } from '../health.ts';
import type { Logger } from '../logger.ts';
import type { RunnerMetrics } from '../metrics.ts';
import { CopartitionAssigner } from './copartition-assigner.ts';
import type { DeadLetter, DlqPublisher } from './dlq.ts';

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
}

/** Turns a record value into an event, or throws PoisonRecordError (DLQ) or TransientError (retry). */
export type Decode<E> = (topic: string, value: Buffer | null) => Promise<E>;

/**
 * Applies a chunk of one topic-partition's records, in offset order; resolves once their effects are durable.
 * It may instead ask to rewind the partition to an earlier offset (its store of record is behind what Kafka
 * delivered, e.g. a state store that came back empty): nothing of the chunk is resolved and consumption resumes there.
 */
export type HandleBatch<E> = (
  records: ReadonlyArray<ConsumedRecord<E>>,
  ctx: BatchContext,
) => Promise<void | { seekTo: string }>;

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
}

export interface Runner {
  readonly health: ConsumerHealth;
  /** Stops fetching, lets the in-flight chunk finish and commit, leaves the group, disconnects. Idempotent. */
  stop(): Promise<void>;
}

type Stage = 'decode' | 'handle' | 'dlq';

/** A chunk either settles completely, or settles a prefix and fails at the record after it. */
interface ChunkOutcome {
  settled: number;
  failure?: { stage: Stage; error: unknown };
  /** The handler asked to rewind the partition here; nothing of the chunk settled. */
  seekTo?: string;
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

  async function processChunk(
    topic: string,
    partition: number,
    chunk: readonly KafkaMessage[],
    ctx: BatchContext,
  ): Promise<ChunkOutcome> {
    const good: Array<ConsumedRecord<E>> = [];
    const poison: DeadLetter[] = [];
    let decoded = chunk.length;
    let failure: ChunkOutcome['failure'];
    for (const [i, m] of chunk.entries()) {
      try {
        good.push(toRecord(topic, partition, m, await decode(topic, m.value)));
      } catch (error) {
        if (!isPoison(error)) {
          decoded = i;
          failure = { stage: 'decode', error };
          break;
        }
        const { offset, timestamp, value } = m;
        poison.push({ topic, partition, offset, timestamp, key: m.key ?? null, value, headers: m.headers ?? {}, error });
      }
    }
    if (decoded === 0) return { settled: 0, failure };
    try {
      const handled = good.length > 0 ? await handleBatch(good, ctx) : undefined;
      if (handled) return { settled: 0, seekTo: handled.seekTo };
    } catch (error) {
      if (error instanceof ConsumerApiError) throw error;
      return { settled: 0, failure: { stage: 'handle', error } };
    }
    try {
      await dlq.publish(poison);
    } catch (error) {
      return { settled: 0, failure: { stage: 'dlq', error } };
    }
    for (const p of poison) {
      metrics.dlqRecords.inc({ topic, error_class: p.error.errorClass });
      log.warn(
        { topic, partition, offset: p.offset, errorClass: p.error.errorClass, error: p.error.message },
        'poison record sent to the DLQ',
      );
    }
    return { settled: decoded, failure };
  }

  /** Pause the partition, rewind it to `offset` and resume it after the backoff. */
  function retryLater(topic: string, partition: number, offset: string, stage: Stage, error: unknown): void {
    const key = `${topic}:${partition}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const delayMs = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
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
    const ctx: Omit<BatchContext, 'fromOffset'> = {
      topic,
      partition,
      heartbeat: () => consumerCall(() => payload.heartbeat()),
      isRunning: () => payload.isRunning(),
      isStale: () => payload.isStale(),
    };
    const endTimer = metrics.batchDuration.startTimer({ topic });
    let next = batch.firstOffset() ?? batch.lastOffset();
    // The offset this batch was fetched from (kafkajs keeps it on the batch but does not type it).
    let from = (batch as unknown as { fetchedOffset?: string }).fetchedOffset ?? next;
    for (let i = 0; i < batch.messages.length; i += maxRecords) {
      if (!payload.isRunning() || payload.isStale()) break;
      const chunk = batch.messages.slice(i, i + maxRecords);
      const { settled, failure, seekTo } = await processChunk(topic, partition, chunk, { ...ctx, fromOffset: from });
      from = (BigInt(chunk[chunk.length - 1]!.offset) + 1n).toString();
      if (seekTo !== undefined) {
        log.warn({ topic, partition, from: chunk[0]!.offset, to: seekTo }, 'handler asked to rewind the partition');
        consumer.seek({ topic, partition, offset: seekTo });
        break;
      }
      if (settled > 0) {
        const last = chunk[settled - 1]!.offset;
        payload.resolveOffset(last);
        next = (BigInt(last) + 1n).toString();
        metrics.recordsConsumed.inc({ topic }, settled);
      }
      if (failure) {
        retryLater(topic, partition, chunk[settled]!.offset, failure.stage, failure.error);
        break;
      }
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
    await consumer.subscribe({ topics: [...opts.topics], fromBeginning: opts.fromBeginning ?? true });
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
