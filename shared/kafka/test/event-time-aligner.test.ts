import { describe, expect, it } from 'vitest';
import { EventTimeAligner, type Sequence } from '../event-time-aligner.ts';

const TOPICS = ['customers', 'orders', 'invoices'];

/** An aligner whose three topics of partition 0 each hold records from offset 0 up to `end`. */
function behindEverywhere(end = 100n): EventTimeAligner {
  const a = new EventTimeAligner(TOPICS);
  a.reset(TOPICS.map((topic) => ({ topic, partition: 0, next: 0n, end })));
  return a;
}

const seq = (topic: string, times: Array<number | undefined>, more = false): Sequence => ({ topic, times, more });

/** The merge as [topic, time] pairs. */
function merged(a: EventTimeAligner, sequences: Sequence[], limit?: number) {
  const m = a.merge(0, sequences, limit);
  return { picked: m.order.map(({ sequence, index }) => [sequences[sequence]!.topic, sequences[sequence]!.times[index]]) };
}

describe('EventTimeAligner', () => {
  it('holds everything back while a topic with nothing in memory is behind and has handled nothing yet', () => {
    const a = behindEverywhere();
    expect(merged(a, [seq('orders', [10, 20]), seq('invoices', [12])])).toEqual({ picked: [] });
  });

  it('merges what is in memory in event-time order once no other topic is behind, ties to the first listed', () => {
    const a = new EventTimeAligner(TOPICS);
    expect(merged(a, [seq('orders', [10, 20, 30]), seq('invoices', [12, 20, 25]), seq('customers', [5])]).picked).toEqual([
      ['customers', 5], ['orders', 10], ['invoices', 12], ['orders', 20], ['invoices', 20], ['invoices', 25], ['orders', 30],
    ]);
  });

  it('goes up to the last handled time of a behind topic whose next record is not fetched yet', () => {
    const a = new EventTimeAligner(TOPICS);
    a.fetched('invoices', 0, 0n, 20n);
    a.handled('invoices', 0, 10n, 50);
    expect(merged(a, [seq('orders', [40, 50, 51])]).picked).toEqual([['orders', 40], ['orders', 50]]);
  });

  it('holds everything back behind a rewound topic until it delivers again, whatever it handled before the rewind', () => {
    const a = behindEverywhere();
    a.handled('orders', 0, 50n, 500);
    a.handled('customers', 0, 100n, 400);
    a.handled('invoices', 0, 100n, 450);
    // A lost state: orders is consumed again from 0, its first records as early as any.
    a.rewound('orders', 0, 0n);
    expect(merged(a, [seq('invoices', [12, 20]), seq('customers', [5])])).toEqual({ picked: [] });
    expect(merged(a, [seq('invoices', [12, 20]), seq('customers', [5]), seq('orders', [10], true)]).picked).toEqual([['customers', 5], ['orders', 10]]);
  });

  it('breaks ties by topic rank even against a topic not fetched yet, so fetch timing never reorders equal times', () => {
    // customers (rank 0) lags with its last handled record at 50: its next may be at 50 too, and goes first.
    const a = new EventTimeAligner(TOPICS);
    a.fetched('customers', 0, 0n, 20n);
    a.handled('customers', 0, 10n, 50);
    expect(merged(a, [seq('orders', [40, 50, 51])]).picked).toEqual([['orders', 40]]);
    // invoices (rank 2) lags at 50: orders (rank 1) at 50 goes before anything invoices may still bring at 50.
    const b = new EventTimeAligner(TOPICS);
    b.fetched('invoices', 0, 0n, 20n);
    b.handled('invoices', 0, 10n, 50);
    expect(merged(b, [seq('orders', [40, 50, 51])]).picked).toEqual([['orders', 40], ['orders', 50]]);
    // In memory, ties go by rank whatever order the sequences come in.
    const c = new EventTimeAligner(TOPICS);
    expect(merged(c, [seq('invoices', [5, 7]), seq('customers', [5]), seq('orders', [5, 7])]).picked).toEqual([
      ['customers', 5], ['orders', 5], ['invoices', 5], ['orders', 7], ['invoices', 7],
    ]);
  });

  it('stops at the last record of a sequence whose topic has more records not in memory', () => {
    const a = new EventTimeAligner(TOPICS);
    expect(merged(a, [seq('orders', [10, 30]), seq('invoices', [20], true)]).picked).toEqual([['orders', 10], ['invoices', 20]]);
    // a record without a time at the end bounds by the last time before it
    expect(merged(a, [seq('orders', [10, 12, 15]), seq('invoices', [12, undefined], true)]).picked).toEqual([
      ['orders', 10], ['orders', 12], ['invoices', 12], ['invoices', undefined],
    ]);
  });

  it('ignores topics that are caught up, and unknown ones', () => {
    const a = new EventTimeAligner(TOPICS);
    a.reset([{ topic: 'customers', partition: 0, next: 7n, end: 7n }]);
    expect(merged(a, [seq('orders', [1, 2, 3])]).picked).toHaveLength(3);
  });

  it('never holds back a record without an event time (poison bound for the DLQ)', () => {
    const a = behindEverywhere();
    expect(merged(a, [seq('orders', [undefined, undefined, 5])]).picked).toEqual([['orders', undefined], ['orders', undefined]]);
  });

  it('never goes ahead of a topic known to lag, however often it is asked (KIP-695), and merges once it delivers', () => {
    const a = behindEverywhere();
    const waiting = [seq('orders', [10, 30]), seq('invoices', [20])];
    for (let i = 0; i < 100; i++) expect(merged(a, waiting).picked).toEqual([]);
    a.fetched('customers', 0, 100n, 100n);
    expect(merged(a, waiting).picked).toEqual([['orders', 10], ['invoices', 20], ['orders', 30]]);
  });

  it('takes at most `limit` records', () => {
    const a = new EventTimeAligner(TOPICS);
    expect(merged(a, [seq('orders', [1, 3, 5]), seq('invoices', [2, 4])], 3).picked).toEqual([['orders', 1], ['invoices', 2], ['orders', 3]]);
  });

  it('keeps partitions apart', () => {
    const a = behindEverywhere();
    expect(a.merge(1, [seq('orders', [10])]).order).toHaveLength(1);
  });

  it('merges two pre-loaded topics in event-time order whatever the fetch order and chunk sizes', () => {
    // Simulates the runner: chunks of either topic arrive in random order and wait in memory until merged.
    const times = { orders: [1, 3, 5, 7, 9, 11], invoices: [2, 4, 6, 8, 10, 12] };
    type T = keyof typeof times;
    for (let seed = 1; seed <= 50; seed++) {
      let rnd = seed;
      const random = () => (rnd = (rnd * 16807) % 2147483647) / 2147483647;
      const a = new EventTimeAligner(['orders', 'invoices']);
      a.reset(Object.entries(times).map(([topic, t]) => ({ topic, partition: 0, next: 0n, end: BigInt(t.length) })));
      const fetched = { orders: 0, invoices: 0 };
      const memory: Record<T, number[]> = { orders: [], invoices: [] };
      const handled: number[] = [];
      for (let step = 0; step < 1_000 && handled.length < 12; step++) {
        const topic: T = random() < 0.5 ? 'orders' : 'invoices';
        const take = 1 + Math.floor(random() * 3);
        const chunk = times[topic].slice(fetched[topic], fetched[topic] + take);
        fetched[topic] += chunk.length;
        memory[topic].push(...chunk);
        const sequences = (['orders', 'invoices'] as const)
          .filter((t) => memory[t].length > 0)
          .map((t) => seq(t, memory[t], fetched[t] < times[t].length));
        const { order } = a.merge(0, sequences);
        for (const { sequence } of order) {
          const t = sequences[sequence]!.topic as T;
          const time = memory[t].shift()!;
          handled.push(time);
          a.handled(t, 0, BigInt(times[t].indexOf(time) + 1), time);
        }
      }
      expect(handled).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    }
  });
});
