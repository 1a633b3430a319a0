// The scoring core as a PartitionDomain: what one batch of one partition loads, computes and writes.
//
// Entities of a partition: one per customer (its CustomerEntity) and CLOCK_ENTITY, the partition's as-of date (the
// latest business-date tick seen on any input; inputs come in event-time order, so a replay sees the same ticks
// at the same places). Every assessed customer's index score is the day after its assessment, so the next tick
// that moves the as-of date loads and assesses it again: time alone moves windows, weights and review clocks.
import type { ConsumedRecord } from '../../../../shared/kafka/runner.ts';
import type { CustomerEvent, InvoiceEvent, PaymentEvent } from '../../../../shared/contracts/events.generated.ts';
import type { TopicRegistry } from '../../../../shared/contracts/topics.ts';
import type { Applied, DerivedRecord, PartitionDomain } from '../../../../shared/stateful/batch-processor.ts';
import type { WorkingSet } from '../../../../shared/stateful/working-set.ts';
import { wholeStateCodec } from '../../../../shared/stateful/state-codec.ts';
import { onDay, onInput, type CustomerEntity, type ScoringInput, type ScoringOut, type ScoringPolicy } from '../domain/index.ts';
import { dayOf } from '../../../../shared/time.ts';
import { toEvent } from './emit.ts';

/** The partition-level entity's id; never a customer's (ticks carry customerId ''). */
export const CLOCK_ENTITY = '~clock';

export type InputEvent = InvoiceEvent | PaymentEvent | CustomerEvent;
export type InputRecord = ConsumedRecord<InputEvent>;

export interface ClockEntity {
  day: number | null;
}

export type Entity = ClockEntity | CustomerEntity;

export interface DomainSettings {
  topics: Pick<TopicRegistry, 'CREDIT_SCORES' | 'CREDIT_REVIEWS'>;
  policy: ScoringPolicy;
}

export class ScoringDomain implements PartitionDomain<InputRecord, Entity> {
  constructor(private readonly settings: DomainSettings) {}

  entityIds({ event }: InputRecord): string[] {
    return event.eventType === 'BusinessDateTick' ? [CLOCK_ENTITY] : [event.customerId, CLOCK_ENTITY];
  }

  dueUpTo({ event }: InputRecord): number | undefined {
    return event.eventType === 'BusinessDateTick' ? event.payload.businessDate : undefined;
  }

  apply(ws: WorkingSet<Entity>, { event }: InputRecord): Applied {
    const clock = (ws.get(CLOCK_ENTITY) as ClockEntity | undefined) ?? { day: null };
    const { policy } = this.settings;
    if (event.eventType === 'BusinessDateTick') {
      const day = event.payload.businessDate;
      if (clock.day !== null && day <= clock.day) return { out: [] };
      ws.set(CLOCK_ENTITY, { day });
      const out: DerivedRecord[] = [];
      for (const id of ws.dueBy(day)) {
        const r = onDay(ws.get(id) as CustomerEntity, id, day, policy);
        ws.set(id, r.entity);
        ws.setScore(id, day + 1);
        out.push(...this.records(id, r.out));
      }
      return { out };
    }
    if (event.customerId === CLOCK_ENTITY) {
      return { out: [], rejected: { errorClass: 'InvalidEvent', message: `customerId '${CLOCK_ENTITY}' is reserved` } };
    }
    const id = event.customerId;
    const r = onInput(ws.get(id) as CustomerEntity | undefined, event as ScoringInput, clock.day, policy);
    if (r.rejected !== undefined) {
      return { out: [], rejected: { errorClass: 'InvalidEvent', message: r.rejected } };
    }
    ws.set(id, r.entity);
    ws.setScore(id, Math.max(clock.day ?? -Infinity, dayOf(event.occurredAt)) + 1);
    return { out: this.records(id, r.out) };
  }

  /** A customer's scoring state, whole as JSON in one field. */
  readonly codec = wholeStateCodec<Entity>((state) => JSON.stringify(state), (text) => JSON.parse(text) as Entity);

  private records(customerId: string, outs: ScoringOut[]): DerivedRecord[] {
    const { topics } = this.settings;
    return outs.map((o) => ({ spec: o.kind === 'score' ? topics.CREDIT_SCORES : topics.CREDIT_REVIEWS, event: toEvent(customerId, o) }));
  }
}
