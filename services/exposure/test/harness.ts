// What the exposure integration tests and the benchmark share: an isolated environment (topic prefix, Redis key
// prefix, consumer group), the service in process or as a child process, a producer of histories round by round,
// the barrier "the service applied everything produced", and readers of what the service left in Redis and Kafka.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import type { EventSerde } from '../../../shared/contracts/serde.ts';
import { topicRegistry, type TopicRegistry, type TopicSpec } from '../../../shared/contracts/topics.ts';
import { deriveEventId } from '../../../shared/ids.ts';
import { prepareContracts } from '../../../shared/kafka/admin.ts';
import { createKafka } from '../../../shared/kafka/client.ts';
import { createLogger } from '../../../shared/logger.ts';
import { partitionKeys } from '../../../shared/redis/keys.ts';
import { customerStateCodec } from '../src/adapters/state-parts.ts';
import { FX_TABLE_ID } from '../src/adapters/fx-table.ts';
import { deleteTopics, uniqueId } from '../../../test/kafka.ts';
import { getStack, type Stack } from '../../../test/stack.ts';
import type { CustomerState, ExposureInput } from '../src/domain/index.ts';
import { loadExposureConfig, SERVICE } from '../src/config.ts';
import { ExposureService } from '../src/service.ts';
import type { Topic } from './histories.ts';
import type { ModelDecision } from './model.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface TestEnv {
  name: string;
  topics: TopicRegistry;
  keyPrefix: string;
  partitions: number;
  /** The service's environment: the stack's endpoints, the prefixes, a group of its own. */
  env: Record<string, string>;
}

export function testEnv(stack: Stack, name: string, partitions: number, extra: Record<string, string> = {}): TestEnv {
  const id = uniqueId(name);
  const topicPrefix = `${id}.`;
  const keyPrefix = `test:${id}`;
  return {
    name: id,
    topics: topicRegistry(topicPrefix),
    keyPrefix,
    partitions,
    env: {
      ...stack.env,
      O2C_TOPIC_PREFIX: topicPrefix,
      REDIS_KEY_PREFIX: keyPrefix,
      KAFKA_GROUP_ID: `${id}-exposure`,
      KAFKA_PARTITIONS: String(partitions),
      KAFKA_FETCH_MAX_WAIT_MS: '100',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      HTTP_PORT: '0',
      CREDIT_POLICY_VERSION: 'it-1',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      ...extra,
    },
  };
}

/** Creates the environment's topics and schemas (as the service will) and returns the serde primed with them. */
export async function contractsOf(kafka: Kafka, stack: Stack, t: TestEnv): Promise<EventSerde> {
  const { serde } = await prepareContracts({ kafka, registry: stack.schemaRegistryUrl, topics: t.topics, partitions: t.partitions });
  return serde;
}

/** A service failure in a test: thrown, so the test fails instead of waiting for output that never comes. */
const failTest = (error: Error): never => {
  throw error;
};

export async function startInProcess(t: TestEnv, extra: Record<string, string> = {}): Promise<ExposureService> {
  const service = new ExposureService({ config: loadExposureConfig({ ...t.env, ...extra }), logger: createLogger(SERVICE), onFatal: failTest });
  await service.start();
  return service;
}

export interface ChildService {
  readonly process: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  readonly exited: Promise<number | string>;
}

/** `tsx services/exposure/src/main.ts` with the environment's variables, as a deployment runs it. */
export function spawnService(t: TestEnv, extra: Record<string, string> = {}): ChildService {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { ...process.env, ...t.env, ...extra, VITEST: '' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { process: child, exited };
}

const SPEC_OF: Record<Topic, keyof TopicRegistry> = {
  customers: 'CUSTOMERS',
  orders: 'ORDERS',
  invoices: 'INVOICES',
  payments: 'PAYMENTS',
  delinquency: 'DELINQUENCY',
  actions: 'CREDIT_ACTIONS',
};

export const specOf = (t: Pick<TestEnv, 'topics'>, topic: Topic): TopicSpec => t.topics[SPEC_OF[topic]] as TopicSpec;

/** Sends events to their topic in order, keyed by customer (the Java client's partitioner, as every producer). */
export class HistoryProducer {
  private constructor(
    private readonly producer: Producer,
    private readonly serde: EventSerde,
  ) {}

  static async open(kafka: Kafka, serde: EventSerde): Promise<HistoryProducer> {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    return new HistoryProducer(producer, serde);
  }

  async send(spec: TopicSpec, events: readonly ExposureInput[], chunk = 5_000): Promise<void> {
    for (let i = 0; i < events.length; i += chunk) {
      const part = events.slice(i, i + chunk);
      const messages = await Promise.all(part.map(async (e) => ({ key: e.customerId, value: await this.serde.encode(spec, e) })));
      await this.producer.send({ topic: spec.name, messages, acks: -1 });
    }
  }

  async sendRaw(topic: string, messages: Array<{ key: string; value: Buffer }>): Promise<void> {
    await this.producer.send({ topic, messages, acks: -1 });
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}

/** Next offset to write per partition of the topic (its high watermark). */
export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
}

/** The next offset the service will apply, per partition, for one topic: what it committed to Redis. */
export async function appliedOffsets(redis: Redis, t: TestEnv, topic: string): Promise<Map<number, bigint>> {
  const pipeline = redis.pipeline();
  for (let p = 0; p < t.partitions; p++) pipeline.hget(partitionKeys(SERVICE, p, t.keyPrefix).offsets, topic);
  const results = (await pipeline.exec()) ?? [];
  return new Map(results.map(([, v], p) => [p, BigInt((v as string | null) ?? '0')]));
}

/**
 * Resolves once the service applied every record of the topic up to `ends` (a poison record is not applied: a good
 * record after it must be). `check` runs between polls, e.g. to fail fast when the service died.
 */
export async function waitApplied(
  redis: Redis,
  t: TestEnv,
  topic: string,
  ends: Map<number, bigint>,
  opts: { timeoutMs?: number; check?: () => void } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const applied = await appliedOffsets(redis, t, topic);
    if ([...ends].every(([p, end]) => end === 0n || applied.get(p)! >= end)) return;
    opts.check?.();
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${topic} to be applied: ends ${[...ends]}, applied ${[...applied]}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every customer state the service keeps, over all partitions. */
export async function customerStates(redis: Redis, t: TestEnv): Promise<Map<string, CustomerState>> {
  const states = new Map<string, CustomerState>();
  for (let p = 0; p < t.partitions; p++) {
    const { entityPrefix } = partitionKeys(SERVICE, p, t.keyPrefix);
    for (const key of await redis.keys(`${entityPrefix}*`)) {
      const id = key.slice(entityPrefix.length);
      if (id === FX_TABLE_ID) continue; // the partition's FX rate table, not a customer
      states.set(id, customerStateCodec.decode(new Map(Object.entries(await redis.hgetall(key))), id));
    }
  }
  return states;
}

export async function dropKeys(redis: Redis, t: TestEnv): Promise<void> {
  const keys = await redis.keys(`${t.keyPrefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
}

/** The id the core derives for a model decision: per order for order decisions, per band for warnings. */
export function decisionIdOf(d: ModelDecision): string {
  const parts = d.orderId !== undefined ? [d.orderId] : d.band !== undefined ? [d.band] : [];
  // What a tick derives (a temporary limit's expiry) has no cause; the stream histories have no ticks.
  if (d.causationId === null) throw new Error(`${d.eventType} of ${d.customerId} has no cause to derive its id from`);
  return deriveEventId(d.causationId, d.eventType, ...parts);
}

/** What an exposure test file on the real stack works with, open from its beforeAll to its afterAll. */
export interface RealStackFile {
  readonly stack: Stack;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly redis: Redis;
  /** A namespace of the file's own, its topics and keys dropped after the file's tests. */
  env(name: string, partitions: number, extra?: Record<string, string>): TestEnv;
  /** The service in process, stopped after the file's tests. */
  start(t: TestEnv, extra?: Record<string, string>): Promise<ExposureService>;
}

/**
 * Registers the file's beforeAll (the stack, a Kafka client and admin named `clientId`, Redis) and afterAll (the
 * services it started stopped, its namespaces dropped, the clients closed).
 */
export function realStackFile(clientId: string): RealStackFile {
  let open: { stack: Stack; kafka: Kafka; admin: Admin; redis: Redis } | undefined;
  const envs: TestEnv[] = [];
  const services: ExposureService[] = [];
  const get = () => {
    if (!open) throw new Error('the real stack is open only inside the test file (beforeAll to afterAll)');
    return open;
  };
  beforeAll(async () => {
    const stack = await getStack();
    const kafka = createKafka({ KAFKA_BROKERS: stack.kafkaBrokers, KAFKA_CLIENT_ID: clientId }, createLogger(clientId));
    const admin = kafka.admin();
    await admin.connect();
    open = { stack, kafka, admin, redis: new Redis(stack.redisUrl) };
  });
  afterAll(async () => {
    if (!open) return;
    const { kafka, admin, redis } = open;
    for (const s of services) await s.stop();
    for (const t of envs) {
      await deleteTopics(kafka, Object.values(t.topics).map((s) => s.name)).catch(() => undefined);
      await dropKeys(redis, t);
    }
    await admin.disconnect();
    redis.disconnect();
  });
  return {
    get stack() { return get().stack; },
    get kafka() { return get().kafka; },
    get admin() { return get().admin; },
    get redis() { return get().redis; },
    env(name, partitions, extra) {
      const t = testEnv(get().stack, name, partitions, extra);
      envs.push(t);
      return t;
    },
    async start(t, extra) {
      const service = await startInProcess(t, extra);
      services.push(service);
      return service;
    },
  };
}
