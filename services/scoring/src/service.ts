// services/scoring: every customer is assessed on each of its inputs and on each business date: a PAYDEX-style
// payment score, a late-payment probability with its factors, a risk class, a proposed limit and segments, to
// o2c.credit-scores.v1; review-due events to o2c.credit-reviews.v1.
//
// Wiring: the shared runner consumes invoices, payments and customers (partition p of all three on one instance)
// in event-time order; each chunk is one BatchProcessor.process: one Redis load, the pure core, one fenced commit
// of state, index, outbox and offsets, then the outbox is published.
import type { Redis } from 'ioredis';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import { startHealthServer, type HealthServer } from '../../../shared/health.ts';
import { prepareContracts } from '../../../shared/kafka/admin.ts';
import { createIdempotentProducer, createKafka } from '../../../shared/kafka/client.ts';
import { createDlqPublisher } from '../../../shared/kafka/dlq.ts';
import { fetchOptions, specDecoder, startRunner, type HandleBatch, type Runner } from '../../../shared/kafka/runner.ts';
import type { Service } from '../../../shared/lifecycle.ts';
import type { Logger } from '../../../shared/logger.ts';
import { createRegistry, createRunnerMetrics } from '../../../shared/metrics.ts';
import { connectRedis } from '../../../shared/redis/connect.ts';
import { OutboxPublisher } from '../../../shared/redis/outbox-publisher.ts';
import { PartitionStore } from '../../../shared/redis/partition-store.ts';
import { BatchProcessor } from '../../../shared/stateful/batch-processor.ts';
import { SERVICE, type ScoringConfig } from './adapters/config.ts';
import { rejectedRecordLetter } from './adapters/dead-letters.ts';
import { countEmitted, createScoringMetrics } from './adapters/metrics.ts';
import { ScoringDomain, type Entity, type InputEvent, type InputRecord } from './adapters/partition-domain.ts';

export interface ScoringServiceOptions {
  config: ScoringConfig;
  logger: Logger;
  /** A failure the service cannot recover from after start (the consumer crashed for good). */
  onFatal: (error: Error) => void;
  /** Wall clock, epoch ms: dead letters' o2c-failed-at. */
  now?: () => number;
}

export class ScoringService implements Service {
  private redis: Redis | undefined;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private runner: Runner | undefined;
  private health: HealthServer | undefined;

  constructor(private readonly o: ScoringServiceOptions) {}

  /** The bound /metrics and /healthz port (the real one when HTTP_PORT is 0). */
  get httpPort(): number | undefined {
    return this.health?.port;
  }

  async start(): Promise<void> {
    const { config, logger, onFatal } = this.o;
    const now = this.o.now ?? Date.now;
    const topics = topicRegistry(config.O2C_TOPIC_PREFIX);
    const kafka: Kafka = createKafka(config, logger);
    const { serde } = await prepareContracts({ kafka, registry: config, topics, partitions: config.KAFKA_PARTITIONS, logger });

    const redis = (this.redis = await connectRedis(config, logger));
    const store = new PartitionStore(redis, SERVICE, config.REDIS_KEY_PREFIX);
    const producer = (this.producer = createIdempotentProducer(kafka));
    await producer.connect();
    const admin = (this.admin = kafka.admin());
    await admin.connect();

    const domain = new ScoringDomain({ topics, policy: config.policy });
    const processor = new BatchProcessor<InputRecord, Entity>({
      domain,
      store,
      publisher: new OutboxPublisher(store, producer),
      encode: (spec, event) => serde.encode(spec, event),
      toDlq: rejectedRecordLetter(topics.DLQ.name, SERVICE, () => new Date(now())),
      logStartOffset: async (topic, partition) => {
        const offsets = await admin.fetchTopicOffsets(topic);
        return BigInt(offsets.find((o) => o.partition === partition)?.low ?? '0');
      },
    });

    const registry = createRegistry(SERVICE);
    const runnerMetrics = createRunnerMetrics(registry, SERVICE);
    const metrics = createScoringMetrics(registry, SERVICE);
    const log = logger.child({ component: SERVICE });
    const inputs = [topics.INVOICES, topics.PAYMENTS, topics.CUSTOMERS] as const;

    const handleBatch: HandleBatch<InputEvent> = async (records, ctx) => {
      domain.resetTally(ctx.partition);
      const outcome = await processor.process(
        records.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset, key: r.key, value: r.value, event: r })),
        ctx.fromOffsets,
      );
      const tally = domain.takeTally(ctx.partition);
      if (outcome.kind === 'seek') return { seekTo: outcome.offset.toString(), topic: outcome.topic };
      if (tally) {
        countEmitted(metrics, tally);
        for (const source of tally.rejected) {
          const topic = source.slice(0, source.lastIndexOf('@'));
          runnerMetrics.dlqRecords.inc({ topic, error_class: 'InvalidEvent' });
          log.warn({ topic, partition: ctx.partition }, 'input rejected by the scoring core sent to the DLQ');
        }
      }
      return undefined;
    };

    this.runner = await startRunner<InputEvent>({
      kafka,
      groupId: config.KAFKA_GROUP_ID,
      topics: inputs.map((t) => t.name),
      decode: specDecoder(serde, inputs),
      handleBatch,
      dlq: createDlqPublisher({ kafka, service: SERVICE, topic: topics.DLQ.name }),
      metrics: runnerMetrics,
      logger,
      fetch: fetchOptions(config),
      onFatal,
      // Event-time order across the three inputs, so a replay assesses every customer at the same moments.
      align: { eventTime: (e: InputEvent) => e.occurredAt, maxIdleMs: config.ALIGN_MAX_IDLE_MS, mixedTopics: true },
    });
    this.health = await startHealthServer({ host: config.HTTP_HOST, port: config.HTTP_PORT, registry, checks: [this.runner.health] });
  }

  async stop(): Promise<void> {
    await this.runner?.stop();
    await this.producer?.disconnect();
    await this.admin?.disconnect();
    await this.health?.close();
    await this.redis?.quit();
  }
}
