// The Kafka client and producers every service builds the same way: brokers and client id from config, logs through
// pino, and producers that never duplicate or reorder a record on retry.
import { Kafka, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from '../logger.ts';
import { kafkaLogCreator, kafkaLogLevel } from '../logger.ts';

export interface KafkaClientConfig {
  KAFKA_BROKERS: readonly string[];
  KAFKA_CLIENT_ID: string;
}

export function createKafka(config: KafkaClientConfig, logger: Logger): Kafka {
  return new Kafka({
    clientId: config.KAFKA_CLIENT_ID,
    brokers: [...config.KAFKA_BROKERS],
    logLevel: kafkaLogLevel(logger),
    logCreator: kafkaLogCreator(logger),
    // Connection-level retries: ride out a broker restart (~30 s) before an operation fails to the caller.
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 8 },
  });
}

/**
 * An idempotent producer: the broker de-duplicates its retries by sequence number, so a retried send is written
 * once. It retries without limit (a send given up on could be duplicated by the caller's retry), kafkajs rejects any
 * acks but -1 (send's default), and one request in flight keeps the sequence numbers in the order kafkajs assigned
 * them. The partitioner is the Java client's murmur2, so a customerId lands where any other Kafka client puts it.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: Number.MAX_SAFE_INTEGER },
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
}
