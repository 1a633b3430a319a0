import {
  AS_OF_DATE,
  BATCH_DURATION,
  BATCH_SIZE,
  COMMIT_DURATION,
  CONSUMER_LAG,
  CONSUMER_LAG_SECONDS,
  DECISION_LATENCY,
  DLQ_RECORDS,
  NOTIFICATION_DELIVERIES,
  FX_PARKED,
  OUTBOX_BACKLOG,
  PAUSED_PARTITIONS,
  PUBLISH_DURATION,
  REBALANCES,
  RECORDS_CONSUMED,
} from './metrics.ts';
import { dashboard, layout, PROMETHEUS, promTarget, type Dashboard } from './panels.ts';

// For the engineers who run the pipeline: throughput, lag, batches, commit and publish latency, pauses, rebalances,
// poison records, the outbox, the delinquency as-of date and the notifications' deliveries. The shared metrics carry a `service` label, so one
// query per panel covers every service.

const quantile = (q: number, histogram: string, by = 'le') =>
  `histogram_quantile(${q}, sum by (${by}) (rate(${histogram}_bucket[$__rate_interval])))`;

/** p50 and p99 of a shared histogram, per service. */
const quantilesPerService = (histogram: string) => [
  promTarget(quantile(0.5, histogram, 'service, le'), '{{service}} p50', 'A'),
  promTarget(quantile(0.99, histogram, 'service, le'), '{{service}} p99', 'B'),
];

export const pipelineHealth: Dashboard = dashboard({
  uid: 'o2c-pipeline-health',
  title: 'Pipeline health',
  description:
    'Events per second, consumer lag in records and in event time, batch size and duration, commit and publish ' +
    'latency, paused partitions, rebalances, DLQ rate by error class, outbox backlog, the delinquency as-of date and ' +
    'notification deliveries by outcome.',
  refresh: '10s',
  time: { from: 'now-1h', to: 'now' },
  panels: layout(PROMETHEUS, [
    [
      { type: 'timeseries', title: 'Events consumed per second', description: 'Records consumed per second, per service.', w: 12, h: 8, unit: 'ops' },
      [promTarget(`sum by (service) (rate(${RECORDS_CONSUMED}[$__rate_interval]))`, '{{service}}', 'A')],
    ],
    [
      { type: 'timeseries', title: 'Consumer lag (records)', description: 'Records behind the end of each input topic, per service.', w: 12, h: 8 },
      [promTarget(`sum by (service, topic) (${CONSUMER_LAG})`, '{{service}} {{topic}}', 'A')],
    ],
    [
      {
        type: 'timeseries',
        title: 'Consumer lag (event time)',
        description: 'When records were last handled, how far behind their event time: the worst partition, per service and topic.',
        w: 8, h: 8, unit: 's',
      },
      [promTarget(`max by (service, topic) (${CONSUMER_LAG_SECONDS})`, '{{service}} {{topic}}', 'A')],
    ],
    [
      { type: 'timeseries', title: 'Batch duration', description: 'Decode, handle and settle one fetched batch of one topic-partition.', w: 8, h: 8, unit: 's' },
      quantilesPerService(BATCH_DURATION),
    ],
    [
      { type: 'timeseries', title: 'Batch size', description: 'Records per fetched batch of one topic-partition.', w: 8, h: 8 },
      quantilesPerService(BATCH_SIZE),
    ],
    [
      {
        type: 'timeseries',
        title: 'Commit latency',
        description: 'One batch commit: the fenced commit to Redis (exposure, delinquency), the Postgres transaction (reporting).',
        w: 8, h: 8, unit: 's',
      },
      quantilesPerService(COMMIT_DURATION),
    ],
    [
      { type: 'timeseries', title: 'Publish latency', description: "One batch's outbox published, until Kafka acknowledged it.", w: 8, h: 8, unit: 's' },
      quantilesPerService(PUBLISH_DURATION),
    ],
    [
      { type: 'timeseries', title: 'Decision latency', description: 'Order arrival to published credit decision.', w: 8, h: 8, unit: 's' },
      [
        promTarget(quantile(0.5, DECISION_LATENCY), 'p50', 'A'),
        promTarget(quantile(0.99, DECISION_LATENCY), 'p99', 'B'),
      ],
    ],
    [
      { type: 'timeseries', title: 'Paused partitions', description: 'Partitions paused for a retry or held back for event-time order, per service.', w: 6, h: 8 },
      [promTarget(`sum by (service) (${PAUSED_PARTITIONS})`, '{{service}}', 'A')],
    ],
    [
      { type: 'timeseries', title: 'Rebalances', description: 'Consumer group rebalances started, per service.', w: 6, h: 8 },
      [promTarget(`sum by (service) (increase(${REBALANCES}[$__rate_interval]))`, '{{service}}', 'A')],
    ],
    [
      { type: 'timeseries', title: 'DLQ rate by error class', description: 'Records sent to the DLQ per second, per service and error class: should be 0.', w: 12, h: 8, unit: 'ops' },
      [promTarget(`sum by (service, error_class) (rate(${DLQ_RECORDS}[$__rate_interval]))`, '{{service}} {{error_class}}', 'A')],
    ],
    [
      { type: 'timeseries', title: 'Outbox backlog', description: 'Derived events in the exposure outbox not yet acknowledged by Kafka.', w: 12, h: 8 },
      [promTarget(`sum(${OUTBOX_BACKLOG})`, 'outbox', 'A')],
    ],
    [
      { type: 'timeseries', title: 'FX parked documents', description: 'Exposure inputs in another currency waiting for the FX rate of their day (or behind one that waits); a rate on o2c.fx-rates.v1 lets them through.', w: 12, h: 8 },
      [promTarget(`sum(${FX_PARKED})`, 'parked', 'A')],
    ],
    [
      { type: 'stat', title: 'Delinquency as-of date', description: 'The business date each partition ages invoices against.', w: 12, h: 8, unit: 'dateTimeAsIso' },
      // Grafana's date units take epoch milliseconds.
      [promTarget(`${AS_OF_DATE} * 1000`, 'partition {{partition}}', 'A')],
    ],
    [
      {
        type: 'timeseries', title: 'Notification deliveries', w: 12, h: 8,
        description: 'Notices the SMTP delivery finished with, by outcome; dead should stay 0 (which ones: "Notification dead letters" on Collections and aging).',
      },
      [promTarget(`sum by (outcome) (increase(${NOTIFICATION_DELIVERIES}[$__rate_interval]))`, '{{outcome}}', 'A')],
    ],
  ]),
});
