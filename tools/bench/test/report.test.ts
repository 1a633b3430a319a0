import { describe, expect, it } from 'vitest';
import { quantile } from '../src/decision-latency.ts';
import type { DeterminismCheck } from '../src/determinism-check.ts';
import { compareByKey } from '../src/determinism.ts';
import { formatTable, throughput, totalDifferences, withRatios, type BenchResult } from '../src/report.ts';

const result = (rows: BenchResult['throughput'], more: Partial<Pick<BenchResult, 'latency' | 'determinism'>> = {}): BenchResult => ({
  at: '2026-11-22T09:00:00.000Z',
  runId: 'btest',
  machine: { cpuModel: 'Test CPU', cpus: 2, memoryGiB: 8, os: 'Linux 6', node: 'v22.0.0' },
  settings: { events: 100_000, customers: 200, seed: 1, partitions: 12, latencyRate: 2000, latencySeconds: 20, latencyClocks: ['event'] },
  preload: { events: 100_000, seconds: 10, eventsPerSecond: 10_000, lastEventAt: '2024-03-01T00:00:00.000Z' },
  throughput: rows,
  determinism: more.determinism ?? [],
  latency: more.latency ?? [],
});

const same = new Map([['a', 'x']]);
const check = (service: DeterminismCheck['service'], published: Array<{ key: string; digest: string }>): DeterminismCheck => {
  const events = compareByKey(same, published);
  const none = compareByKey(new Map(), []);
  const differences = events.missing + events.extra + events.different;
  return { service, inputs: 1000, events, deadLetters: none, ...(service === 'exposure' ? { snapshots: none } : {}), differences };
};

describe('throughput', () => {
  it('takes the rate over the measured records and time, not the whole run', () => {
    const row = throughput('exposure', 100_000, { records: 80_000, ms: 4000 }, 9000);
    expect(row).toEqual({ step: 'exposure', records: 100_000, measured: { records: 80_000, seconds: 4 }, eventsPerSecond: 20_000, wallSeconds: 9 });
  });
});

describe('formatTable', () => {
  it('gives each row its ratio to the kafkajs consumer and to ConsumerPerformance', () => {
    const table = formatTable(
      result([
        throughput('consumer-perf', 100_000, { records: 100_000, ms: 250 }),
        throughput('raw', 100_000, { records: 100_000, ms: 1000 }),
        throughput('exposure', 100_000, { records: 50_000, ms: 2000 }),
      ]),
    );
    expect(table).toContain('| Kafka ConsumerPerformance (JVM) | 100,000 | 400,000 | 4.00 | 1.00 | - | - | - | - |');
    expect(table).toContain('| kafkajs eachBatch, no-op | 100,000 | 100,000 | 1.00 | 0.25 | - | - | - | - |');
    expect(table).toContain('| exposure service, end to end | 100,000 | 25,000 | 0.25 | 0.063 | - | - | - | - |');
    expect(table).toContain('2 x Test CPU, 8 GiB, Node v22.0.0');
  });

  it('leaves a ratio out when its base was not measured, and adds each latency run with its clock', () => {
    const run = { rate: 2000, orders: 40_000, decided: 39_990, p50Ms: 4, p90Ms: 12, p99Ms: 31, maxMs: 80, p99BySecondMs: [40, Number.NaN, 25], cpuMicrosPerOrder: 120, rssBytes: 300 * 2 ** 20 };
    const table = formatTable(
      result([throughput('reporting', 10, { records: 10, ms: 1000 })], {
        latency: [
          { ...run, clock: 'event', firstOrderAt: '2024-03-01T00:00:00.001Z' },
          { ...run, clock: 'wall', firstOrderAt: '2026-11-22T09:00:00.000Z', p50Ms: 9 },
        ],
      }),
    );
    expect(table).toContain('| reporting service, end to end | 10 | 10 | - | - | - | - | - | - |');
    expect(table).toContain(
      'at 2,000 orders/s, event time continuing the history (from 2024-03-01T00:00:00.001Z): p50 4 ms, p90 12 ms, p99 31 ms, max 80 ms ' +
        '(39,990 of 40,000 orders decided; exposure CPU 120 µs/order, RSS 300 MiB after); p99 of each second\'s orders: 40 - 25 ms',
    );
    expect(table).toContain('at 2,000 orders/s, wall-clock event time (from 2026-11-22T09:00:00.000Z): p50 9 ms');
  });

  it("gives a service its CPU, RSS, Redis figures and its differences from the core's replay", () => {
    const service = { cpuMicrosPerEvent: 104, rssBytes: 512 * 2 ** 20, redisKeys: 48, redisBytes: 2_000_000, redisBytesPerCustomer: 10_000 };
    const r = result(
      [
        throughput('raw', 100_000, { records: 100_000, ms: 1000 }),
        { ...throughput('exposure', 100_000, { records: 50_000, ms: 2000 }), service },
        { ...throughput('delinquency', 60_000, { records: 60_000, ms: 6000 }), service },
      ],
      { determinism: [check('exposure', [{ key: 'a', digest: 'x' }]), check('delinquency', [{ key: 'a', digest: 'y' }, { key: 'b', digest: 'z' }])] },
    );
    const table = formatTable(r);
    expect(table).toContain('| exposure service, end to end | 100,000 | 25,000 | 0.25 | - | 104 | 512 | 10,000 | 0 |');
    expect(table).toContain('| delinquency service, end to end | 60,000 | 10,000 | 0.10 | - | 104 | 512 | 10,000 | 2 |');
    expect(table).toContain(
      "determinism, exposure: 0 differences from the core's replay of 1,000 inputs (credit-holds events 1 derived / 1 published: " +
        '0 missing, 0 extra, 0 other contents; final snapshots (customers) 0 derived / 0 published',
    );
    expect(table).toContain('determinism, delinquency: 2 differences');
    expect(table).toContain('delinquency events 1 derived / 2 published: 0 missing, 1 extra, 1 other contents');
    expect(totalDifferences(r)).toBe(2);
  });
});

describe('withRatios', () => {
  it("puts each row's ratio to the no-op kafkajs consumer in the result", () => {
    const rows = withRatios([throughput('raw', 100, { records: 100, ms: 100 }), throughput('exposure', 100, { records: 100, ms: 400 })]);
    expect(rows.map((r) => r.vsKafkajs)).toEqual([1, 0.25]);
    expect(withRatios([throughput('exposure', 1, { records: 1, ms: 1 })])[0]).not.toHaveProperty('vsKafkajs');
  });
});

describe('quantile', () => {
  it('is the nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(50);
    expect(quantile(sorted, 0.99)).toBe(99);
    expect(quantile(sorted, 1)).toBe(100);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
