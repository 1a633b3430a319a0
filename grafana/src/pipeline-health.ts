import {
  CONSUMER_SERVICES,
  consumerLag,
  DECISION_LATENCY,
  dlqRecords,
  OUTBOX_BACKLOG,
  recordsConsumed,
} from './metrics.ts';
import { dashboard, layout, PROMETHEUS, promTarget, type Dashboard } from './panels.ts';

// For the engineers who run the pipeline: throughput, lag, decision latency, poison records and the outbox.

const perService = (expr: (s: (typeof CONSUMER_SERVICES)[number]) => string, legend = (s: string) => s) =>
  CONSUMER_SERVICES.map((s, i) => promTarget(expr(s), legend(s), String.fromCharCode(65 + i)));

export const pipelineHealth: Dashboard = dashboard({
  uid: 'o2c-pipeline-health',
  title: 'Pipeline health',
  description: 'Events per second, consumer lag, decision latency, DLQ rate and outbox backlog per service.',
  refresh: '10s',
  time: { from: 'now-1h', to: 'now' },
  panels: layout(PROMETHEUS, [
    [
      { type: 'timeseries', title: 'Events consumed per second', description: 'Records consumed per second, per service.', w: 12, h: 8, unit: 'ops' },
      perService((s) => `sum(rate(${recordsConsumed(s)}[$__rate_interval]))`),
    ],
    [
      { type: 'timeseries', title: 'Consumer lag', description: 'Records behind the end of each input topic, per service.', w: 12, h: 8 },
      perService((s) => `sum by (topic) (${consumerLag(s)})`, (s) => `${s} {{topic}}`),
    ],
    [
      { type: 'timeseries', title: 'Decision latency', description: 'Order arrival to published credit decision.', w: 8, h: 8, unit: 's' },
      [
        promTarget(`histogram_quantile(0.5, sum by (le) (rate(${DECISION_LATENCY}_bucket[$__rate_interval])))`, 'p50', 'A'),
        promTarget(`histogram_quantile(0.99, sum by (le) (rate(${DECISION_LATENCY}_bucket[$__rate_interval])))`, 'p99', 'B'),
      ],
    ],
    [
      { type: 'timeseries', title: 'DLQ rate', description: 'Records sent to the DLQ per second, per service: should be 0.', w: 8, h: 8, unit: 'ops' },
      perService((s) => `sum(rate(${dlqRecords(s)}[$__rate_interval]))`),
    ],
    [
      { type: 'timeseries', title: 'Outbox backlog', description: 'Derived events in the exposure outbox not yet acknowledged by Kafka.', w: 8, h: 8 },
      [promTarget(`sum(${OUTBOX_BACKLOG})`, 'outbox', 'A')],
    ],
  ]),
});
