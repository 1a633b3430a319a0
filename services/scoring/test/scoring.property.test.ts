import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultPolicy, paydexMean, paydexScore, ScoringReplay, type ScoreOut, type ScoringInput, type SettledInvoice, type StreamEvent } from '../src/domain/index.ts';
import { issued, paid, profile, reversed, adjusted, disputed, voided, tick, resetIds } from './fixtures.ts';
import { modelProbabilityBp, modelScore } from './model.ts';

// --- the score definition on settled invoices ---
const invoiceArb = fc.record({
  amount: fc.integer({ min: 1, max: 1_000_000 }),
  dueDay: fc.integer({ min: 600, max: 1000 }),
  beyond: fc.integer({ min: -60, max: 150 }),
});
const toSettled = (xs: Array<{ amount: number; dueDay: number; beyond: number }>): SettledInvoice[] =>
  xs.map((x) => ({ amount: x.amount, dueDay: x.dueDay, settledDay: Math.min(1000, x.dueDay + x.beyond) }));
const ASOF = 1000;

describe('payment score properties', () => {
  it('never rises when an invoice is paid later beyond terms (its due date earlier)', () => {
    fc.assert(fc.property(fc.array(invoiceArb, { minLength: 3, maxLength: 12 }), fc.nat(11), fc.integer({ min: 1, max: 200 }), (xs, i, k) => {
      const settled = toSettled(xs);
      const j = i % settled.length;
      const later = settled.map((s, n) => (n === j ? { ...s, dueDay: s.dueDay - k } : s));
      const a = paydexMean(settled, ASOF);
      const b = paydexMean(later, ASOF);
      if (a === null) return b === null;
      return b! <= a + 1e-9 && paydexScore(later, ASOF)! <= paydexScore(settled, ASOF)!;
    }));
  });
  it('weighs by amount: scaling every amount changes nothing, splitting an invoice changes nothing', () => {
    fc.assert(fc.property(fc.array(invoiceArb, { minLength: 3, maxLength: 12 }), fc.integer({ min: 2, max: 50 }), (xs, k) => {
      const settled = toSettled(xs);
      const scaled = settled.map((s) => ({ ...s, amount: s.amount * k }));
      const first = settled[0]!;
      const split = [{ ...first, amount: first.amount * k - 1 }, { ...first, amount: 1 }, ...scaled.slice(1)];
      const a = paydexMean(settled, ASOF);
      if (a === null) return paydexMean(scaled, ASOF) === null;
      expect(paydexMean(scaled, ASOF)).toBeCloseTo(a, 9);
      expect(paydexMean(split, ASOF)).toBeCloseTo(a, 9);
      return true;
    }));
  });
  it('counts a settlement on as-of - 364 and not on as-of - 365 or after the as-of date; null below 3', () => {
    fc.assert(fc.property(fc.array(invoiceArb, { minLength: 2, maxLength: 2 }), invoiceArb, (two, x) => {
      const base = two.map((t) => ({ amount: t.amount, dueDay: 900, settledDay: 900 + (t.beyond % 50) }));
      const at = (settledDay: number) => [...base, { amount: x.amount, dueDay: settledDay - x.beyond, settledDay }];
      expect(paydexScore(at(ASOF - 364), ASOF)).not.toBeNull();
      expect(paydexScore(at(ASOF), ASOF)).not.toBeNull();
      expect(paydexScore(at(ASOF - 365), ASOF)).toBeNull();
      expect(paydexScore(at(ASOF + 1), ASOF)).toBeNull();
      expect(paydexScore(base, ASOF)).toBeNull();
    }));
  });
});

// --- whole histories through the core, against the reference model ---
type Extra = { kind: 'none' } | { kind: 'split'; after: number } | { kind: 'reverse'; after: number } | { kind: 'credit'; amount: number }
  | { kind: 'dispute' } | { kind: 'void' };
const historyInvoiceArb = fc.record({
  issue: fc.integer({ min: 0, max: 420 }),
  terms: fc.integer({ min: 0, max: 60 }),
  amount: fc.integer({ min: 100, max: 100_000 }),
  payAfter: fc.option(fc.integer({ min: 0, max: 160 }), { nil: null, freq: 8 }),
  extra: fc.oneof(
    { weight: 4, arbitrary: fc.constant<Extra>({ kind: 'none' }) },
    fc.record({ kind: fc.constant('split' as const), after: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ kind: fc.constant('reverse' as const), after: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ kind: fc.constant('credit' as const), amount: fc.integer({ min: 1, max: 100_000 }) }),
    fc.constant<Extra>({ kind: 'dispute' }),
    fc.constant<Extra>({ kind: 'void' }),
  ),
});
const historyArb = fc.record({
  limit: fc.integer({ min: 0, max: 500_000 }),
  invoices: fc.array(historyInvoiceArb, { minLength: 1, maxLength: 9 }),
  tickDays: fc.uniqueArray(fc.integer({ min: 0, max: 640 }), { maxLength: 40 }),
});
type History = typeof historyArb extends fc.Arbitrary<infer H> ? H : never;

const DAY0 = 19_000;

/** The history as a stream in event-time order: each day's tick first, then the inputs by time of day. */
function stream(h: History): StreamEvent[] {
  resetIds();
  const items: Array<{ at: number; n: number; e: StreamEvent }> = [];
  const add = (e: StreamEvent) => items.push({ at: e.occurredAt, n: items.length, e });
  add(profile(DAY0, h.limit) as StreamEvent);
  h.invoices.forEach((x, i) => {
    const id = `I${i}`;
    const issue = DAY0 + x.issue;
    add(issued(id, issue, issue + x.terms, x.amount) as StreamEvent);
    const ex = x.extra;
    if (ex.kind === 'dispute') add(disputed(id, issue + x.terms) as StreamEvent);
    if (ex.kind === 'void') add(voided(id, issue + 1) as StreamEvent);
    if (ex.kind === 'credit') add(adjusted(id, issue + 2, -Math.min(ex.amount, x.amount)) as StreamEvent);
    if (x.payAfter === null) return;
    const day = issue + x.payAfter;
    if (ex.kind === 'split') {
      add(paid(`P${i}a`, day, [[id, Math.floor(x.amount / 2)]]) as StreamEvent);
      add(paid(`P${i}b`, day + ex.after, [[id, x.amount - Math.floor(x.amount / 2)]]) as StreamEvent);
    } else {
      add(paid(`P${i}`, day, [[id, x.amount]]) as StreamEvent);
      if (ex.kind === 'reverse') {
        add(reversed(`P${i}`, day + ex.after) as StreamEvent);
        add(paid(`P${i}r`, day + ex.after * 2, [[id, x.amount]]) as StreamEvent);
      }
    }
  });
  for (const t of h.tickDays) add(tick(DAY0 + t) as StreamEvent);
  return items.sort((a, b) => a.at - b.at || a.n - b.n).map((i) => i.e);
}

const replay = (events: readonly StreamEvent[]) => new ScoringReplay(defaultPolicy).pushAll(events);

describe('the core against the reference model', () => {
  it('publishes the score and probability the model computes from the events so far; at issue from those strictly before', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const core = new ScoringReplay(defaultPolicy);
        const seen: ScoringInput[] = [];
        for (const e of stream(h)) {
          const before = [...seen];
          if (e.eventType !== 'BusinessDateTick') seen.push(e as ScoringInput);
          for (const { out } of core.push(e)) {
            if (out.kind !== 'score') continue;
            const asOf = out.assessment.asOfDate;
            expect(out.assessment.score).toBe(modelScore(seen, asOf));
            expect(out.assessment.probabilityBp).toBe(modelProbabilityBp(seen, asOf));
            if (out.issuedInvoice) {
              expect(out.issuedInvoice.score).toBe(modelScore(before, asOf));
              expect(out.issuedInvoice.probabilityBp).toBe(modelProbabilityBp(before, asOf));
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('no look-ahead: appending later events never changes what was published before them', () => {
    fc.assert(
      fc.property(historyArb, fc.integer({ min: 0, max: 640 }), (h, cut) => {
        const all = stream(h);
        const past = all.filter((e) => e.occurredAt < (DAY0 + cut) * 86_400_000);
        const before = replay(past);
        expect(replay(all).slice(0, before.length)).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });

  it('is deterministic: the same history gives the same ids and contents, and ids are unique', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const a = replay(stream(h));
        expect(replay(stream(h))).toEqual(a);
        const ids = a.map((o) => o.out.eventId);
        expect(new Set(ids).size).toBe(ids.length);
      }),
      { numRuns: 50 },
    );
  });

  it('publishes a score for every issued invoice, with its risk at issue', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const events = stream(h);
        const issuedIds = events.filter((e) => e.eventType === 'InvoiceIssued').map((e) => (e.payload as { invoiceId: string }).invoiceId);
        const atIssue = replay(events).flatMap((o) => (o.out.kind === 'score' && o.out.issuedInvoice ? [(o.out as ScoreOut).issuedInvoice!.invoiceId] : []));
        expect(atIssue).toEqual(issuedIds);
      }),
      { numRuns: 50 },
    );
  });
});
