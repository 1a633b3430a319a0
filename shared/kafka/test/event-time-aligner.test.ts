import { describe, expect, it } from 'vitest';
import { EventTimeAligner } from '../event-time-aligner.ts';

const TOPICS = ['customers', 'orders', 'invoices'];

/** An aligner whose three topics of partition 0 each hold records from offset 0 up to `end`. */
function behindEverywhere(maxIdleMs = 1_000, end = 100n): EventTimeAligner {
  const a = new EventTimeAligner(TOPICS, maxIdleMs);
  a.reset(TOPICS.map((topic) => ({ topic, partition: 0, next: 0n, end })));
  return a;
}

describe('EventTimeAligner', () => {
  it('holds a chunk back while another topic of the partition is behind and has handled nothing yet', () => {
    const a = behindEverywhere();
    expect(a.admit('orders', 0, [10, 20], 0)).toEqual({ admit: 0, forced: false });
  });

  it('admits records up to the head of the other topics once their heads are known, ties to the topic at hand', () => {
    const a = behindEverywhere();
    a.admit('orders', 0, [10, 20, 30], 0); // orders waits with head 10
    a.admit('invoices', 0, [12, 25], 0); // invoices waits with head 12 (orders head 10 comes first)
    // customers may go up to min(10, 12)
    expect(a.admit('customers', 0, [5, 10, 11], 0)).toEqual({ admit: 2, forced: false });
    a.handled('customers', 0, 2n, 10);
    // customers' head is now 11: orders goes up to min(11, 12)
    expect(a.admit('orders', 0, [10, 20, 30], 0)).toEqual({ admit: 1, forced: false });
  });

  it('ignores topics that are caught up, and unknown ones', () => {
    const a = new EventTimeAligner(TOPICS, 1_000);
    a.reset([{ topic: 'customers', partition: 0, next: 7n, end: 7n }]);
    expect(a.admit('orders', 0, [1, 2, 3], 0)).toEqual({ admit: 3, forced: false });
    a.fetched('invoices', 0, 0n, 50n);
    a.handled('invoices', 0, 50n, 99);
    expect(a.admit('orders', 0, [100, 200], 0)).toEqual({ admit: 2, forced: false });
  });

  it('bounds by the last handled time of a behind topic whose next record is not fetched yet', () => {
    const a = new EventTimeAligner(TOPICS, 1_000);
    a.fetched('invoices', 0, 0n, 20n);
    a.handled('invoices', 0, 10n, 50);
    expect(a.admit('orders', 0, [40, 50, 51], 0)).toEqual({ admit: 2, forced: false });
  });

  it('never holds back a record without an event time (poison bound for the DLQ)', () => {
    const a = behindEverywhere();
    expect(a.admit('orders', 0, [undefined, undefined, 5], 0)).toEqual({ admit: 2, forced: false });
  });

  it('lets a waiting chunk go ahead once it has waited maxIdleMs without handling anything', () => {
    const a = behindEverywhere(500);
    expect(a.admit('orders', 0, [10], 1_000).admit).toBe(0);
    expect(a.admit('orders', 0, [10], 1_499).admit).toBe(0);
    expect(a.admit('orders', 0, [10], 1_500)).toEqual({ admit: 1, forced: true });
    a.handled('orders', 0, 1n, 10);
    // handling restarts the clock
    expect(a.admit('orders', 0, [11], 2_000).admit).toBe(0);
  });

  it('keeps partitions apart', () => {
    const a = behindEverywhere();
    expect(a.admit('orders', 1, [10], 0)).toEqual({ admit: 1, forced: false });
  });

  it('merges two pre-loaded topics in event-time order whatever the fetch order', () => {
    // Simulates the runner: random chunks of either topic offered in random order; deferred chunks come back later.
    const times = { orders: [1, 3, 5, 7, 9, 11], invoices: [2, 4, 6, 8, 10, 12] };
    for (let seed = 1; seed <= 50; seed++) {
      let rnd = seed;
      const random = () => ((rnd = (rnd * 16807) % 2147483647) / 2147483647);
      const a = new EventTimeAligner(['orders', 'invoices'], 1_000_000);
      a.reset(Object.entries(times).map(([topic, t]) => ({ topic, partition: 0, next: 0n, end: BigInt(t.length) })));
      const next = { orders: 0, invoices: 0 };
      const handled: number[] = [];
      for (let step = 0; step < 1_000 && handled.length < 12; step++) {
        const topic = random() < 0.5 ? 'orders' : 'invoices';
        const from = next[topic];
        if (from === times[topic].length) continue;
        const chunk = times[topic].slice(from, from + 1 + Math.floor(random() * 3));
        const { admit } = a.admit(topic, 0, chunk, step);
        if (admit === 0) continue;
        handled.push(...chunk.slice(0, admit));
        next[topic] += admit;
        a.handled(topic, 0, BigInt(next[topic]), chunk[admit - 1]);
      }
      expect(handled).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    }
  });
});
