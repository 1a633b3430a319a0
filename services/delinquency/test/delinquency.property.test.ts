import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DelinquencyEvent } from '../../../shared/contracts/events.generated.ts';
import { dayFromIso, dayOf, startOfDay } from '../../../shared/time.ts';
import { defaultPolicy, type DatedInput, type DelinquencyPolicy } from '../src/domain/index.ts';
import { drive, type Item } from './drive.ts';
import { runModel, type ModelEvent } from './model.ts';

// Random histories of one customer over ~4 months spanning the 2024 leap day, consumed in a random interleaving of
// the invoices and payments topics with ticks wherever the clock promise allows them.
const BASE = dayFromIso('2024-01-20');
const CUSTOMER = 'C1';
const CUR = 'EUR';

type Spec =
  | { kind: 'pay'; day: number; allocs: Array<{ inv: number; share: 'full' | 'part' | 'over' }>; extra: number }
  | { kind: 'note'; inv: number; after: number; amount: number }
  | { kind: 'void'; inv: number; after: number }
  | { kind: 'dispute'; inv: number; after: number; lasts: number | null }
  | { kind: 'reverse'; payment: number; after: number }
  | { kind: 'reissue'; inv: number; after: number };

const invoiceArb = fc.record({
  issue: fc.integer({ min: 0, max: 40 }),
  terms: fc.integer({ min: -5, max: 35 }),
  amount: fc.integer({ min: 100, max: 5_000 }),
});

const specArb: fc.Arbitrary<Spec> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('pay' as const),
      day: fc.integer({ min: 0, max: 85 }),
      allocs: fc.array(
        fc.record({ inv: fc.nat(5), share: fc.constantFrom('full' as const, 'part' as const, 'over' as const) }),
        { maxLength: 2 },
      ),
      extra: fc.integer({ min: 0, max: 100 }),
    }),
  },
  fc.record({ kind: fc.constant('note' as const), inv: fc.nat(5), after: fc.nat(60), amount: fc.integer({ min: -3_000, max: 500 }) }),
  fc.record({ kind: fc.constant('void' as const), inv: fc.nat(5), after: fc.nat(70) }),
  fc.record({
    kind: fc.constant('dispute' as const),
    inv: fc.nat(5),
    after: fc.nat(50),
    lasts: fc.option(fc.nat(40), { nil: null }),
  }),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reverse' as const), payment: fc.nat(6), after: fc.nat(30) }) },
  // The same invoice id issued again (after a void, a credit, a settlement, or while open): always a duplicate.
  fc.record({ kind: fc.constant('reissue' as const), inv: fc.nat(5), after: fc.nat(70) }),
);

interface History {
  invoices: DatedInput[];
  payments: DatedInput[];
  finalAsOf: number;
}

const historyArb: fc.Arbitrary<History> = fc
  .record({
    invoices: fc.array(invoiceArb, { minLength: 1, maxLength: 6 }),
    specs: fc.array(specArb, { maxLength: 14 }),
    final: fc.integer({ min: 60, max: 110 }),
  })
  .map(({ invoices, specs, final }) => {
    let seq = 0;
    const env = <T extends DatedInput['eventType']>(eventType: T, day: number, payload: Extract<DatedInput, { eventType: T }>['payload']) =>
      ({
        eventId: `${eventType}-${seq}`,
        eventType,
        occurredAt: startOfDay(BASE + day) + 1_000 * seq++,
        customerId: CUSTOMER,
        source: 'test',
        causationId: null,
        payload,
      }) as DatedInput;
    const inv: DatedInput[] = invoices.map((i, n) =>
      env('InvoiceIssued', i.issue, {
        invoiceId: `I${n}`,
        orderId: null,
        amount: i.amount,
        currency: CUR,
        issueDate: BASE + i.issue,
        dueDate: BASE + i.issue + i.terms,
      }),
    );
    const pay: DatedInput[] = [];
    const paid: Array<{ id: string; day: number }> = [];
    const at = (n: number) => invoices[n % invoices.length]!;
    for (const s of specs) {
      const n = s.kind === 'pay' || s.kind === 'reverse' ? 0 : s.inv % invoices.length;
      const invoiceId = `I${n}`;
      switch (s.kind) {
        case 'pay': {
          const allocations = s.allocs.map((a) => {
            const amount = at(a.inv).amount;
            return {
              invoiceId: `I${a.inv % invoices.length}`,
              amount: a.share === 'full' ? amount : a.share === 'part' ? Math.ceil(amount / 3) : amount + 50,
            };
          });
          const amount = allocations.reduce((sum, a) => sum + a.amount, s.extra);
          const paymentId = `P${paid.length}`;
          paid.push({ id: paymentId, day: s.day });
          pay.push(env('PaymentReceived', s.day, { paymentId, amount, currency: CUR, receivedDate: BASE + s.day, allocations }));
          break;
        }
        case 'reverse': {
          const p = paid[s.payment % Math.max(1, paid.length)];
          if (p) pay.push(env('PaymentReversed', p.day + s.after, { paymentId: p.id, reason: null }));
          break;
        }
        case 'note':
          inv.push(env('InvoiceAdjusted', at(n).issue + s.after, { invoiceId, adjustmentId: `A${seq}`, amount: s.amount, currency: CUR, reason: null }));
          break;
        case 'void':
          inv.push(env('InvoiceVoided', at(n).issue + s.after, { invoiceId, reason: null }));
          break;
        case 'reissue': {
          const day = at(n).issue + s.after;
          const again = { invoiceId, orderId: null, amount: at(n).amount, currency: CUR, issueDate: BASE + day, dueDate: BASE + day + 10 };
          inv.push(env('InvoiceIssued', day, again));
          break;
        }
        case 'dispute': {
          const disputeId = `D${seq}`;
          inv.push(env('InvoiceDisputed', at(n).issue + s.after, { invoiceId, disputeId, reason: null }));
          if (s.lasts !== null) {
            inv.push(env('DisputeResolved', at(n).issue + s.after + s.lasts, { invoiceId, disputeId, outcome: 'REJECTED' }));
          }
          break;
        }
      }
    }
    // Each topic is written in event time; a stable sort keeps an invoice's issue before what follows it that day.
    const byDay = (a: DatedInput, b: DatedInput) => dayOf(a.occurredAt) - dayOf(b.occurredAt);
    return { invoices: inv.sort(byDay), payments: pay.sort(byDay), finalAsOf: BASE + final };
  });

/** How the two topics interleave and where the ticks land (any place the clock promise allows). */
const scheduleArb = fc.record({
  merge: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
  delays: fc.array(fc.nat(3), { minLength: 16, maxLength: 16 }),
  sparse: fc.array(fc.boolean(), { minLength: 128, maxLength: 128 }),
});
type Schedule = { merge: boolean[]; delays: number[]; sparse: boolean[] };

/** The inputs in one arrival order, shared by every tick schedule so only the ticks differ between runs. */
function arrival(h: History, merge: boolean[]): Array<{ input: DatedInput; topic: 'invoices' | 'payments' }> {
  const a = h.invoices.map((input) => ({ input, topic: 'invoices' as const }));
  const b = h.payments.map((input) => ({ input, topic: 'payments' as const }));
  const out = [];
  for (let i = 0; a.length + b.length > 0; i++) {
    const fromA = b.length === 0 || (a.length > 0 && merge[i % merge.length]);
    out.push((fromA ? a.shift() : b.shift())!);
  }
  return out;
}

/** Tick d of a topic goes after that topic's last input dated before d, delayed a little, in order per topic. */
function withTicks(inputs: ReturnType<typeof arrival>, finalAsOf: number, s: Schedule, dense: boolean): Item[] {
  const slots: Item[][] = inputs.map(() => []);
  slots.push([]);
  for (const topic of ['invoices', 'payments'] as const) {
    let floor = 0;
    for (let d = BASE - 1, k = 0; d <= finalAsOf; d++, k++) {
      if (!dense && d !== finalAsOf && !s.sparse[k % s.sparse.length]) continue;
      let last = -1;
      inputs.forEach((x, i) => {
        if (x.topic === topic && dayOf(x.input.occurredAt) < d) last = i;
      });
      floor = Math.min(inputs.length, Math.max(floor, last + 1 + s.delays[k % s.delays.length]!));
      slots[floor]!.push({ tick: topic, businessDate: d });
    }
  }
  return slots.flatMap((ticks, i) => (i < inputs.length ? [...ticks, { input: inputs[i]!.input }] : ticks));
}

const normal = (e: ModelEvent | DelinquencyEvent): string =>
  JSON.stringify({ eventType: e.eventType, occurredAt: e.occurredAt, payload: e.payload });
const sorted = (events: Array<ModelEvent | DelinquencyEvent>): string[] => events.map(normal).sort();

function check(h: History, s: Schedule, policy: DelinquencyPolicy): void {
  const inputs = arrival(h, s.merge);
  const model = runModel(inputs.map((x) => x.input), h.finalAsOf, policy);
  // Frozen states: the core shares what did not change with the state it was given, and must never write it.
  const dense = drive(withTicks(inputs, h.finalAsOf, s, true), policy, { freeze: true });
  const sparse = drive(withTicks(inputs, h.finalAsOf, s, false), policy, { freeze: true });

  expect(sorted(dense.events)).toEqual(sorted(model.events));
  expect(dense.states.get(CUSTOMER)?.status ?? 'CURRENT').toBe(model.status);
  expect(dense.rejected.map((r) => r.event.eventId).sort()).toEqual([...model.rejected].sort());

  const ids = dense.events.map((e) => e.eventId);
  expect(new Set(ids).size).toBe(ids.length);
  // Jumping the clock over days gives the same events, ids included.
  expect(sparse.events.map((e) => e.eventId).sort()).toEqual([...ids].sort());
  expect(sorted(sparse.events)).toEqual(sorted(dense.events));
  // Written in place, as the adapter has the core do: the same events in the same order, the same final state.
  const inPlace = drive(withTicks(inputs, h.finalAsOf, s, true), policy, { inPlace: true });
  expect(inPlace.events).toEqual(dense.events);
  expect(inPlace.rejected).toEqual(dense.rejected);
  expect(inPlace.states).toEqual(dense.states);
}

describe('delinquency core against the reference model', () => {
  it('agrees on every event and the final status, whatever the tick batching', () => {
    fc.assert(
      fc.property(historyArb, scheduleArb, (h, s) => check(h, s, defaultPolicy)),
      { numRuns: 400 },
    );
  });

  it('agrees under a grace period and a custom ladder and thresholds', () => {
    const policy: DelinquencyPolicy = {
      overdueExcludesDisputed: false,
      graceDays: 3,
      statusThresholds: { OVERDUE: 5, DELINQUENT: 20, SEVERE: 45 },
      dunningLadder: [
        { stage: 'NUDGE', daysPastDue: 4 },
        { stage: 'CALL', daysPastDue: 10 },
        { stage: 'AGENCY', daysPastDue: 40 },
      ],
      reversalWindowDays: 200,
    };
    fc.assert(
      fc.property(historyArb, scheduleArb, (h, s) => check(h, s, policy)),
      { numRuns: 200 },
    );
  });
});
