// The delinquency service's own metrics, next to the shared ones (o2c_records_consumed_total{service="delinquency"},
// ...): what it emitted, its open invoices, its outbox backlog and each partition's as-of date.
import { Counter, Gauge, type Registry } from 'prom-client';
import { metricPrefix } from '../../../../shared/metrics.ts';
import type { AnyEvent } from '../../../../shared/contracts/topics.ts';
import type { PartitionStore } from '../../../../shared/redis/partition-store.ts';
import { asOfDate } from '../domain/index.ts';
import { CLOCK_ENTITY, type ClockEntity } from './partition-domain.ts';
import { entityCodec } from './state-codec.ts';

export interface DelinquencyMetrics {
  eventsEmitted: Counter<'type'>;
  /** Each partition's open invoices, read from its clock entity in Redis when scraped. */
  openInvoices: Gauge<'partition'>;
  /** Derived records per partition waiting in the Redis outbox, read from Redis when scraped. */
  outboxBacklog: Gauge<'partition'>;
  /** Each partition's as-of date, read from its clock entity in Redis when scraped. */
  asOfDate: Gauge<'partition'>;
}

/** What the scrape reads from Redis, per partition this instance processed. */
export interface DelinquencyReadings {
  outboxLengths: () => Promise<Map<number, number>>;
  /** The clock entities (watermark and open invoices) of the partitions that have one. */
  clocks: () => Promise<Map<number, ClockEntity>>;
}

const SECONDS_PER_DAY = 86_400;

export function createDelinquencyMetrics(registry: Registry, service: string, readings: DelinquencyReadings): DelinquencyMetrics {
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
      async collect() {
        this.reset();
        for (const [partition, clock] of await readings.clocks()) this.set({ partition: String(partition) }, clock.open);
      },
    }),
    outboxBacklog: new Gauge({
      name: `${p}outbox_backlog_records`,
      help: 'Records committed to the Redis outbox and not yet acknowledged by Kafka, per partition.',
      labelNames: ['partition'],
      registers,
      async collect() {
        this.reset();
        for (const [partition, length] of await readings.outboxLengths()) this.set({ partition: String(partition) }, length);
      },
    }),
    asOfDate: new Gauge({
      name: `${p}as_of_timestamp_seconds`,
      help: "The partition's as-of date (midnight UTC, epoch seconds): invoices are aged against it.",
      labelNames: ['partition'],
      registers,
      async collect() {
        this.reset();
        for (const [partition, clock] of await readings.clocks()) {
          const day = asOfDate(clock.wm);
          if (day !== null) this.set({ partition: String(partition) }, day * SECONDS_PER_DAY);
        }
      },
    }),
  };
}

/** The partition's clock entity as committed in Redis, null before its first tick or open invoice. */
export async function partitionClock(store: Pick<PartitionStore, 'load'>, partition: number): Promise<ClockEntity | null> {
  const fields = (await store.load(partition, [CLOCK_ENTITY])).states.get(CLOCK_ENTITY);
  return fields === undefined ? null : (entityCodec.decode(fields, CLOCK_ENTITY) as ClockEntity);
}

/** Counts a committed batch's delinquency events by type. */
export function countEmitted(metrics: DelinquencyMetrics, events: Iterable<AnyEvent>): void {
  const byType = new Map<string, number>();
  for (const { eventType } of events) byType.set(eventType, (byType.get(eventType) ?? 0) + 1);
  for (const [type, n] of byType) metrics.eventsEmitted.inc({ type }, n);
}
