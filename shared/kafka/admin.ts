// Topics and schemas, made to match the contracts at start-up.
//
//   prepareContracts({ kafka, registry }) -> { serde, registry, schemaIds }   what a service calls before it starts:
//       ensureTopics + registerSchemas for every topic of the registry, then a serde that already knows the ids
//   ensureTopics(kafka, topics, { partitions, replicationFactor, retentionMs })   creates what is missing
//       (cleanup.policy compact where the spec says so; retention.ms, -1 by default, on the others); an existing
//       topic with another partition count or cleanup policy is an error, never "fixed", and its retention is left
//       as it is; a replication factor above the cluster's broker count is a ConfigError
//   registerSchemas(registry, specs)              sets each subject to BACKWARD, registers `<topic>-value`, returns
//       subject -> id; idempotent
//   verifySchemas(registry, specs)                SCHEMA_AUTO_REGISTER=false: each subject must exist, accept our
//       schema under its rule, and have it registered; returns subject -> id without writing anything
//   logStartOffsets(admin)                        (topic, partition) -> the first offset still in the log, cached briefly
//
// With `startup` (a service's config), each first call is retried within STARTUP_TIMEOUT_MS (shared/startup.ts).
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
import { ConfigError } from '../config.ts';
import { isTransient, reach } from '../startup.ts';
import { connect as tcpConnect } from 'node:net';

const { ConfigResourceTypes } = kafkajs;

export interface EnsureTopicsOptions {
  /** Overrides every spec's partition count (tests use fewer partitions). */
  partitions?: number;
  /** Replicas of each partition of a topic created now (KAFKA_REPLICATION_FACTOR); unset: the broker's default. */
  replicationFactor?: number;
  /**
   * retention.ms of a non-compacted topic created now (KAFKA_TOPIC_RETENTION_MS); default -1, forever: a lost state
   * is rebuilt from the whole log. An existing topic keeps what it has (an operator's choice). Compacted topics stay
   * compacted, with the broker's retention; audit trails (`keptForever`) are always created with -1.
   */
  retentionMs?: number;
}

export interface TopicState {
  name: string;
  partitions: number;
  cleanupPolicy: string;
  /** Replicas of its first partition. */
  replicationFactor: number;
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
      if (options.replicationFactor !== undefined) await checkReplicationFactor(admin, options.replicationFactor);
      // Another instance may create the same topics concurrently; createTopics then resolves false, and the
      // verification below still holds both of us to the same partition count. kafkajs' own wait for leaders gives
      // up on the UNKNOWN_TOPIC_OR_PARTITION a KRaft broker answers for a moment after creation, hence ours.
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: options.partitions ?? t.partitions,
          ...(options.replicationFactor === undefined ? {} : { replicationFactor: options.replicationFactor }),
          configEntries: [
            { name: 'cleanup.policy', value: t.cleanupPolicy },
            ...(t.cleanupPolicy === 'compact'
              ? []
              : [{ name: 'retention.ms', value: String(t.keptForever ? -1 : options.retentionMs ?? -1) }]),
          ],
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

/** A topic cannot have more replicas than the cluster has brokers: say so, naming the variable (exit 2). */
async function checkReplicationFactor(admin: Admin, replicationFactor: number): Promise<void> {
  const { brokers } = await admin.describeCluster();
  if (replicationFactor > brokers.length) {
    throw new ConfigError([
      `KAFKA_REPLICATION_FACTOR=${replicationFactor} is more than the ${brokers.length} broker(s) of the cluster: ` +
        `topics cannot be created with ${replicationFactor} replicas (set it to at most ${brokers.length})`,
    ]);
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
    replicationFactor: topics.find((t) => t.name === name)?.partitions[0]?.replicas.length ?? 0,
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

/**
 * For registries that forbid writes by services: each subject must exist, its compatibility rule must accept our
 * schema, and our schema must be one of its versions (the id we write with). Returns subject -> id.
 */
export async function verifySchemas(registry: RegistryClient, specs: readonly TopicSpec[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const problems: string[] = [];
  for (const spec of specs) {
    const { schema } = contractOf(spec);
    const compatible = await registry.compatibleWithLatest(spec.subject, schema);
    if (compatible === 'no-subject') {
      problems.push(`subject ${spec.subject} does not exist in the registry`);
      continue;
    }
    if (!compatible) {
      problems.push(`subject ${spec.subject}: the registry's compatibility rule refuses this service's schema`);
      continue;
    }
    const id = await registry.idOf(spec.subject, schema);
    if (id === undefined) problems.push(`subject ${spec.subject} accepts this service's schema but has not registered it`);
    else ids.set(spec.subject, id);
  }
  if (problems.length > 0) {
    throw new SchemaContractError(
      `SCHEMA_AUTO_REGISTER=false and the registry does not hold this service's schemas: ${problems.join('; ')} ` +
        '(register them, or set SCHEMA_AUTO_REGISTER=true)',
    );
  }
  return ids;
}

/** The registry does not hold the schemas a service needs and may not register them itself. */
export class SchemaContractError extends Error {
  override readonly name = 'SchemaContractError';
}

/** What prepareContracts reads from a service's config (commonSpec). */
export interface StartupSettings {
  STARTUP_TIMEOUT_MS: number;
  KAFKA_BROKERS: readonly string[];
  KAFKA_REPLICATION_FACTOR?: number;
  KAFKA_TOPIC_RETENTION_MS?: number;
  SCHEMA_AUTO_REGISTER?: boolean;
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
  /**
   * A service's config: how long start-up retries Kafka and the registry (STARTUP_TIMEOUT_MS), the brokers named when
   * they do not answer, the replication factor of the topics created, whether schemas are registered or verified.
   * Unset (tools, tests): 120 s, the broker's default replication, schemas registered.
   */
  startup?: StartupSettings;
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
  const { startup, logger } = options;
  const timeoutMs = startup?.STARTUP_TIMEOUT_MS ?? 120_000;
  const brokers = startup?.KAFKA_BROKERS;
  await reachKafka(
    { brokers, timeoutMs, logger },
    async () => {
      if (brokers) await anyBrokerListens(brokers);
      return ensureTopics(options.kafka, Object.values(topics), {
        partitions: options.partitions,
        ...(startup?.KAFKA_REPLICATION_FACTOR === undefined ? {} : { replicationFactor: startup.KAFKA_REPLICATION_FACTOR }),
        ...(startup?.KAFKA_TOPIC_RETENTION_MS === undefined ? {} : { retentionMs: startup.KAFKA_TOPIC_RETENTION_MS }),
      });
    },
  );
  const specs = avroTopics(topics);
  const schemaIds = await reach(
    { variable: 'SCHEMA_REGISTRY_URL', address: registry.url, timeoutMs, logger, retriable: (e) => e instanceof TransientError },
    () => (startup?.SCHEMA_AUTO_REGISTER === false ? verifySchemas(registry, specs) : registerSchemas(registry, specs)),
  );
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

/**
 * Runs a start-up call to Kafka, retrying what kafkajs calls retriable (or a refused connection) for up to
 * `timeoutMs`; then an UnreachableError naming KAFKA_BROKERS and the brokers.
 */
export function reachKafka<T>(
  step: { brokers?: readonly string[] | undefined; timeoutMs: number; logger?: Logger | undefined; what?: string },
  fn: () => Promise<T>,
): Promise<T> {
  const what = step.what ? `${step.what}: ` : '';
  return reach(
    {
      variable: 'KAFKA_BROKERS',
      address: step.brokers?.join(',') ?? '(the brokers)',
      timeoutMs: step.timeoutMs,
      logger: step.logger,
      retriable: (e) => isRetriableKafkaError(e) || isTransient(e),
    },
    async () => {
      try {
        return await fn();
      } catch (error) {
        if (what === '' || !isRetriableKafkaError(error)) throw error;
        // The step in the message (the reason the last retry shows), the kafkajs error as the cause.
        throw new TransientError(`${what}${(error as Error).message}`, { cause: error });
      }
    },
  );
}

/**
 * Resolves once a TCP connection to any broker opens; else rejects with the first broker's error (its code, e.g.
 * ECONNREFUSED): kafkajs' own connection retries would otherwise hide why for a minute.
 */
export async function anyBrokerListens(brokers: readonly string[], timeoutMs = 5_000): Promise<void> {
  const attempts = brokers.map(
    (broker) =>
      new Promise<void>((resolve, reject) => {
        const at = broker.lastIndexOf(':');
        const host = broker.slice(0, at).replace(/^\[|\]$/g, '');
        const socket = tcpConnect({ host, port: Number(broker.slice(at + 1)), timeout: timeoutMs });
        socket.once('connect', () => {
          socket.destroy();
          resolve();
        });
        socket.once('timeout', () => {
          socket.destroy();
          reject(Object.assign(new Error(`${broker}: connect timed out`), { code: 'ETIMEDOUT' }));
        });
        socket.once('error', reject);
      }),
  );
  try {
    await Promise.any(attempts);
  } catch (e) {
    throw (e as AggregateError).errors[0];
  }
}

/** Runs a start-up call to Kafka, retrying what kafkajs calls retriable for up to `withinMs` (default 120 s). */
export async function retryKafkaStartup<T>(
  what: string,
  fn: () => Promise<T>,
  options: { withinMs?: number; logger?: Logger; brokers?: readonly string[] } = {},
): Promise<T> {
  return reachKafka({ what, brokers: options.brokers, timeoutMs: options.withinMs ?? 120_000, logger: options.logger }, fn);
}

// The first offset still in each input topic-partition's log (its low watermark), for the BatchProcessor to tell a
// gap left by retention from state Redis lost. Asked only when a batch finds such a gap, and cached per topic for a
// short while: retention only moves it forward, and a value much older than that could make us rewind into
// deleted records again and again.
export function logStartOffsets(admin: Admin, opts: { ttlMs?: number; now?: () => number } = {}) {
  const ttlMs = opts.ttlMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { at: number; low: Map<number, bigint> }>();
  return async (topic: string, partition: number): Promise<bigint> => {
    let entry = cache.get(topic);
    if (!entry || now() - entry.at > ttlMs) {
      const offsets = await admin.fetchTopicOffsets(topic);
      entry = { at: now(), low: new Map(offsets.map((o) => [o.partition, BigInt(o.low)])) };
      cache.set(topic, entry);
    }
    return entry.low.get(partition) ?? 0n;
  };
}
