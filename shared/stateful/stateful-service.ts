// The one handler every stateful service runs, as Kafka Streams runs a topology under the Confluent microservices: a
// service hands over its rule (its input topics and its pure core as a PartitionDomain) and the kit owns the rest:
// contracts, the consumer runner (co-partitioned, in event-time order), the PartitionStore and its fenced commit, the
// outbox publisher, dead letters, the shared metrics, /metrics and /healthz, and start/stop.
//
//   start    topics and schemas, Redis, producers, admin; the BatchProcessor over the rule's domain; the runner, whose
//            every batch is one BatchProcessor.process; the health server; then the rule's companions (a live clock)
//   batch    the consumed records become the domain's records (rule.toDomain); process; a seek goes back to the runner;
//            the outcome (what the commit wrote: derived records with their inputs, rejected inputs) goes to the rule's
//            afterBatch, which counts the service's own metrics from it
//   letters  an input the core rejects goes to the DLQ byte for byte once its batch committed, counted and logged
//   stop     companions, then the runner (it finishes the chunk in hand, whose commit and flush need Redis and the
//            producers), then producers, admin, health server, Redis
import type { Redis } from 'ioredis';
import type { Admin, Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { StatefulConfig } from '../config.ts';
import type { EventSerde } from '../contracts/serde.ts';
import { topicRegistry, type AnyEvent, type TopicRegistry, type TopicSpec } from '../contracts/topics.ts';
import { startHealthServer, type HealthServer } from '../health.ts';
import { logStartOffsets, prepareContracts } from '../kafka/admin.ts';
import { createIdempotentProducer, createKafka } from '../kafka/client.ts';
import { createDlqPublisher } from '../kafka/dlq.ts';
import { fetchOptions, specDecoder, startRunner, type ConsumedRecord, type Runner } from '../kafka/runner.ts';
import type { Service } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import { createRegistry, createRunnerMetrics, type RunnerMetrics } from '../metrics.ts';
import { connectRedis } from '../redis/connect.ts';
import { OutboxPublisher } from '../redis/outbox-publisher.ts';
import { PartitionStore } from '../redis/partition-store.ts';
import { BatchProcessor, type BatchOutcome, type PartitionDomain } from './batch-processor.ts';
import { rewindEveryInput } from './lost-state-rewind.ts';
import { rejectedRecordLetter } from './rejected-letter.ts';
import { compactedTopics, stateIncompleteGauge } from './state-incomplete.ts';

/** What a service is: its name, its inputs and its pure core; everything else is the kit's. */
export interface StatefulRule<In extends AnyEvent, E, S> {
  /** Names its default consumer group, metrics, dead letters' o2c-service and Redis key space. */
  readonly service: string;
  /** The topics it consumes; partition p of all of them is owned by one instance. */
  readonly inputs: ReadonlyArray<TopicSpec<In>>;
  readonly domain: PartitionDomain<E, S>;
  /** The domain's record for a consumed one. Default: the consumed record itself. */
  toDomain?(record: ConsumedRecord<In>): E;
  /** The consumed record inside a domain record, for its dead letter. Default: the record itself. */
  consumed?(record: E): ConsumedRecord<unknown>;
  /** The service's own metrics and companions, given the kit's parts once they exist (at start). */
  attach?(kit: StatefulKit): Attachment<E>;
  /** Added to the 'service started' log line (e.g. the policy in force; never a secret). */
  readonly describe?: Readonly<Record<string, unknown>>;
}

/** The kit's parts a rule's attachment may use. */
export interface StatefulKit {
  readonly topics: TopicRegistry;
  readonly registry: Registry;
  readonly runnerMetrics: RunnerMetrics;
  readonly store: PartitionStore;
  readonly serde: EventSerde;
  readonly producers: readonly Producer[];
  /** Partitions this instance has committed a batch of (what a per-partition gauge reads when scraped). */
  readonly partitions: ReadonlySet<number>;
  readonly logger: Logger;
  /** Wall clock, epoch ms. */
  readonly now: () => number;
  readonly onFatal: (error: Error) => void;
}

export interface Attachment<E> {
  /**
   * After each batch that returned: committed and published ('done', with the derived and rejected records its commit
   * wrote) or sent back to the runner ('seek').
   */
  afterBatch?(partition: number, outcome: BatchOutcome<E>): void;
  /** Started once the consumer runs, stopped before it (e.g. delinquency's live clock). */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export interface StatefulServiceOptions<C extends StatefulConfig = StatefulConfig> {
  config: C;
  logger: Logger;
  /** A failure the service cannot recover from after start (the consumer crashed for good, a companion failed). */
  onFatal: (error: Error) => void;
  /** Wall clock, epoch ms: dead letters' o2c-failed-at and the companions' today. Default Date.now. */
  now?: () => number;
}

export class StatefulService<In extends AnyEvent, E, S> implements Service {
  readonly topics: TopicRegistry;
  private readonly rule: StatefulRule<In, E, S>;
  private redis: Redis | undefined;
  private producers: Producer[] = [];
  private admin: Admin | undefined;
  private runner: Runner | undefined;
  private health: HealthServer | undefined;
  private attachment: Attachment<E> = {};

  /** `rule` is built here, against the topics of the configured namespace. */
  constructor(
    rule: (topics: TopicRegistry) => StatefulRule<In, E, S>,
    private readonly o: StatefulServiceOptions,
  ) {
    this.topics = topicRegistry(o.config.O2C_TOPIC_PREFIX);
    this.rule = rule(this.topics);
  }

  /** The bound /metrics and /healthz port once started (the real one when HTTP_PORT is 0). */
  get httpPort(): number {
    if (!this.health) throw new Error(`the ${this.rule.service} service is not started`);
    return this.health.port;
  }

  async start(): Promise<void> {
    const { config, logger, onFatal } = this.o;
    const now = this.o.now ?? Date.now;
    const { service, inputs, domain } = this.rule;
    const topics = this.topics;
    const kafka = createKafka(config, logger);
    const { serde } = await prepareContracts({ kafka, registry: config, topics, partitions: config.KAFKA_PARTITIONS, startup: config, logger });
    const redis = (this.redis = await connectRedis(config, logger));
    const store = new PartitionStore(redis, service, config.REDIS_KEY_PREFIX);
    const producers = (this.producers = Array.from({ length: config.KAFKA_PRODUCERS }, () => createIdempotentProducer(kafka)));
    await Promise.all(producers.map((p) => p.connect()));
    const admin = (this.admin = kafka.admin());
    await admin.connect();

    const registry = createRegistry(service);
    const runnerMetrics = createRunnerMetrics(registry, service);
    const log = logger.child({ component: service });
    const partitions = new Set<number>();
    const toDomain = this.rule.toDomain ?? ((r: ConsumedRecord<In>) => r as unknown as E);
    const logStart = logStartOffsets(admin);
    const processor = new BatchProcessor<E, S>({
      domain,
      store,
      publisher: new OutboxPublisher(store, producers),
      // Every topic's schema id is known once prepareContracts returned: no await per record.
      encode: (spec, event) => serde.encodeSync(spec, event),
      toDlq: rejectedRecordLetter<E>(topics.DLQ.name, service, () => new Date(now()), this.rule.consumed),
      logStartOffset: logStart,
      metrics: runnerMetrics,
      compactedTopics: compactedTopics(inputs),
      logger: log,
      onStateIncomplete: stateIncompleteGauge(registry, service),
      onDeadLetter: ({ topic, partition, offset }, { errorClass }) => {
        runnerMetrics.dlqRecords.inc({ topic, error_class: errorClass });
        log.warn({ topic, partition, offset, errorClass }, `input rejected by the ${service} core sent to the DLQ`);
      },
    });
    const attachment = (this.attachment =
      this.rule.attach?.({ topics, registry, runnerMetrics, store, serde, producers, partitions, logger: log, now, onFatal }) ?? {});

    this.runner = await startRunner<In>({
      kafka,
      groupId: config.KAFKA_GROUP_ID,
      topics: inputs.map((t) => t.name),
      decode: specDecoder(serde, inputs),
      dlq: createDlqPublisher({ kafka, service, topic: topics.DLQ.name }),
      metrics: runnerMetrics,
      logger,
      fetch: fetchOptions(config),
      partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
      sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatInterval: config.KAFKA_HEARTBEAT_INTERVAL_MS,
      onFatal,
      ...(config.EVENT_TIME_ALIGNMENT
        ? { align: { eventTime: (e: In) => e.occurredAt, maxIdleMs: config.ALIGN_MAX_IDLE_MS, mixedTopics: true } }
        : {}),
      async handleBatch(records, ctx) {
        const source = records.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset, key: r.key, value: r.value, event: toDomain(r) }));
        const outcome = await processor.process(source, ctx.fromOffsets);
        if (outcome.kind === 'done') partitions.add(ctx.partition);
        attachment.afterBatch?.(ctx.partition, outcome);
        // A lost state is rebuilt from every input of the partition, not only the topic whose record revealed it.
        return outcome.kind === 'seek' ? rewindEveryInput(store, ctx.partition, outcome, inputs.map((t) => t.name), logStart) : undefined;
      },
    });
    this.health = await startHealthServer({ host: config.HTTP_HOST, port: config.HTTP_PORT, registry, checks: [this.runner.health] });
    await attachment.start?.();
    log.info(
      { groupId: config.KAFKA_GROUP_ID, topicPrefix: config.O2C_TOPIC_PREFIX, httpPort: this.health.port, ...this.rule.describe },
      `${service} service started`,
    );
  }

  async stop(): Promise<void> {
    await this.attachment.stop?.();
    // The runner first: it finishes the chunk in hand, whose commit and outbox flush need Redis and the producers.
    await this.runner?.stop();
    await Promise.all(this.producers.map((p) => p.disconnect()));
    await this.admin?.disconnect();
    await this.health?.close();
    await this.redis?.quit();
  }
}
