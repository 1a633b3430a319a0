// The exposure core as a PartitionDomain: one entity per customer (its CustomerState as JSON), each input applied
// with the core's applyEvent under the configured policy; decisions and customer events go to the credit-holds
// topic, snapshots to the exposure topic (a customer's last of the batch), rejected inputs to the DLQ. Business-date
// ticks carry no customer: as delinquency's due index, each customer's index score is the time its temporary limit
// expires or its oldest open item becomes too old under its class (the earlier; none when neither is to come), so a
// tick loads the customers it reaches and hands each of them the tick, addressed to it; the core re-evaluates their
// hold, bands and snapshot at the tick and moves their clock to it.
//
// FX rates (o2c.fx-rates.v1, every rate on every partition) go into the partition's rate table (fx-table.ts), which
// every customer input reads. A customer with inputs waiting for a rate is indexed too, at the start of the earliest
// day it waits for (the lower of that and its expiry), so a rate of day D loads the customers waiting for D or
// earlier and hands each of them the rate; the core applies what it lets through. Under FX_REVALUE a customer with an
// open foreign document is indexed at 0, so every rate reaches it and may revalue it. A waiting input the core rejects
// once applied goes to the DLQ re-encoded from its decoded value (its bytes are not kept), headers naming its topic.
//
// The core writes the customers' states in place (ApplyOptions.inPlace) rather than copying the collections it
// changes: the states of a WorkingSet are the batch processor's own, committed to Redis at the end of the batch or
// dropped with the partition's cache when the batch fails or goes stale, so nothing else relies on their previous
// contents. A state is stored a field per document (state-parts.ts): each input names the documents it wrote, and
// the commit writes those.
import type { TopicRegistry, TopicSpec } from '../../../../shared/contracts/topics.ts';
import type { ConsumedRecord } from '../../../../shared/kafka/runner.ts';
import type { Applied, DerivedRecord, PartitionDomain } from '../../../../shared/stateful/batch-processor.ts';
import type { WorkingSet } from '../../../../shared/stateful/working-set.ts';
import { startOfDay } from '../../../../shared/time.ts';
import { changedFields } from './state-parts.ts';
import { emptyFxTable, exposureEntityCodec, FX_TABLE_ID, isFxTable, PARKED_FIELD, rateField, type ExposureEntity, type FxTable } from './fx-table.ts';
import {
  applyEvent,
  earliestParkedDay,
  hasRevaluable,
  pendingExpiry,
  pendingOldestItemOverdue,
  withRate,
  type ApplyResult,
  type CreditPolicy,
  type CustomerState,
  type ExposureInput,
  type Rejection,
} from '../domain/index.ts';

/**
 * The runner's record is the domain's event: the batch outcome hands each decision back with it, and the decision
 * latency runs from its Kafka timestamp (metrics.ts).
 */
export type InputRecord = ConsumedRecord<ExposureInput>;

export interface ExposureDomainSettings {
  topics: Pick<TopicRegistry, 'CREDIT_HOLDS' | 'EXPOSURE' | 'ORDERS' | 'INVOICES' | 'PAYMENTS' | 'CREDIT_ACTIONS' | 'DLQ'>;
  policy: CreditPolicy;
  service?: string;
}

/** An input that started waiting for its rate in a batch (logged at warn once the batch commits). */
export interface FxWaiting {
  partition: number;
  customerId: string;
  eventId: string;
  eventType: string;
  currency: string | null;
  day: number;
}

const IN_PLACE = { inPlace: true } as const;

export class ExposureDomain implements PartitionDomain<InputRecord, ExposureEntity> {
  /** The policy of a partition whose state is incomplete (shared/stateful): every new order is held STATE_INCOMPLETE. */
  private readonly incompletePolicy: CreditPolicy;
  /** Per partition, the waiting count of the last batch applied (the committed one once its batch is done). */
  readonly parkedCounts = new Map<number, number>();
  /** Inputs that started waiting in the batch being applied, per partition (the rule logs them once it committed). */
  readonly waiting = new Map<number, FxWaiting[]>();

  constructor(private readonly settings: ExposureDomainSettings) {
    this.incompletePolicy = Object.freeze({ ...settings.policy, stateIncomplete: true });
  }

  entityIds({ event }: InputRecord): string[] {
    // Every input may read the rate table (a foreign document) or change the waiting count; it stays in memory.
    return event.customerId === '' ? [FX_TABLE_ID] : [event.customerId, FX_TABLE_ID];
  }

  dueUpTo({ event }: InputRecord): number | undefined {
    if (event.eventType === 'BusinessDateTick') return event.occurredAt;
    if (event.eventType === 'FxRatePublished') return startOfDay(event.payload.rateDate);
    return undefined;
  }

  apply(ws: WorkingSet<ExposureEntity>, { event }: InputRecord, ctx: { partition: number; stateIncomplete?: boolean }): Applied {
    // The core reads the condition from its policy like every other standing reason.
    const policy = ctx.stateIncomplete ? this.incompletePolicy : this.settings.policy;
    if (event.eventType === 'BusinessDateTick') {
      const out: DerivedRecord[] = [];
      for (const id of ws.dueBy(event.occurredAt)) {
        if (id !== FX_TABLE_ID) out.push(...this.applyTo(ws, id, { ...event, customerId: id }, policy, ctx.partition).out);
      }
      return { out };
    }
    if (event.eventType === 'FxRatePublished') {
      const table = this.table(ws);
      const next = withRate(table.rates, event.payload);
      if (!next.ok) return { out: [], rejected: { errorClass: 'InvalidEvent', message: next.refused } };
      ws.set(FX_TABLE_ID, { ...table, rates: next.rates }, [rateField(event.payload.quote)]);
      const out: DerivedRecord[] = [];
      for (const id of ws.dueBy(startOfDay(event.payload.rateDate))) {
        if (id !== FX_TABLE_ID) out.push(...this.applyTo(ws, id, { ...event, customerId: id }, policy, ctx.partition).out);
      }
      return { out };
    }
    if (event.customerId === '') return { out: [] };
    return this.applyTo(ws, event.customerId, event, policy, ctx.partition);
  }

  private table(ws: WorkingSet<ExposureEntity>): FxTable {
    const t = ws.get(FX_TABLE_ID);
    return isFxTable(t) ? t : emptyFxTable();
  }

  private applyTo(ws: WorkingSet<ExposureEntity>, id: string, event: ExposureInput, policy: CreditPolicy, partition: number): Applied {
    const given = ws.get(id) as CustomerState | undefined;
        const scoreBefore = given ? scoreOf(given, policy) : null;
    const parkedBefore = given?.fxParked?.length ?? 0;
    const result = applyEvent(given, event, policy, { ...IN_PLACE, rates: this.table(ws).rates });
    if (result.rejected) return { out: [], rejected: result.rejected };
    if (result.changed) {
      ws.set(id, result.state, changedFields(result.writtenDocs));
      // Kept while a tick or a rate has something to come for it (also re-set, so states stored before the index get it).
      const score = scoreOf(result.state, policy);
      if (score !== null || scoreBefore !== null) ws.setScore(id, score);
      const parkedAfter = result.state.fxParked?.length ?? 0;
      if (parkedAfter !== parkedBefore) this.countParked(ws, partition, parkedAfter - parkedBefore);
      if (parkedAfter > parkedBefore && event.eventType !== 'FxRatePublished') {
        const p = result.state.fxParked!.at(-1)!;
        const list = this.waiting.get(partition) ?? [];
        list.push({ partition, customerId: id, eventId: event.eventId, eventType: event.eventType, currency: p.currency, day: p.day });
        this.waiting.set(partition, list);
      }
    }
    return { out: [...this.toRecords(result), ...this.letters(result, partition)] };
  }

  private countParked(ws: WorkingSet<ExposureEntity>, partition: number, delta: number): void {
    const table = this.table(ws);
    const parked = Math.max(0, table.parked + delta);
    ws.set(FX_TABLE_ID, { ...table, parked }, [PARKED_FIELD]);
    this.parkedCounts.set(partition, parked);
  }

  private toRecords(result: ApplyResult): DerivedRecord[] {
    const { CREDIT_HOLDS, EXPOSURE } = this.settings.topics;
    return result.events.map((e): DerivedRecord =>
      // The exposure topic is compacted: a batch publishes only a customer's last snapshot.
      e.eventType === 'ExposureSnapshot' ? { spec: EXPOSURE, event: e, latestPerKey: true } : { spec: CREDIT_HOLDS, event: e },
    );
  }

  /** Dead letters of waiting inputs rejected once a rate let them through: re-encoded, to the customer's DLQ partition. */
  private letters(result: ApplyResult, partition: number): DerivedRecord[] {
    return (result.rejectedParked ?? []).map(({ input, rejection }) => {
      const spec = this.topicOf(input);
      return { spec, event: input, topic: this.settings.topics.DLQ.name, partition, headers: letterHeaders(spec.name, partition, this.settings.service ?? 'exposure', rejection) };
    });
  }

  private topicOf(input: ExposureInput): TopicSpec {
    const { ORDERS, INVOICES, PAYMENTS, CREDIT_ACTIONS } = this.settings.topics;
    if (input.eventType.startsWith('Order')) return ORDERS;
    if (input.eventType.startsWith('Invoice')) return INVOICES;
    if (input.eventType.startsWith('Payment')) return PAYMENTS;
    return CREDIT_ACTIONS;
  }

  // The BatchProcessor keeps the parsed states of the partitions it owns, so a state is parsed only when it is
  // first read from Redis.
  readonly codec = exposureEntityCodec;
}

/**
 * The customer's index score, the earliest of: its temporary limit's expiry, the time its oldest open item becomes
 * too old under its class, the start of the earliest day it waits for a rate; under FX_REVALUE 0 while it has an
 * open foreign document (every rate may revalue it, so every rate reaches it). Null when nothing is to come.
 */
function scoreOf(s: CustomerState, policy: CreditPolicy): number | null {
  const day = policy.fxRevalue === true && hasRevaluable(s) ? 0 : earliestParkedDay(s);
  const due = [pendingExpiry(s.profile, s.watermark), pendingOldestItemOverdue(s, policy), day === null ? null : startOfDay(day)];
  const set = due.filter((t): t is number => t !== null);
  return set.length === 0 ? null : Math.min(...set);
}

/** The runner's dead-letter headers (shared/kafka/dlq.ts) for an input whose offset is not known any more. */
function letterHeaders(topic: string, partition: number, service: string, rejection: Rejection): Record<string, string> {
  return {
    'o2c-source-topic': topic,
    'o2c-source-partition': String(partition),
    'o2c-service': service,
    'o2c-error-class': rejection.errorClass,
    'o2c-error-message': rejection.message,
  };
}
