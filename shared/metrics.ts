// One prom-client registry per service process, with Node's default metrics, and the metrics every service shares.
// What every service has (the consumer runner's records, lag, batches, rebalances and dead letters; the commit and the
// outbox publish) is one metric per concept, o2c_<noun>_<unit|total>, told apart by the registry's `service` label,
// so one query covers every service. What only one service has is o2c_<service>_<noun>_<unit|total> (metricPrefix).
// The default process_* and nodejs_* metrics keep their standard names.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { POISON_CLASSES } from './errors.ts';

/** `o2c_<service>_`, with the service name made a valid metric name part (exposure-replay -> exposure_replay). */
export const metricPrefix = (service: string): string => `o2c_${service.replace(/[^a-zA-Z0-9_]/g, '_')}_`;

/** A registry whose every metric carries `service`, the label the shared metrics are told apart by. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The names of the metrics every service shares (what dashboards and tests query). */
export const SHARED_METRICS = {
  recordsConsumed: 'o2c_records_consumed_total',
  dlqRecords: 'o2c_dlq_records_total',
  batchDuration: 'o2c_batch_duration_seconds',
  batchSize: 'o2c_batch_size_records',
  consumerLag: 'o2c_consumer_lag_records',
  consumerLagSeconds: 'o2c_consumer_lag_seconds',
  pausedPartitions: 'o2c_paused_partitions',
  rebalances: 'o2c_rebalances_total',
  groupJoins: 'o2c_consumer_group_joins_total',
  crashes: 'o2c_consumer_crashes_total',
  transientErrors: 'o2c_transient_errors_total',
  alignmentWaits: 'o2c_alignment_waits_total',
  commitDuration: 'o2c_commit_duration_seconds',
  publishDuration: 'o2c_publish_duration_seconds',
  staleCommits: 'o2c_stale_commits_total',
} as const;

export interface RunnerMetrics {
  recordsConsumed: Counter<'topic'>;
  dlqRecords: Counter<'topic' | 'error_class'>;
  batchDuration: Histogram<'topic'>;
  batchSize: Histogram<'topic'>;
  consumerLag: Gauge<'topic' | 'partition'>;
  consumerLagSeconds: Gauge<'topic' | 'partition'>;
  pausedPartitions: Gauge<'topic'>;
  rebalances: Counter;
  groupJoins: Counter;
  crashes: Counter;
  transientErrors: Counter<'topic' | 'stage'>;
  alignmentWaits: Counter<'topic' | 'outcome'>;
  /** The stateful services' fenced commit to Redis; the reporting sink's transaction in Postgres. */
  commitDuration: Histogram;
  /** The stateful services' outbox publish, until Kafka acknowledged it. */
  publishDuration: Histogram;
  /** The stateful services' commits refused by the fence: the partition's version moved under this instance. */
  staleCommits: Counter;
}

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The fenced commit's histogram of `registry`, created by whichever comes first of createRunnerMetrics and a
 * service's own factory that observes it (the reporting sink), so both use the one metric.
 */
export function commitDurationOf(registry: Registry): Histogram {
  const name = SHARED_METRICS.commitDuration;
  return (
    (registry.getSingleMetric(name) as Histogram | undefined) ??
    new Histogram({
      name,
      help: 'One batch commit: the fenced commit of state, offsets and outbox to Redis, or the transaction in Postgres.',
      buckets: DURATION_BUCKETS,
      registers: [registry],
    })
  );
}

/**
 * The metrics every service shares, registered on `registry`. Their `service` label is the registry's default label,
 * set here to `service` (as createRegistry does), so a registry made elsewhere carries it too.
 */
export function createRunnerMetrics(registry: Registry, service: string): RunnerMetrics {
  registry.setDefaultLabels({ service });
  const registers = [registry];
  const n = SHARED_METRICS;
  return {
    recordsConsumed: new Counter({
      name: n.recordsConsumed,
      help: 'Records consumed and settled: handled, or sent to the DLQ.',
      labelNames: ['topic'],
      registers,
    }),
    dlqRecords: new Counter({
      name: n.dlqRecords,
      help: 'Poison records written to the DLQ, by source topic and error class.',
      labelNames: ['topic', 'error_class'],
      registers,
    }),
    batchDuration: new Histogram({
      name: n.batchDuration,
      help: 'Time to decode, handle and settle one fetched batch of one topic-partition.',
      labelNames: ['topic'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    batchSize: new Histogram({
      name: n.batchSize,
      help: 'Records in one fetched batch of one topic-partition.',
      labelNames: ['topic'],
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers,
    }),
    consumerLag: new Gauge({
      name: n.consumerLag,
      help: 'Records between the position of this consumer and the high watermark, per assigned partition.',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    consumerLagSeconds: new Gauge({
      name: n.consumerLagSeconds,
      help: 'Event-time lag: when the last records of a partition were handled, seconds since the latest event time among them.',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    pausedPartitions: new Gauge({
      name: n.pausedPartitions,
      help: 'Partitions paused by this consumer (waiting for a retry, or held back for event-time order), by topic.',
      labelNames: ['topic'],
      registers,
    }),
    rebalances: new Counter({
      name: n.rebalances,
      help: 'Times the consumer group started rebalancing.',
      registers,
    }),
    groupJoins: new Counter({
      name: n.groupJoins,
      help: 'Times this consumer joined its group and got an assignment.',
      registers,
    }),
    crashes: new Counter({
      name: n.crashes,
      help: 'Consumer crashes reported by kafkajs (restarted or not).',
      registers,
    }),
    transientErrors: new Counter({
      name: n.transientErrors,
      help: 'Transient failures that paused a partition for a retry, by stage (decode, handle, dlq).',
      labelNames: ['topic', 'stage'],
      registers,
    }),
    alignmentWaits: new Counter({
      name: n.alignmentWaits,
      help: 'Chunks held back for event-time order (outcome waiting), by topic.',
      labelNames: ['topic', 'outcome'],
      registers,
    }),
    commitDuration: commitDurationOf(registry),
    publishDuration: new Histogram({
      name: n.publishDuration,
      help: "One batch's outbox published with the idempotent producer, until Kafka acknowledged it.",
      buckets: DURATION_BUCKETS,
      registers,
    }),
    staleCommits: new Counter({
      name: n.staleCommits,
      help: "Batch commits refused as stale: the partition's version in Redis moved (another owner committed, or Redis lost it); the batch is recomputed.",
      registers,
    }),
  };
}

/** The stages of a record the runner counts transient failures of. */
export const RUNNER_STAGES = ['decode', 'handle', 'dlq'] as const;

/**
 * Creates every series of the runner's labelled counters for `topics` at zero (dead letters per error class, transient
 * errors per stage, records consumed), so a dashboard shows 0 rather than "No data" before the first one. The runner
 * calls it for its topics at start.
 */
export function initialiseRunnerCounters(metrics: RunnerMetrics, topics: readonly string[]): void {
  for (const topic of topics) {
    metrics.recordsConsumed.inc({ topic }, 0);
    for (const error_class of POISON_CLASSES) metrics.dlqRecords.inc({ topic, error_class }, 0);
    for (const stage of RUNNER_STAGES) metrics.transientErrors.inc({ topic, stage }, 0);
  }
}
