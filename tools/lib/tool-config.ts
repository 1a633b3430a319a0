// A generator CLI's environment: Kafka and the registry (how to authenticate included, as for the services), the
// partition count, the topic prefix of the namespace it writes to and its log level. Apart from kafka-sink.ts, so a CLI's options module can print the defaults in its
// usage without loading kafkajs.
import { hostPorts, int, kafkaSecuritySpec, loadConfig, LOG_LEVELS, oneOf, registrySpec, str, url, type Config } from '../../shared/config.ts';
import { topicRegistry, type TopicRegistry } from '../../shared/contracts/topics.ts';

export function toolSpec(tool: string) {
  return {
    KAFKA_BROKERS: hostPorts({ default: ['127.0.0.1:9092'] }),
    KAFKA_CLIENT_ID: str({ default: tool }),
    ...kafkaSecuritySpec,
    KAFKA_PARTITIONS: int({ default: 12, min: 1, max: 10_000 }),
    ...registrySpec,
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

/** The environment section of a generator's usage: each variable it reads, with its default. */
export function toolEnvironmentUsage(tool: string): string {
  const d = loadToolConfig(tool, {});
  return `environment:
  KAFKA_BROKERS        brokers, comma-separated host:port (default ${d.KAFKA_BROKERS.join(',')})
  SCHEMA_REGISTRY_URL  schema registry (default ${d.SCHEMA_REGISTRY_URL})
  KAFKA_PARTITIONS     default of --partitions (default ${d.KAFKA_PARTITIONS})
  O2C_TOPIC_PREFIX     namespace of the topics and subjects (default empty: the production names)
  KAFKA_CLIENT_ID      Kafka client id (default ${d.KAFKA_CLIENT_ID})
  KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD[_FILE], KAFKA_TLS, KAFKA_TLS_CA_FILE,
  KAFKA_TLS_CERT_FILE, KAFKA_TLS_KEY_FILE, SCHEMA_REGISTRY_USERNAME, SCHEMA_REGISTRY_PASSWORD[_FILE],
  SCHEMA_REGISTRY_CA_FILE
                       a secured Kafka and registry, as for the services (default: plaintext, no credentials)
  LOG_LEVEL            log level of the JSON log on stderr (default ${d.LOG_LEVEL})
  The defaults are the addresses of the local stack (npm run stack:up); stack/.data/stack.env is not read.`;
}
