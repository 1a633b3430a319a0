// What the demo reads off the running services once a second: each one's consumer lag, what it consumed per topic
// and what waits in its outbox, from its /metrics; and from that, whether the pipeline has caught up with
// everything produced.
import { metricPrefix, SHARED_METRICS } from '../../../shared/metrics.ts';
import { sumBy, sumOf, type Sample } from './prom-text.ts';

export interface ServiceReading {
  readonly service: string;
  /** Records between the consumer's position and the high watermark, over its partitions. */
  readonly lag: number;
  /** Records consumed and settled, per topic. */
  readonly consumedByTopic: ReadonlyMap<string, number>;
  /** Derived events committed to the service's outbox and not yet acknowledged by Kafka (0 without an outbox). */
  readonly outboxBacklog: number;
  /** Order decisions published, by outcome (approved, held, released, rejected): the exposure service's. */
  readonly decisions: ReadonlyMap<string, number>;
}

export function readService(service: string, samples: readonly Sample[]): ServiceReading {
  const p = metricPrefix(service);
  return {
    service,
    // Shared metrics: one service's /metrics holds its own series only.
    lag: sumOf(samples, SHARED_METRICS.consumerLag),
    consumedByTopic: sumBy(samples, SHARED_METRICS.recordsConsumed, 'topic'),
    // The exposure service names its gauge without the unit suffix.
    outboxBacklog: sumOf(samples, `${p}outbox_backlog_records`) + sumOf(samples, `${p}outbox_backlog`),
    decisions: sumBy(samples, `${p}decisions_total`, 'outcome'),
  };
}

const total = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * Caught up: every service has consumed something, reports no lag and no outbox backlog, has consumed every record
 * of each topic it reads (the run's topics are new, so a topic's end offsets sum to its record count), and consumed
 * nothing since the previous reading, so no output of one service is still on its way to another.
 */
export function caughtUp(
  previous: readonly ServiceReading[] | undefined,
  current: readonly ServiceReading[],
  endOffsets: ReadonlyMap<string, number>,
): boolean {
  if (!previous) return false;
  return current.every((r) => {
    const before = previous.find((p) => p.service === r.service);
    return (
      before !== undefined &&
      total(r.consumedByTopic) > 0 &&
      total(r.consumedByTopic) === total(before.consumedByTopic) &&
      r.lag === 0 &&
      r.outboxBacklog === 0 &&
      [...r.consumedByTopic].every(([topic, n]) => n >= (endOffsets.get(topic) ?? 0))
    );
  });
}
