// The delinquency service's own metrics, next to the runner's (o2c_delinquency_records_consumed_total, ...).
import { Counter, Gauge, type Registry } from 'prom-client';
import { metricPrefix } from '../../../../shared/metrics.ts';
import type { BatchTally } from './partition-domain.ts';

export interface DelinquencyMetrics {
  eventsEmitted: Counter<'type'>;
  openInvoices: Gauge<'partition'>;
  /** Derived records per partition waiting in the Redis outbox, read from Redis when scraped. */
  outboxBacklog: Gauge<'partition'>;
}

export function createDelinquencyMetrics(
  registry: Registry,
  service: string,
  outboxLengths: () => Promise<Map<number, number>>,
): DelinquencyMetrics {
  const p = metricPrefix(service);
  const registers = [registry];
  return {
    eventsEmitted: new Counter({
      name: `${p}events_emitted_total`,
      help: 'Derived events committed to the outbox, by event type.',
      labelNames: ['type'],
      registers,
    }),
    openInvoices: new Gauge({
      name: `${p}open_invoices`,
      help: 'Open invoices held in Redis, per partition this instance processed.',
      labelNames: ['partition'],
      registers,
    }),
    outboxBacklog: new Gauge({
      name: `${p}outbox_backlog_records`,
      help: 'Records committed to the Redis outbox and not yet acknowledged by Kafka, per partition.',
      labelNames: ['partition'],
      registers,
      async collect() {
        this.reset();
        for (const [partition, length] of await outboxLengths()) this.set({ partition: String(partition) }, length);
      },
    }),
  };
}

export function countEmitted(metrics: DelinquencyMetrics, tally: BatchTally): void {
  const byType = new Map<string, number>();
  for (const type of tally.emitted.values()) byType.set(type, (byType.get(type) ?? 0) + 1);
  for (const [type, n] of byType) metrics.eventsEmitted.inc({ type }, n);
}
