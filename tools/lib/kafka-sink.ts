// What a generator CLI needs before it produces: its environment (Kafka, registry, partition count, the topic prefix
// of the namespace it writes to), the topics and schemas in place (prepareContracts is idempotent, so a tool may run
// before or after the services), and a connected idempotent producer behind an EventProducer.
import pino from 'pino';
import { int, list, loadConfig, LOG_LEVELS, oneOf, str, url, type Config } from '../../shared/config.ts';
import { topicRegistry, type TopicRegistry } from '../../shared/contracts/topics.ts';
import { prepareContracts } from '../../shared/kafka/admin.ts';
import { createIdempotentProducer, createKafka } from '../../shared/kafka/client.ts';
import { createLogger, type Logger } from '../../shared/logger.ts';
import { EventProducer } from './event-producer.ts';

export function toolSpec(tool: string) {
  return {
    KAFKA_BROKERS: list({ default: ['127.0.0.1:9092'] }),
    KAFKA_CLIENT_ID: str({ default: tool }),
    KAFKA_PARTITIONS: int({ default: 12, min: 1, max: 10_000 }),
    SCHEMA_REGISTRY_URL: url({ protocols: ['http', 'https'], default: 'http://127.0.0.1:8081/apis/ccompat/v7' }),
    // The same variable the services read: a tool feeds the namespace (topics and subjects) they consume.
    O2C_TOPIC_PREFIX: str({ default: '' }),
    // Tools print their own report on stdout; the log (kafkajs included) goes to stderr.
    LOG_LEVEL: oneOf(LOG_LEVELS, { default: 'warn' }),
  };
}

export type ToolConfig = Config<ReturnType<typeof toolSpec>>;

export function loadToolConfig(tool: string, env: Record<string, string | undefined> = process.env): ToolConfig {
  return loadConfig(toolSpec(tool), env);
}

/** The topics a tool writes: the production names, or those of the namespace O2C_TOPIC_PREFIX names. */
export const toolTopics = (config: Pick<ToolConfig, 'O2C_TOPIC_PREFIX'>): TopicRegistry =>
  topicRegistry(config.O2C_TOPIC_PREFIX);

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
