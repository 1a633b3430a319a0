// The exposure service's own metrics, next to the shared ones (o2c_records_consumed_total{service="exposure"}, ...).
// The latency and outbox names are the ones the Grafana dashboards query (grafana/src/metrics.ts).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EventType } from '../../../../shared/contracts/topics.ts';
import { metricPrefix } from '../../../../shared/metrics.ts';
import type { Derived } from '../../../../shared/stateful/batch-processor.ts';
import type { InputRecord } from './exposure-domain.ts';

type DecisionOutcome = 'approved' | 'held' | 'released' | 'rejected' | 'refused';

const OUTCOMES: Partial<Record<EventType, DecisionOutcome>> = {
  OrderCreditApproved: 'approved',
  OrderCreditHeld: 'held',
  OrderCreditReleased: 'released',
  OrderCreditRejected: 'rejected',
  // A credit action beyond its actor's authority: the decision on the action, the order stays held.
  CreditActionRefused: 'refused',
};

/** What a repartition record is, as the metric labels it. */
const GROUP_RECORDS: Partial<Record<EventType, string>> = {
  MemberInputRouted: 'routed',
  MemberJoining: 'joining',
  MemberHandedOver: 'handed_over',
};

export interface ExposureMetrics {
  decisions: Counter<'outcome'>;
  groupRecords: Counter<'kind'>;
  releases: Counter<'release'>;
  decisionLatency: Histogram;
  outboxBacklog: Gauge<'partition'>;
  fxParked: Gauge<'partition'>;
}

export function createExposureMetrics(
  registry: Registry,
  service: string,
  outboxLengths: () => Promise<Map<number, number>>,
): ExposureMetrics {
  const p = metricPrefix(service);
  const registers = [registry];
  return {
    decisions: new Counter({
      name: `${p}decisions_total`,
      help: 'Order decisions published, by outcome (approved, held, released, rejected; refused: a credit action beyond authority).',
      labelNames: ['outcome'],
      registers,
    }),
    groupRecords: new Counter({
      name: `${p}group_records_total`,
      help: 'Records published to the repartition topic (corporate groups), by kind (routed: a member input; joining, handed_over: a member moving).',
      labelNames: ['kind'],
      registers,
    }),
    releases: new Counter({
      name: `${p}releases_total`,
      help: 'Held orders released, by release type (AUTOMATIC, MANUAL).',
      labelNames: ['release'],
      registers,
    }),
    decisionLatency: new Histogram({
      name: `${p}decision_latency_seconds`,
      help: "Seconds from the input record's Kafka timestamp to its order decision published (acknowledged by Kafka).",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    outboxBacklog: new Gauge({
      name: `${p}outbox_backlog`,
      help: 'Derived records committed to the Redis outbox and not yet acknowledged by Kafka, per partition.',
      labelNames: ['partition'],
      registers,
      async collect() {
        this.reset();
        for (const [partition, length] of await outboxLengths()) this.set({ partition: String(partition) }, length);
      },
    }),
    // Issue 15 calls it o2c_fx_parked_documents; a metric only one service has is named after it (test/metric-names).
    fxParked: new Gauge({
      name: `${p}fx_parked_documents`,
      help: 'Inputs waiting for the FX rate of their day (or behind a document that waits), per partition, as last committed.',
      labelNames: ['partition'],
      registers,
    }),
  };
}

/**
 * Counts the order decisions among a published batch's derived records (its outcome's, of the attempt that committed)
 * and observes each one's latency at `publishedAt` (epoch ms) from the Kafka timestamp of the input that caused it.
 */
export function observeDecisions(metrics: ExposureMetrics, derived: ReadonlyArray<Derived<InputRecord>>, publishedAt: number): void {
  for (const { record, source } of derived) {
    const e = record.event;
    const kind = record.topic === undefined ? GROUP_RECORDS[e.eventType] : undefined;
    if (kind !== undefined) metrics.groupRecords.inc({ kind });
    const outcome = OUTCOMES[e.eventType];
    if (outcome === undefined) continue;
    metrics.decisions.inc({ outcome });
    if (e.eventType === 'OrderCreditReleased') metrics.releases.inc({ release: e.payload.release });
    metrics.decisionLatency.observe(Math.max(0, publishedAt - source.event.timestamp) / 1000);
  }
}
