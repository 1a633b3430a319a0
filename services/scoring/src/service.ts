// services/scoring: every customer is assessed on each of its inputs and on each business date: a PAYDEX-style
// payment score, a late-payment probability with its factors, a risk class, a proposed limit and segments, to
// o2c.credit-scores.v1; review-due events to o2c.credit-reviews.v1.
//
//   inputs   invoices, payments, customers (co-partitioned by customerId, merged in event-time order)
//   outputs  credit-scores (compacted), credit-reviews, DLQ (rejected)
//   the rule: the scoring core (ScoringDomain) under the scoring policy; the stateful kit
//   (shared/stateful/stateful-service.ts) loads, commits, publishes and dead-letters
import type { TopicRegistry } from '../../../shared/contracts/topics.ts';
import { StatefulService, type StatefulRule, type StatefulServiceOptions } from '../../../shared/stateful/stateful-service.ts';
import { countEmitted, createScoringMetrics } from './adapters/metrics.ts';
import { ScoringDomain, type Entity, type InputEvent, type InputRecord } from './adapters/partition-domain.ts';
import { SERVICE, type ScoringConfig } from './config.ts';
import type { ScoringPolicy } from './domain/index.ts';

/** The scoring rule: its inputs, its core, and what it emitted from each committed batch's derived records. */
export function scoringRule(topics: TopicRegistry, policy: ScoringPolicy): StatefulRule<InputEvent, InputRecord, Entity> {
  const domain = new ScoringDomain({ topics, policy });
  return {
    service: SERVICE,
    inputs: [topics.INVOICES, topics.PAYMENTS, topics.CUSTOMERS],
    domain,
    attach({ registry, store, partitions }) {
      const metrics = createScoringMetrics(registry, SERVICE, async () => {
        const lengths = new Map<number, number>();
        for (const p of partitions) lengths.set(p, await store.outboxLength(p));
        return lengths;
      });
      return {
        afterBatch(_partition, outcome) {
          if (outcome.kind === 'done') countEmitted(metrics, outcome.derived.map((d) => d.record.event));
        },
      };
    },
  };
}

export type ScoringServiceOptions = StatefulServiceOptions<ScoringConfig>;

export class ScoringService extends StatefulService<InputEvent, InputRecord, Entity> {
  constructor(o: ScoringServiceOptions) {
    super((topics) => scoringRule(topics, o.config.policy), o);
  }
}
