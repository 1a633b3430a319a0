import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TransientError } from '../../../errors.ts';
import { createPartitionRetry } from '../partition-retry.ts';
import { freshMetrics, recorder, silentLogger, valuesOf } from './fakes.ts';

// Fake timers: the backoff is checked by advancing the clock, never by waiting.
beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

function setup() {
  const r = recorder();
  const metrics = freshMetrics();
  const retry = createPartitionRetry({ port: r.port, initialMs: 100, maxMs: 300, metrics, log: silentLogger });
  return { retry, metrics, calls: r.calls };
}

const transient = new TransientError('redis down');

describe('partition retry', () => {
  it('pauses the partition and rewinds it at once, and resumes it only once the backoff has passed', () => {
    const { retry, calls } = setup();
    retry.later('orders', 2, '17', 'handle', transient);
    expect(calls).toEqual(['pause orders:2', 'seek orders:2@17']);
    vi.advanceTimersByTime(99);
    expect(calls).not.toContain('resume orders:2');
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['pause orders:2', 'seek orders:2@17', 'resume orders:2']);
  });

  it('doubles the backoff per consecutive failure, up to maxMs', () => {
    const { retry, calls } = setup();
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      retry.later('orders', 0, '0', 'handle', transient);
      let waited = 0;
      while (!calls.includes('resume orders:0')) {
        vi.advanceTimersByTime(10);
        waited += 10;
      }
      waits.push(waited);
      calls.length = 0;
    }
    expect(waits).toEqual([100, 200, 300, 300]);
  });

  it('starts over at the initial backoff once a call of the partition settled, and counts per topic-partition', () => {
    const { retry, calls } = setup();
    retry.later('orders', 0, '0', 'handle', transient);
    retry.later('orders', 0, '0', 'handle', transient); // attempt 2 of orders:0: 200 ms
    retry.later('orders', 1, '0', 'handle', transient); // attempt 1 of orders:1: 100 ms
    vi.advanceTimersByTime(100);
    expect(calls.filter((c) => c.startsWith('resume'))).toEqual(['resume orders:1']);
    vi.advanceTimersByTime(100);
    retry.succeeded('orders', 0);
    calls.length = 0;
    retry.later('orders', 0, '5', 'decode', transient);
    vi.advanceTimersByTime(100);
    expect(calls).toEqual(['pause orders:0', 'seek orders:0@5', 'resume orders:0']);
  });

  it('a failure while a resume is pending replaces it: the partition resumes once', () => {
    const { retry, calls } = setup();
    retry.later('orders', 0, '3', 'handle', transient);
    vi.advanceTimersByTime(50);
    retry.later('orders', 0, '1', 'dlq', transient);
    vi.advanceTimersByTime(1_000);
    expect(calls.filter((c) => c.startsWith('resume'))).toEqual(['resume orders:0']);
    expect(calls.at(-2)).toBe('seek orders:0@1');
  });

  it('a resume the consumer refuses (between a crash and its restart) is tried again after the backoff, never thrown', () => {
    const { retry, calls } = setup();
    const refusals = { left: 2 };
    const port = {
      pause: () => undefined,
      seek: () => undefined,
      resume: (topic: string, partition: number) => {
        if (refusals.left-- > 0) throw new Error('Consumer group was not initialized, consumer#run must be called first');
        calls.push(`resume ${topic}:${partition}`);
      },
    };
    const flaky = createPartitionRetry({ port, initialMs: 100, maxMs: 300, metrics: freshMetrics(), log: silentLogger });
    flaky.later('orders', 0, '0', 'handle', transient);
    expect(() => vi.advanceTimersByTime(200)).not.toThrow();
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(calls).toEqual(['resume orders:0']);
    expect(vi.getTimerCount()).toBe(0);
    retry.stop();
  });

  it('stop() cancels every pending resume', () => {
    const { retry, calls } = setup();
    retry.later('orders', 0, '0', 'handle', transient);
    retry.later('payments', 0, '0', 'handle', new Error('bug?'));
    retry.stop();
    vi.advanceTimersByTime(10_000);
    expect(calls.filter((c) => c.startsWith('resume'))).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts failures by topic and stage, unexpected errors too', async () => {
    const { retry, metrics } = setup();
    retry.later('orders', 0, '0', 'handle', transient);
    retry.later('orders', 1, '0', 'handle', new Error('bug?'));
    retry.later('orders', 0, '0', 'decode', transient);
    expect(await valuesOf(metrics.transientErrors)).toEqual([
      { topic: 'orders', stage: 'handle', value: 2 },
      { topic: 'orders', stage: 'decode', value: 1 },
    ]);
  });
});
