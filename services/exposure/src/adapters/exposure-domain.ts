// The exposure core as a PartitionDomain: one entity per customer (its CustomerState as JSON), each input applied
// with the core's applyEvent under the configured policy; decisions and customer events go to the credit-holds
// topic, snapshots to the exposure topic (a customer's last of the batch), rejected inputs to the DLQ. Business-date
// ticks carry no customer: as delinquency's due index, each customer's index score is the time its temporary limit
// expires (none when there is no expiry to come), so a tick loads the customers whose expiry it reaches and hands
// each of them the tick, addressed to it; the core re-evaluates their hold, bands and snapshot at the tick.
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
// recognised by its origin (the position of the record that produced it) and ignored.

import type { ExposureRepartitionEvent } from '../../../../shared/contracts/events.generated.ts';
import type { TopicRegistry } from '../../../../shared/contracts/topics.ts';
import { deriveEventId } from '../../../../shared/ids.ts';
import type { ConsumedRecord } from '../../../../shared/kafka/runner.ts';
import type { Applied, DerivedRecord, PartitionDomain } from '../../../../shared/stateful/batch-processor.ts';
import type { WorkingSet } from '../../../../shared/stateful/working-set.ts';
import { exposureEntityCodec, groupEntityId, routeEntityId, type ExposureEntity, type GroupEntity, type RouteEntity } from './account-entities.ts';
import { changedFields } from './state-parts.ts';
import {
  applyEvent,
  applyGroupRecord,
  creditAccountOf,
  emptyGroup,
  pendingExpiry,
  routeInput,
  SOURCE,
  type ApplyResult,
  type CreditPolicy,
  type CustomerState,
  type ExposureInput,
  type GroupEvent,
  type GroupRecord,
  type GroupState,
} from '../domain/index.ts';

/**
 * The runner's record is the domain's event: the batch outcome hands each decision back with it, and the decision
 * latency runs from its Kafka timestamp (metrics.ts).
 */
export type InputRecord = ConsumedRecord<ExposureInput | ExposureRepartitionEvent>;

export interface ExposureDomainSettings {
  topics: Pick<TopicRegistry, 'CREDIT_HOLDS' | 'EXPOSURE' | 'GROUP_EXPOSURE' | 'EXPOSURE_REPARTITION' | 'DLQ'>;
  policy: CreditPolicy;
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

/** The earliest pending temporary-limit expiry among a group's members: the group task's index score. */
function groupExpiry(g: GroupState): number | null {
  let min: number | null = null;
  for (const m of Object.values(g.members)) {
    const at = pendingExpiry(m.profile, m.watermark);
    if (at !== null && (min === null || at < min)) min = at;
  }
  return min;
}

export class ExposureDomain implements PartitionDomain<InputRecord, ExposureEntity> {
  /** The policy of a partition whose state is incomplete (shared/stateful): every new order is held STATE_INCOMPLETE. */
  private readonly incompletePolicy: CreditPolicy;

  constructor(private readonly settings: ExposureDomainSettings) {
    this.incompletePolicy = Object.freeze({ ...settings.policy, stateIncomplete: true });
  }

  entityIds({ event }: InputRecord): string[] {
    if (event.customerId === '') return [];
    // A repartition record is for the group's task, which may absorb the parent's own state.
    if (isRepartition(event)) return [groupEntityId(event.customerId), event.customerId];
    return [event.customerId, routeEntityId(event.customerId), groupEntityId(event.customerId)];
  }

  dueUpTo({ event }: InputRecord): number | undefined {
    return event.eventType === 'BusinessDateTick' ? event.occurredAt : undefined;
  }

  apply(ws: WorkingSet<ExposureEntity>, record: InputRecord, ctx: { partition: number; stateIncomplete?: boolean }): Applied {
    // The core reads the condition from its policy like every other standing reason.
    const policy = ctx.stateIncomplete ? this.incompletePolicy : this.settings.policy;
    const { event } = record;
    const out: DerivedRecord[] = [];
    if (event.eventType === 'BusinessDateTick') {
      for (const id of ws.dueBy(event.occurredAt)) {
        if (id.startsWith('~g:')) this.applyToGroup(ws, id.slice(3), { kind: 'input', input: event }, policy, record, out);
        else out.push(...this.applyTo(ws, id, { ...event, customerId: id }, policy).out);
      }
      return { out };
    }
    if (event.customerId === '') return { out };
    if (isRepartition(event)) {
      const origin = { topic: event.payload.originTopic, partition: event.payload.originPartition, offset: event.payload.originOffset, seq: event.payload.originSeq };
      const rejected = this.applyToGroup(ws, event.customerId, groupRecordOf(event), policy, record, out, origin);
      return rejected ? { out, rejected } : { out };
    }

    const customerId = event.customerId;
    const route = ws.get(routeEntityId(customerId)) as RouteEntity | undefined;
    const account = route?.account ?? customerId;
    const hasGroup = ws.get(groupEntityId(customerId)) !== undefined;
    // The fast path: a customer of its own account without a group task, and no move.
    const moves = event.eventType === 'CustomerCreditProfile' && creditAccountOf(customerId, event.payload.parentCustomerId) !== account;
    if (account === customerId && !hasGroup && !moves) return this.applyTo(ws, customerId, event, policy);

    const accounts = new Map([[customerId, account]]);
    const routed = routeInput(accounts, event);
    const next = accounts.get(customerId)!;
    if (next !== account) ws.set(routeEntityId(customerId), next === customerId ? undefined : { kind: 'route', account: next });
    let rejected: Applied['rejected'];
    routed.forEach((r, seq) => {
      if (r.account === customerId) {
        rejected = this.applyToGroup(ws, customerId, r.record, policy, record, out) ?? rejected;
      } else {
        const origin = { topic: record.topic, partition: record.partition, offset: Number(record.offset), seq };
        out.push({ spec: this.settings.topics.EXPOSURE_REPARTITION, event: repartitionEvent(r.account, r.record, origin, event.occurredAt) });
      }
    });
    return rejected ? { out, rejected } : { out };
  }

  /**
   * A record for the group task of `groupId` (made on first use, taking in the parent's own state). Returns the
   * rejection of the record's own input; inputs that waited and are rejected now go to the DLQ as their
   * repartition record.
   */
  private applyToGroup(
    ws: WorkingSet<ExposureEntity>,
    groupId: string,
    groupRecord: GroupRecord,
    policy: CreditPolicy,
    source: InputRecord,
    out: DerivedRecord[],
    origin?: Origin,
  ): Applied['rejected'] {
    const id = groupEntityId(groupId);
    let entity = ws.get(id) as GroupEntity | undefined;
    if (origin) {
      const key = `${origin.topic}:${origin.partition}`;
      const last = entity?.seen[key];
      if (last && (origin.offset < last[0] || (origin.offset === last[0] && origin.seq <= last[1]))) return undefined;
    }
    const parent = ws.get(groupId) as CustomerState | undefined;
    const group = entity?.group ?? { ...emptyGroup(groupId), ...(parent ? { members: { [groupId]: parent } } : {}) };
    if (!entity && parent) ws.set(groupId, undefined);
    const result = applyGroupRecord(group, groupRecord, policy);
    const seen = { ...(entity?.seen ?? {}) };
    if (origin) seen[`${origin.topic}:${origin.partition}`] = [origin.offset, origin.seq];
    entity = { kind: 'group', group: result.state, seen };
    if (vacant(result.state) && Object.keys(seen).length === 0) ws.set(id, undefined);
    else ws.set(id, entity);
    ws.setScore(id, groupExpiry(result.state));
    out.push(...this.toRecords(result.events));
    result.handovers.forEach((h, i) => {
      const from = { topic: source.topic, partition: source.partition, offset: Number(source.offset), seq: 100 + i };
      out.push({ spec: this.settings.topics.EXPOSURE_REPARTITION, event: repartitionEvent(h.to, h.record, from) });
    });
    const own = groupRecord.kind === 'input' ? groupRecord.input.eventId : undefined;
    let rejected: Applied['rejected'];
    for (const r of result.rejected) {
      if (r.input.eventId === own && origin === undefined) {
        rejected = r.rejection;
        continue;
      }
      // A waited input (or a routed one): its repartition record, re-encoded, with the reason.
      const waited = repartitionEvent(groupId, { kind: 'input', input: r.input }, origin ?? { topic: source.topic, partition: source.partition, offset: Number(source.offset), seq: 200 });
      out.push({
        spec: this.settings.topics.EXPOSURE_REPARTITION,
        topic: this.settings.topics.DLQ.name,
        event: waited,
        headers: { 'o2c-service': 'exposure', 'o2c-error-class': r.rejection.errorClass, 'o2c-error-message': r.rejection.message, 'o2c-source-topic': this.settings.topics.EXPOSURE_REPARTITION.name },
      });
    }
    return rejected;
  }

  private applyTo(ws: WorkingSet<ExposureEntity>, id: string, event: ExposureInput, policy: CreditPolicy): Applied {
    const given = ws.get(id) as CustomerState | undefined;
    const scoreBefore = given ? pendingExpiry(given.profile, given.watermark) : null;
    const result = applyEvent(given, event, policy, IN_PLACE);
    if (result.rejected) return { out: [], rejected: result.rejected };
    if (result.changed) {
      ws.set(id, result.state, changedFields(result.writtenDocs));
      // Kept while an expiry is to come (also re-set, so states stored before the index get it on their next input).
      const score = pendingExpiry(result.state.profile, result.state.watermark);
      if (score !== null || scoreBefore !== null) ws.setScore(id, score);
    }
    return { out: this.toRecords(result.events) };
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

  // The BatchProcessor keeps the parsed states of the partitions it owns, so a state is parsed only when it is
  // first read from Redis.
  readonly codec = exposureEntityCodec;
}
