import { describe, expect, it } from 'vitest';
import { parseConsumerPerf } from '../src/consumer-perf.ts';

describe('parseConsumerPerf', () => {
  it('reads the records and the fetch time by their column names', () => {
    const stdout = [
      'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec',
      '2026-11-22 09:00:01:123, 2026-11-22 09:00:04:456, 12.3456, 3.7041, 100000, 30003.0003, 3012, 321, 38.4598, 311526.4798',
      '',
    ].join('\n');
    expect(parseConsumerPerf(stdout)).toEqual({ records: 100_000, fetchMs: 321 });
  });

  it('skips what the JVM prints before the header', () => {
    const stdout = 'WARNING: something\nstart.time, data.consumed.in.nMsg, fetch.time.ms\nx, 7, 9\n';
    expect(parseConsumerPerf(stdout)).toEqual({ records: 7, fetchMs: 9 });
  });

  it('fails on output without the figures', () => {
    expect(() => parseConsumerPerf('start.time, end.time\n')).toThrow(/unexpected ConsumerPerformance output/);
    expect(() => parseConsumerPerf('start.time, fetch.time.ms\nx, 5\n')).toThrow(/no data.consumed.in.nMsg/);
  });
});
