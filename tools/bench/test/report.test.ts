import { describe, expect, it } from 'vitest';
import { quantile } from '../src/decision-latency.ts';
import { formatTable, throughput, type BenchResult } from '../src/report.ts';

const result = (rows: BenchResult['throughput'], latency?: BenchResult['latency']): BenchResult => ({
  at: '2026-11-22T09:00:00.000Z',
  runId: 'btest',
  machine: { cpuModel: 'Test CPU', cpus: 2, memoryGiB: 8, os: 'Linux 6', node: 'v22.0.0' },
  settings: { events: 100_000, customers: 200, seed: 1, partitions: 12, latencyRate: 2000, latencySeconds: 20 },
  preload: { events: 100_000, seconds: 10, eventsPerSecond: 10_000 },
  throughput: rows,
  ...(latency ? { latency } : {}),
});

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
    expect(table).toContain('| Kafka ConsumerPerformance (JVM) | 100,000 | 400,000 | 4.00 | 1.00 |');
    expect(table).toContain('| kafkajs eachBatch, no-op | 100,000 | 100,000 | 1.00 | 0.25 |');
    expect(table).toContain('| exposure service, end to end | 100,000 | 25,000 | 0.25 | 0.063 |');
    expect(table).toContain('2 x Test CPU, 8 GiB, Node v22.0.0');
  });

  it('leaves a ratio out when its base was not measured, and adds the latency when there is one', () => {
    const table = formatTable(
      result([throughput('reporting', 10, { records: 10, ms: 1000 })], { rate: 2000, orders: 40_000, decided: 39_990, p50Ms: 4, p99Ms: 31, maxMs: 80 }),
    );
    expect(table).toContain('| reporting service, end to end | 10 | 10 | - | - |');
    expect(table).toContain('at 2,000 orders/s: p50 4 ms, p99 31 ms, max 80 ms (39,990 of 40,000 orders decided)');
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
