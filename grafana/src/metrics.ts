// Every Prometheus metric the dashboards query: the metrics every service shares (shared/metrics.ts, one name each,
// told apart by the `service` label) and the ones only one service has. The services must export exactly these names
// (a test checks that the dashboards query only metrics from this list, and that each service registers them).
import { SHARED_METRICS } from '../../shared/metrics.ts';

/** The consumer services whose throughput, lag and DLQ rate the dashboards show. */
export const CONSUMER_SERVICES = ['exposure', 'delinquency', 'reporting'] as const;
export type ConsumerService = (typeof CONSUMER_SERVICES)[number];

/** Counter, label topic. */
export const RECORDS_CONSUMED = SHARED_METRICS.recordsConsumed;
/** Gauge, labels topic, partition. */
export const CONSUMER_LAG = SHARED_METRICS.consumerLag;
/** Gauge, labels topic, partition: seconds from the latest event time handled to when it was handled. */
export const CONSUMER_LAG_SECONDS = SHARED_METRICS.consumerLagSeconds;
/** Histogram, label topic. */
export const BATCH_DURATION = SHARED_METRICS.batchDuration;
/** Histogram, label topic. */
export const BATCH_SIZE = SHARED_METRICS.batchSize;
/** Histogram: the fenced commit (exposure, delinquency) or the Postgres transaction (reporting). */
export const COMMIT_DURATION = SHARED_METRICS.commitDuration;
/** Histogram: the outbox publish until Kafka acknowledged it (exposure, delinquency). */
export const PUBLISH_DURATION = SHARED_METRICS.publishDuration;
/** Gauge, label topic. */
export const PAUSED_PARTITIONS = SHARED_METRICS.pausedPartitions;
/** Counter. */
export const REBALANCES = SHARED_METRICS.rebalances;
/** Counter, labels topic, error_class. */
export const DLQ_RECORDS = SHARED_METRICS.dlqRecords;

/** Histogram: seconds from an order's arrival to its published decision. */
export const DECISION_LATENCY = 'o2c_exposure_decision_latency_seconds';
/** Gauge: derived events written to the outbox and not yet acknowledged by Kafka. */
export const OUTBOX_BACKLOG = 'o2c_exposure_outbox_backlog';
/** Gauge, label partition: exposure inputs waiting for the FX rate of their day. */
export const FX_PARKED = 'o2c_exposure_fx_parked_documents';
/** Gauge, label partition: the delinquency as-of date, epoch seconds. */
export const AS_OF_DATE = 'o2c_delinquency_as_of_timestamp_seconds';
/** Counter, label outcome: notices the SMTP delivery finished with (sent, resent, dead, unaddressed, stale, duplicate). */
export const NOTIFICATION_DELIVERIES = 'o2c_notifications_deliveries_total';

/** Queried of every consumer service. */
export const SHARED_DASHBOARD_METRICS: readonly string[] = [
  RECORDS_CONSUMED,
  CONSUMER_LAG,
  CONSUMER_LAG_SECONDS,
  BATCH_DURATION,
  BATCH_SIZE,
  COMMIT_DURATION,
  PUBLISH_DURATION,
  PAUSED_PARTITIONS,
  REBALANCES,
  DLQ_RECORDS,
];

/** Queried of one service only, by the service that registers it. */
export const SERVICE_DASHBOARD_METRICS: Readonly<Record<string, ConsumerService | 'notifications'>> = {
  [DECISION_LATENCY]: 'exposure',
  [OUTBOX_BACKLOG]: 'exposure',
  [FX_PARKED]: 'exposure',
  [AS_OF_DATE]: 'delinquency',
  [NOTIFICATION_DELIVERIES]: 'notifications',
};

export const DASHBOARD_METRICS: readonly string[] = [...SHARED_DASHBOARD_METRICS, ...Object.keys(SERVICE_DASHBOARD_METRICS)];
