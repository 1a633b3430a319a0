// services/delinquency: every open invoice is aged against the partition's business date; transitions emit overdue,
// bucket, cure, status and dunning events to o2c.delinquency.v1.
//
//   inputs   invoices, payments, customers (co-partitioned by customerId, merged in event-time order by default)
//   outputs  delinquency (overdue, aging bucket, cure, status, dunning), DLQ (rejected, or re-encoded when held)
//   the rule: the delinquency core (DelinquencyDomain) under the collections policy; the stateful kit
//   (shared/stateful/stateful-service.ts) loads, commits, publishes and dead-letters. Optionally a live clock writes
//   today's ticks.
import type { AnyEvent, TopicRegistry } from '../../../shared/contracts/topics.ts';
import { StatefulService, type StatefulRule, type StatefulServiceOptions } from '../../../shared/stateful/stateful-service.ts';
import { SERVICE, type DelinquencyConfig } from './config.ts';
import { LiveClock } from './adapters/live-clock.ts';
import { countEmitted, createDelinquencyMetrics, partitionClock } from './adapters/metrics.ts';
import { DelinquencyDomain, heldRejectionOf, type ClockEntity, type Entity, type InputEvent, type InputRecord } from './adapters/partition-domain.ts';

/** The delinquency rule: its inputs, its core, its metrics from each committed batch's derived records, and the live clock. */
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
        clocks: async () => {
          const clocks = await Promise.all([...partitions].map(async (p) => [p, await partitionClock(store, p)] as const));
          return new Map(clocks.filter((c): c is readonly [number, ClockEntity] => c[1] !== null));
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
        afterBatch(partition, outcome) {
          if (outcome.kind !== 'done') return;
          const events: AnyEvent[] = [];
          for (const { record } of outcome.derived) {
            // A held input rejected on release: a re-encoded letter among the derived records, not a rejection of the
            // batch's own inputs (those the kit counts).
            const held = heldRejectionOf(record);
            if (held === undefined) {
              events.push(record.event);
              continue;
            }
            runnerMetrics.dlqRecords.inc({ topic: held.topic, error_class: held.errorClass });
            logger.warn({ topic: held.topic, partition, errorClass: held.errorClass }, 'held input rejected by the delinquency core sent to the DLQ');
          }
          countEmitted(metrics, events);
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
