// The promise-to-pay rule, given/when/then: a literal history, then exactly the outcomes expected (kind, promise,
// business date, paid towards it), with a comment on each row saying why.
import { beforeEach, describe, expect, it } from 'vitest';
import { isoFromDay } from '../../../shared/time.ts';
import { defaultPolicy, emptyState, NotificationReplay, onDay, onInput, promiseOutcomeIdOf, type CustomerState, type PromiseOutcome, type StreamEvent } from '../src/domain/index.ts';
import { cash, d, paid, profile, promised, resetIds, reversed, tick, ticks } from './fixtures.ts';

const run = (events: StreamEvent[]): PromiseOutcome[] => {
  const replay = new NotificationReplay(defaultPolicy);
  replay.pushAll(events);
  return replay.outcomes;
};
const row = (o: PromiseOutcome) => `${o.customerId} ${o.kind} ${o.promiseId} on ${isoFromDay(o.asOfDate)} paid ${o.paid}/${o.amount} ${o.currency}`;

beforeEach(resetIds);

describe('promises to pay', () => {
  it('kept by the payment that covers the amount by the promised date; broken the day after the date without it', () => {
    const out = run([
      profile('C1', '2026-03-01'),
      profile('C2', '2026-03-01'),
      tick('2026-03-02'),
      promised('C1', 'PTP-1', '2026-03-02', '2026-03-10', 500_00), // C1: 500 by 10 March
      promised('C2', 'PTP-2', '2026-03-02', '2026-03-06', 300_00), // C2: 300 by 6 March
      cash('C1', 'P-1', '2026-03-04', 200_00), // 200 of 500: still open
      cash('C2', 'P-2', '2026-03-05', 100_00, 'USD'), // another currency: does not count
      paid('C1', 'P-3', '2026-03-09', [['INV-9', 300_00]]), // 500 of 500 on 9 March: kept
      ...ticks('2026-03-03', '2026-03-12'), // 7 March passes C2's date: broken with nothing paid
    ]);
    expect(out.map(row)).toEqual([
      'C1 PromiseKept PTP-1 on 2026-03-09 paid 50000/50000 EUR',
      'C2 PromiseBroken PTP-2 on 2026-03-07 paid 0/30000 EUR',
    ]);
    expect(out[0]!.outcomeId).toBe(promiseOutcomeIdOf('C1', 'PTP-1'));
    expect(out[0]!.causationId).not.toBeNull(); // the covering payment
    expect(out[1]!.causationId).toBeNull(); // a business date broke it
  });

  it('a reversed payment stops counting; a payment received after the date does not count; a promise is judged once', () => {
    const out = run([
      tick('2026-03-02'),
      promised('C1', 'PTP-1', '2026-03-02', '2026-03-05', 400_00),
      cash('C1', 'P-1', '2026-03-03', 300_00), // 300 of 400
      reversed('C1', 'P-1', '2026-03-04'), // returned: 0 of 400
      cash('C1', 'P-2', '2026-03-05', 150_00), // 150 of 400 on the last day
      ...ticks('2026-03-03', '2026-03-06'), // 6 March: broken with 150 paid
      cash('C1', 'P-3', '2026-03-06', 400_00), // too late: the promise is already broken
      promised('C1', 'PTP-1', '2026-03-06', '2026-03-20', 400_00), // the same id again: nothing
      ...ticks('2026-03-07', '2026-03-25'),
    ]);
    expect(out.map(row)).toEqual(['C1 PromiseBroken PTP-1 on 2026-03-06 paid 15000/40000 EUR']);
  });

  it('a promise recorded when its date has already passed is broken at once; one payment can keep two promises', () => {
    const out = run([
      tick('2026-03-10'),
      promised('C1', 'LATE', '2026-03-10', '2026-03-08', 100_00), // date before today's business date: broken now
      promised('C1', 'A', '2026-03-10', '2026-03-20', 100_00),
      promised('C1', 'B', '2026-03-10', '2026-03-20', 250_00),
      cash('C1', 'P-1', '2026-03-11', 250_00), // covers both, each counted on its own
      ...ticks('2026-03-11', '2026-03-25'),
    ]);
    expect(out.map(row)).toEqual([
      'C1 PromiseBroken LATE on 2026-03-10 paid 0/10000 EUR',
      'C1 PromiseKept A on 2026-03-11 paid 25000/10000 EUR',
      'C1 PromiseKept B on 2026-03-11 paid 25000/25000 EUR',
    ]);
  });

  it('takes a state stored before promises existed (no promises field) and judges a promise on it', () => {
    const { promises: _, ...older } = emptyState();
    const stored = JSON.parse(JSON.stringify(older)) as CustomerState;
    const recorded = onInput(stored, promised('C1', 'PTP-1', '2026-03-02', '2026-03-05', 100_00), null, defaultPolicy);
    expect(Object.keys(recorded.state.promises)).toEqual(['PTP-1']);
    const broken = onDay(recorded.state, 'C1', d('2026-03-06'), defaultPolicy);
    expect(broken.outcomes.map(row)).toEqual(['C1 PromiseBroken PTP-1 on 2026-03-06 paid 0/10000 EUR']);
    expect(broken.state.promises).toEqual({});
  });
});
