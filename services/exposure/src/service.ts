// services/exposure: every order is decided against the customer's exposure and effective limit, held orders are
// released oldest first, and every customer's exposure is kept in Redis, per partition, effectively once.
//
//   inputs   customers, orders, invoices, payments, credit-actions, delinquency (co-partitioned by customerId)
//   outputs  credit-holds (decisions, releases, customer holds, warnings), exposure (snapshots), DLQ (rejected)
//   per batch of one topic-partition: load its customers, apply the core, one fenced commit, publish the outbox
import type { Redis } from 'ioredis';
import type { Admin, Producer } from 'kafkajs';
import { topicRegistry, type TopicRegistry } from '../../../shared/contracts/topics.ts';
import { startHealthServer, type HealthServer } from '../../../shared/health.ts';
import { logStartOffsets, prepareContracts } from '../../../shared/kafka/admin.ts';
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
import { compactedTopics, stateIncompleteGauge } from '../../../shared/stateful/state-incomplete.ts';
import { rejectedRecordLetter } from './adapters/dead-letters.ts';
import { ExposureDomain, type InputRecord } from './adapters/exposure-domain.ts';
import { createExposureMetrics, observeDecisions } from './adapters/metrics.ts';
import { policyOf, SERVICE, type ExposureConfig } from './config.ts';
import type { ExposureInput } from './domain/index.ts';

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
      const processor = new BatchProcessor<InputRecord, ReturnType<ExposureDomain['deserialize']>>({
        domain,
        store,
        publisher: new OutboxPublisher(store, producers),
        encode: (spec, event) => serde.encodeSync(spec, event),
        toDlq: rejectedRecordLetter(topics.DLQ.name, SERVICE, () => new Date()),
        logStartOffset: logStartOffsets(admin),
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
            return { seekTo: outcome.offset.toString(), topic: outcome.topic };
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
