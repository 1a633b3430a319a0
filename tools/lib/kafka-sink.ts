// What a generator CLI needs before it produces, given its environment (tool-config.ts): the topics and schemas in
// place (prepareContracts is idempotent, so a tool may run before or after the services), and a connected
// idempotent producer behind an EventProducer.
import pino from 'pino';
import type { TopicRegistry } from '../../shared/contracts/topics.ts';
import { prepareContracts } from '../../shared/kafka/admin.ts';
import type { RegistryConfig } from '../../shared/contracts/registry.ts';
import { createIdempotentProducer, createKafka, type KafkaClientConfig } from '../../shared/kafka/client.ts';
import { createLogger, type Logger } from '../../shared/logger.ts';
import { EventProducer } from './event-producer.ts';
import type { ToolConfig } from './tool-config.ts';

export function toolLogger(tool: string, config: ToolConfig): Logger {
  return createLogger(tool, { level: config.LOG_LEVEL, destination: pino.destination(2) });
}

export interface EventSink {
  readonly producer: EventProducer;
  close(): Promise<void>;
}

/**
 * What opening a sink reads of a tool's config (the SASL, TLS and registry credentials optional: the demo builds one
 * by hand); the topics are passed on their own (see toolTopics).
 */
export type SinkConfig = KafkaClientConfig & RegistryConfig & Pick<ToolConfig, 'KAFKA_PARTITIONS' | 'LOG_LEVEL'>;

export async function openEventSink(config: SinkConfig, logger: Logger, topics: TopicRegistry): Promise<EventSink> {
  const kafka = createKafka(config, logger);
  const { serde } = await prepareContracts({
    kafka,
    registry: config,
    topics,
    partitions: config.KAFKA_PARTITIONS,
  });
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  return {
    producer: new EventProducer(producer, serde, topics),
    close: () => producer.disconnect(),
  };
}
