// services/exposure: every order is decided against the customer's exposure and effective limit, held orders are
// released oldest first, and every customer's exposure is kept in Redis, per partition, effectively once.
//
//   inputs   customers, orders, invoices, payments, credit-actions, delinquency (co-partitioned by customerId)
//   outputs  credit-holds (decisions, releases, customer holds, warnings), exposure (snapshots), DLQ (rejected)
//   per batch of one topic-partition: load its customers, apply the core, one fenced commit, publish the outbox
import type { Redis } from 'ioredis';
import type { Admin, Producer } from 'kafkajs';
import { bool, commonSpec, ConfigError, int, list, loadConfig, oneOf, redisSpec, str, type Config, type Var } from '../../../shared/config.ts';
import { topicRegistry, type TopicRegistry } from '../../../shared/contracts/topics.ts';
import { startHealthServer, type HealthServer } from '../../../shared/health.ts';
import { prepareContracts } from '../../../shared/kafka/admin.ts';
import { createIdempotentProducer, createKafka } from '../../../shared/kafka/client.ts';
import { createDlqPublisher } from '../../../shared/kafka/dlq.ts';
import { fetchOptions, specDecoder, startRunner, type Runner } from '../../../shared/kafka/runner.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { Service } from '../../../shared/lifecycle.ts';
import { createRegistry, createRunnerMetrics } from '../../../shared/metrics.ts';
import { connectRedis } from '../../../shared/redis/connect.ts';
import { OutboxPublisher } from '../../../shared/redis/outbox-publisher.ts';
import { PartitionStore } from '../../../shared/redis/partition-store.ts';
import { BatchProcessor } from '../../../shared/stateful/batch-processor.ts';
import { rewindEveryInput } from '../../../shared/stateful/lost-state-rewind.ts';
import { compactedTopics, stateIncompleteGauge } from '../../../shared/stateful/state-incomplete.ts';
import { rejectedRecordLetter } from './adapters/dead-letters.ts';
import { ExposureDomain, type InputRecord } from './adapters/exposure-domain.ts';
import { logStartOffsets } from './adapters/log-start.ts';
import { createExposureMetrics, observeDecisions } from './adapters/metrics.ts';
import { creditPolicy, DELINQUENCY_LADDER, type CreditPolicy, type ExposureInput } from './domain/index.ts';

export const SERVICE = 'exposure';

/** Comma-separated names; `none` for no name at all (an empty variable means "the default"). */
function names(defaults: readonly string[]): Var<readonly string[]> {
  return {
    expects: "a comma-separated list, or 'none'",
    parse: (raw) => {
      if (raw === undefined) return defaults;
      if (raw.trim().toLowerCase() === 'none') return [];
      return Object.freeze(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''));
    },
  };
}

export function exposureSpec() {
  return {
    ...commonSpec(SERVICE, { httpPort: 9401 }),
    ...redisSpec,
    KAFKA_GROUP_ID: str({ default: SERVICE }),
    // Batches of different partitions handled at once; one partition's topics are still handled one at a time.
    KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: int({ default: 12, min: 1, max: 1000 }),
    // Idempotent producers the outbox is published through, partition p by producer p % n: one kafkajs idempotent
    // producer sends one request at a time, so a single one would make every partition wait for the others.
    KAFKA_PRODUCERS: int({ default: 4, min: 1, max: 64 }),
    // How soon the group notices a member that died without leaving (kill -9) and hands its partitions over.
    KAFKA_SESSION_TIMEOUT_MS: int({ default: 30_000, min: 1000 }),
    KAFKA_HEARTBEAT_INTERVAL_MS: int({ default: 3000, min: 100 }),
    // Partition p of the inputs in event-time order (a replay of pre-loaded topics decides as it happened); how long
    // records parked for that order stay in memory before they are fetched again.
    EVENT_TIME_ALIGNMENT: bool({ default: true }),
    ALIGN_MAX_IDLE_MS: int({ default: 2000, min: 0, max: 600_000 }),
    // A test or a parallel environment runs against its own topics, subjects and Redis keys.
    O2C_TOPIC_PREFIX: str({ default: '' }),
    REDIS_KEY_PREFIX: str({ default: 'o2c' }),
    CREDIT_POLICY_VERSION: str({ default: 'v1' }),
    NO_PROFILE_HOLD: bool({ default: true }),
    RISK_HOLD_CLASSES: names(['E']),
    OVERDUE_HOLD_LEVEL: oneOf(DELINQUENCY_LADDER, { default: 'DELINQUENT' }),
    WARNING_BANDS: list({ default: ['80', '90', '100'] }),
  };
}

export type ExposureConfig = Config<ReturnType<typeof exposureSpec>>;

export function loadExposureConfig(env: Record<string, string | undefined> = process.env): ExposureConfig {
  return loadConfig(exposureSpec(), env);
}

/** The credit policy the configuration names; a ConfigError (exit 2) when WARNING_BANDS is not a valid ladder. */
export function policyOf(config: ExposureConfig): CreditPolicy {
  const bands = config.WARNING_BANDS.map((b) => (/^\d+$/.test(b) ? Number(b) : Number.NaN));
  if (!bands.every((b, i) => b > 0 && (i === 0 || b > bands[i - 1]!))) {
    throw new ConfigError([
      `WARNING_BANDS=${JSON.stringify(config.WARNING_BANDS.join(','))} must be ascending positive integer percentages, e.g. 80,90,100`,
    ]);
  }
  return creditPolicy({
    policyVersion: config.CREDIT_POLICY_VERSION,
    noProfileHold: config.NO_PROFILE_HOLD,
    riskHoldClasses: config.RISK_HOLD_CLASSES,
    overdueHoldLevel: config.OVERDUE_HOLD_LEVEL,
    warningBands: bands,
  });
}

/** The topics the service consumes, in the registry it runs against. */
export const inputTopics = (t: TopicRegistry) =>
  [t.CUSTOMERS, t.ORDERS, t.INVOICES, t.PAYMENTS, t.CREDIT_ACTIONS, t.DELINQUENCY] as const;

export interface ExposureService extends Service {
  readonly topics: TopicRegistry;
  /** The bound HTTP port once started (HTTP_PORT 0 picks a free one). */
  readonly httpPort: number;
}

export interface ExposureServiceOptions {
  logger: Logger;
  /** The consumer crashed for good: the process should exit and be restarted. */
  fail?: (error: Error) => void;
}

export function createExposureService(config: ExposureConfig, opts: ExposureServiceOptions): ExposureService {
  const { logger } = opts;
  const topics = topicRegistry(config.O2C_TOPIC_PREFIX);
  const policy = policyOf(config);
  let redis: Redis | undefined;
  let producers: Producer[] = [];
  let admin: Admin | undefined;
  let runner: Runner | undefined;
  let health: HealthServer | undefined;

  return {
    topics,
    get httpPort() {
      if (!health) throw new Error('the exposure service is not started');
      return health.port;
    },

    async start() {
      const kafka = createKafka(config, logger);
      const { serde } = await prepareContracts({
        kafka,
        registry: config,
        topics,
        partitions: config.KAFKA_PARTITIONS,
        startup: config,
        logger,
      });
      redis = await connectRedis(config, logger);
      const store = new PartitionStore(redis, SERVICE, config.REDIS_KEY_PREFIX);
      producers = Array.from({ length: config.KAFKA_PRODUCERS }, () => createIdempotentProducer(kafka));
      await Promise.all(producers.map((p) => p.connect()));
      admin = kafka.admin();
      await admin.connect();

      const registry = createRegistry(SERVICE);
      const runnerMetrics = createRunnerMetrics(registry, SERVICE);
      const domain = new ExposureDomain({ topics, policy });
      const log = logger.child({ component: 'exposure' });
      const logStart = logStartOffsets(admin);
      const processor = new BatchProcessor<InputRecord, ReturnType<ExposureDomain['deserialize']>>({
        domain,
        store,
        publisher: new OutboxPublisher(store, producers),
        encode: (spec, event) => serde.encodeSync(spec, event),
        toDlq: rejectedRecordLetter(topics.DLQ.name, SERVICE, () => new Date()),
        logStartOffset: logStart,
        metrics: runnerMetrics,
        compactedTopics: compactedTopics(inputTopics(topics)),
        logger: log,
        onStateIncomplete: stateIncompleteGauge(registry, SERVICE),
        onDeadLetter: ({ topic, partition, offset }, { errorClass }) => {
          runnerMetrics.dlqRecords.inc({ topic, error_class: errorClass });
          log.warn({ topic, partition, offset, errorClass }, 'input rejected by the exposure core sent to the DLQ');
        },
      });

      const handled = new Set<number>();
      const metrics = createExposureMetrics(registry, SERVICE, async () => {
        const lengths = new Map<number, number>();
        for (const p of handled) lengths.set(p, await store.outboxLength(p));
        return lengths;
      });
      const inputs = inputTopics(topics);
      runner = await startRunner<ExposureInput>({
        kafka,
        groupId: config.KAFKA_GROUP_ID,
        topics: inputs.map((t) => t.name),
        decode: specDecoder(serde, inputs),
        dlq: createDlqPublisher({ kafka, service: SERVICE, topic: topics.DLQ.name }),
        metrics: runnerMetrics,
        logger,
        fetch: fetchOptions(config),
        partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
        sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
        heartbeatInterval: config.KAFKA_HEARTBEAT_INTERVAL_MS,
        ...(opts.fail ? { onFatal: opts.fail } : {}),
        ...(config.EVENT_TIME_ALIGNMENT
          ? { align: { eventTime: (e: ExposureInput) => e.occurredAt, maxIdleMs: config.ALIGN_MAX_IDLE_MS, mixedTopics: true } }
          : {}),
        async handleBatch(records, ctx) {
          handled.add(ctx.partition);
          domain.startTally(ctx.partition);
          const source = records.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset, key: r.key, value: r.value, event: r }));
          const outcome = await processor.process(source, ctx.fromOffsets);
          if (outcome.kind === 'seek') {
            domain.takeTally(ctx.partition);
            return rewindEveryInput(store, ctx.partition, outcome, inputs.map((t) => t.name), logStart);
          }
          observeDecisions(metrics, domain.takeTally(ctx.partition), Date.now());
          return undefined;
        },
      });
      health = await startHealthServer({ host: config.HTTP_HOST, port: config.HTTP_PORT, registry, checks: [runner.health] });
      logger.info(
        { groupId: config.KAFKA_GROUP_ID, topicPrefix: config.O2C_TOPIC_PREFIX, httpPort: health.port, policy },
        'exposure service started',
      );
    },

    async stop() {
      // The runner first: it finishes the chunk in hand, whose commit and outbox flush need Redis and the producer.
      await runner?.stop();
      await Promise.all(producers.map((p) => p.disconnect()));
      await admin?.disconnect();
      await redis?.quit();
      await health?.close();
    },
  };
}
