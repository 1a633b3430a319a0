// What a generator CLI needs before it produces, given its environment (tool-config.ts): the topics and schemas in
// place (prepareContracts is idempotent, so a tool may run before or after the services), and a connected
// idempotent producer behind an EventProducer.
import pino from 'pino';
import type { TopicRegistry } from '../../shared/contracts/topics.ts';
import { prepareContracts } from '../../shared/kafka/admin.ts';
import { createIdempotentProducer, createKafka } from '../../shared/kafka/client.ts';
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

/** What opening a sink reads of a tool's config; the topics are passed on their own (see toolTopics). */
export type SinkConfig = Omit<ToolConfig, 'O2C_TOPIC_PREFIX'>;

export async function openEventSink(config: SinkConfig, logger: Logger, topics: TopicRegistry): Promise<EventSink> {
  const kafka = createKafka(config, logger);
  const { serde } = await prepareContracts({
    kafka,
    registry: config.SCHEMA_REGISTRY_URL,
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
