// services/delinquency: every open invoice is aged against the partition's business date; transitions emit overdue,
// bucket, cure, status and dunning events to o2c.delinquency.v1.
//
//   inputs   invoices, payments, customers (co-partitioned by customerId, merged in event-time order by default)
//   outputs  delinquency (overdue, aging bucket, cure, status, dunning), DLQ (rejected, or re-encoded when held)
//   the rule: the delinquency core (DelinquencyDomain) under the collections policy; the stateful kit
//   (shared/stateful/stateful-service.ts) loads, commits, publishes and dead-letters. Optionally a live clock writes
//   today's ticks.
import type { TopicRegistry } from '../../../shared/contracts/topics.ts';
import { StatefulService, type StatefulRule, type StatefulServiceOptions } from '../../../shared/stateful/stateful-service.ts';
import { SERVICE, type DelinquencyConfig } from './config.ts';
import { LiveClock } from './adapters/live-clock.ts';
import { countEmitted, createDelinquencyMetrics, partitionAsOfDate } from './adapters/metrics.ts';
import { DelinquencyDomain, type Entity, type InputEvent, type InputRecord } from './adapters/partition-domain.ts';

/** The delinquency rule: its inputs, its core, its metrics from the core's per-batch tally, and the live clock. */
export function delinquencyRule(
  topics: TopicRegistry,
  config: DelinquencyConfig,
  now: () => number,
): StatefulRule<InputEvent, InputRecord, Entity> {
  const domain = new DelinquencyDomain({
    topics,
    policy: config.policy,
    service: SERVICE,
    now: () => new Date(now()),
    sameDayOrder: config.DELINQUENCY_SAME_DAY_ORDER,
  });
  const from = new Map<string, InputRecord['from']>([
    [topics.INVOICES.name, 'invoices'],
    [topics.PAYMENTS.name, 'payments'],
    [topics.CUSTOMERS.name, 'customers'],
  ]);
  return {
    service: SERVICE,
    inputs: [topics.INVOICES, topics.PAYMENTS, topics.CUSTOMERS],
    domain,
    toDomain: (record) => ({ from: from.get(record.topic)!, record }),
    consumed: (input) => input.record,
    attach({ registry, store, partitions, runnerMetrics, serde, producers, logger, onFatal }) {
      const metrics = createDelinquencyMetrics(registry, SERVICE, {
        outboxLengths: async () => new Map(await Promise.all([...partitions].map(async (p) => [p, await store.outboxLength(p)] as const))),
        asOfDates: async () => {
          const dates = await Promise.all([...partitions].map(async (p) => [p, await partitionAsOfDate(store, p)] as const));
          return new Map(dates.filter((d): d is readonly [number, number] => d[1] !== null));
        },
      });
      const clock = config.LIVE_CLOCK
        ? new LiveClock({
            producer: producers[0]!,
            serde,
            topics: [topics.INVOICES, topics.PAYMENTS],
            partitions: config.KAFKA_PARTITIONS,
            now,
            logger,
            onError: onFatal,
          })
        : undefined;
      return {
        beforeBatch: (partition) => domain.resetTally(partition),
        afterBatch(partition, outcome) {
          const tally = domain.takeTally(partition);
          if (outcome.kind !== 'done' || !tally) return;
          countEmitted(metrics, tally);
          if (tally.openInvoices !== undefined) metrics.openInvoices.set({ partition: String(partition) }, tally.openInvoices);
          // Held inputs rejected on release: re-encoded letters the kit does not see as rejections of this batch.
          for (const { topic, errorClass } of tally.rejected.values()) {
            runnerMetrics.dlqRecords.inc({ topic, error_class: errorClass });
            logger.warn({ topic, partition, errorClass }, 'held input rejected by the delinquency core sent to the DLQ');
          }
        },
        start: async () => clock?.start(),
        stop: async () => clock?.stop(),
      };
    },
  };
}

export type DelinquencyServiceOptions = StatefulServiceOptions<DelinquencyConfig>;

export class DelinquencyService extends StatefulService<InputEvent, InputRecord, Entity> {
  constructor(o: DelinquencyServiceOptions) {
    super((topics) => delinquencyRule(topics, o.config, o.now ?? Date.now), o);
  }
}
