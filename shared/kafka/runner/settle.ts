// Settling records: decode each one, hand the good ones to the service's handler, then send the poison ones to the
// DLQ. Settled records are done with; any other outcome settles none of them, so a retry runs the handler again for
// all of them (handlers are idempotent per offset) and the DLQ goes last so a retry never writes a dead letter twice.
// Kafka positions are not its business: it says what happened and the caller moves the partition.
import type { KafkaMessage } from 'kafkajs';
import { isPoison } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { RunnerMetrics } from '../../metrics.ts';
import type { DeadLetter, DlqPublisher } from '../dlq.ts';
import { ConsumerApiError, type BatchContext, type ConsumedRecord, type Decode, type HandleBatch } from './batch.ts';

export type Stage = 'decode' | 'handle' | 'dlq';
export interface Failure {
  stage: Stage;
  error: unknown;
}

/** One decoded record: for the handler, or a dead letter; with its event time when aligning. */
export interface Item<E> {
  topic: string;
  offset: string;
  record?: ConsumedRecord<E>;
  poison?: DeadLetter;
  time?: number;
}

/** A chunk's records decoded up to the first transient failure. */
export interface Decoded<E> {
  items: Array<Item<E>>;
  failure?: Failure;
}

/** What settling did for one topic of the items: the position after them, and the latest event time among them. */
export interface TopicProgress {
  topic: string;
  count: number;
  next: bigint;
  lastTime?: number;
}

export type Settled =
  | { kind: 'settled'; progress: TopicProgress[] }
  /** Nothing of the items settled. */
  | { kind: 'failed'; failure: Failure }
  /** The handler asked to rewind: nothing of the items settled. */
  | { kind: 'rewind'; seekTo: { topic: string; offset: string }; also?: ReadonlyArray<{ topic: string; offset: string }> };

export interface SettlerOptions<E> {
  decode: Decode<E>;
  handleBatch: HandleBatch<E>;
  dlq: Pick<DlqPublisher, 'publish'>;
  metrics: Pick<RunnerMetrics, 'recordsConsumed' | 'dlqRecords' | 'consumerLagSeconds'>;
  log: Logger;
  /** When aligning: each decoded event's time. */
  eventTime?: (event: E) => number;
  /** Epoch ms, for the event-time lag. Default Date.now. */
  now?: () => number;
}

export interface Settler<E> {
  /** Decodes a chunk in offset order up to the first record that fails transiently (returned as `failure`). */
  decodeChunk(topic: string, partition: number, chunk: readonly KafkaMessage[]): Promise<Decoded<E>>;
  /** Hands decoded items (of one partition) to the handler, then their poison records to the DLQ. */
  settle(items: ReadonlyArray<Item<E>>, ctx: BatchContext): Promise<Settled>;
}

const toRecord = <E>(topic: string, partition: number, m: KafkaMessage, event: E): ConsumedRecord<E> => ({
  topic,
  partition,
  offset: m.offset,
  timestamp: Number(m.timestamp),
  key: m.key ?? null,
  value: m.value ?? null,
  headers: m.headers ?? {},
  event,
});

/**
 * An event's time for the event-time lag: the aligning eventTime, else the envelope's occurredAt (every contract
 * event has one); undefined for what has neither (a service's stand-in for an undecodable record).
 */
function lagTimeOf<E>(eventTime: ((event: E) => number) | undefined): (event: E) => number | undefined {
  if (eventTime) return eventTime;
  return (event) => {
    const t = (event as { occurredAt?: unknown } | null)?.occurredAt;
    return typeof t === 'number' ? t : undefined;
  };
}

export function createSettler<E>(o: SettlerOptions<E>): Settler<E> {
  const { decode, handleBatch, dlq, metrics, log, eventTime } = o;
  const now = o.now ?? Date.now;
  const lagTime = lagTimeOf(eventTime);
  return {
    async decodeChunk(topic, partition, chunk) {
      const items: Array<Item<E>> = [];
      for (const m of chunk) {
        try {
          const record = toRecord(topic, partition, m, await decode(topic, m.value, m.key ?? null));
          items.push({ topic, offset: m.offset, record, ...(eventTime ? { time: eventTime(record.event) } : {}) });
        } catch (error) {
          if (!isPoison(error)) return { items, failure: { stage: 'decode', error } };
          const { offset, timestamp, value } = m;
          items.push({ topic, offset, poison: { topic, partition, offset, timestamp, key: m.key ?? null, value, headers: m.headers ?? {}, error } });
        }
      }
      return { items };
    },

    async settle(items, ctx) {
      const good = items.flatMap((i) => (i.record ? [i.record] : []));
      const poison = items.flatMap((i) => (i.poison ? [i.poison] : []));
      try {
        const handled = good.length > 0 ? await handleBatch(good, ctx) : undefined;
        if (handled) {
          const seekTo = { topic: handled.topic ?? ctx.topic, offset: handled.seekTo };
          const also = Object.entries(handled.rewindAlso ?? {}).filter(([t]) => t !== seekTo.topic).map(([topic, offset]) => ({ topic, offset }));
          return { kind: 'rewind', seekTo, ...(also.length > 0 ? { also } : {}) };
        }
      } catch (error) {
        if (error instanceof ConsumerApiError) throw error;
        return { kind: 'failed', failure: { stage: 'handle', error } };
      }
      try {
        await dlq.publish(poison);
      } catch (error) {
        return { kind: 'failed', failure: { stage: 'dlq', error } };
      }
      for (const p of poison) {
        metrics.dlqRecords.inc({ topic: p.topic, error_class: p.error.errorClass });
        log.warn(
          { topic: p.topic, partition: p.partition, offset: p.offset, errorClass: p.error.errorClass, error: p.error.message },
          'poison record sent to the DLQ',
        );
      }
      const byTopic = new Map<string, TopicProgress>();
      for (const i of items) {
        const t = byTopic.get(i.topic) ?? { topic: i.topic, count: 0, next: 0n };
        t.count++;
        t.next = BigInt(i.offset) + 1n;
        if (i.time !== undefined && (t.lastTime === undefined || i.time > t.lastTime)) t.lastTime = i.time;
        byTopic.set(i.topic, t);
      }
      for (const t of byTopic.values()) metrics.recordsConsumed.inc({ topic: t.topic }, t.count);
      observeEventTimeLag(good, now(), lagTime, metrics.consumerLagSeconds);
      return { kind: 'settled', progress: [...byTopic.values()] };
    },
  };
}

/** Per topic of the handled records: seconds from the latest event time among them to `handledAt`. */
function observeEventTimeLag<E>(
  handled: ReadonlyArray<ConsumedRecord<E>>,
  handledAt: number,
  lagTime: (event: E) => number | undefined,
  gauge: RunnerMetrics['consumerLagSeconds'],
): void {
  const latest = new Map<string, { partition: number; time: number }>();
  for (const r of handled) {
    const time = lagTime(r.event);
    const before = latest.get(r.topic);
    if (time !== undefined && (before === undefined || time > before.time)) latest.set(r.topic, { partition: r.partition, time });
  }
  for (const [topic, { partition, time }] of latest) {
    gauge.set({ topic, partition: String(partition) }, Math.max(0, handledAt - time) / 1000);
  }
}
