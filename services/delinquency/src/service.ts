// services/delinquency: every open invoice is aged against the partition's business date; transitions emit overdue,
// bucket, cure, status and dunning events to o2c.delinquency.v1.
//
// Wiring: the shared runner consumes invoices, payments and customers (partition p of all three on one instance),
// by default partition p of the three merged in event-time order; each chunk is one BatchProcessor.process: one Redis
// load of what is not in memory, the pure core, one fenced commit of state, due index, outbox and offset, then the
// outbox is published. Optionally a live clock writes today's ticks.
import type { Redis } from 'ioredis';
import type { Kafka, Producer, Admin } from 'kafkajs';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import { startHealthServer, type HealthServer } from '../../../shared/health.ts';
import { prepareContracts } from '../../../shared/kafka/admin.ts';
import { createIdempotentProducer, createKafka } from '../../../shared/kafka/client.ts';
import { createDlqPublisher } from '../../../shared/kafka/dlq.ts';
import { fetchOptions, specDecoder, startRunner, type HandleBatch, type Runner } from '../../../shared/kafka/runner.ts';
import type { Service } from '../../../shared/lifecycle.ts';
import type { Logger } from '../../../shared/logger.ts';
import { createRegistry, createRunnerMetrics, type RunnerMetrics } from '../../../shared/metrics.ts';
import { connectRedis } from '../../../shared/redis/connect.ts';
import { OutboxPublisher } from '../../../shared/redis/outbox-publisher.ts';
import { PartitionStore } from '../../../shared/redis/partition-store.ts';
import { BatchProcessor } from '../../../shared/stateful/batch-processor.ts';
import { rewindEveryInput } from '../../../shared/stateful/lost-state-rewind.ts';
import { compactedTopics, stateIncompleteGauge } from '../../../shared/stateful/state-incomplete.ts';
import { SERVICE, type DelinquencyConfig } from './adapters/config.ts';
import { rejectedRecordLetter } from './adapters/dead-letters.ts';
import { LiveClock } from './adapters/live-clock.ts';
import { countEmitted, createDelinquencyMetrics, partitionAsOfDate, type DelinquencyMetrics } from './adapters/metrics.ts';
import { DelinquencyDomain, type Entity, type InputEvent, type InputRecord } from './adapters/partition-domain.ts';

export interface DelinquencyServiceOptions {
  config: DelinquencyConfig;
  logger: Logger;
  /** A failure the service cannot recover from after start (the consumer crashed for good, the live clock failed). */
  onFatal: (error: Error) => void;
  /** Wall clock, epoch ms: the live clock's today and dead letters' o2c-failed-at. */
  now?: () => number;
}

export class DelinquencyService implements Service {
  private redis: Redis | undefined;
  private producers: Producer[] = [];
  private admin: Admin | undefined;
  private runner: Runner | undefined;
  private health: HealthServer | undefined;
  private clock: LiveClock | undefined;

  constructor(private readonly o: DelinquencyServiceOptions) {}

  /** The bound /metrics and /healthz port (the real one when HTTP_PORT is 0). */
  get httpPort(): number | undefined {
    return this.health?.port;
  }

  async start(): Promise<void> {
    const { config, logger, onFatal } = this.o;
    const now = this.o.now ?? Date.now;
    const topics = topicRegistry(config.O2C_TOPIC_PREFIX);
    const kafka: Kafka = createKafka(config, logger);
    const { serde } = await prepareContracts({
      kafka,
      registry: config,
      topics,
      partitions: config.KAFKA_PARTITIONS,
      startup: config,
      logger,
    });

    const redis = (this.redis = await connectRedis(config, logger));
    const store = new PartitionStore(redis, SERVICE, config.REDIS_KEY_PREFIX);
    const producers = (this.producers = Array.from({ length: config.KAFKA_PRODUCERS }, () => createIdempotentProducer(kafka)));
    await Promise.all(producers.map((p) => p.connect()));
    const admin = (this.admin = kafka.admin());
    await admin.connect();

    const domain = new DelinquencyDomain({
      topics,
      policy: config.policy,
      service: SERVICE,
      now: () => new Date(now()),
      sameDayOrder: config.DELINQUENCY_SAME_DAY_ORDER,
    });
    const registry = createRegistry(SERVICE);
    const runnerMetrics = createRunnerMetrics(registry, SERVICE);
    const logStart = async (topic: string, partition: number) => {
      const offsets = await admin.fetchTopicOffsets(topic);
      return BigInt(offsets.find((o) => o.partition === partition)?.low ?? '0');
    };
    const processor = new BatchProcessor<InputRecord, Entity>({
      domain,
      store,
      publisher: new OutboxPublisher(store, producers),
      encode: (spec, event) => serde.encode(spec, event),
      toDlq: rejectedRecordLetter(topics.DLQ.name, SERVICE, () => new Date(now())),
      logStartOffset: logStart,
      metrics: runnerMetrics,
      // Its dead letters are counted and logged from the domain's tally (observe). An incomplete state is flagged (an
      // error, the gauge), not acted on: delinquency decides no orders.
      compactedTopics: compactedTopics([topics.INVOICES, topics.PAYMENTS, topics.CUSTOMERS]),
      logger: logger.child({ component: 'delinquency' }),
      onStateIncomplete: stateIncompleteGauge(registry, SERVICE),
    });

    const processed = new Set<number>();
    const metrics = createDelinquencyMetrics(registry, SERVICE, {
      outboxLengths: async () => {
        const lengths = await Promise.all([...processed].map(async (p) => [p, await store.outboxLength(p)] as const));
        return new Map(lengths);
      },
      asOfDates: async () => {
        const dates = await Promise.all([...processed].map(async (p) => [p, await partitionAsOfDate(store, p)] as const));
        return new Map(dates.filter((d): d is readonly [number, number] => d[1] !== null));
      },
    });

    const inputs = [topics.INVOICES, topics.PAYMENTS, topics.CUSTOMERS] as const;
    const from = new Map<string, InputRecord['from']>([
      [topics.INVOICES.name, 'invoices'],
      [topics.PAYMENTS.name, 'payments'],
      [topics.CUSTOMERS.name, 'customers'],
    ]);
    const log = logger.child({ component: 'delinquency' });
    const handleBatch: HandleBatch<InputEvent> = async (records, ctx) => {
      domain.resetTally(ctx.partition);
      const outcome = await processor.process(
        records.map((r) => ({ ...r, event: { from: from.get(r.topic)!, record: r } })),
        ctx.fromOffsets,
      );
      const tally = domain.takeTally(ctx.partition);
      if (outcome.kind === 'seek') return rewindEveryInput(store, ctx.partition, outcome, inputs.map((t) => t.name), logStart);
      processed.add(ctx.partition);
      if (tally) this.observe(tally, ctx.partition, metrics, runnerMetrics, log);
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
      partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
      sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatInterval: config.KAFKA_HEARTBEAT_INTERVAL_MS,
      onFatal,
      ...(config.EVENT_TIME_ALIGNMENT
        ? { align: { eventTime: (e: InputEvent) => e.occurredAt, maxIdleMs: config.ALIGN_MAX_IDLE_MS, mixedTopics: true } }
        : {}),
    });
    this.health = await startHealthServer({ host: config.HTTP_HOST, port: config.HTTP_PORT, registry, checks: [this.runner.health] });

    if (config.LIVE_CLOCK) {
      this.clock = new LiveClock({
        producer: producers[0]!,
        serde,
        topics: [topics.INVOICES, topics.PAYMENTS],
        partitions: config.KAFKA_PARTITIONS,
        now,
        logger: log,
        onError: onFatal,
      });
      await this.clock.start();
    }
  }

  async stop(): Promise<void> {
    await this.clock?.stop();
    await this.runner?.stop();
    await Promise.all(this.producers.map((p) => p.disconnect()));
    await this.admin?.disconnect();
    await this.health?.close();
    await this.redis?.quit();
  }

  private observe(
    tally: NonNullable<ReturnType<DelinquencyDomain['takeTally']>>,
    partition: number,
    metrics: DelinquencyMetrics,
    runnerMetrics: RunnerMetrics,
    log: Logger,
  ): void {
    countEmitted(metrics, tally);
    if (tally.openInvoices !== undefined) metrics.openInvoices.set({ partition: String(partition) }, tally.openInvoices);
    for (const { topic, errorClass } of tally.rejected.values()) {
      runnerMetrics.dlqRecords.inc({ topic, error_class: errorClass });
      log.warn({ topic, partition, errorClass }, 'input rejected by the delinquency core sent to the DLQ');
    }
  }
}
