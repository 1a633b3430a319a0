// One prom-client registry per service process, with Node's default metrics, and the consumer runner's metrics.
// Our own metrics are named o2c_<service>_<noun>_<unit|total>; the default process_* and nodejs_* metrics keep their
// standard names (each service has its own registry and /metrics, and a `service` label tells them apart).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { POISON_CLASSES } from './errors.ts';

/** `o2c_<service>_`, with the service name made a valid metric name part (exposure-replay -> exposure_replay). */
export const metricPrefix = (service: string): string => `o2c_${service.replace(/[^a-zA-Z0-9_]/g, '_')}_`;

export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export interface RunnerMetrics {
  recordsConsumed: Counter<'topic'>;
  dlqRecords: Counter<'topic' | 'error_class'>;
  batchDuration: Histogram<'topic'>;
  consumerLag: Gauge<'topic' | 'partition'>;
  rebalances: Counter;
  groupJoins: Counter;
  crashes: Counter;
  transientErrors: Counter<'topic' | 'stage'>;
  alignmentWaits: Counter<'topic' | 'outcome'>;
}

/** The consumer runner's metrics, registered on `registry`. */
export function createRunnerMetrics(registry: Registry, service: string): RunnerMetrics {
  const p = metricPrefix(service);
  const registers = [registry];
  return {
    recordsConsumed: new Counter({
      name: `${p}records_consumed_total`,
      help: 'Records consumed and settled: handled, or sent to the DLQ.',
      labelNames: ['topic'],
      registers,
    }),
    dlqRecords: new Counter({
      name: `${p}dlq_records_total`,
      help: 'Poison records written to the DLQ, by source topic and error class.',
      labelNames: ['topic', 'error_class'],
      registers,
    }),
    batchDuration: new Histogram({
      name: `${p}batch_duration_seconds`,
      help: 'Time to decode, handle and settle one fetched batch of one topic-partition.',
      labelNames: ['topic'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    consumerLag: new Gauge({
      name: `${p}consumer_lag_records`,
      help: 'Records between the position of this consumer and the high watermark, per assigned partition.',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    rebalances: new Counter({
      name: `${p}consumer_rebalances_total`,
      help: 'Times the consumer group started rebalancing.',
      registers,
    }),
    groupJoins: new Counter({
      name: `${p}consumer_group_joins_total`,
      help: 'Times this consumer joined its group and got an assignment.',
      registers,
    }),
    crashes: new Counter({
      name: `${p}consumer_crashes_total`,
      help: 'Consumer crashes reported by kafkajs (restarted or not).',
      registers,
    }),
    transientErrors: new Counter({
      name: `${p}transient_errors_total`,
      help: 'Transient failures that paused a partition for a retry, by stage (decode, handle, dlq).',
      labelNames: ['topic', 'stage'],
      registers,
    }),
    alignmentWaits: new Counter({
      name: `${p}alignment_waits_total`,
      help: 'Chunks held back for event-time order (outcome waiting), by topic.',
      labelNames: ['topic', 'outcome'],
      registers,
    }),
  };
}

/** The stages of a record the runner counts transient failures of. */
export const RUNNER_STAGES = ['decode', 'handle', 'dlq'] as const;

/**
 * Creates every series of the runner's labelled counters for `topics` at zero (dead letters per error class, transient
 * errors per stage, records consumed), so a dashboard shows 0 rather than "No data" before the first one.
 */
export function initialiseRunnerCounters(metrics: RunnerMetrics, topics: readonly string[]): void {
  for (const topic of topics) {
    metrics.recordsConsumed.inc({ topic }, 0);
    for (const error_class of POISON_CLASSES) metrics.dlqRecords.inc({ topic, error_class }, 0);
    for (const stage of RUNNER_STAGES) metrics.transientErrors.inc({ topic, stage }, 0);
  }
}
