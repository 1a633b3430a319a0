// Multi-currency (issue 15), against the reference model extended with currencies and rates (model.ts): random
// histories whose documents are in the credit currency or another, spread over several days, with EUR reference rates
// for some of those days, interleaved with the documents so that a rate comes before or after the documents of its day.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CreditHoldEvent, FxRatePublished } from '../../../shared/contracts/events.generated.ts';
import {
  applyEvent,
  creditPolicy,
  exposureOf,
  NO_RATES,
  withRate,
  type CreditPolicy,
  type CustomerState,
  type DerivedEvent,
  type ExposureInput,
  type FxOrigin,
  type FxRates,
} from '../src/domain/index.ts';
import { historyArb, interleave, mergeTopics } from './histories.ts';
import { T0, envelope } from './inputs.ts';
import { decisionOf, modelConverter, runModel } from './model.ts';

const NUM_RUNS = 150;
const DAY_MS = 86_400_000;
const DAY0 = Math.floor(T0 / DAY_MS);
const FOREIGN = ['USD', 'GBP', 'JPY'] as const;
const MONEY = new Set(['OrderPlaced', 'OrderAmended', 'InvoiceIssued', 'InvoiceAdjusted', 'PaymentReceived']);

const policyArb = fc.record({ noProfileHold: fc.boolean() }).map((p) => creditPolicy({ policyVersion: 'fx', ...p }));
/** Also with FX_REVALUE: open documents revalued at each later rate. */
const anyPolicyArb = fc.record({ noProfileHold: fc.boolean(), fxRevalue: fc.boolean() }).map((p) => creditPolicy({ policyVersion: 'fx', ...p }));

/** Per foreign currency, a rate on some of the days DAY0..DAY0+5 (a missing day: a holiday), in date order. */
const ratesArb = fc
  .tuple(...FOREIGN.map(() => fc.array(fc.option(fc.integer({ min: 1, max: 99_999 }), { freq: 3 }), { minLength: 6, maxLength: 6 })))
  .map((perCurrency) => perCurrency.flatMap((days, c) => days.flatMap((units, k) => {
    if (units === null) return [];
    const quote = FOREIGN[c]!;
    // Magnitudes of the real rates: USD ~1.08, GBP ~0.85, JPY ~160.
    const rate = quote === 'JPY' ? `${140 + (units % 40)}.${String(units % 100).padStart(2, '0')}` : `${quote === 'USD' ? 1 : 0}.${String(units).padStart(5, '0')}`;
    const day = DAY0 + k;
    return [envelope('FxRatePublished', { base: 'EUR', quote, rateDate: day, rate }, { eventId: `rate/${quote}/${day}`, customerId: '', occurredAt: day * DAY_MS + 15 * 3_600_000 })];
  })))
  // One stream in date order (rates of one currency are published day after day).
  .map((rates) => [...rates].sort((a, b) => a.occurredAt - b.occurredAt));

/**
 * The generated history (EUR, one second apart) spread over four days, each document in its own currency (drawn per
 * document id), each customer's profile in EUR or USD.
 */
const historyFxArb = fc
  .record({
    streams: historyArb({ actions: true, foreignCurrency: false }),
    seed: fc.integer(),
    docCurrencies: fc.array(fc.constantFrom('EUR', 'EUR', 'USD', 'USD', 'GBP', 'JPY'), { minLength: 8, maxLength: 8 }),
    profileUsd: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  })
  .map(({ streams, seed, docCurrencies, profileUsd }) => mergeTopics(streams, seed).map((e): ExposureInput => {
    const occurredAt = T0 + (e.occurredAt - T0) * 2_700; // 1 s -> 45 min: ~4 days
    const customer = Number(e.customerId.slice(1));
    if (e.eventType === 'CustomerCreditProfile') return { ...e, occurredAt, payload: { ...e.payload, currency: profileUsd[customer] ? 'USD' : 'EUR' } };
    if (!MONEY.has(e.eventType)) return { ...e, occurredAt };
    const id = JSON.stringify(e.payload).match(/"(?:orderId|invoiceId|paymentId)":"([^"]+)"/)![1]!;
    const currency = docCurrencies[[...id].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 8, 0)]!;
    return { ...e, occurredAt, payload: { ...e.payload, currency } } as ExposureInput;
  }));

interface FxRun {
  events: DerivedEvent[];
  states: Map<string, CustomerState>;
  /** Rejected on arrival or when a rate let them through, in that order. */
  rejectedEventIds: string[];
  /** Inputs that waited for a rate on arrival. */
  parkedEventIds: Set<string>;
}

/** As the adapter: a rate goes into the table, then to every customer with a state, in customer id order. */
function runFxCore(inputs: readonly ExposureInput[], policy: CreditPolicy, inPlace: boolean): FxRun {
  let rates: FxRates = NO_RATES;
  const states = new Map<string, CustomerState>();
  const events: DerivedEvent[] = [];
  const rejectedEventIds: string[] = [];
  const parkedEventIds = new Set<string>();
  const apply = (input: ExposureInput) => {
    const r = applyEvent(states.get(input.customerId), input, policy, { rates, inPlace });
    if (r.rejected) rejectedEventIds.push(input.eventId);
    if (r.changed && r.state.fxParked?.some((p) => p.input.eventId === input.eventId)) parkedEventIds.add(input.eventId);
    for (const p of r.rejectedParked ?? []) rejectedEventIds.push(p.input.eventId);
    if (r.changed) states.set(input.customerId, r.state);
    events.push(...r.events);
  };
  for (const input of inputs) {
    if (input.eventType !== 'FxRatePublished') {
      apply(input);
      continue;
    }
    const next = withRate(rates, input.payload);
    if (!next.ok) throw new Error(next.refused);
    rates = next.rates;
    for (const customerId of [...states.keys()].sort()) apply({ ...input, customerId });
  }
  return { events, states, rejectedEventIds, parkedEventIds };
}

const decisionsOf = (events: DerivedEvent[]) =>
  events.filter((e): e is CreditHoldEvent => e.eventType !== 'ExposureSnapshot').map(decisionOf);

const waitingOf = (s: CustomerState) => (s.fxParked ?? []).map((p) => p.input.eventId);

/** How many documents of the states were converted from another currency. */
const convertedCount = (states: Map<string, CustomerState>): number =>
  [...states.values()].reduce((n, s) => n + [...Object.values(s.orders), ...Object.values(s.invoices), ...Object.values(s.payments)].filter((d) => d.fx).length, 0);

describe('the exposure core with documents in other currencies (vs the model)', () => {
  it('agrees with the model on every decision, snapshot, rejection, waiting input and the final exposure, whenever the rates come, with or without FX_REVALUE', () => {
    let parkedThenApplied = 0;
    let converted = 0;
    let revalued = 0;
    fc.assert(
      fc.property(historyFxArb, ratesArb, fc.integer(), anyPolicyArb, fc.boolean(), (history, rates, seed, policy, inPlace) => {
        const inputs = interleave([history, rates], seed);
        const run = runFxCore(inputs, policy, inPlace);
        const model = runModel(inputs, policy);
        expect(decisionsOf(run.events)).toEqual(model.decisions);
        const snapshots = run.events.flatMap((e) => e.eventType === 'ExposureSnapshot'
          ? [{ customerId: e.customerId, causationId: e.causationId, occurredAt: e.occurredAt, snapshot: e.payload }]
          : []);
        expect(snapshots).toEqual(model.snapshots);
        expect(run.rejectedEventIds).toEqual(model.rejectedEventIds);
        for (const [customerId, state] of run.states) {
          expect({ ...state.totals, exposure: exposureOf(state.totals) }).toEqual(model.components[customerId]);
          expect(waitingOf(state)).toEqual(model.waiting[customerId]);
        }
        // Not vacuous: documents were converted, some after they had waited for their rate.
        parkedThenApplied += run.events.filter((e) => e.causationId !== null && run.parkedEventIds.has(e.causationId)).length;
        converted += convertedCount(run.states);
        revalued += [...run.states.values()].reduce((n, s) => n + [...Object.values(s.orders), ...Object.values(s.invoices)].filter((x) => x.fx?.valuedOn !== undefined).length, 0);
      }),
      { numRuns: NUM_RUNS },
    );
    expect(parkedThenApplied).toBeGreaterThan(0);
    expect(converted).toBeGreaterThan(0);
    expect(revalued).toBeGreaterThan(0);
  });

  it('converts each document at the rate of its day, and applies a waiting one exactly once, whether its rate came before or after it', () => {
    let checked = 0;
    fc.assert(
      fc.property(historyFxArb, ratesArb, fc.integer(), policyArb, (history, rates, seed, policy) => {
        const allRates = rates.map((r) => r.payload as FxRatePublished);
        const ratesFirst = runFxCore([...rates, ...history], policy, true);
        const interleaved = runFxCore(interleave([history, rates], seed), policy, true);
        const ratesLast = runFxCore([...history, ...rates], policy, true);
        for (const run of [ratesFirst, interleaved, ratesLast]) {
          // Each converted amount is the model's conversion of the original at the rates in force on its day, all
          // rates known: a document converted early (its rate known) or late (it waited) gets the same.
          for (const [customerId, state] of run.states) {
            const at = (o: FxOrigin) => modelConverter(allRates, o.currency, state.currency!, o.day)!(o.amount);
            for (const o of Object.values(state.orders)) if (o.fx) { expect(o.amount).toBe(at(o.fx)); checked++; }
            for (const i of Object.values(state.invoices)) {
              if (i.fx) { expect(i.issued).toBe(at(i.fx)); checked++; }
              for (const [a, o] of Object.entries(i.fxAdjustments ?? {})) expect(i.adjustments[a]).toBe(at(o));
            }
            for (const p of Object.values(state.payments)) if (p.fx) { expect(p.amount).toBe(at(p.fx)); checked++; }
            // What still waits at the end (no rate of its day or later) waits whatever the order the rates came in.
            expect(waitingOf(state)).toEqual(waitingOf(ratesFirst.states.get(customerId)!));
          }
          // Exactly once: no derived id twice, and every placement accepted and not waiting decided once.
          const ids = run.events.map((e) => e.eventId);
          expect(new Set(ids).size).toBe(ids.length);
          const rejected = new Set(run.rejectedEventIds);
          const waiting = new Set([...run.states.values()].flatMap(waitingOf));
          for (const input of history) {
            if (input.eventType !== 'OrderPlaced' || rejected.has(input.eventId) || waiting.has(input.eventId)) continue;
            const decisions = run.events.filter((e) => e.causationId === input.eventId
              && (e.eventType === 'OrderCreditApproved' || e.eventType === 'OrderCreditHeld'));
            expect(decisions).toHaveLength(1);
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
    expect(checked).toBeGreaterThan(0);
  });
});
