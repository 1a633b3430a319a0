// The scoring service's own metrics, next to the runner's (o2c_scoring_records_consumed_total, ...).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AnyEvent } from '../../../../shared/contracts/topics.ts';
import { metricPrefix } from '../../../../shared/metrics.ts';

export interface ScoringMetrics {
  eventsEmitted: Counter<'type'>;
  /** Derived records per partition waiting in the Redis outbox, read from Redis when scraped. */
  outboxBacklog: Gauge<'partition'>;
}

/** `outboxLengths`: the outbox length of each partition this instance processed (the demo waits for 0). */
export function createScoringMetrics(
  registry: Registry,
  service: string,
  outboxLengths: () => Promise<Map<number, number>>,
): ScoringMetrics {
  const eventsEmitted = new Counter({
    name: `${metricPrefix(service)}events_emitted_total`,
    help: 'Scores and review-due events committed to the outbox, by event type.',
    labelNames: ['type'],
    registers: [registry],
  });
  for (const type of ['CreditScoreUpdated', 'CreditReviewDue']) eventsEmitted.inc({ type }, 0);
  const outboxBacklog = new Gauge({
    name: `${metricPrefix(service)}outbox_backlog_records`,
    help: 'Records committed to the Redis outbox and not yet acknowledged by Kafka, per partition.',
    labelNames: ['partition'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [partition, length] of await outboxLengths()) this.set({ partition: String(partition) }, length);
    },
  });
  return { eventsEmitted, outboxBacklog };
}

/** Counts a committed batch's scores and review-due events by type. */
export function countEmitted(metrics: ScoringMetrics, events: Iterable<AnyEvent>): void {
  const byType = new Map<string, number>();
  for (const { eventType } of events) byType.set(eventType, (byType.get(eventType) ?? 0) + 1);
  for (const [type, n] of byType) metrics.eventsEmitted.inc({ type }, n);
}
