// Every metric the services register follows Prometheus' naming conventions (there is no promtool here to run
// `promtool check metrics`, so its rules are checked directly): snake_case under o2c_, counters end in _total and
// nothing else does, durations are in seconds (_seconds), sizes in bytes (_bytes), no unit but the base one. The
// registries are built as service.ts builds them, with the same metric factories.
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRegistry, createRunnerMetrics } from '../shared/metrics.ts';
import { createDelinquencyMetrics } from '../services/delinquency/src/adapters/metrics.ts';
import { createExposureMetrics } from '../services/exposure/src/adapters/metrics.ts';
import { createSinkMetrics } from '../services/reporting/src/adapters/metrics.ts';

const none = async () => new Map<number, number>();

const registries: Record<string, () => Registry> = {
  exposure: () => {
    const r = createRegistry('exposure');
    createRunnerMetrics(r, 'exposure');
    createExposureMetrics(r, 'exposure', none);
    return r;
  },
  delinquency: () => {
    const r = createRegistry('delinquency');
    createRunnerMetrics(r, 'delinquency');
    createDelinquencyMetrics(r, 'delinquency', none);
    return r;
  },
  reporting: () => {
    const r = createRegistry('reporting');
    createRunnerMetrics(r, 'reporting');
    createSinkMetrics(r, 'reporting', ['o2c.orders.v1']);
    return r;
  },
};

/** What is wrong with one metric's name for its type; empty when nothing. */
function problems(name: string, type: string): string[] {
  const out: string[] = [];
  // Node's default metrics (process_*, nodejs_*) follow the client's own conventions; ours live under o2c_.
  if (!/^o2c_[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(name)) out.push('is not snake_case under o2c_');
  if (type === 'counter' && !name.endsWith('_total')) out.push('is a counter not ending in _total');
  if (type !== 'counter' && name.endsWith('_total')) out.push(`is a ${type} ending in _total (only counters do)`);
  if (/_(ms|millis|milliseconds|us|micros|ns|minutes|hours|days)(_|$)/.test(name)) out.push('has a unit other than seconds');
  if (/_(kb|mb|gb|kib|mib|kilobytes|megabytes)(_|$)/.test(name)) out.push('has a unit other than bytes');
  if (/(duration|latency|elapsed|age|lag_time|_time)(_|$)/.test(name) && !/_seconds(_total)?$/.test(name) && !name.endsWith('_timestamp_seconds')) {
    out.push('is a duration not in _seconds');
  }
  if (/(size_bytes|bytes)/.test(name) && !/_bytes(_total)?$/.test(name)) out.push('is a size not ending in _bytes');
  return out;
}

describe('metric names', () => {
  it.each(Object.keys(registries))('%s: every metric is Prometheus-conventional', async (service) => {
    const metrics = await registries[service]!().getMetricsAsJSON();
    const ours = metrics.filter((m) => m.name.startsWith('o2c_'));
    expect(ours.length).toBeGreaterThan(5);
    const faults = ours.flatMap((m) => problems(m.name, String(m.type)).map((p) => `${m.name} ${p}`));
    expect(faults).toEqual([]);
  });

  it('the rules catch what they are about', () => {
    expect(problems('o2c_batches', 'counter')).toContain('is a counter not ending in _total');
    expect(problems('o2c_batch_duration_ms', 'histogram')).toContain('has a unit other than seconds');
    expect(problems('o2c_commit_latency', 'histogram')).toContain('is a duration not in _seconds');
    expect(problems('o2c_lag_total', 'gauge')).toContain('is a gauge ending in _total (only counters do)');
    expect(problems('o2c_batch_duration_seconds', 'histogram')).toEqual([]);
    expect(problems('o2c_dead_letters_total', 'counter')).toEqual([]);
  });
});
