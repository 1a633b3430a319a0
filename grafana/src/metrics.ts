// Every Prometheus metric the dashboards query, named as shared/metrics.ts registers them (the runner's records,
// lag and DLQ metrics) plus the exposure service's own. The services must export exactly these names (a test checks
// that the Pipeline health queries name only metrics from this list; a service test can check its registry against it).

/** The consumer services whose throughput, lag and DLQ rate the dashboards show. */
export const CONSUMER_SERVICES = ['exposure', 'delinquency', 'reporting'] as const;
export type ConsumerService = (typeof CONSUMER_SERVICES)[number];

export const recordsConsumed = (s: ConsumerService) => `o2c_${s}_records_consumed_total` as const; // counter
export const consumerLag = (s: ConsumerService) => `o2c_${s}_consumer_lag_records` as const; // gauge, labels topic, partition
export const dlqRecords = (s: ConsumerService) => `o2c_${s}_dlq_records_total` as const; // counter
/** Histogram: seconds from an order's arrival to its published decision. */
export const DECISION_LATENCY = 'o2c_exposure_decision_latency_seconds';
/** Gauge: derived events written to the outbox and not yet acknowledged by Kafka. */
export const OUTBOX_BACKLOG = 'o2c_exposure_outbox_backlog';

export const DASHBOARD_METRICS: readonly string[] = [
  ...CONSUMER_SERVICES.flatMap((s) => [recordsConsumed(s), consumerLag(s), dlqRecords(s)]),
  DECISION_LATENCY,
  OUTBOX_BACKLOG,
];
