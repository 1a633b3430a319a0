// Corporate groups: one group's task owns every member's state, so it decides each order against the member's own
// limit and the group's exact exposure (GROUP_OVER_LIMIT). Pure: the records come from the repartition topic keyed by
// the credit account (routeInput), in the order that topic's partition holds them.
//
//   routeInput   a customer's credit account is its latest profile's parent (creditAccountOf); a profile that
//                changes it goes to the old account (where the state is) and a join notice to the new one
//   input        applied to the member's state with the group's room (the parent's limit and the other members'
//                exposure); then the other members' held orders, oldest hold first, while the group has room; then
//                the group's snapshot
//   leave        the old group hands the member's state over (a record for the new account) with the profile that
//                moved it, and re-checks its remaining members' held orders
//   join/hand-over  from the join notice until its hand-over, every later input of the new group waits (parked): no
//                decision is taken without the arriving member's exposure; what came before the notice is applied
//                (a member may leave again: waiting on it would deadlock a chain of moves); a hand-over that beats its
//                notice is applied in its place and the notice then ignored
//   tick/rate    a business-date tick or an FX rate (the group partition's rate table converts the members' foreign
//                documents) reaches the members it concerns, in id order, as the adapter hands it to customers
//
// One currency per group is assumed: members are summed in minor units as they are (a member whose credit currency
// is not the parent's is counted unconverted, as documented in the README); nothing here converts between members.
import { deriveEventId } from '../../../../shared/ids.ts';
import type { CustomerEvent, GroupExposureEvent, GroupExposureSnapshot } from '../../../../shared/contracts/events.generated.ts';
import { applyEvent } from './apply.ts';
import { documentValueReason } from './class-policy.ts';
import { exposureOf, openValue } from './components.ts';
import { openDraft, type Draft } from './draft.ts';
import { hasRevaluable } from './fx-parking.ts';
import { NO_RATES, type FxRates } from './fx.ts';
import { limitAt, utilizationBasisPoints } from './limits.ts';
import type { CreditPolicy, GroupRoom } from './policy.ts';
import { fits, fitsGroup, standingReasons } from './reasons.ts';
import { releaseRound } from './release.ts';
import { customerHold, exposureSnapshot, utilizationWarnings } from './signals.ts';
import type { CreditProfile, CustomerState } from './state.ts';
import { SOURCE, type DerivedEvent, type ExposureInput, type Rejection } from './types.ts';

/** A customer's credit account: the parent its latest profile names (not itself), else its own id. */
export function creditAccountOf(customerId: string, parentCustomerId: string | null | undefined): string {
  return parentCustomerId && parentCustomerId !== customerId ? parentCustomerId : customerId;
}

type ProfileInput = Extract<CustomerEvent, { eventType: 'CustomerCreditProfile' }>;

/** What the repartition topic carries to a group's task. */
export type GroupRecord =
  | { kind: 'input'; input: ExposureInput }
  /** The router saw a profile move `memberId` into this group; `moveId` is that profile's event id. */
  | { kind: 'join'; memberId: string; moveId: string }
  /** The old group's hand-over: the member's state (null if it had none) and the profile that moved it. */
  | { kind: 'handover'; memberId: string; moveId: string; state: CustomerState | null; profile: ProfileInput };

export interface Routed {
  account: string;
  record: GroupRecord;
}

/**
 * The router's step for one input of a customer: where it goes, and the customer's account after it (`accounts`,
 * the router's own map, is updated). The move follows the profile even when the core later rejects it (wrong
 * currency): the router cannot know, and the new group applies the profile (and rejects it) after the hand-over.
 */
export function routeInput(accounts: Map<string, string>, input: ExposureInput): Routed[] {
  const current = accounts.get(input.customerId) ?? input.customerId;
  const routed: Routed[] = [{ account: current, record: { kind: 'input', input } }];
  if (input.eventType !== 'CustomerCreditProfile') return routed;
  const next = creditAccountOf(input.customerId, input.payload.parentCustomerId);
  if (next === current) return routed;
  accounts.set(input.customerId, next);
  routed.push({ account: next, record: { kind: 'join', memberId: input.customerId, moveId: input.eventId } });
  return routed;
}

type Handover = Extract<GroupRecord, { kind: 'handover' }>;

/** What waits behind a join notice: inputs, the notice itself (until its hand-over), a hand-over that beat its notice. */
type Parked = { input: ExposureInput } | { join: string } | { handover: Handover };

export interface GroupState {
  groupId: string;
  /** Every member with a state, the parent (groupId) included once it has one. */
  members: Record<string, CustomerState>;
  /**
   * From a join notice whose hand-over has not come, what arrives waits here in order; the notice keeps the place of
   * its member's state and profile. Applied from the front up to the first notice still without its hand-over.
   */
  parked: Parked[];
  /** Hand-overs of notices still parked, by move id. */
  arrived: Record<string, Handover>;
  /** Hand-overs that came before their join notice, by move id: the member (that notice is then ignored). */
  joined: Record<string, string>;
  lastSnapshot: GroupExposureSnapshot | null;
  /** The group's clock: the latest event time applied. */
  watermark: number;
}

export function emptyGroup(groupId: string): GroupState {
  return { groupId, members: {}, parked: [], arrived: {}, joined: {}, lastSnapshot: null, watermark: 0 };
}

export type GroupEvent = DerivedEvent | GroupExposureEvent;

export interface GroupResult {
  state: GroupState;
  events: GroupEvent[];
  rejected: Array<{ input: ExposureInput; rejection: Rejection }>;
  /** Hand-overs to other groups' tasks, to go through the repartition topic keyed by `to`. */
  handovers: Array<{ to: string; record: Extract<GroupRecord, { kind: 'handover' }> }>;
}

/**
 * Applies one record of the group's partition of the repartition topic (or a tick or rate the adapter hands the
 * task), converting the members' foreign documents with `rates`. Never mutates `given`.
 */
export function applyGroupRecord(given: GroupState, record: GroupRecord, policy: CreditPolicy, rates: FxRates = NO_RATES): GroupResult {
  const s: GroupState = {
    ...given,
    members: { ...given.members },
    parked: [...given.parked],
    arrived: { ...given.arrived },
    joined: { ...given.joined },
  };
  const out: GroupResult = { state: s, events: [], rejected: [], handovers: [] };
  switch (record.kind) {
    case 'input':
      if (s.parked.length > 0) s.parked.push({ input: record.input });
      else applyInput(s, record.input, policy, rates, out);
      break;
    case 'join':
      if (s.joined[record.moveId] !== undefined) delete s.joined[record.moveId];
      else s.parked.push({ join: record.moveId });
      break;
    case 'handover':
      if (s.parked.some((p) => 'join' in p && p.join === record.moveId)) {
        s.arrived[record.moveId] = record;
        drain(s, policy, rates, out);
      } else {
        s.joined[record.moveId] = record.memberId;
        if (s.parked.length > 0) s.parked.push({ handover: record });
        else join(s, record, policy, rates, out);
      }
      break;
  }
  return out;
}

/** What waited, in the order it came, up to the first join notice still without its hand-over. */
function drain(s: GroupState, policy: CreditPolicy, rates: FxRates, out: GroupResult): void {
  while (s.parked.length > 0) {
    const next = s.parked[0]!;
    if ('join' in next && s.arrived[next.join] === undefined) return;
    s.parked.shift();
    if ('input' in next) applyInput(s, next.input, policy, rates, out);
    else if ('handover' in next) join(s, next.handover, policy, rates, out);
    else {
      const handover = s.arrived[next.join]!;
      delete s.arrived[next.join];
      join(s, handover, policy, rates, out);
    }
  }
}

/** The member's state joins the group, then the profile that moved it is applied here. */
function join(s: GroupState, h: Handover, policy: CreditPolicy, rates: FxRates, out: GroupResult): void {
  if (h.state !== null) s.members[h.memberId] = h.state;
  else delete s.members[h.memberId];
  applyInput(s, h.profile, policy, rates, out);
}

function applyInput(s: GroupState, input: ExposureInput, policy: CreditPolicy, rates: FxRates, out: GroupResult): void {
  if (input.eventType === 'BusinessDateTick') return tick(s, input, policy, out);
  if (input.eventType === 'FxRatePublished') return rate(s, input, policy, rates, out);
  const m = input.customerId;
  if (input.eventType === 'CustomerCreditProfile') {
    const next = creditAccountOf(m, input.payload.parentCustomerId);
    if (next !== s.groupId) return leave(s, m, next, input, policy, out);
  }
  const room = roomFor(s, m, input);
  const result = applyEvent(s.members[m], input, room ? { ...policy, groupRoom: room } : policy, { rates });
  if (result.rejected) {
    out.rejected.push({ input, rejection: result.rejected });
    return;
  }
  if (!result.changed) return;
  s.members[m] = result.state;
  s.watermark = Math.max(s.watermark, input.occurredAt);
  out.events.push(...result.events);
  groupRound(s, input, m, policy, out);
  groupSnapshot(s, input, out);
}

/** The member leaves for `to`: its state goes with the profile that moved it; the rest of the group may now fit. */
function leave(s: GroupState, m: string, to: string, profile: ProfileInput, policy: CreditPolicy, out: GroupResult): void {
  const state = s.members[m] ?? null;
  delete s.members[m];
  s.watermark = Math.max(s.watermark, profile.occurredAt);
  out.handovers.push({ to, record: { kind: 'handover', memberId: m, moveId: profile.eventId, state, profile } });
  groupRound(s, profile, null, policy, out);
  groupSnapshot(s, profile, out);
}

/**
 * A business-date tick reaches the members whose temporary limit it expires or whose oldest open item it makes too
 * old (in id order), as the adapter does; the core ignores it for the others.
 */
function tick(s: GroupState, input: Extract<ExposureInput, { eventType: 'BusinessDateTick' }>, policy: CreditPolicy, out: GroupResult): void {
  let changed = false;
  for (const id of Object.keys(s.members).sort()) {
    const member = s.members[id]!;
    const result = applyEvent(member, { ...input, customerId: id }, policy);
    if (!result.changed) continue;
    s.members[id] = result.state;
    out.events.push(...result.events);
    changed = true;
  }
  if (!changed) return;
  s.watermark = Math.max(s.watermark, input.occurredAt);
  groupSnapshot(s, input, out);
}

type RateInput = Extract<ExposureInput, { eventType: 'FxRatePublished' }>;

/**
 * An FX rate reaches the members waiting for one (or, under FX_REVALUE, with an open foreign document), in id order,
 * as the adapter hands it to customers: what it lets through is decided in the group's room, then the other members'
 * held orders; the group's snapshot once all have it. Parked inputs rejected once applied are the result's rejections.
 */
function rate(s: GroupState, input: RateInput, policy: CreditPolicy, rates: FxRates, out: GroupResult): void {
  let changed = false;
  for (const id of Object.keys(s.members).sort()) {
    const member = s.members[id]!;
    if ((member.fxParked?.length ?? 0) === 0 && !(policy.fxRevalue === true && hasRevaluable(member))) continue;
    const addressed: RateInput = { ...input, customerId: id };
    const room = roomFor(s, id, addressed);
    const result = applyEvent(member, addressed, room ? { ...policy, groupRoom: room } : policy, { rates });
    out.rejected.push(...(result.rejectedParked ?? []));
    if (!result.changed) continue;
    s.members[id] = result.state;
    out.events.push(...result.events);
    changed = true;
    groupRound(s, addressed, id, policy, out);
  }
  if (!changed) return;
  s.watermark = Math.max(s.watermark, input.occurredAt);
  groupSnapshot(s, input, out);
}

const isGroup = (s: GroupState): boolean => Object.keys(s.members).some((id) => id !== s.groupId);

const profileOf = (p: ProfileInput['payload']): CreditProfile => ({
  creditLimit: p.creditLimit,
  tempLimit: p.tempLimit,
  tempLimitExpiresAt: p.tempLimitExpiresAt,
  currency: p.currency,
  paymentTermsDays: p.paymentTermsDays,
  riskClass: p.riskClass,
  manualHold: p.manualHold,
});

/**
 * The group limit at this input's time: the parent's effective limit (its new profile's for its own profile); none
 * once the parent has left for another group.
 */
function groupLimit(s: GroupState, input: ExposureInput): number | null {
  const head = s.members[s.groupId];
  const own = input.customerId === s.groupId && input.eventType === 'CustomerCreditProfile' ? input.payload : null;
  if (own !== null && creditAccountOf(s.groupId, own.parentCustomerId) !== s.groupId) return null;
  const profile = own !== null ? profileOf(own) : (head?.profile ?? null);
  return limitAt(profile, Math.max(head?.watermark ?? 0, input.occurredAt))?.effectiveLimit ?? null;
}

/**
 * The room an input of member `m` is decided in; none when there is no group: the parent alone (no other member
 * has a state), or no parent profile to give a group limit.
 */
function roomFor(s: GroupState, m: string, input: ExposureInput): GroupRoom | undefined {
  if (m === s.groupId && !Object.keys(s.members).some((id) => id !== m)) return undefined;
  const limit = groupLimit(s, input);
  if (limit === null) return undefined;
  let others = 0;
  for (const [id, member] of Object.entries(s.members)) if (id !== m) others += exposureOf(member.totals);
  return { limit, others };
}

/**
 * After an input of one member (`skip`, whose own round ran in applyEvent) or a member leaving: the other members'
 * held orders, members in the order of their oldest hold (then id), each released oldest first while it fits its own
 * limit and the group's. A member whose oldest held order fits its own limit but not the group's stops the round,
 * so no younger order of the group overtakes it; one held by its own limit or a standing reason does not.
 */
function groupRound(s: GroupState, cause: ExposureInput, skip: string | null, policy: CreditPolicy, out: GroupResult): void {
  if (!isGroup(s)) return;
  const oldest = (id: string): number => {
    const member = s.members[id]!;
    return member.orders[member.heldQueue[0]!]!.heldSince!;
  };
  const waiting = Object.keys(s.members)
    .filter((id) => id !== skip && s.members[id]!.heldQueue.length > 0)
    .sort((a, b) => oldest(a) - oldest(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const id of waiting) {
    const room = roomFor(s, id, cause);
    if (room === undefined) return;
    const { state, events, groupBlocked } = releaseFor(s.members[id]!, cause, { ...policy, groupRoom: room });
    s.members[id] = state;
    out.events.push(...events);
    if (groupBlocked) return;
  }
}

/**
 * One member's release round caused by another customer's input. Its events' ids are based on the cause and the
 * member, so they differ from the cause's own events (the member's snapshot would otherwise share its id); the
 * member's clock moves to the cause only when something is released.
 */
function releaseFor(member: CustomerState, cause: ExposureInput, policy: CreditPolicy): { state: CustomerState; events: DerivedEvent[]; groupBlocked: boolean } {
  const opened = openDraft(member, cause, policy, false);
  const d: Draft = { ...opened, cause: { idBasis: deriveEventId(cause.eventId, 'GroupReleaseRound', member.customerId), causationId: cause.eventId } };
  releaseRound(d);
  const headId = d.s.heldQueue[0];
  let groupBlocked = false;
  if (headId !== undefined && standingReasons(d).length === 0) {
    const exposure = exposureOf(d.s.totals);
    const head = d.s.orders[headId]!;
    const value = openValue(head);
    // Blocked by the group only: it fits its own limit and is within its class's maximum order value.
    groupBlocked = fits(d, exposure, value) && documentValueReason(d, head.amount).length === 0 && !fitsGroup(d, exposure, value);
  }
  if (d.events.length === 0) return { state: member, events: [], groupBlocked };
  customerHold(d);
  utilizationWarnings(d);
  exposureSnapshot(d);
  return { state: d.s, events: d.events, groupBlocked };
}

/** The group's exposure against its limit. */
export function groupSnapshotOf(s: GroupState, at: ExposureInput): GroupExposureSnapshot | null {
  const head = s.members[s.groupId];
  const currency = head?.currency ?? s.lastSnapshot?.currency ?? null;
  if (currency === null) return null;
  const sums = { openOrders: 0, openReceivables: 0, unappliedCash: 0, heldOrders: 0, heldOrderCount: 0 };
  for (const member of Object.values(s.members)) {
    const t = member.totals;
    sums.openOrders += t.openOrders;
    sums.openReceivables += t.openReceivables;
    sums.unappliedCash += t.unappliedCash;
    sums.heldOrders += t.heldOrders;
    sums.heldOrderCount += t.heldOrderCount;
  }
  const exposure = sums.openOrders + sums.openReceivables - sums.unappliedCash;
  const limit = head?.profile ? limitAt(head.profile, Math.max(head.watermark, at.occurredAt))!.effectiveLimit : null;
  return {
    currency,
    ...sums,
    exposure,
    groupLimit: limit ?? 0,
    utilizationBasisPoints: utilizationBasisPoints(exposure, limit ?? 0),
    memberCount: Object.keys(s.members).length,
    overLimit: limit !== null && exposure > limit,
  };
}

/**
 * Emitted when it differs from the last, for a group (a member besides the parent) or one that was (so the
 * compacted topic learns that it lost its members); never before the currency is known (the parent's).
 */
function groupSnapshot(s: GroupState, cause: ExposureInput, out: GroupResult): void {
  if (!isGroup(s) && s.lastSnapshot === null) return;
  const snapshot = groupSnapshotOf(s, cause);
  if (snapshot === null) return;
  const last = s.lastSnapshot;
  if (last !== null && (Object.keys(snapshot) as Array<keyof GroupExposureSnapshot>).every((k) => snapshot[k] === last[k])) return;
  s.lastSnapshot = snapshot;
  out.events.push({
    eventId: deriveEventId(cause.eventId, 'GroupExposureSnapshot', s.groupId),
    eventType: 'GroupExposureSnapshot',
    occurredAt: s.watermark,
    customerId: s.groupId,
    source: SOURCE,
    causationId: cause.eventId,
    payload: snapshot,
  });
}
