// The batch contract between the runner and a service's handler: what a handler is given, and what follows a call
// that settled (resolve, commit if due, heartbeat), written once for both orders records are handed over in (offset
// order, event-time order). Also the port the runner's modules steer a topic-partition through, so each is tested
// with a fake consumer, and the lanes that keep batches of one partition number from overlapping.
import type { Consumer, EachBatchPayload, IHeaders } from 'kafkajs';
import type { Logger } from '../../logger.ts';

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

/**
 * Turns a record's value into an event, checked against the record's key, or throws PoisonRecordError (DLQ) or
 * TransientError (retry).
 */
export type Decode<E> = (topic: string, value: Buffer | null, key: Buffer | null) => Promise<E>;

/**
 * Applies a chunk of one topic-partition's records, in offset order (with align.mixedTopics: of several topics of one
 * partition, in event-time order, each topic's in offset order); resolves once their effects are durable.
 * It may instead ask to rewind a topic-partition to an earlier offset (its store of record is behind what Kafka
 * delivered, e.g. a state store that came back empty): nothing of the chunk is resolved and consumption resumes there.
 * `topic` names it when the chunk mixes topics (default: ctx.topic). `rewindAlso` rewinds other topics of the
 * partition too, to the offsets given (a lost state is replayed from every input, also from a topic with nothing new
 * to deliver, which would otherwise never be read again).
 */
export type HandleBatch<E> = (
  records: ReadonlyArray<ConsumedRecord<E>>,
  ctx: BatchContext,
) => Promise<void | { seekTo: string; topic?: string; rewindAlso?: Readonly<Record<string, string>> }>;

/** What the runner's modules do to one topic-partition of the consumer. */
export interface PartitionPort {
  pause(topic: string, partition: number): void;
  seek(topic: string, partition: number, offset: string): void;
  resume(topic: string, partition: number): void;
}

export const consumerPort = (consumer: Pick<Consumer, 'pause' | 'seek' | 'resume'>): PartitionPort => ({
  pause: (topic, partition) => consumer.pause([{ topic, partitions: [partition] }]),
  seek: (topic, partition, offset) => consumer.seek({ topic, partition, offset }),
  resume: (topic, partition) => consumer.resume([{ topic, partitions: [partition] }]),
});

/** An error from the consumer itself (rebalance, lost membership): kafkajs must see it, not our retry loop. */
export class ConsumerApiError extends Error {
  constructor(readonly original: unknown) {
    super('consumer API call failed', { cause: original });
  }
}

/** Wraps a consumer API call so its failure reaches kafkajs instead of our retry loop. */
async function consumerCall(call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (error) {
    throw new ConsumerApiError(error);
  }
}

/** The part of kafkajs' eachBatch payload a batch steers. */
export type BatchPayload = Pick<EachBatchPayload, 'resolveOffset' | 'commitOffsetsIfNecessary' | 'heartbeat' | 'isRunning' | 'isStale'>;

/** One fetched batch of a topic-partition, as the runner's modules see it. */
export interface Batch {
  readonly topic: string;
  readonly partition: number;
  /** Whether to start another call: the runner is running and the partition's position did not move under it. */
  live(): boolean;
  /** The handler's context for a call of partition records; `fromOffsets` names every topic of the call. */
  context(topic: string, fromOffsets: Readonly<Record<string, string>>): BatchContext;
  /** Records of the batch's topic-partition up to `offset` are settled. */
  resolve(offset: string): void;
  /** After a call settled: the partition's retries start over, offsets are committed if due, the group heartbeats. */
  checkpoint(): Promise<void>;
  /** The handler asked to consume `topic` of the partition again from `offset`. */
  rewind(topic: string, offset: string): void;
}

export interface BatchDeps {
  port: PartitionPort;
  log: Logger;
  /** A call of the batch settled (the partition's retry attempts start over). */
  onCheckpoint: () => void;
}

export function openBatch(topic: string, partition: number, payload: BatchPayload, deps: BatchDeps): Batch {
  return {
    topic,
    partition,
    live: () => payload.isRunning() && !payload.isStale(),
    context: (callTopic, fromOffsets) => ({
      topic: callTopic,
      partition,
      heartbeat: () => consumerCall(() => payload.heartbeat()),
      isRunning: () => payload.isRunning(),
      isStale: () => payload.isStale(),
      fromOffset: fromOffsets[callTopic]!,
      fromOffsets,
    }),
    resolve: (offset) => payload.resolveOffset(offset),
    async checkpoint() {
      deps.onCheckpoint();
      await consumerCall(() => payload.commitOffsetsIfNecessary());
      await consumerCall(() => payload.heartbeat());
    },
    rewind(target, offset) {
      deps.log.warn({ topic: target, partition, to: offset }, 'handler asked to rewind the partition');
      deps.port.seek(target, partition, offset);
    },
  };
}

export type Lanes = <T>(partition: number, work: () => Promise<T>) => Promise<T>;

/** Serializes work per partition number, so concurrent batches of co-partitioned topics never overlap. */
export function partitionLanes(): Lanes {
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
