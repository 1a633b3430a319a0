// The dead-letter queue: a poison record is copied byte for byte (key and value untouched, its headers kept) to the
// DLQ topic, with o2c-* headers saying where it came from and why it failed, so it can be inspected, fixed and
// replayed to its source. It keeps its source partition number when the DLQ has that partition, which keeps a
// customer's dead letters together; otherwise its key picks the partition.
import type { IHeaders, Kafka, Message, Producer } from 'kafkajs';
import type { PoisonRecordError } from '../errors.ts';
import { Topics } from '../contracts/topics.ts';
import { createIdempotentProducer } from './client.ts';

export const DlqHeaders = {
  SOURCE_TOPIC: 'o2c-source-topic',
  SOURCE_PARTITION: 'o2c-source-partition',
  SOURCE_OFFSET: 'o2c-source-offset',
  SOURCE_TIMESTAMP: 'o2c-source-timestamp',
  SERVICE: 'o2c-service',
  ERROR_CLASS: 'o2c-error-class',
  ERROR_MESSAGE: 'o2c-error-message',
  FAILED_AT: 'o2c-failed-at',
} as const;

/** Long enough for any of our messages, short enough that a pathological one cannot bloat the DLQ. */
const MAX_ERROR_MESSAGE = 2000;

export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  /** Epoch ms, as kafkajs gives it. */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  error: PoisonRecordError;
}

export interface DlqPublisher {
  readonly topic: string;
  /** Connects the producer and learns the DLQ's partition count. */
  start(): Promise<void>;
  /** Resolves once every letter is acknowledged by all in-sync replicas. */
  publish(letters: readonly DeadLetter[]): Promise<void>;
  stop(): Promise<void>;
}

export interface DlqOptions {
  kafka: Kafka;
  /** Goes to o2c-service. */
  service: string;
  /** Topics.DLQ.name unless overridden (tests use a unique topic). */
  topic?: string;
  clock?: () => Date;
}

export function toDlqMessage(letter: DeadLetter, service: string, failedAt: Date, partition?: number): Message {
  return {
    key: letter.key,
    value: letter.value,
    ...(partition === undefined ? {} : { partition }),
    headers: {
      ...letter.headers,
      [DlqHeaders.SOURCE_TOPIC]: letter.topic,
      [DlqHeaders.SOURCE_PARTITION]: String(letter.partition),
      [DlqHeaders.SOURCE_OFFSET]: letter.offset,
      [DlqHeaders.SOURCE_TIMESTAMP]: letter.timestamp,
      [DlqHeaders.SERVICE]: service,
      [DlqHeaders.ERROR_CLASS]: letter.error.errorClass,
      [DlqHeaders.ERROR_MESSAGE]: letter.error.message.slice(0, MAX_ERROR_MESSAGE),
      [DlqHeaders.FAILED_AT]: failedAt.toISOString(),
    },
  };
}

export function createDlqPublisher(opts: DlqOptions): DlqPublisher {
  const topic = opts.topic ?? Topics.DLQ.name;
  const clock = opts.clock ?? (() => new Date());
  let producer: Producer | undefined;
  let partitionCount = 0;

  return {
    topic,
    async start() {
      const admin = opts.kafka.admin();
      await admin.connect();
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        partitionCount = topics[0]?.partitions.length ?? 0;
      } finally {
        await admin.disconnect();
      }
      producer = createIdempotentProducer(opts.kafka);
      await producer.connect();
    },
    async publish(letters) {
      if (letters.length === 0) return;
      if (!producer) throw new Error('DLQ publisher used before start()');
      const failedAt = clock();
      const messages = letters.map((l) =>
        toDlqMessage(l, opts.service, failedAt, l.partition < partitionCount ? l.partition : undefined),
      );
      await producer.send({ topic, messages, acks: -1 });
    },
    async stop() {
      await producer?.disconnect();
      producer = undefined;
    },
  };
}
