// The notifications core as a PartitionDomain: what one batch of one partition loads, decides and writes.
//
// Entities of a partition: one per customer (its CustomerState) and CLOCK_ENTITY, the partition's business date (the
// latest tick seen on the invoices or payments topic; inputs come in event-time order, so a replay sees the same
// ticks at the same places). A customer's index score is its next reminder date (nextWake), so a tick loads only
// the customers that have a reminder due or an invoice to forget.
import type { ConsumedRecord } from '../../../../shared/kafka/runner.ts';
import type { TopicRegistry } from '../../../../shared/contracts/topics.ts';
import type { Applied, DerivedRecord, PartitionDomain } from '../../../../shared/stateful/batch-processor.ts';
import { wholeStateCodec } from '../../../../shared/stateful/state-codec.ts';
import type { WorkingSet } from '../../../../shared/stateful/working-set.ts';
import { nextWake, NOTICE_INPUTS, onDay, onInput, type CustomerState, type NotificationPolicy, type NoticeType, type PromiseOutcomeKind, type StepResult, type StreamEvent } from '../domain/index.ts';
import { noticeEvent, promiseOutcomeEvent } from './emit.ts';

/** The partition-level entity's id; never a customer's (ticks carry customerId ''). */
export const CLOCK_ENTITY = '~clock';

export type InputEvent = StreamEvent;
export type InputRecord = ConsumedRecord<InputEvent>;

export interface ClockEntity {
  day: number | null;
}

export type Entity = ClockEntity | CustomerState;

/**
 * What one partition's batch decided: notices issued (id -> type) and suppressed by an opt-out (customer and key ->
 * type), keyed so a batch recomputed after a stale commit counts once.
 */
export interface BatchTally {
  issued: Map<string, NoticeType>;
  suppressed: Map<string, NoticeType>;
  /** Promise outcomes, by outcome id. */
  promises: Map<string, PromiseOutcomeKind>;
}

export class NotificationsDomain implements PartitionDomain<InputRecord, Entity> {
  private readonly tallies = new Map<number, BatchTally>();

  constructor(private readonly settings: { topics: Pick<TopicRegistry, 'NOTIFICATIONS' | 'PROMISE_OUTCOMES'>; policy: NotificationPolicy }) {}

  /** An input that cannot change anything (an approval, a cure, ...) loads nothing: most of credit-holds and delinquency. */
  entityIds({ event }: InputRecord): string[] {
    if (event.eventType === 'BusinessDateTick') return [CLOCK_ENTITY];
    return NOTICE_INPUTS.has(event.eventType) ? [event.customerId, CLOCK_ENTITY] : [];
  }

  dueUpTo({ event }: InputRecord): number | undefined {
    return event.eventType === 'BusinessDateTick' ? event.payload.businessDate : undefined;
  }

  apply(ws: WorkingSet<Entity>, { event }: InputRecord, { partition }: { partition: number }): Applied {
    const tally = this.tallies.get(partition) ?? { issued: new Map(), suppressed: new Map(), promises: new Map() };
    this.tallies.set(partition, tally);
    const clock = (ws.get(CLOCK_ENTITY) as ClockEntity | undefined) ?? { day: null };
    const { policy } = this.settings;
    if (event.eventType === 'BusinessDateTick') {
      const day = event.payload.businessDate;
      if (clock.day !== null && day <= clock.day) return { out: [] };
      ws.set(CLOCK_ENTITY, { day });
      const out: DerivedRecord[] = [];
      for (const id of ws.dueBy(day)) out.push(...this.take(ws, id, onDay(ws.get(id) as CustomerState, id, day, policy), tally));
      return { out };
    }
    if (!NOTICE_INPUTS.has(event.eventType)) return { out: [] };
    if (event.customerId === CLOCK_ENTITY) {
      return { out: [], rejected: { errorClass: 'InvalidEvent', message: `customerId '${CLOCK_ENTITY}' is reserved` } };
    }
    const id = event.customerId;
    return { out: this.take(ws, id, onInput(ws.get(id) as CustomerState | undefined, event, clock.day, policy), tally) };
  }

  /** A customer's state, whole as JSON in one field. */
  readonly codec = wholeStateCodec<Entity>((state) => JSON.stringify(state), (text) => JSON.parse(text) as Entity);

  resetTally(partition: number): void {
    this.tallies.set(partition, { issued: new Map(), suppressed: new Map(), promises: new Map() });
  }

  takeTally(partition: number): BatchTally | undefined {
    const t = this.tallies.get(partition);
    this.tallies.delete(partition);
    return t;
  }

  private take(ws: WorkingSet<Entity>, id: string, r: StepResult, tally: BatchTally): DerivedRecord[] {
    ws.set(id, r.state);
    ws.setScore(id, nextWake(r.state, this.settings.policy));
    for (const { key, type } of r.suppressed) tally.suppressed.set(`${id}|${key}`, type);
    const out: DerivedRecord[] = r.out.map((n) => {
      tally.issued.set(n.noticeId, n.facts.type);
      return { spec: this.settings.topics.NOTIFICATIONS, event: noticeEvent(n) };
    });
    for (const o of r.outcomes) {
      tally.promises.set(o.outcomeId, o.kind);
      out.push({ spec: this.settings.topics.PROMISE_OUTCOMES, event: promiseOutcomeEvent(o) });
    }
    return out;
  }
}
