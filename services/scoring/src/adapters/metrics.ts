// The scoring service's own metrics, next to the runner's (o2c_scoring_records_consumed_total, ...).
import { Counter, type Registry } from 'prom-client';
import { metricPrefix } from '../../../../shared/metrics.ts';
import type { BatchTally } from './partition-domain.ts';

export interface ScoringMetrics {
  eventsEmitted: Counter<'type'>;
}

export function createScoringMetrics(registry: Registry, service: string): ScoringMetrics {
  const eventsEmitted = new Counter({
    name: `${metricPrefix(service)}events_emitted_total`,
    help: 'Scores and review-due events committed to the outbox, by event type.',
    labelNames: ['type'],
    registers: [registry],
  });
  for (const type of ['CreditScoreUpdated', 'CreditReviewDue']) eventsEmitted.inc({ type }, 0);
  return { eventsEmitted };
}

export function countEmitted(metrics: ScoringMetrics, tally: BatchTally): void {
  const byType = new Map<string, number>();
  for (const type of tally.emitted.values()) byType.set(type, (byType.get(type) ?? 0) + 1);
  for (const [type, n] of byType) metrics.eventsEmitted.inc({ type }, n);
}
