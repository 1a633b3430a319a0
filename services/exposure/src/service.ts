// services/exposure: every order is decided against the customer's exposure and effective limit, held orders are
// released oldest first, and every customer's exposure is kept in Redis, per partition, effectively once.
//
//   inputs   customers, orders, invoices, payments, credit-actions, delinquency, and credit-scores under
//            RISK_CLASS_SOURCE=scoring (co-partitioned by customerId); fx-rates (every rate on every partition);
//            exposure-repartition (its own: corporate group members' inputs, keyed by the group)
//   outputs  credit-holds (decisions, releases, customer holds, warnings), exposure (snapshots), group-exposure
//            (group snapshots), exposure-repartition, DLQ (rejected)
//   the rule: the exposure core (ExposureDomain) under the configured credit policy; the stateful kit
//   (shared/stateful/stateful-service.ts) loads, commits, publishes and dead-letters
import type { TopicRegistry } from '../../../shared/contracts/topics.ts';
import { StatefulService, type StatefulRule, type StatefulServiceOptions } from '../../../shared/stateful/stateful-service.ts';
import { ExposureDomain, type InputRecord } from './adapters/exposure-domain.ts';
import { createExposureMetrics, observeDecisions } from './adapters/metrics.ts';
import { policyOf, SERVICE, type ExposureConfig } from './config.ts';
import { isoFromDay } from '../../../shared/time.ts';
import type { ExposureRepartitionEvent } from '../../../shared/contracts/events.generated.ts';
import type { ExposureEntity } from './adapters/account-entities.ts';
import type { CreditPolicy, ExposureInput, RiskClassSource } from './domain/index.ts';

/**
 * The topics the service consumes, in the registry it runs against; the credit scores when the class comes from them;
 * and its own repartition topic, where corporate group members' inputs arrive at their group's partition.
 */
export const inputTopics = (t: TopicRegistry, riskClassSource: RiskClassSource = 'profile') => [
  t.CUSTOMERS, t.ORDERS, t.INVOICES, t.PAYMENTS, t.CREDIT_ACTIONS, t.DELINQUENCY, t.FX_RATES,
  ...(riskClassSource === 'scoring' ? [t.CREDIT_SCORES] : []),
  t.EXPOSURE_REPARTITION,
];

/** The exposure rule: its inputs, its core, and its decision metrics from each committed batch's derived records. */
export function exposureRule(topics: TopicRegistry, policy: CreditPolicy): StatefulRule<ExposureInput | ExposureRepartitionEvent, InputRecord, ExposureEntity> {
  const domain = new ExposureDomain({ topics, policy, service: SERVICE });
  return {
    service: SERVICE,
    inputs: inputTopics(topics, policy.riskClassSource),
    domain,
    describe: { policy },
    attach({ registry, store, partitions, logger }) {
      const metrics = createExposureMetrics(registry, SERVICE, async () => {
        const lengths = new Map<number, number>();
        for (const p of partitions) lengths.set(p, await store.outboxLength(p));
        return lengths;
      });
      return {
        afterBatch(partition, outcome) {
          const waiting = domain.waiting.get(partition) ?? [];
          domain.waiting.delete(partition);
          if (outcome.kind !== 'done') return;
          observeDecisions(metrics, outcome.derived, Date.now());
          const parked = domain.parkedCounts.get(partition);
          if (parked !== undefined) metrics.fxParked.set({ partition: String(partition) }, parked);
          // Ids, currency and day only: never the document's amounts.
          for (const w of waiting) {
            logger.warn(
              { partition: w.partition, customerId: w.customerId, eventId: w.eventId, eventType: w.eventType, currency: w.currency, day: isoFromDay(w.day) },
              w.currency === null ? 'input parked behind a document waiting for its FX rate' : 'document parked: no FX rate known for its day yet',
            );
          }
        },
      };
    },
  };
}

export type ExposureServiceOptions = StatefulServiceOptions<ExposureConfig>;

export class ExposureService extends StatefulService<ExposureInput | ExposureRepartitionEvent, InputRecord, ExposureEntity> {
  constructor(o: ExposureServiceOptions) {
    // The policy is checked here, before start: a bad WARNING_BANDS is a ConfigError (exit 2).
    const policy = policyOf(o.config);
    super((topics) => exposureRule(topics, policy), o);
  }
}
