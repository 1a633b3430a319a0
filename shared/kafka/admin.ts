// Topics and schemas, made to match the contracts at start-up.
//
//   prepareContracts({ kafka, registry }) -> { serde, registry, schemaIds }   what a service calls before it starts:
//       ensureTopics + registerSchemas for every topic of the registry, then a serde that already knows the ids
//   ensureTopics(kafka, topics, { partitions })   creates what is missing (cleanup.policy compact where the spec
//       says so); an existing topic with another partition count or cleanup policy is an error, never "fixed"
//   registerSchemas(registry, specs)              sets each subject to BACKWARD, registers `<topic>-value`, returns
//       subject -> id; idempotent
//
// Co-partitioning depends on every topic having the same partition count: a service that joins a 12-partition
// orders topic with a 6-partition payments topic would read one customer's orders and payments in different
// instances, so a mismatch stops start-up instead of being noticed in the numbers.
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { avroTopics, Topics, type TopicBase, type TopicRegistry, type TopicSpec } from '../contracts/topics.ts';
import { RegistryClient, registryClientOf, type RegistryConfig } from '../contracts/registry.ts';
import { EventSerde } from '../contracts/serde.ts';
import { contractOf } from '../contracts/avro.ts';
import type { Logger } from '../logger.ts';
import { TransientError } from '../errors.ts';
import { retryTransient, type RetryOptions } from '../retry.ts';

const { ConfigResourceTypes } = kafkajs;

export interface EnsureTopicsOptions {
  /** Overrides every spec's partition count (tests use fewer partitions). */
  partitions?: number;
}

export interface TopicState {
  name: string;
  partitions: number;
  cleanupPolicy: string;
}

/** Creates the missing topics, verifies the existing ones, and returns what each topic is now. */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly TopicBase[],
  options: EnsureTopicsOptions = {},
): Promise<TopicState[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      // Another instance may create the same topics concurrently; createTopics then resolves false, and the
      // verification below still holds both of us to the same partition count. kafkajs' own wait for leaders gives
      // up on the UNKNOWN_TOPIC_OR_PARTITION a KRaft broker answers for a moment after creation, hence ours.
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: options.partitions ?? t.partitions,
          configEntries: [{ name: 'cleanup.policy', value: t.cleanupPolicy }],
        })),
      });
    }
    await waitForLeaders(admin, topics.map((t) => t.name));
    const states = await describeTopics(admin, topics.map((t) => t.name));
    const faults = topics.flatMap((t, i) => {
      const s = states[i]!;
      const partitions = options.partitions ?? t.partitions;
      return [
        ...(s.partitions === partitions ? [] : [`${t.name} has ${s.partitions} partitions, expected ${partitions}`]),
        ...(s.cleanupPolicy === t.cleanupPolicy
          ? []
          : [`${t.name} has cleanup.policy=${s.cleanupPolicy}, expected ${t.cleanupPolicy}`]),
      ];
    });
    if (faults.length > 0) {
      throw new Error(
        `existing topics do not match the contracts (co-partitioning needs equal partition counts): ${faults.join('; ')}`,
      );
    }
    return states;
  } finally {
    await admin.disconnect();
  }
}

const LEADER_WAIT_MS = 30_000;

async function waitForLeaders(admin: Admin, names: string[]): Promise<void> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  for (;;) {
    let lastError = 'no leader yet';
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      if (topics.length === names.length && topics.every((t) => t.partitions.every((p) => p.leader >= 0))) return;
    } catch (e) {
      if (!(e instanceof kafkajs.KafkaJSProtocolError && e.retriable)) throw e;
      lastError = e.message;
    }
    if (Date.now() > deadline) {
      throw new Error(`topics ${names.join(', ')} have no leaders after ${LEADER_WAIT_MS} ms: ${lastError}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function describeTopics(admin: Admin, names: string[]): Promise<TopicState[]> {
  const { topics } = await admin.fetchTopicMetadata({ topics: names });
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy'] })),
  });
  return names.map((name) => ({
    name,
    partitions: topics.find((t) => t.name === name)?.partitions.length ?? 0,
    cleanupPolicy:
      configs.resources
        .find((r) => r.resourceName === name)
        ?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue ?? 'unknown',
  }));
}

/** Registers each topic's schema under `<topic>-value` with BACKWARD compatibility; returns subject -> id. */
export async function registerSchemas(
  registry: string | RegistryClient,
  specs: readonly TopicSpec[],
): Promise<Map<string, number>> {
  const client = typeof registry === 'string' ? new RegistryClient(registry) : registry;
  const ids = new Map<string, number>();
  for (const spec of specs) {
    // Compatibility first, so even the first registration of a later version is checked against BACKWARD.
    await client.setCompatibility(spec.subject, 'BACKWARD');
    ids.set(spec.subject, await client.register(spec.subject, contractOf(spec).schema));
  }
  return ids;
}

export interface PrepareContractsOptions {
  kafka: Kafka;
  /**
   * Registry URL, e.g. http://127.0.0.1:8081/apis/ccompat/v7; a service's config (its URL, credentials and CA, see
   * registrySpec); or a client.
   */
  registry: string | RegistryConfig | RegistryClient;
  /** The topic registry to prepare; a prefixed one in tests. */
  topics?: TopicRegistry;
  partitions?: number;
  /** How long transient failures (a registry still warming up) are retried before start-up fails. Default 60 s. */
  retryWithinMs?: number;
  /** Where each retry is logged. */
  logger?: Logger;
}

export interface Contracts {
  serde: EventSerde;
  registry: RegistryClient;
  schemaIds: Map<string, number>;
}

/** Everything a service needs before it consumes or produces: topics, schemas, and a serde primed with the ids. */
export async function prepareContracts(options: PrepareContractsOptions): Promise<Contracts> {
  const topics = options.topics ?? Topics;
  const given = options.registry;
  const registry =
    typeof given === 'string' ? new RegistryClient(given) : given instanceof RegistryClient ? given : registryClientOf(given);
  const retry: RetryOptions = {
    withinMs: options.retryWithinMs ?? 60_000,
    onRetry: (err, attempt, delayMs) => options.logger?.warn({ err, attempt, delayMs }, 'schema registration failed, retrying'),
  };
  await ensureTopics(options.kafka, Object.values(topics), { partitions: options.partitions });
  const schemaIds = await retryTransient(() => registerSchemas(registry, avroTopics(topics)), retry);
  return { serde: new EventSerde(registry, schemaIds), registry, schemaIds };
}

/** Whether kafkajs says a failed call may succeed if tried again (NOT_COORDINATOR while a new broker creates
 * __consumer_offsets, a leader election, a connection refused by a broker still starting). */
export function isRetriableKafkaError(error: unknown): boolean {
  if (error instanceof kafkajs.KafkaJSNumberOfRetriesExceeded) return isRetriableKafkaError(error.cause);
  if (error instanceof kafkajs.KafkaJSProtocolError) return error.retriable;
  return error instanceof kafkajs.KafkaJSConnectionError || error instanceof kafkajs.KafkaJSRequestTimeoutError
    || (error instanceof kafkajs.KafkaJSError && error.retriable);
}

/** Runs a start-up call to Kafka, retrying what kafkajs calls retriable for up to `withinMs` (default 120 s). */
export function retryKafkaStartup<T>(
  what: string,
  fn: () => Promise<T>,
  options: { withinMs?: number; logger?: Logger } = {},
): Promise<T> {
  return retryTransient(
    async () => {
      try {
        return await fn();
      } catch (error) {
        if (isRetriableKafkaError(error)) throw new TransientError(`${what}: ${(error as Error).message}`, { cause: error });
        throw error;
      }
    },
    {
      withinMs: options.withinMs ?? 120_000,
      onRetry: (err, attempt, delayMs) => options.logger?.warn({ err: err.message, attempt, delayMs }, `${what} failed, retrying`),
    },
  );
}
