// The exposure core as a PartitionDomain: one entity per customer (its CustomerState), besides the partition's FX rate
// table, group tasks and routes (account-entities.ts); each input applied
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
//
// Corporate groups (src/domain/group.ts) run on the same partitions, the Kafka way: a customer whose account is its
// own (no parent) is applied here as before, the fast path, unless its account has a group task (`~g:<id>`, made once a
// member's record arrives); a member's inputs go through o2c.exposure-repartition.v1 keyed by the group id, so they
// land on the group's partition (the parent's, by the same key hashing), where this domain applies them to the
// group task, as it does hand-overs and join notices. A repartition record republished by an outbox after a crash is
// recognised by its origin (the position of the record that produced it) and ignored. A group task's members convert with the rate table of the group's partition (every partition has every rate): it is
// indexed at the earliest score of its members, so a tick or a rate reaches it as it reaches a customer.

import type { ExposureRepartitionEvent } from '../../../../shared/contracts/events.generated.ts';
import type { TopicRegistry, TopicSpec } from '../../../../shared/contracts/topics.ts';
import { deriveEventId } from '../../../../shared/ids.ts';
import type { ConsumedRecord } from '../../../../shared/kafka/runner.ts';
import type { Applied, DerivedRecord, PartitionDomain } from '../../../../shared/stateful/batch-processor.ts';
import type { WorkingSet } from '../../../../shared/stateful/working-set.ts';
import { startOfDay } from '../../../../shared/time.ts';
import { exposureEntityCodec, groupEntityId, isCustomerState, routeEntityId, type ExposureEntity, type GroupEntity, type RouteEntity } from './account-entities.ts';
import { emptyFxTable, FX_TABLE_ID, isFxTable, PARKED_FIELD, rateField, type FxTable } from './fx-table.ts';
import { changedFields } from './state-parts.ts';
import {
  applyEvent,
  applyGroupRecord,
  creditAccountOf,
  earliestParkedDay,
  emptyGroup,
  hasRevaluable,
  pendingExpiry,
  pendingOldestItemOverdue,
  routeInput,
  SOURCE,
  withRate,
  type ApplyResult,
  type CreditPolicy,
  type CustomerState,
  type ExposureInput,
  type FxRates,
  type GroupEvent,
  type GroupRecord,
  type GroupState,
  type Rejection,
} from '../domain/index.ts';

/**
 * The runner's record is the domain's event: the batch outcome hands each decision back with it, and the decision
 * latency runs from its Kafka timestamp (metrics.ts).
 */
export type InputRecord = ConsumedRecord<ExposureInput | ExposureRepartitionEvent>;

export interface ExposureDomainSettings {
  topics: Pick<TopicRegistry, 'CREDIT_HOLDS' | 'EXPOSURE' | 'GROUP_EXPOSURE' | 'EXPOSURE_REPARTITION' | 'ORDERS' | 'INVOICES' | 'PAYMENTS' | 'CREDIT_ACTIONS' | 'DLQ'>;
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

const isRepartition = (e: ExposureInput | ExposureRepartitionEvent): e is ExposureRepartitionEvent =>
  e.eventType === 'MemberInputRouted' || e.eventType === 'MemberJoining' || e.eventType === 'MemberHandedOver';

/** Where a repartition record comes from: the record that produced it, and its place among that record's outputs. */
interface Origin {
  topic: string;
  partition: number;
  offset: number;
  seq: number;
}

/** The group record a repartition event carries. */
function groupRecordOf(e: ExposureRepartitionEvent): GroupRecord {
  switch (e.eventType) {
    case 'MemberInputRouted': return { kind: 'input', input: JSON.parse(e.payload.input) as ExposureInput };
    case 'MemberJoining': return { kind: 'join', memberId: e.payload.memberId, moveId: e.payload.moveId };
    case 'MemberHandedOver': return {
      kind: 'handover',
      memberId: e.payload.memberId,
      moveId: e.payload.moveId,
      state: e.payload.state === null ? null : (JSON.parse(e.payload.state) as CustomerState),
      profile: JSON.parse(e.payload.profile) as Extract<GroupRecord, { kind: 'handover' }>['profile'],
    };
  }
}

/** The repartition event for a group record bound to `account`; its id is fixed by its origin (a join is stamped `joinAt`, its profile's time). */
function repartitionEvent(account: string, record: GroupRecord, origin: Origin, joinAt = 0): ExposureRepartitionEvent {
  const at = { originTopic: origin.topic, originPartition: origin.partition, originOffset: origin.offset, originSeq: origin.seq };
  const envelope = (occurredAt: number, causationId: string) => ({
    eventId: deriveEventId(`${origin.topic}:${origin.partition}:${origin.offset}`, 'ExposureRepartition', account, origin.seq),
    occurredAt,
    customerId: account,
    source: SOURCE,
    causationId,
  });
  switch (record.kind) {
    case 'input':
      return { ...envelope(record.input.occurredAt, record.input.eventId), eventType: 'MemberInputRouted',
        payload: { memberId: record.input.customerId, input: JSON.stringify(record.input), ...at } };
    case 'join':
      return { ...envelope(joinAt, record.moveId), eventType: 'MemberJoining', payload: { memberId: record.memberId, moveId: record.moveId, ...at } };
    case 'handover':
      return { ...envelope(record.profile.occurredAt, record.moveId), eventType: 'MemberHandedOver',
        payload: { memberId: record.memberId, moveId: record.moveId, state: record.state === null ? null : JSON.stringify(record.state),
          profile: JSON.stringify(record.profile), ...at } };
  }
}

/** Nothing left to keep: no member, nothing waiting, never published. */
const vacant = (g: GroupState): boolean =>
  Object.keys(g.members).length === 0 && g.parked.length === 0 && Object.keys(g.joined).length === 0 && g.lastSnapshot === null;

/** A group task's index score: the earliest of its members' (scoreOf). */
function groupScore(g: GroupState, policy: CreditPolicy): number | null {
  let min: number | null = null;
  for (const m of Object.values(g.members)) {
    const at = scoreOf(m, policy);
    if (at !== null && (min === null || at < min)) min = at;
  }
  return min;
}

/** Inputs of a group's members waiting for a rate. */
const groupParked = (g: GroupState | undefined): number => {
  let n = 0;
  for (const m of Object.values(g?.members ?? {})) n += m.fxParked?.length ?? 0;
  return n;
};

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
    if (event.customerId === '') return [FX_TABLE_ID];
    // A repartition record is for the group's task, which may absorb the parent's own state.
    if (isRepartition(event)) return [groupEntityId(event.customerId), event.customerId, FX_TABLE_ID];
    return [event.customerId, routeEntityId(event.customerId), groupEntityId(event.customerId), FX_TABLE_ID];
  }

  dueUpTo({ event }: InputRecord): number | undefined {
    if (event.eventType === 'BusinessDateTick') return event.occurredAt;
    if (event.eventType === 'FxRatePublished') return startOfDay(event.payload.rateDate);
    return undefined;
  }

  apply(ws: WorkingSet<ExposureEntity>, record: InputRecord, ctx: { partition: number; stateIncomplete?: boolean }): Applied {
    // The core reads the condition from its policy like every other standing reason.
    const policy = ctx.stateIncomplete ? this.incompletePolicy : this.settings.policy;
    const { event } = record;
    const out: DerivedRecord[] = [];
    if (event.eventType === 'BusinessDateTick') {
      for (const id of ws.dueBy(event.occurredAt)) {
        if (id === FX_TABLE_ID) continue;
        if (id.startsWith('~g:')) this.applyToGroup(ws, id.slice(3), { kind: 'input', input: event }, policy, record, out, ctx.partition);
        else out.push(...this.applyTo(ws, id, { ...event, customerId: id }, policy, ctx.partition).out);
      }
      return { out };
    }
    if (event.eventType === 'FxRatePublished') {
      const table = this.table(ws);
      const next = withRate(table.rates, event.payload);
      if (!next.ok) return { out: [], rejected: { errorClass: 'InvalidEvent', message: next.refused } };
      ws.set(FX_TABLE_ID, { ...table, rates: next.rates }, [rateField(event.payload.quote)]);
      for (const id of ws.dueBy(startOfDay(event.payload.rateDate))) {
        if (id === FX_TABLE_ID) continue;
        // A group task hands the rate to its members waiting for one (group.ts); a customer gets it addressed to it.
        if (id.startsWith('~g:')) this.applyToGroup(ws, id.slice(3), { kind: 'input', input: { ...event, customerId: id.slice(3) } }, policy, record, out, ctx.partition);
        else out.push(...this.applyTo(ws, id, { ...event, customerId: id }, policy, ctx.partition).out);
      }
      return { out };
    }
    if (event.customerId === '') return { out };
    if (isRepartition(event)) {
      const origin = { topic: event.payload.originTopic, partition: event.payload.originPartition, offset: event.payload.originOffset, seq: event.payload.originSeq };
      const rejected = this.applyToGroup(ws, event.customerId, groupRecordOf(event), policy, record, out, ctx.partition, origin);
      return rejected ? { out, rejected } : { out };
    }

    const customerId = event.customerId;
    const route = ws.get(routeEntityId(customerId)) as RouteEntity | undefined;
    const account = route?.account ?? customerId;
    const hasGroup = ws.get(groupEntityId(customerId)) !== undefined;
    // The fast path: a customer of its own account without a group task, and no move.
    const moves = event.eventType === 'CustomerCreditProfile' && creditAccountOf(customerId, event.payload.parentCustomerId) !== account;
    if (account === customerId && !hasGroup && !moves) return this.applyTo(ws, customerId, event, policy, ctx.partition);

    const accounts = new Map([[customerId, account]]);
    const routed = routeInput(accounts, event);
    const next = accounts.get(customerId)!;
    if (next !== account) ws.set(routeEntityId(customerId), next === customerId ? undefined : { kind: 'route', account: next });
    let rejected: Applied['rejected'];
    routed.forEach((r, seq) => {
      if (r.account === customerId) {
        rejected = this.applyToGroup(ws, customerId, r.record, policy, record, out, ctx.partition) ?? rejected;
      } else {
        const origin = { topic: record.topic, partition: record.partition, offset: Number(record.offset), seq };
        out.push({ spec: this.settings.topics.EXPOSURE_REPARTITION, event: repartitionEvent(r.account, r.record, origin, event.occurredAt) });
      }
    });
    return rejected ? { out, rejected } : { out };
  }

  private table(ws: WorkingSet<ExposureEntity>): FxTable {
    const t = ws.get(FX_TABLE_ID);
    return isFxTable(t) ? t : emptyFxTable();
  }

  private rates(ws: WorkingSet<ExposureEntity>): FxRates {
    return this.table(ws).rates;
  }

  /**
   * A record for the group task of `groupId` (made on first use, taking in the parent's own state). Returns the
   * rejection of the record's own input; inputs that waited (behind a join notice, or for a rate) and are rejected
   * now go to the DLQ as their repartition record.
   */
  private applyToGroup(
    ws: WorkingSet<ExposureEntity>,
    groupId: string,
    groupRecord: GroupRecord,
    policy: CreditPolicy,
    source: InputRecord,
    out: DerivedRecord[],
    partition: number,
    origin?: Origin,
  ): Applied['rejected'] {
    const id = groupEntityId(groupId);
    let entity = ws.get(id) as GroupEntity | undefined;
    if (origin) {
      const key = `${origin.topic}:${origin.partition}`;
      const last = entity?.seen[key];
      if (last && (origin.offset < last[0] || (origin.offset === last[0] && origin.seq <= last[1]))) return undefined;
    }
    const own = ws.get(groupId);
    const parent = isCustomerState(own) ? own : undefined;
    const group = entity?.group ?? { ...emptyGroup(groupId), ...(parent ? { members: { [groupId]: parent } } : {}) };
    if (!entity && parent) {
      // The parent's state now lives in the group task, and so does its index score.
      ws.set(groupId, undefined);
      ws.setScore(groupId, null);
    }
    const parkedBefore = groupParked(entity?.group) + (!entity && parent ? (parent.fxParked?.length ?? 0) : 0);
    const result = applyGroupRecord(group, groupRecord, policy, this.rates(ws));
    const seen = { ...(entity?.seen ?? {}) };
    if (origin) seen[`${origin.topic}:${origin.partition}`] = [origin.offset, origin.seq];
    entity = { kind: 'group', group: result.state, seen };
    if (vacant(result.state) && Object.keys(seen).length === 0) ws.set(id, undefined);
    else ws.set(id, entity);
    ws.setScore(id, groupScore(result.state, policy));
    // The partition's waiting count covers the members a group task keeps (a parent's taken in; none sent away).
    const parkedAfter = groupParked(result.state) + result.handovers.reduce((n, h) => n + (h.record.state?.fxParked?.length ?? 0), 0);
    if (parkedAfter !== parkedBefore) this.countParked(ws, partition, parkedAfter - parkedBefore);
    out.push(...this.toRecords(result.events));
    result.handovers.forEach((h, i) => {
      const from = { topic: source.topic, partition: source.partition, offset: Number(source.offset), seq: 100 + i };
      out.push({ spec: this.settings.topics.EXPOSURE_REPARTITION, event: repartitionEvent(h.to, h.record, from) });
    });
    const ownId = groupRecord.kind === 'input' ? groupRecord.input.eventId : undefined;
    let rejected: Applied['rejected'];
    for (const r of result.rejected) {
      if (r.input.eventId === ownId && origin === undefined) {
        rejected = r.rejection;
        continue;
      }
      // A waited input (or a routed one): its repartition record, re-encoded, with the reason.
      const waited = repartitionEvent(groupId, { kind: 'input', input: r.input }, origin ?? { topic: source.topic, partition: source.partition, offset: Number(source.offset), seq: 200 });
      out.push({
        spec: this.settings.topics.EXPOSURE_REPARTITION,
        topic: this.settings.topics.DLQ.name,
        event: waited,
        headers: { 'o2c-service': this.settings.service ?? 'exposure', 'o2c-error-class': r.rejection.errorClass, 'o2c-error-message': r.rejection.message, 'o2c-source-topic': this.settings.topics.EXPOSURE_REPARTITION.name },
      });
    }
    return rejected;
  }

  private applyTo(ws: WorkingSet<ExposureEntity>, id: string, event: ExposureInput, policy: CreditPolicy, partition: number): Applied {
    const stored = ws.get(id);
    const given = isCustomerState(stored) ? stored : undefined;
    const scoreBefore = given ? scoreOf(given, policy) : null;
    const parkedBefore = given?.fxParked?.length ?? 0;
    const result = applyEvent(given, event, policy, { ...IN_PLACE, rates: this.rates(ws) });
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
    return { out: [...this.toRecords(result.events), ...this.letters(result, partition)] };
  }

  private countParked(ws: WorkingSet<ExposureEntity>, partition: number, delta: number): void {
    const table = this.table(ws);
    const parked = Math.max(0, table.parked + delta);
    ws.set(FX_TABLE_ID, { ...table, parked }, [PARKED_FIELD]);
    this.parkedCounts.set(partition, parked);
  }

  private toRecords(events: ApplyResult['events'] | GroupEvent[]): DerivedRecord[] {
    const { CREDIT_HOLDS, EXPOSURE, GROUP_EXPOSURE } = this.settings.topics;
    return events.map((e): DerivedRecord => {
      // The exposure topics are compacted: a batch publishes only a customer's (a group's) last snapshot.
      if (e.eventType === 'ExposureSnapshot') return { spec: EXPOSURE, event: e, latestPerKey: true };
      if (e.eventType === 'GroupExposureSnapshot') return { spec: GROUP_EXPOSURE, event: e, latestPerKey: true };
      return { spec: CREDIT_HOLDS, event: e };
    });
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
export function scoreOf(s: CustomerState, policy: CreditPolicy): number | null {
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
