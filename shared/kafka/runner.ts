// The consumer runner every service shares. It owns the Kafka side of "nothing lost, nothing skipped, bad input
// never stops a partition", so services only write a decode function and a batch handler.
//
// Per fetched batch (one topic-partition), in calls of at most maxRecordsPerCall records: decode, hand the good
// records to the handler, dead-letter the poison ones (runner/settle.ts); then resolve, commit if due, heartbeat
// (runner/batch.ts, which also holds the handler's contract). Any other failure settles the records decoded before
// it and pauses only that topic-partition for a capped exponential backoff (runner/partition-retry.ts), so handlers
// must be idempotent per offset. Records go in offset order (runner/offset-order.ts) or, with `align`, partition p
// of the input topics in event-time order, what must wait parked in memory (runner/alignment.ts, deciding by
// event-time-aligner.ts). This file wires them to a kafkajs consumer and is the public entry.
import type { Consumer, EachBatchPayload, Kafka, PartitionAssigner } from 'kafkajs';
import type { EventSerde } from '../contracts/serde.ts';
import { recordKeyOf, type AnyEvent, type EventOf, type TopicSpec } from '../contracts/topics.ts';
import { PoisonRecordError } from '../errors.ts';
import { ConsumerHealth } from '../health.ts';
import type { Logger } from '../logger.ts';
import { initialiseRunnerCounters, type RunnerMetrics } from '../metrics.ts';
import { CopartitionAssigner } from './copartition-assigner.ts';
import type { DlqPublisher } from './dlq.ts';
import { createAlignment, readPositions } from './runner/alignment.ts';
import {
  ConsumerApiError,
  consumerPort,
  openBatch,
  partitionLanes,
  type Decode,
  type HandleBatch,
  type PartitionPort,
} from './runner/batch.ts';
import { runInOffsetOrder } from './runner/offset-order.ts';
import { createPartitionRetry } from './runner/partition-retry.ts';
import { createSettler } from './runner/settle.ts';

export type { BatchContext, ConsumedRecord, Decode, HandleBatch } from './runner/batch.ts';

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
  /** Epoch ms, for the event-time lag. Default Date.now. */
  now?: () => number;
}

export interface Runner {
  readonly health: ConsumerHealth;
  /** Stops fetching, lets the in-flight chunk finish and commit, leaves the group, disconnects. Idempotent. */
  stop(): Promise<void>;
}

export async function startRunner<E>(opts: RunnerOptions<E>): Promise<Runner> {
  const { kafka, groupId, dlq, metrics } = opts;
  const maxRecords = opts.maxRecordsPerCall ?? 1000;
  const health = new ConsumerHealth(`consumer:${groupId}`);
  const inLane = partitionLanes();
  const log = opts.logger.child({ component: 'runner', groupId });
  const fromBeginning = opts.fromBeginning ?? true;

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
  const port = countingPaused(consumerPort(consumer), consumer, opts.topics, metrics);
  initialiseRunnerCounters(metrics, opts.topics);
  const retry = createPartitionRetry({
    port,
    initialMs: opts.retry?.initialMs ?? 250,
    maxMs: opts.retry?.maxMs ?? 30_000,
    metrics,
    log,
  });
  const settler = createSettler<E>({
    decode: opts.decode,
    handleBatch: opts.handleBatch,
    dlq,
    metrics,
    log,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.align ? { eventTime: opts.align.eventTime } : {}),
  });
  const alignment = opts.align
    ? createAlignment<E>({
        topics: opts.topics,
        maxIdleMs: opts.align.maxIdleMs,
        mixedTopics: opts.align.mixedTopics ?? false,
        maxRecords,
        port,
        settler,
        retry,
        metrics,
        log,
        positions: async (assignment) => readPositions(kafka.admin(), groupId, assignment, fromBeginning),
        inLane,
      })
    : undefined;

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    metrics.groupJoins.inc();
    // Partitions this member no longer owns must not report a stale lag.
    metrics.consumerLag.reset();
    metrics.consumerLagSeconds.reset();
    port.countPaused();
    health.joined();
    log.info({ memberId: payload.memberId, assignment: payload.memberAssignment }, 'joined consumer group');
    alignment?.assigned(payload.memberAssignment); // the new assignment starts from the committed positions
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

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    if (alignment?.isParked(topic, partition)) return;
    const endTimer = metrics.batchDuration.startTimer({ topic });
    metrics.batchSize.observe({ topic }, batch.messages.length);
    const first = batch.firstOffset() ?? batch.lastOffset();
    // The offset this batch was fetched from (kafkajs keeps it on the batch but does not type it).
    const from = (batch as unknown as { fetchedOffset?: string }).fetchedOffset ?? first;
    const current = openBatch(topic, partition, payload, { port, log, onCheckpoint: () => retry.succeeded(topic, partition) });
    const { messages, highWatermark } = batch;
    const position = alignment
      ? await alignment.run(current, { messages, from, lastOffset: batch.lastOffset(), highWatermark })
      : await runInOffsetOrder(current, messages, from, { settler, retry, maxRecords });
    const next = position ?? first;
    metrics.consumerLag.set({ topic, partition: String(partition) }, Number(BigInt(highWatermark) - BigInt(next)));
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
        retry.stop();
        alignment?.stop();
        await consumer.disconnect();
        await dlq.stop();
        health.stopped();
        log.info('consumer stopped');
      })();
      return stopping;
    },
  };
}

/**
 * The consumer's port, keeping the paused-partitions gauge of every topic at what kafkajs holds paused after each
 * pause and resume (retries and event-time alignment both pause through it).
 */
function countingPaused(
  port: PartitionPort,
  consumer: Pick<Consumer, 'paused'>,
  topics: readonly string[],
  metrics: Pick<RunnerMetrics, 'pausedPartitions'>,
): PartitionPort & { countPaused(): void } {
  const countPaused = () => {
    const paused = new Map(consumer.paused().map((tp) => [tp.topic, tp.partitions.length]));
    for (const topic of topics) metrics.pausedPartitions.set({ topic }, paused.get(topic) ?? 0);
  };
  countPaused();
  return {
    countPaused,
    seek: port.seek,
    pause(topic, partition) {
      port.pause(topic, partition);
      countPaused();
    },
    resume(topic, partition) {
      port.resume(topic, partition);
      countPaused();
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

/**
 * The Decode of a service: the serde over its input topics' specs, then the key check. A customer's event keyed by
 * anything but its customerId (or by nothing) is poison, KeyMismatch: applied, it would put part of the customer's
 * state on another partition. A topic outside the specs is a wiring bug.
 */
export function specDecoder<S extends TopicSpec>(serde: Pick<EventSerde, 'decode'>, specs: readonly S[]): Decode<EventOf<S>> {
  const byName = new Map<string, S>(specs.map((s) => [s.name, s]));
  return async (topic, value, key) => {
    const spec = byName.get(topic);
    if (!spec) throw new Error(`no topic spec for ${topic}`);
    const event: AnyEvent = await serde.decode(spec, value);
    const expected = recordKeyOf(event);
    if (expected !== undefined && !key?.equals(Buffer.from(expected))) {
      throw new PoisonRecordError(
        'KeyMismatch',
        `${event.eventType} ${event.eventId} of customer ${JSON.stringify(expected)} has ${keyText(key)}, not its customerId`,
      );
    }
    return event as EventOf<S>;
  };
}

/** Keys are ids, so short: a longer one is cut in the error message. */
const MAX_KEY_TEXT = 100;

function keyText(key: Buffer | null): string {
  if (key === null) return 'no key';
  const text = key.toString('utf8');
  return `key ${JSON.stringify(text.length > MAX_KEY_TEXT ? `${text.slice(0, MAX_KEY_TEXT)}...` : text)}`;
}
