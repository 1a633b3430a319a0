// Fakes for the runner's modules, as kafkajs tests its runner: a consumer port and an eachBatch payload that record
// what is done to them in one log (so the order of pause, seek, resolve, commit is visible), a decode over JSON
// values, and real runner metrics on a private registry.
import { Registry } from 'prom-client';
import type { KafkaMessage } from 'kafkajs';
import { PoisonRecordError, TransientError } from '../../../errors.ts';
import { createLogger } from '../../../logger.ts';
import { createRunnerMetrics, type RunnerMetrics } from '../../../metrics.ts';
import type { DeadLetter } from '../../dlq.ts';
import type { BatchPayload, ConsumedRecord, Decode, PartitionPort } from '../batch.ts';

export const silentLogger = createLogger('runner-unit', { level: 'silent' });

export const freshMetrics = (): RunnerMetrics => createRunnerMetrics(new Registry(), 'runner_unit');

/** A metric's values as plain objects: labels plus value. */
export const valuesOf = async (m: { get(): Promise<{ values: Array<{ labels: object; value: number }> }> }) =>
  (await m.get()).values.map((v) => ({ ...v.labels, value: v.value }));

/**
 * One log of everything done to the fake port and payloads, in order: 'pause orders:0', 'seek orders:0@5',
 * 'resolve 4' (or 'resolve orders@4' from payloadFor('orders')), 'commit', 'heartbeat'.
 */
export interface Recorder {
  calls: string[];
  port: PartitionPort;
  /** What every payload's isRunning() and isStale() answer. */
  flags: { running: boolean; stale: boolean };
  payload: BatchPayload;
  payloadFor(topic: string): BatchPayload;
}

export function recorder(): Recorder {
  const calls: string[] = [];
  const flags = { running: true, stale: false };
  const payloadFor = (topic?: string): BatchPayload => ({
    resolveOffset: (offset) => void calls.push(`resolve ${topic ? `${topic}@` : ''}${offset}`),
    commitOffsetsIfNecessary: async () => void calls.push('commit'),
    heartbeat: async () => void calls.push('heartbeat'),
    isRunning: () => flags.running,
    isStale: () => flags.stale,
  });
  return {
    calls,
    flags,
    port: {
      pause: (topic, partition) => void calls.push(`pause ${topic}:${partition}`),
      seek: (topic, partition, offset) => void calls.push(`seek ${topic}:${partition}@${offset}`),
      resume: (topic, partition) => void calls.push(`resume ${topic}:${partition}`),
    },
    payload: payloadFor(),
    payloadFor,
  };
}

export interface TestEvent {
  t: number;
}

/**
 * Messages from `offset` on. A number is an event at that time; 'poison' fails to decode for good; 'transient'
 * fails to decode transiently (see jsonDecode).
 */
export function messages(offset: number, values: Array<number | 'poison' | 'transient'>): KafkaMessage[] {
  return values.map((v, i) => ({
    offset: String(offset + i),
    key: Buffer.from('C-1'),
    value: Buffer.from(typeof v === 'number' ? JSON.stringify({ t: v }) : v),
    timestamp: '1700000000000',
    headers: { trace: `t-${offset + i}` },
    attributes: 0,
  }) as KafkaMessage);
}

/** Decodes what `messages` writes; a 'transient' value fails `transientFailures.left` times, then decodes as t = -1. */
export function jsonDecode(transientFailures = { left: Infinity }): Decode<TestEvent> {
  return async (_topic, value) => {
    const text = value?.toString() ?? '';
    if (text === 'poison') throw new PoisonRecordError('CorruptAvro', 'not a test event');
    if (text === 'transient') {
      if (transientFailures.left-- > 0) throw new TransientError('registry unreachable');
      return { t: -1 };
    }
    return JSON.parse(text) as TestEvent;
  };
}

/** A DLQ that keeps what it is sent, and fails while `failing` is set. */
export function fakeDlq() {
  const sent: DeadLetter[][] = [];
  return {
    sent,
    failing: undefined as Error | undefined,
    async publish(letters: readonly DeadLetter[]) {
      if (this.failing) throw this.failing;
      sent.push([...letters]);
    },
  };
}

/** A handler call as the tests compare it: topic:offset of each record. */
export const offsetsOf = (records: ReadonlyArray<ConsumedRecord<unknown>>) => records.map((r) => `${r.topic}:${r.offset}`);
