import { describe, expect, it } from 'vitest';
import { parseBenchArgs, STEPS, UsageError, type BenchOptions } from '../src/options.ts';

const options = (argv: string[]): BenchOptions => {
  const parsed = parseBenchArgs(argv);
  if (parsed.help) throw new Error('unexpected help');
  return parsed.options;
};

describe('parseBenchArgs', () => {
  it('defaults to a million events, every step, 2000 orders/s for 20 s', () => {
    const o = options([]);
    expect(o).toMatchObject({ events: 1_000_000, customers: 10_000, seed: 1, rate: 2000, latencySeconds: 20, latencyClocks: ['event'] });
    expect([...o.steps]).toEqual([...STEPS]);
  });

  it('scales the customers with the events, never below 200', () => {
    expect(options(['--events', '10000']).customers).toBe(200);
    expect(options(['--events', '5,000,000']).customers).toBe(50_000);
    expect(options(['--events', '1_000_000', '--customers', '50']).customers).toBe(50);
  });

  it('runs only the steps named', () => {
    expect([...options(['--only', 'raw, latency']).steps]).toEqual(['raw', 'latency']);
  });

  it("runs the latency step on the history's clock, the wall clock, or both in the order named", () => {
    expect(options(['--latency-clock', 'wall']).latencyClocks).toEqual(['wall']);
    expect(options(['--latency-clock', 'event, wall']).latencyClocks).toEqual(['event', 'wall']);
  });

  it.each([
    [['--latency-clock', 'event,event']],
    [['--latency-clock', 'sim']],
    [['--latency-clock', '']],
    [['--events', '0']],
    [['--events', '1e6']],
    [['--rate', '-5']],
    [['--latency-seconds', '']],
    [['--only', 'raw,exposures']],
    [['--only', ',']],
    [['--bogus']],
    [['positional']],
  ])('rejects %j with the usage', (argv) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError);
  });

  it('answers --help', () => {
    expect(parseBenchArgs(['--help'])).toEqual({ help: true });
  });
});
