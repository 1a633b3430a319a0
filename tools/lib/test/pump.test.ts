import { describe, expect, it } from 'vitest';
import { dayFromIso } from '../../../shared/time.ts';
import { simulate } from '../../simulator/src/simulate.ts';
import type { OutRecord } from '../out-record.ts';
import { pump } from '../pump.ts';
import { TokenBucket } from '../token-bucket.ts';

const records = (n: number): OutRecord[] =>
  [...simulate({ seed: 3, customers: 20, startDay: dayFromIso('2024-01-01'), events: n, partitions: 2 })];

/** A fake clock that only moves when someone sleeps. */
function fakeTime() {
  let now = 1_000_000;
  return { clock: () => now, sleep: async (ms: number) => void (now += ms) };
}

describe('TokenBucket', () => {
  it('grants the burst at once, then one token per 1/rate seconds', () => {
    const b = new TokenBucket(10, 2, 0);
    expect([b.take(0), b.take(0)]).toEqual([0, 0]);
    expect(b.take(0)).toBe(100);
    expect(b.take(50)).toBe(50);
    expect(b.take(100)).toBe(0);
  });
});

describe('pump', () => {
  it('sends every record once, in order, in batches of at most batchSize', async () => {
    const input = records(1_050);
    const batches: OutRecord[][] = [];
    const t = fakeTime();
    const done = await pump(input, async (b) => void batches.push(b), { batchSize: 100, rate: Infinity, ...t });
    expect(batches.flat()).toEqual(input);
    expect(batches.every((b) => b.length <= 100)).toBe(true);
    expect(done.sent).toBe(1_050);
  });

  it('holds the rate: n records at r per second take (n - burst) / r seconds of the clock', async () => {
    const t = fakeTime();
    const start = t.clock();
    await pump(records(1_000), async () => {}, { batchSize: 50, rate: 200, ...t });
    // burst = min(batchSize, rate / 10) = 20 tokens up front, the other 980 at 200/s.
    expect(t.clock() - start).toBeGreaterThanOrEqual(4_900);
    expect(t.clock() - start).toBeLessThanOrEqual(4_910);
  });

  it('sends no record before its release time, and flushes what it has before waiting', async () => {
    const t = fakeTime();
    const input = records(300);
    const releaseAt = (r: OutRecord) => 1_000_000 + (r.event.occurredAt - input[0]!.event.occurredAt) / 1000;
    const sentAt: Array<{ at: number; release: number }> = [];
    await pump(input, async (b) => b.forEach((r) => sentAt.push({ at: t.clock(), release: releaseAt(r) })), {
      batchSize: 1_000, rate: Infinity, releaseAt, ...t,
    });
    expect(sentAt).toHaveLength(300);
    for (const s of sentAt) expect(s.at).toBeGreaterThanOrEqual(Math.floor(s.release));
  });

  it('stops pulling when aborted and still acknowledges what it pulled', async () => {
    const stop = new AbortController();
    const t = fakeTime();
    let sent = 0;
    const done = await pump(records(500), async (b) => {
      sent += b.length;
      if (sent >= 200) stop.abort();
    }, { batchSize: 100, rate: Infinity, signal: stop.signal, ...t });
    expect(done.sent).toBe(200);
  });
});
