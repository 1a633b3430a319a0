// The exposure core as a PartitionDomain: one entity per customer (its CustomerState as JSON), each input applied
// with the core's applyEvent under the configured policy; decisions and customer events go to the credit-holds
// topic, snapshots to the exposure topic (a customer's last of the batch), rejected inputs to the DLQ. Business-date
// ticks carry no customer: as delinquency's due index, each customer's index score is the time its temporary limit
// expires or its oldest open item becomes too old under its class (the earlier; none when neither is to come), so a
// tick loads the customers it reaches and hands each of them the tick, addressed to it; the core re-evaluates their
// hold, bands and snapshot at the tick and moves their clock to it.
//
// The core writes the customers' states in place (ApplyOptions.inPlace) rather than copying the collections it
// changes: the states of a WorkingSet are the batch processor's own, committed to Redis at the end of the batch or
// dropped with the partition's cache when the batch fails or goes stale, so nothing else relies on their previous
// contents. A state is stored a field per document (state-parts.ts): each input names the documents it wrote, and
// the commit writes those.
import type { TopicRegistry } from '../../../../shared/contracts/topics.ts';
import type { ConsumedRecord } from '../../../../shared/kafka/runner.ts';
import type { Applied, DerivedRecord, PartitionDomain } from '../../../../shared/stateful/batch-processor.ts';
import type { WorkingSet } from '../../../../shared/stateful/working-set.ts';
import { changedFields, customerStateCodec } from './state-parts.ts';
import {
  applyEvent,
  pendingExpiry,
  pendingOldestItemOverdue,
  type ApplyResult,
  type CreditPolicy,
  type CustomerState,
  type ExposureInput,
} from '../domain/index.ts';

/** The earliest time a business-date tick has something to do for the customer; null when nothing is to come. */
function nextTickDue(s: CustomerState, policy: CreditPolicy): number | null {
  const expiry = pendingExpiry(s.profile, s.watermark);
  const overdue = pendingOldestItemOverdue(s, policy);
  return expiry === null ? overdue : overdue === null ? expiry : Math.min(expiry, overdue);
}

/**
 * The runner's record is the domain's event: the batch outcome hands each decision back with it, and the decision
 * latency runs from its Kafka timestamp (metrics.ts).
 */
export type InputRecord = ConsumedRecord<ExposureInput>;

export interface ExposureDomainSettings {
  topics: Pick<TopicRegistry, 'CREDIT_HOLDS' | 'EXPOSURE'>;
  policy: CreditPolicy;
}

const IN_PLACE = { inPlace: true } as const;

export class ExposureDomain implements PartitionDomain<InputRecord, CustomerState> {
  /** The policy of a partition whose state is incomplete (shared/stateful): every new order is held STATE_INCOMPLETE. */
  private readonly incompletePolicy: CreditPolicy;

  constructor(private readonly settings: ExposureDomainSettings) {
    this.incompletePolicy = Object.freeze({ ...settings.policy, stateIncomplete: true });
  }

  entityIds({ event }: InputRecord): string[] {
    return event.customerId === '' ? [] : [event.customerId];
  }

  dueUpTo({ event }: InputRecord): number | undefined {
    return event.eventType === 'BusinessDateTick' ? event.occurredAt : undefined;
  }

  apply(ws: WorkingSet<CustomerState>, { event }: InputRecord, ctx: { partition: number; stateIncomplete?: boolean }): Applied {
    // The core reads the condition from its policy like every other standing reason.
    const policy = ctx.stateIncomplete ? this.incompletePolicy : this.settings.policy;
    if (event.eventType === 'BusinessDateTick') {
      const out: DerivedRecord[] = [];
      for (const id of ws.dueBy(event.occurredAt)) out.push(...this.applyTo(ws, id, { ...event, customerId: id }, policy).out);
      return { out };
    }
    if (event.customerId === '') return { out: [] };
    return this.applyTo(ws, event.customerId, event, policy);
  }

  private applyTo(ws: WorkingSet<CustomerState>, id: string, event: ExposureInput, policy: CreditPolicy): Applied {
    const given = ws.get(id);
    const scoreBefore = given ? nextTickDue(given, policy) : null;
    const result = applyEvent(given, event, policy, IN_PLACE);
    if (result.rejected) return { out: [], rejected: result.rejected };
    if (result.changed) {
      ws.set(id, result.state, changedFields(result.writtenDocs));
      // Kept while a tick has something to come for it (also re-set, so states stored before the index get it on their
      // next input).
      const score = nextTickDue(result.state, policy);
      if (score !== null || scoreBefore !== null) ws.setScore(id, score);
    }
    return { out: this.toRecords(result) };
  }

  private toRecords(result: ApplyResult): DerivedRecord[] {
    const { CREDIT_HOLDS, EXPOSURE } = this.settings.topics;
    return result.events.map((e): DerivedRecord =>
      // The exposure topic is compacted: a batch publishes only a customer's last snapshot.
      e.eventType === 'ExposureSnapshot' ? { spec: EXPOSURE, event: e, latestPerKey: true } : { spec: CREDIT_HOLDS, event: e },
    );
  }

  // The BatchProcessor keeps the parsed states of the partitions it owns, so a state is parsed only when it is
  // first read from Redis.
  readonly codec = customerStateCodec;
}
