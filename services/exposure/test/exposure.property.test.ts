// Properties over random histories of a few customers, checked against the reference model (model.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CreditHoldEvent, DelinquencyStatus } from '../../../shared/contracts/events.generated.ts';
import {
  DEFAULT_AUTHORITY,
  DELINQUENCY_LADDER,
  NO_CLASS_POLICY,
  RISK_CLASSES,
  applyEvent,
  creditPolicy,
  exposureOf,
  limitAt,
  openValue,
  type ApplyResult,
  type AuthorityMatrix,
  type ClassPolicy,
  type CreditPolicy,
  type CustomerState,
  type DerivedEvent,
  type ExposureInput,
} from '../src/domain/index.ts';
import { historyArb, mergeTopics } from './histories.ts';
import { T0, envelope } from './inputs.ts';
import { decisionOf, runModel, type ModelDecision } from './model.ts';

const NUM_RUNS = 150;

// Authority caps of the order of the histories' amounts, so releases within and beyond authority both happen.
const authorityArb = fc
  .record({ controller: fc.nat(1500), manager: fc.nat(3000), viewerMayReject: fc.boolean() })
  .map(({ controller, manager, viewerMayReject }): AuthorityMatrix => ({
    ...DEFAULT_AUTHORITY,
    VIEWER: { release: false, reject: viewerMayReject, maxOverLimit: 0 },
    CREDIT_CONTROLLER: { release: true, reject: true, maxOverLimit: controller },
    CREDIT_MANAGER: { release: true, reject: true, maxOverLimit: manager },
  }));

// Each check on or off per class, with values of the order of the histories' amounts and days past due (0-60).
const classArb: fc.Arbitrary<ClassPolicy> = fc.record({
  defaultLimit: fc.option(fc.nat(60).map((n) => n * 50), { nil: null }),
  maxDocumentValue: fc.option(fc.nat(30).map((n) => n * 50), { nil: null }),
  holdAll: fc.boolean().chain((b) => (b ? fc.boolean() : fc.constant(false))),
  oldestItemMaxDaysPastDue: fc.option(fc.nat(50), { nil: null }),
});
const classesArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ classes: {}, classDefaults: NO_CLASS_POLICY }) },
  {
    weight: 3,
    arbitrary: fc.record({
      classes: fc.dictionary(fc.constantFrom(...RISK_CLASSES), classArb, { maxKeys: 5 }),
      classDefaults: classArb,
    }),
  },
);

const policyArb = fc
  .record({
    noProfileHold: fc.boolean(),
    overdueHoldLevel: fc.constantFrom<DelinquencyStatus>('OVERDUE', 'DELINQUENT', 'SEVERE'),
    authority: authorityArb,
    classRules: classesArb,
  })
  .map(({ classRules, ...p }) => creditPolicy({ policyVersion: 'prop', ...p, ...classRules }));

interface CoreRun {
  events: DerivedEvent[];
  states: Map<string, CustomerState>;
  rejectedEventIds: string[];
}

interface RunOptions {
  /** Deep-freezes every state before the core sees it: a core that writes a state it was given throws. */
  freeze?: boolean;
  /** Gives the core each state to write in place, as the adapter does. */
  inPlace?: boolean;
}

/** Feeds the inputs through the core; `step` sees each input with its result. */
function runCore(
  inputs: readonly ExposureInput[],
  policy: CreditPolicy,
  step?: (input: ExposureInput, result: ApplyResult) => void,
  { freeze = false, inPlace = false }: RunOptions = {},
): CoreRun {
  const states = new Map<string, CustomerState>();
  const events: DerivedEvent[] = [];
  const rejectedEventIds: string[] = [];
  for (const input of inputs) {
    const before = states.get(input.customerId);
    const result = applyEvent(freeze && before ? deepFreeze(before) : before, input, policy, { inPlace });
    step?.(input, result);
    if (result.rejected) rejectedEventIds.push(input.eventId);
    if (result.changed) states.set(input.customerId, result.state);
    events.push(...result.events);
  }
  return { events, states, rejectedEventIds };
}

/**
 * The same history written in place, as the adapter runs the core, gives the same events in the same order, the same
 * rejections and the same final states (as JSON, key order included); an input it rejects or ignores leaves the
 * state exactly as it was given.
 */
function expectSameInPlace(inputs: readonly ExposureInput[], policy: CreditPolicy, copied: CoreRun): void {
  const states = new Map<string, CustomerState>();
  const events: DerivedEvent[] = [];
  const rejectedEventIds: string[] = [];
  for (const input of inputs) {
    const given = states.get(input.customerId);
    const textBefore = JSON.stringify(given);
    const result = applyEvent(given, input, policy, { inPlace: true });
    if (given !== undefined) expect(result.state).toBe(given);
    if (!result.changed) expect(JSON.stringify(given)).toBe(textBefore);
    if (result.rejected) rejectedEventIds.push(input.eventId);
    if (result.changed) states.set(input.customerId, result.state);
    events.push(...result.events);
  }
  expect(events).toEqual(copied.events);
  expect(rejectedEventIds).toEqual(copied.rejectedEventIds);
  expect([...states.keys()]).toEqual([...copied.states.keys()]);
  for (const [customerId, state] of copied.states) expect(JSON.stringify(states.get(customerId))).toBe(JSON.stringify(state));
}

/**
 * Business-date ticks put into a history at the given positions, each at the latest event time so far plus `ahead`
 * seconds (never before the previous tick), then addressed, as the adapter does, to the customers seen so far in
 * customer id order: the core decides which of them the tick reaches. The model gets the partition-wide ticks.
 */
function withTicks(inputs: readonly ExposureInput[], ticks: ReadonlyArray<{ at: number; ahead: number }>) {
  const raw: ExposureInput[] = [];
  const addressed: ExposureInput[] = [];
  const seen = new Set<string>();
  let latest = T0;
  let lastTick = 0;
  inputs.forEach((input, i) => {
    for (const [n, t] of ticks.entries()) {
      if (t.at % (inputs.length + 1) !== i) continue;
      lastTick = Math.max(lastTick, latest + t.ahead * 1000);
      const tick = envelope('BusinessDateTick', { businessDate: 20_458 }, { eventId: `tick${n}`, customerId: '', occurredAt: lastTick });
      raw.push(tick);
      for (const customerId of [...seen].sort()) addressed.push({ ...tick, customerId });
    }
    raw.push(input);
    addressed.push(input);
    seen.add(input.customerId);
    latest = Math.max(latest, input.occurredAt);
  });
  return { raw, addressed };
}

// Mostly seconds ahead (temporary limits expire within the histories' minute); sometimes days, past midnights, where
// open items grow older.
const ticksArb = fc.array(fc.record({
  at: fc.nat(),
  ahead: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 30 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 * 86_400 }) }),
}), { maxLength: 6 });

const components = (s: CustomerState) => ({ ...s.totals, exposure: exposureOf(s.totals) });

const decisionsOf = (events: DerivedEvent[]): ModelDecision[] =>
  events.filter((e): e is CreditHoldEvent => e.eventType !== 'ExposureSnapshot').map(decisionOf);

/** The action parked for an order in a state, which its placement takes. */
const parkedActionOf = (state: CustomerState | undefined, orderId: string) => {
  const parked = state?.parkedActions[orderId];
  return parked ? { payload: parked.payload } : undefined;
};

const ORDER_DECISIONS = new Set(['OrderCreditApproved', 'OrderCreditHeld', 'OrderCreditReleased', 'OrderCreditRejected']);

describe('exposure core, random histories', () => {
  it('(a) ends with the same sum-defined components whatever the cross-topic interleaving, equal to the model', () => {
    fc.assert(
      fc.property(historyArb({ actions: false, foreignCurrency: false }), fc.integer(), fc.integer(), policyArb, (streams, seed1, seed2, policy) => {
        const first = mergeTopics(streams, seed1);
        const a = runCore(first, policy);
        const b = runCore(mergeTopics(streams, seed2), policy);
        const model = runModel(first, policy);
        // Which orders are approved or still held depends on order; their total, receivables and cash do not.
        const sumDefined = (s: CustomerState) => ({
          openReceivables: s.totals.openReceivables,
          unappliedCash: s.totals.unappliedCash,
          orderValue: s.totals.openOrders + s.totals.heldOrders,
        });
        expect([...b.states.keys()].sort()).toEqual([...a.states.keys()].sort());
        for (const [customerId, state] of a.states) {
          const m = model.components[customerId]!;
          expect(sumDefined(b.states.get(customerId)!)).toEqual(sumDefined(state));
          expect(sumDefined(state)).toEqual({ openReceivables: m.openReceivables, unappliedCash: m.unappliedCash, orderValue: m.openOrders + m.heldOrders });
        }
        expect([...b.rejectedEventIds].sort()).toEqual([...a.rejectedEventIds].sort());
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(b) gives each order one decision per placement and upward amendment, ending approved, rejected, cancelled or held', () => {
    fc.assert(
      fc.property(historyArb({ actions: true, foreignCurrency: true }), fc.integer(), policyArb, (streams, seed, policy) => {
        const inputs = mergeTopics(streams, seed);
        const run = runCore(inputs, policy);
        const rejected = new Set(run.rejectedEventIds);
        // A foreign order with no rate for its day waits undecided (fx.test.ts, fx.property.test.ts).
        const waiting = new Set([...run.states.values()].flatMap((s) => (s.fxParked ?? []).map((p) => p.input.eventId)));
        for (const input of inputs) {
          if (input.eventType !== 'OrderPlaced' || rejected.has(input.eventId) || waiting.has(input.eventId)) continue;
          const decided = run.events.filter((e) =>
            e.causationId === input.eventId &&
            (e.eventType === 'OrderCreditApproved' || e.eventType === 'OrderCreditHeld') &&
            e.payload.orderId === input.payload.orderId);
          expect(decided).toHaveLength(1);
        }
        const next: Record<string, string[]> = {
          start: ['OrderCreditApproved', 'OrderCreditHeld'],
          OrderCreditApproved: ['OrderCreditApproved', 'OrderCreditHeld'],
          OrderCreditReleased: ['OrderCreditApproved', 'OrderCreditHeld'],
          OrderCreditHeld: ['OrderCreditReleased', 'OrderCreditRejected'],
          OrderCreditRejected: [],
        };
        const finalOf: Record<string, string[]> = {
          APPROVED: ['OrderCreditApproved', 'OrderCreditReleased'],
          HELD: ['OrderCreditHeld'],
          REJECTED: ['OrderCreditRejected'],
          CANCELLED: ['OrderCreditApproved', 'OrderCreditReleased', 'OrderCreditHeld'],
        };
        for (const [customerId, state] of run.states) {
          for (const [orderId, order] of Object.entries(state.orders)) {
            const trail = run.events
              .filter((e) => e.customerId === customerId && ORDER_DECISIONS.has(e.eventType) && (e.payload as { orderId: string }).orderId === orderId)
              .map((e) => e.eventType);
            trail.reduce((from, to) => {
              expect(next[from]).toContain(to);
              return to;
            }, 'start');
            expect(finalOf[order.status]).toContain(trail.at(-1));
          }
          const heldIds = Object.entries(state.orders).filter(([, o]) => o.status === 'HELD').map(([id]) => id);
          expect([...state.heldQueue].sort()).toEqual(heldIds.sort());
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(c) after every input, the oldest held order does not fit, is above its class maximum, or a standing reason still holds it', () => {
    fc.assert(
      fc.property(historyArb({ actions: true, foreignCurrency: false }), fc.integer(), policyArb, (streams, seed, policy) => {
        runCore(mergeTopics(streams, seed), policy, (input, result) => {
          if (!result.changed) return;
          const s = result.state;
          const head = s.heldQueue[0];
          if (head === undefined) return;
          const rules = (s.profile !== null ? policy.classes[s.profile.riskClass] : undefined) ?? policy.classDefaults;
          const standing =
            DELINQUENCY_LADDER.indexOf(s.delinquency) >= DELINQUENCY_LADDER.indexOf(policy.overdueHoldLevel) ||
            s.profile?.manualHold === true ||
            (s.profile !== null && policy.riskHoldClasses.includes(s.profile.riskClass)) ||
            rules.holdAll ||
            (s.profile === null && policy.noProfileHold && rules.defaultLimit === null) ||
            (rules.oldestItemMaxDaysPastDue !== null && Object.values(s.invoices).some((inv) => {
              const gross = Object.values(inv.adjustments).reduce((a, b) => a + b, inv.issued);
              const open = !inv.voided && Math.max(0, gross) - Math.min(inv.allocated, Math.max(0, gross)) > 0;
              return open && Math.floor(s.watermark / 86_400_000) - inv.dueDate! > rules.oldestItemMaxDaysPastDue!;
            }));
          const limit = limitAt(s.profile, s.watermark)?.effectiveLimit ?? rules.defaultLimit;
          const head_ = s.orders[head]!;
          const overLimit = limit !== null && exposureOf(s.totals) + openValue(head_) > limit;
          const aboveMax = rules.maxDocumentValue !== null && head_.amount > rules.maxDocumentValue;
          expect(standing || overLimit || aboveMax).toBe(true);
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(d) is deterministic, survives a JSON round trip of the state, never mutates its input (in place: same results) and never repeats an id', () => {
    fc.assert(
      fc.property(historyArb({ actions: true, foreignCurrency: true }), fc.integer(), policyArb, ticksArb, (streams, seed, policy, ticks) => {
        const inputs = withTicks(mergeTopics(streams, seed), ticks).addressed;
        const once = runCore(inputs, policy, undefined, { freeze: true });
        const again = runCore(inputs, policy);
        expect(again.events).toEqual(once.events);
        expectSameInPlace(inputs, policy, once);
        const viaJson = runCoreThroughJson(inputs, policy);
        expect(viaJson.events).toEqual(once.events);
        const ids = once.events.map((e) => e.eventId);
        expect(new Set(ids).size).toBe(ids.length);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(e) agrees with the model on every decision, hold, warning and snapshot, every rejection and the final exposure', () => {
    let expiredAtTick = 0;
    fc.assert(
      fc.property(historyArb({ actions: true, foreignCurrency: true }), fc.integer(), policyArb, ticksArb, (streams, seed, policy, ticks) => {
        const { raw, addressed: inputs } = withTicks(mergeTopics(streams, seed), ticks);
        const run = runCore(inputs, policy, undefined, { freeze: true });
        const model = runModel(raw, policy);
        if (run.events.some((e) => e.causationId === null)) expiredAtTick += 1;
        expect(decisionsOf(run.events)).toEqual(model.decisions);
        const snapshots = run.events.flatMap((e) => e.eventType === 'ExposureSnapshot'
          ? [{ customerId: e.customerId, causationId: e.causationId, occurredAt: e.occurredAt, snapshot: e.payload }]
          : []);
        expect(snapshots).toEqual(model.snapshots);
        expect(run.rejectedEventIds).toEqual(model.rejectedEventIds);
        for (const [customerId, state] of run.states) {
          expect(components(state)).toEqual(model.components[customerId]);
          const statuses = Object.fromEntries(Object.entries(state.orders).map(([id, o]) => [id, o.status]));
          expect(statuses).toEqual(model.statuses[customerId]);
          const last = run.events.findLast((e) => e.customerId === customerId && e.eventType === 'ExposureSnapshot');
          if (last?.eventType === 'ExposureSnapshot') {
            const { openOrders, heldOrders, heldOrderCount, openReceivables, unappliedCash, exposure } = last.payload;
            expect({ openOrders, heldOrders, heldOrderCount, openReceivables, unappliedCash, exposure }).toEqual(model.components[customerId]);
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
    // Not vacuous: some ticks reached a customer whose temporary limit they expired.
    expect(expiredAtTick).toBeGreaterThan(0);
  });

  it('(h) never releases, on a late-stamped input, an order the model (arrival order, limit at the customer clock) keeps held', () => {
    let lateAfterExpiry = 0;
    fc.assert(
      fc.property(historyArb({ actions: true, foreignCurrency: false }), fc.integer(), policyArb, (streams, seed, policy) => {
        const inputs = mergeTopics(streams, seed);
        const model = runModel(inputs, policy);
        const releasedBy = (decisions: ModelDecision[], cause: string) =>
          decisions.filter((d) => d.causationId === cause && d.release === 'AUTOMATIC').map((d) => d.orderId);
        runCore(inputs, policy, (input, result) => {
          // Late-stamped: before the customer's clock (after the input, the clock is the latest accepted event time).
          const clock = result.state.watermark;
          if (!result.changed || input.occurredAt >= clock) return;
          const expiresAt = result.state.profile?.tempLimit ? result.state.profile.tempLimitExpiresAt : null;
          if (expiresAt !== null && input.occurredAt < expiresAt && expiresAt <= clock) lateAfterExpiry += 1;
          const released = releasedBy(decisionsOf(result.events), input.eventId);
          expect(released).toEqual(releasedBy(model.decisions, input.eventId));
        });
      }),
      { numRuns: NUM_RUNS },
    );
    // Not vacuous: inputs stamped before a temporary limit's expiry arrived after the customer's clock had passed it.
    expect(lateAfterExpiry).toBeGreaterThan(0);
  });

  it("(f) never stamps a customer's derived event earlier than the one before it or the input, nor holds for < 0 ms", () => {
    let takenOnArrival = 0;
    fc.assert(
      fc.property(historyArb({ actions: true, foreignCurrency: false }), fc.integer(), policyArb, (streams, seed, policy) => {
        const last = new Map<string, number>();
        runCore(mergeTopics(streams, seed), policy, (input, result) => {
          for (const e of result.events) {
            expect(e.occurredAt).toBeGreaterThanOrEqual(Math.max(input.occurredAt, last.get(e.customerId) ?? 0));
            last.set(e.customerId, e.occurredAt);
            if ('heldMs' in e.payload) expect(e.payload.heldMs).toBeGreaterThanOrEqual(0);
            if (input.eventType === 'OrderPlaced' && e.causationId !== input.eventId) takenOnArrival += 1;
          }
        });
      }),
      { numRuns: NUM_RUNS },
    );
    // The histories do race actions against their orders: some waited and were taken when the order arrived held.
    expect(takenOnArrival).toBeGreaterThan(0);
  });

  it('(i) takes a credit action only within the actor\'s authority; a refused one changes nothing but the event', () => {
    const seen = { ROLE_NOT_PERMITTED: 0, BEYOND_AUTHORITY: 0, manual: 0 };
    fc.assert(
      fc.property(historyArb({ actions: true, foreignCurrency: false }), fc.integer(), policyArb, (streams, seed, policy) => {
        const states = new Map<string, CustomerState>();
        for (const input of mergeTopics(streams, seed)) {
          const before = states.get(input.customerId);
          const result = applyEvent(before, input, policy);
          if (result.changed) states.set(input.customerId, result.state);
          for (const e of result.events) {
            if (e.eventType === 'OrderCreditReleased' && e.payload.release === 'MANUAL') {
              // The action that released it was within its role's authority: permitted, and no further over the limit.
              seen.manual += 1;
              const action = input.eventType === 'CreditActionTaken' ? input : undefined;
              const role = (action ?? parkedActionOf(before, e.payload.orderId))!.payload.actorRole!;
              expect(policy.authority[role].release).toBe(true);
              expect(e.payload.exposure.shortfall).toBeLessThanOrEqual(policy.authority[role].maxOverLimit);
            }
            if (e.eventType !== 'CreditActionRefused') continue;
            seen[e.payload.refusal] += 1;
            // Nothing changes but the event: the order stays held in its place, exposure and the other documents stay.
            const after = result.state;
            const order = after.orders[e.payload.orderId]!;
            expect(order.status).toBe('HELD');
            expect(after.heldQueue).toContain(e.payload.orderId);
            // The action derives nothing else for its order (no release, no rejection).
            const alsoCaused = result.events.filter((x) => x !== e && x.causationId === e.causationId && 'orderId' in x.payload && x.payload.orderId === e.payload.orderId);
            expect(alsoCaused).toEqual([]);
            if (input.eventType === 'CreditActionTaken' && before !== undefined) {
              expect(after.totals).toEqual(before.totals);
              expect(after.heldQueue).toEqual(before.heldQueue);
            }
            if (e.payload.refusal === 'BEYOND_AUTHORITY') {
              expect(e.payload.shortfall).toBe(e.payload.overLimit - e.payload.authorityLimit);
              expect(e.payload.shortfall).toBeGreaterThan(0);
            }
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
    // Not vacuous: actions were refused for both reasons, and some were taken.
    expect(seen.ROLE_NOT_PERMITTED).toBeGreaterThan(0);
    expect(seen.BEYOND_AUTHORITY).toBeGreaterThan(0);
    expect(seen.manual).toBeGreaterThan(0);
  });

});

describe('exposure core, retention over weeks', () => {
  it('(g) leaves, after each daily sweep, no closed document untouched past its horizon', () => {
    const HOUR = 3_600_000;
    // The histories are a second per step; stretched to six hours a step they span days, so sweeps run and drop.
    const stretched = (inputs: readonly ExposureInput[]) => inputs.map((e) => ({ ...e, occurredAt: T0 + (e.occurredAt - T0) * 6 * 3600 }));
    let dropped = 0;
    fc.assert(
      fc.property(historyArb({ actions: true, foreignCurrency: false }), fc.integer(), policyArb, fc.integer({ min: 1, max: 96 }), (streams, seed, base, hours) => {
        const inputs = stretched(mergeTopics(streams, seed));
        const policy = creditPolicy({ ...base, retentionMs: hours * HOUR });
        const sweptDay = new Map<string, number>();
        const swept = runCore(inputs, policy, (input, result) => {
          const s = result.state;
          // This input swept (its customer's first of the day): whether it found nothing or dropped, nothing is left.
          if (result.changed && s.sweptDay !== (sweptDay.get(input.customerId) ?? 0)) {
            expect(droppable(s, s.watermark - policy.retentionMs)).toEqual([]);
          }
          sweptDay.set(input.customerId, s.sweptDay);
          // The floor the sweep skips by bounds every document's touchedAt from below, and never passes the clock.
          if (result.changed) {
            const touched = [s.orders, s.invoices, s.payments, s.invoicedAhead, s.parkedActions].flatMap((c) => Object.values(c).map((x) => x.touchedAt));
            expect(Math.min(...touched)).toBeGreaterThanOrEqual(s.touchedFloor);
            expect(s.touchedFloor).toBeLessThanOrEqual(s.watermark);
          }
        }, { freeze: true });
        // Sweeping in place (deleting from the state's own collections) drops the same documents.
        expectSameInPlace(inputs, policy, swept);
        const kept = runCore(inputs, creditPolicy({ ...base, retentionMs: 3650 * 24 * HOUR }));
        const documents = (run: CoreRun) =>
          [...run.states.values()].reduce((n, s) => n + Object.keys(s.orders).length + Object.keys(s.invoices).length + Object.keys(s.payments).length, 0);
        if (documents(swept) < documents(kept)) dropped += 1;
      }),
      { numRuns: NUM_RUNS },
    );
    // Not vacuous: some histories lived long enough to lose closed documents.
    expect(dropped).toBeGreaterThan(0);
  });
});

/**
 * What the README's retention rules drop at `horizon`, written out again: closed orders, settled or voided invoices no
 * kept payment names, reversed or fully allocated payments, waiting amounts and actions, each untouched since.
 */
function droppable(s: CustomerState, horizon: number): string[] {
  const old = (doc: { touchedAt: number }) => doc.touchedAt <= horizon;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const out: string[] = [];
  for (const [id, o] of Object.entries(s.orders)) {
    if (old(o) && (o.status === 'CANCELLED' || o.status === 'REJECTED' || (o.status === 'APPROVED' && openValue(o) === 0))) out.push(`order ${id}`);
  }
  for (const [id, p] of Object.entries(s.payments)) {
    const allocated = sum(Object.values(p.allocations)) === p.amount && Object.keys(p.allocations).every((i) => i in s.invoices);
    if (old(p) && (p.reversed || allocated)) out.push(`payment ${id}`);
  }
  const named = new Set(Object.values(s.payments).flatMap((p) => Object.keys(p.allocations)));
  for (const [id, i] of Object.entries(s.invoices)) {
    if (old(i) && (i.voided || i.allocated === i.issued + sum(Object.values(i.adjustments))) && !named.has(id)) out.push(`invoice ${id}`);
  }
  for (const id of Object.keys(s.invoicedAhead)) if (old(s.invoicedAhead[id]!)) out.push(`invoiced ahead ${id}`);
  for (const id of Object.keys(s.parkedActions)) if (old(s.parkedActions[id]!)) out.push(`parked action ${id}`);
  return out;
}

/** Freezes the whole state, so any mutation of a state handed back in throws (strict-mode ESM). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The core as the adapter runs it: every state stored as JSON and parsed back before the next input. */
function runCoreThroughJson(inputs: readonly ExposureInput[], policy: CreditPolicy): { events: DerivedEvent[] } {
  const stored = new Map<string, string>();
  const events: DerivedEvent[] = [];
  for (const input of inputs) {
    const json = stored.get(input.customerId);
    const result = applyEvent(json === undefined ? undefined : (JSON.parse(json) as CustomerState), input, policy);
    if (result.changed) stored.set(input.customerId, JSON.stringify(result.state));
    events.push(...result.events);
  }
  return { events };
}
