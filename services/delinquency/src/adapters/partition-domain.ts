// The delinquency core as a PartitionDomain: what one batch of one topic-partition loads, computes and writes.
//
// Entities of a partition: one per customer (its CustomerState) and one partition-level entity, CLOCK_ENTITY, with
// the partition's watermark (latest tick per ticked topic, hence the as-of date) and its count of open invoices (the
// open-invoices gauge reads it from Redis).
// An input needs its customer and the clock; a tick needs the clock plus every customer the due-date index says is
// due by the tick's date. After every change a customer's index score is its nextDueDay (removed when nothing is due),
// so a tick touches only what is due, and within a due customer the core looks at and changes only the invoices due.
//
// The core writes the customers' states in place (CallOptions.inPlace) rather than copying what it changes: the
// states of a WorkingSet are the batch processor's own, committed to Redis at the end of the batch or dropped with
// the partition's cache when the batch fails or goes stale, so nothing else relies on their previous contents.
import { DlqHeaders } from '../../../../shared/kafka/dlq.ts';
import type { ConsumedRecord } from '../../../../shared/kafka/runner.ts';
import type { CustomerEvent, InvoiceEvent, PaymentEvent } from '../../../../shared/contracts/events.generated.ts';
import type { TopicRegistry } from '../../../../shared/contracts/topics.ts';
import type { Applied, DerivedRecord, PartitionDomain, Rejection } from '../../../../shared/stateful/batch-processor.ts';
import type { WorkingSet } from '../../../../shared/stateful/working-set.ts';
import {
  advanceTo,
  applyEvent,
  asOfDate,
  emptyState,
  emptyWatermark,
  nextDueDay,
  observeTick,
  type ClockTopic,
  type CustomerState,
  type DatedInput,
  type DelinquencyInput,
  inputDay,
  type DocumentWrite,
  type DelinquencyPolicy,
  type Outcome,
  type RejectedInput,
  type Watermark,
} from '../domain/index.ts';
import { heldInputHeaders } from './dead-letters.ts';
import { changedFields, entityCodec } from './state-codec.ts';

/** The partition-level entity's id; never a customer's (ticks carry customerId ''). */
export const CLOCK_ENTITY = '~clock';

export interface DomainSettings {
  topics: Pick<TopicRegistry, 'INVOICES' | 'PAYMENTS' | 'DELINQUENCY' | 'DLQ'>;
  policy: DelinquencyPolicy;
  /** Named in dead letters' o2c-service header. */
  service: string;
  /** Stamps dead letters' o2c-failed-at. */
  now: () => Date;
  /**
   * Same-day order: payments of a day wait until the invoices topic has ticked past it, so a replay gives the same
   * events whatever order the topics are read in. Off, a payment applies as soon as the core allows (arrival order).
   */
  sameDayOrder: boolean;
}

export type InputEvent = InvoiceEvent | PaymentEvent | CustomerEvent;

/** What the runner hands the domain: the decoded record and which input it came from. */
export interface InputRecord {
  from: ClockTopic | 'customers';
  record: ConsumedRecord<InputEvent>;
}

export interface ClockEntity {
  wm: Watermark;
  /** Open invoices over the partition's customers (a gauge, kept here so it survives restarts). */
  open: number;
}

export interface CustomerEntity {
  s: CustomerState;
  /** Payments-topic inputs waiting for the invoices topic to tick past their day (same-day order), in arrival order. */
  waiting?: Array<{ event: DatedInput; offset: string }>;
  /** eventId -> source offset of each input the core holds, so one rejected on release names its origin. */
  heldAt?: Record<string, string>;
}

export type Entity = ClockEntity | CustomerEntity;

/**
 * Of the records the domain derives, the dead letter of a held input rejected on release (re-encoded, bound for the
 * DLQ rather than its schema's topic): its source topic and error class, as its headers name them. Undefined for a
 * delinquency event. A record rejected on arrival is the batch's rejection, counted by the stateful kit.
 */
export function heldRejectionOf({ topic, spec, headers }: DerivedRecord): { topic: string; errorClass: string } | undefined {
  const errorClass = headers?.[DlqHeaders.ERROR_CLASS];
  return topic === undefined || errorClass === undefined ? undefined : { topic: spec.name, errorClass };
}

export class DelinquencyDomain implements PartitionDomain<InputRecord, Entity> {
  constructor(private readonly settings: DomainSettings) {}

  entityIds({ record: { event } }: InputRecord): string[] {
    return event.eventType === 'BusinessDateTick' ? [CLOCK_ENTITY] : [event.customerId, CLOCK_ENTITY];
  }

  dueUpTo({ record: { event } }: InputRecord): number | undefined {
    // The as-of date is the minimum over the ticked topics, so a tick can move it at most to its own date.
    return event.eventType === 'BusinessDateTick' ? event.payload.businessDate : undefined;
  }

  apply(ws: WorkingSet<Entity>, input: InputRecord, { partition }: { partition: number }): Applied {
    const step = new Step(ws, this.settings, input, partition);
    const { event } = input.record;
    let applied: Applied;
    if (event.eventType === 'BusinessDateTick') {
      if (input.from === 'customers') throw new Error('the customers topic carries no ticks');
      applied = step.tick(input.from, event.payload.businessDate);
    } else if (event.customerId === CLOCK_ENTITY) {
      applied = step.reject({ errorClass: 'InvalidEvent', message: `customerId '${CLOCK_ENTITY}' is reserved` });
    } else {
      applied = step.apply(event);
    }
    step.save();
    return applied;
  }

  /** A customer's state is small and compact (state-codec.ts): stored whole, in one field. */
  readonly codec = entityCodec;
}

const IN_PLACE = { inPlace: true } as const;

const openCount = (s: CustomerState): number => Object.keys(s.open).length;

/** An input in hand and its source offset. */
interface Sourced {
  event: DatedInput;
  offset: string;
}

/** One record's application: reads the clock once, writes it back once. */
class Step {
  private readonly clock: ClockEntity;
  private clockChanged = false;
  private readonly policy: DelinquencyPolicy;

  constructor(
    private readonly ws: WorkingSet<Entity>,
    private readonly settings: DomainSettings,
    private readonly source: InputRecord,
    private readonly partition: number,
  ) {
    this.policy = settings.policy;
    const clock = ws.get(CLOCK_ENTITY) as ClockEntity | undefined;
    this.clock = clock ? { ...clock } : { wm: emptyWatermark, open: 0 };
  }

  /** The current record is rejected (to the DLQ with its original bytes). */
  reject(rejected: Rejection, out: DerivedRecord[] = []): Applied {
    return { out, rejected };
  }

  /**
   * Observes the tick. An invoices tick past a day releases the payments waiting for it; then, if the as-of date
   * moved, every customer due by it is advanced. Clock-driven events get no causation id: which topic's tick moves
   * the as-of date depends on the order the topics are read, and an event's contents must not.
   */
  tick(topic: ClockTopic, businessDate: number): Applied {
    const before = this.clock.wm;
    const wm = observeTick(before, topic, businessDate);
    if (wm === before) return { out: [] };
    this.clock.wm = wm;
    this.clockChanged = true;
    const out: DerivedRecord[] = [];
    const invoicesTick = wm.ticks.invoices;
    if (topic === 'invoices' && invoicesTick !== undefined) {
      for (const id of this.ws.dueBy(invoicesTick)) out.push(...this.release(id, invoicesTick, asOfDate(before)));
    }
    const asOf = asOfDate(wm);
    if (asOf === null || asOf === asOfDate(before)) return { out };
    for (const id of this.ws.dueBy(asOf)) {
      const entity = this.customer(id)!;
      const due = nextDueDay(entity.s, this.policy);
      if (due === null || due > asOf) continue;
      const open = openCount(entity.s);
      out.push(...this.store(id, entity, open, advanceTo(entity.s, id, asOf, this.policy, null, IN_PLACE)));
    }
    return { out };
  }

  /**
   * Applies (or lets the core hold) an input of one customer at the partition's as-of date. With same-day order, a
   * payments-topic input waits until the invoices topic has ticked past its day, so every invoice event of a day
   * is applied before any payment of that day, whichever topic the consumer happens to read first.
   */
  apply(event: DelinquencyInput): Applied {
    const entity = this.customer(event.customerId) ?? { s: emptyState() };
    const current = { event: event as DatedInput, offset: this.source.record.offset };
    if (this.source.from === 'payments' && this.settings.sameDayOrder && !this.invoicesPast(inputDay(event))) {
      this.put(event.customerId, { ...entity, waiting: [...(entity.waiting ?? []), current] }, []);
      return { out: [] };
    }
    const open = openCount(entity.s);
    const outcome = applyEvent(entity.s, event, asOfDate(this.clock.wm), this.policy, IN_PLACE);
    const own = outcome.rejected.find((r) => r.event === event);
    const out = this.store(event.customerId, entity, open, outcome, current, own?.event);
    return own ? this.reject({ errorClass: own.errorClass, message: own.message }, out) : { out };
  }

  save(): void {
    if (!this.clockChanged) return;
    this.ws.set(CLOCK_ENTITY, this.clock);
  }

  private invoicesPast(day: number): boolean {
    const ticked = this.clock.wm.ticks.invoices;
    return ticked !== undefined && ticked > day;
  }

  private customer(id: string): CustomerEntity | undefined {
    return this.ws.get(id) as CustomerEntity | undefined;
  }

  /** Applies, in arrival order, the customer's waiting payments dated before `invoicesTick`. */
  private release(id: string, invoicesTick: number, asOf: number | null): DerivedRecord[] {
    let entity = this.customer(id)!;
    const ready = (entity.waiting ?? []).filter((w) => inputDay(w.event) < invoicesTick);
    if (ready.length === 0) return [];
    const waiting = entity.waiting!.filter((w) => inputDay(w.event) >= invoicesTick);
    entity = { ...entity, ...(waiting.length > 0 ? { waiting } : { waiting: undefined }) };
    const out: DerivedRecord[] = [];
    for (const w of ready) {
      const open = openCount(entity.s);
      out.push(...this.store(id, entity, open, applyEvent(entity.s, w.event, asOf, this.policy, IN_PLACE), w));
      entity = this.customer(id)!;
    }
    return out;
  }

  /**
   * Writes the customer's new state and index score, and turns the outcome into records: its events, and a
   * re-encoded dead letter for each input rejected other than `own` (the record in hand, which keeps its bytes).
   * `openBefore`: the customer's open invoices before the core ran (it wrote the state in place).
   */
  private store(
    id: string,
    entity: CustomerEntity,
    openBefore: number,
    outcome: Outcome,
    current?: Sourced,
    own?: DelinquencyInput,
  ): DerivedRecord[] {
    const { state } = outcome;
    const origin = (e: DelinquencyInput) => (e === current?.event ? current.offset : entity.heldAt?.[e.eventId]);
    const heldAt: Record<string, string> = {};
    for (const e of state.early) {
      const offset = origin(e);
      if (offset !== undefined) heldAt[e.eventId] = offset;
    }
    this.put(id, {
      s: state,
      ...(entity.waiting ? { waiting: entity.waiting } : {}),
      ...(state.early.length > 0 ? { heldAt } : {}),
    }, outcome.written);
    const openDelta = openCount(state) - openBefore;
    if (openDelta !== 0) {
      this.clock.open += openDelta;
      this.clockChanged = true;
    }
    const out: DerivedRecord[] = [];
    for (const event of outcome.events) out.push({ spec: this.settings.topics.DELINQUENCY, event });
    for (const r of outcome.rejected) if (r.event !== own) out.push(this.letter(r, origin(r.event)));
    return out;
  }

  /**
   * Sets the customer's entity and its index score: the earlier of its next due day and its waiting release.
   * `written`: the entries the core wrote (its `_` is always written).
   */
  private put(id: string, entity: CustomerEntity, written: readonly DocumentWrite[]): void {
    this.ws.set(id, entity, changedFields(written));
    const due = nextDueDay(entity.s, this.policy);
    const waits = (entity.waiting ?? []).map((w) => inputDay(w.event) + 1);
    const scores = due === null ? waits : [due, ...waits];
    this.ws.setScore(id, scores.length === 0 ? null : Math.min(...scores));
  }

  /** An input rejected while not in hand: its original bytes are gone, so the DLQ gets it re-encoded. */
  private letter(r: RejectedInput, offset: string | undefined): DerivedRecord {
    const { topics, service, now } = this.settings;
    const spec = (topics.INVOICES.eventTypes as readonly string[]).includes(r.event.eventType) ? topics.INVOICES : topics.PAYMENTS;
    return {
      spec,
      event: r.event,
      topic: topics.DLQ.name,
      partition: this.partition,
      headers: heldInputHeaders({
        topic: spec.name,
        partition: this.partition,
        offset,
        eventId: r.event.eventId,
        service,
        rejection: r,
        failedAt: now(),
      }),
    };
  }
}
