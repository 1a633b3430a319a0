// RISK_CLASS_SOURCE over random histories with credit scores interleaved: the core against the reference model
// (model.ts), and scores under the profile source changing nothing at all.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CreditHoldEvent } from '../../../shared/contracts/events.generated.ts';
import {
  applyEvent,
  creditPolicy,
  exposureOf,
  type CreditPolicy,
  type CustomerState,
  type DerivedEvent,
  type ExposureInput,
} from '../src/domain/index.ts';
import { historyArb, interleave, mergeTopics, type Streams } from './histories.ts';
import { T0, envelope } from './inputs.ts';
import { decisionOf, runModel } from './model.ts';

const NUM_RUNS = 150;
const CLASSES = ['A', 'B', 'C', 'D', 'E'] as const;

// Class rules keyed by the scored class too: a score that changes the class changes the default limit, the maximum
// order value and the oldest-item rule in force.
const classArb = fc.record({
  defaultLimit: fc.option(fc.nat(60).map((n) => n * 50), { nil: null }),
  maxDocumentValue: fc.option(fc.nat(30).map((n) => n * 50), { nil: null }),
  holdAll: fc.constant(false),
  oldestItemMaxDaysPastDue: fc.option(fc.nat(50), { nil: null }),
});

const policyArb = fc
  .record({
    noProfileHold: fc.boolean(),
    riskHoldClasses: fc.subarray([...CLASSES], { minLength: 1 }),
    classes: fc.dictionary(fc.constantFrom(...CLASSES), classArb, { maxKeys: 5 }),
    classDefaults: classArb,
  })
  .map((p) => creditPolicy({ policyVersion: 'prop', riskClassSource: 'scoring', ...p }));

/** A score stream: per customer of the history, a few scores with random classes (repeats included), in time order. */
const scoresArb = fc.array(fc.record({ customer: fc.nat(2), riskClass: fc.constantFrom(...CLASSES) }), { maxLength: 8 });

function withScores(streams: Streams, scores: ReadonlyArray<{ customer: number; riskClass: string }>, seed: number): ExposureInput[] {
  const customers = [...new Set(Object.values(streams).flat().map((e) => e.customerId))].sort();
  const stream = scores.flatMap((s, k) => {
    const customerId = customers[s.customer % Math.max(1, customers.length)];
    if (customerId === undefined) return [];
    return [envelope('CreditScoreUpdated', {
      asOfDate: 20_458, score: null, probabilityBp: 1_000, riskClass: s.riskClass, factors: [], proposedLimit: 0,
      limitReason: 'prop', currentLimit: 0, currency: k % 2 === 0 ? '' : 'USD', utilisationBp: 0, segment: 'NEW',
      sizeBand: 'SMALL', annualSales: 0, modelVersion: 'prop', issuedInvoice: null,
    }, { eventId: `scores/${k}`, customerId, occurredAt: T0 + k * 1000 + 7 })];
  });
  return interleave([mergeTopics(streams, seed), stream], seed ^ 0x5bd1e995);
}

function runCore(inputs: readonly ExposureInput[], policy: CreditPolicy, inPlace: boolean) {
  const states = new Map<string, CustomerState>();
  const events: DerivedEvent[] = [];
  const rejectedEventIds: string[] = [];
  for (const input of inputs) {
    const before = states.get(input.customerId);
    const result = applyEvent(before && !inPlace ? structuredClone(before) : before, input, policy, { inPlace });
    if (result.rejected) rejectedEventIds.push(input.eventId);
    if (result.changed) states.set(input.customerId, result.state);
    events.push(...result.events);
  }
  return { events, states, rejectedEventIds };
}

const decisionsOf = (events: DerivedEvent[]) =>
  events.filter((e): e is CreditHoldEvent => e.eventType !== 'ExposureSnapshot').map(decisionOf);

describe('risk class from credit scores, random histories', () => {
  it('agrees with the model on every decision, snapshot, rejection, order status and final exposure', () => {
    let heldByScore = 0;
    let releasedByScore = 0;
    fc.assert(
      fc.property(historyArb({ actions: true, foreignCurrency: true }), scoresArb, fc.integer(), policyArb, (streams, scores, seed, policy) => {
        const inputs = withScores(streams, scores, seed);
        const model = runModel(inputs, policy);
        for (const inPlace of [false, true]) {
          const run = runCore(inputs, policy, inPlace);
          expect(decisionsOf(run.events)).toEqual(model.decisions);
          const snapshots = run.events.flatMap((e) => e.eventType === 'ExposureSnapshot'
            ? [{ customerId: e.customerId, causationId: e.causationId, occurredAt: e.occurredAt, snapshot: e.payload }]
            : []);
          expect(snapshots).toEqual(model.snapshots);
          expect(run.rejectedEventIds).toEqual(model.rejectedEventIds);
          for (const [customerId, state] of run.states) {
            expect({ ...state.totals, exposure: exposureOf(state.totals) }).toEqual(model.components[customerId]);
            expect(Object.fromEntries(Object.entries(state.orders).map(([id, o]) => [id, o.status]))).toEqual(model.statuses[customerId]);
          }
        }
        heldByScore += model.decisions.filter((d) => d.eventType === 'OrderCreditHeld' && d.reasons?.includes('RISK_CLASS')).length;
        const scoreIds = new Set(inputs.filter((e) => e.eventType === 'CreditScoreUpdated').map((e) => e.eventId));
        releasedByScore += model.decisions.filter((d) => d.eventType === 'OrderCreditReleased' && scoreIds.has(d.causationId ?? '')).length;
      }),
      { numRuns: NUM_RUNS },
    );
    // Not vacuous: scores held orders, and a better score released some.
    expect(heldByScore).toBeGreaterThan(0);
    expect(releasedByScore).toBeGreaterThan(0);
  });

  it('under the profile source, scores change nothing: the same events, rejections and states as without them', () => {
    fc.assert(
      fc.property(historyArb({ actions: true, foreignCurrency: true }), scoresArb, fc.integer(), (streams, scores, seed) => {
        const policy = creditPolicy({ policyVersion: 'prop', riskHoldClasses: ['D', 'E'] });
        const withThem = runCore(withScores(streams, scores, seed), policy, true);
        const without = runCore(withScores(streams, [], seed), policy, true);
        expect(withThem.events).toEqual(without.events);
        expect(withThem.rejectedEventIds).toEqual(without.rejectedEventIds);
        for (const [customerId, state] of without.states) expect(JSON.stringify(withThem.states.get(customerId))).toBe(JSON.stringify(state));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
