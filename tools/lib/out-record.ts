// What the generators (simulator, ledger importer) emit: a record for one of the input topics, named by its key in
// the topic registry so the producer can resolve it against any registry (production names or a test prefix).
import type { EventOf, TopicRegistry } from '../../shared/contracts/topics.ts';
import type { BusinessDateTick, Envelope } from '../../shared/contracts/events.generated.ts';
import { startOfDay } from '../../shared/time.ts';

export type InputTopic = 'CUSTOMERS' | 'CUSTOMER_CHANGES' | 'ORDERS' | 'INVOICES' | 'PAYMENTS' | 'CREDIT_ACTIONS' | 'COLLECTIONS' | 'FX_RATES';

/**
 * One record to produce. `partition` is set only on business-date ticks and FX rates, which must reach every
 * partition; every other record leaves it undefined so the producer's partitioner hashes the key (customerId), as the services do.
 */
export type OutRecord = {
  [T in InputTopic]: { topic: T; key: string; partition?: number; event: EventOf<TopicRegistry[T]> };
}[InputTopic];

/** The topics that carry business-date ticks, in the order their ticks are written. */
export const TICKED_TOPICS = ['ORDERS', 'INVOICES', 'PAYMENTS'] as const satisfies readonly InputTopic[];

/**
 * The ticks announcing `businessDate` on every partition of the ticked topics: each promises that every event of
 * its topic-partition dated before businessDate was written before it. Ticks carry customerId '' and key ''.
 */
export function tickRecords(
  businessDate: number,
  partitions: number,
  source: string,
  eventId: (topic: InputTopic, partition: number) => string,
): OutRecord[] {
  const out: OutRecord[] = [];
  for (const topic of TICKED_TOPICS) {
    for (let partition = 0; partition < partitions; partition++) {
      const event: Envelope<'BusinessDateTick', BusinessDateTick> = {
        eventId: eventId(topic, partition),
        eventType: 'BusinessDateTick',
        occurredAt: startOfDay(businessDate),
        customerId: '',
        source,
        causationId: null,
        payload: { businessDate },
      };
      out.push({ topic, key: '', partition, event } as OutRecord);
    }
  }
  return out;
}

/** Adds each record to the count of its topic's name in `registry` (the summary a generator prints per topic). */
export function countByTopic(
  records: Iterable<OutRecord>,
  registry: TopicRegistry,
  counts: Record<string, number> = {},
): Record<string, number> {
  for (const r of records) {
    const name = registry[r.topic].name;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
