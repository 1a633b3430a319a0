import { describe, expect, it } from 'vitest';
import { TransientError } from '../errors.ts';
import { retryTransient } from '../retry.ts';

/** A fake clock: sleeping moves it. */
function clock() {
  let t = 0;
  const slept: number[] = [];
  return { now: () => t, sleep: async (ms: number) => void (slept.push(ms), (t += ms)), slept };
}

describe('retryTransient', () => {
  it('retries transient failures with doubling, capped delays until it succeeds', async () => {
    const c = clock();
    let calls = 0;
    const result = await retryTransient(async () => {
      if (++calls < 5) throw new TransientError('registry timed out');
      return 'ok';
    }, { withinMs: 60_000, initialMs: 100, maxMs: 400, ...c });
    expect(result).toBe('ok');
    expect(c.slept).toEqual([100, 200, 400, 400]);
  });

  it('throws anything else at once', async () => {
    const c = clock();
    await expect(retryTransient(async () => { throw new RangeError('bad config'); }, { withinMs: 60_000, ...c })).rejects.toThrow(RangeError);
    expect(c.slept).toEqual([]);
  });

  it('gives up with the last transient error once the next wait would pass the deadline', async () => {
    const c = clock();
    let calls = 0;
    const retries: number[] = [];
    await expect(
      retryTransient(async () => { throw new TransientError(`attempt ${++calls}`); }, {
        withinMs: 1_000, initialMs: 100, maxMs: 1_000, ...c, onRetry: (_e, attempt) => retries.push(attempt),
      }),
    ).rejects.toThrow('attempt 4');
    expect(c.slept).toEqual([100, 200, 400]);
    expect(retries).toEqual([1, 2, 3]);
  });
});
