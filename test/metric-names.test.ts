// Every metric the services register follows Prometheus' naming conventions (there is no promtool here to run
// `promtool check metrics`, so its rules are checked directly): snake_case under o2c_, counters end in _total and
// nothing else does, durations are in seconds (_seconds), sizes in bytes (_bytes), no unit but the base one. What the
// services share is one metric under one name in every service's registry, told apart by the `service` label. The
// registries are built as service.ts builds them, with the same metric factories.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRegistry, createRunnerMetrics, metricPrefix, SHARED_METRICS } from '../shared/metrics.ts';
import { createDelinquencyMetrics } from '../services/delinquency/src/adapters/metrics.ts';
import { createExposureMetrics } from '../services/exposure/src/adapters/metrics.ts';
import { createNotificationsMetrics } from '../services/notifications/src/adapters/metrics.ts';
import { createSinkMetrics } from '../services/reporting/src/adapters/metrics.ts';
import { createConsoleMetrics } from '../services/console/src/adapters/metrics.ts';

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
    createDelinquencyMetrics(r, 'delinquency', { outboxLengths: none, clocks: async () => new Map() });
    return r;
  },
  notifications: () => {
    const r = createRegistry('notifications');
    createRunnerMetrics(r, 'notifications');
    createNotificationsMetrics(r, 'notifications', none);
    return r;
  },
  reporting: () => {
    const r = createRegistry('reporting');
    createRunnerMetrics(r, 'reporting');
    createSinkMetrics(r, 'reporting', ['o2c.orders.v1']);
    return r;
  },
  console: () => {
    const r = createRegistry('console');
    createConsoleMetrics(r, 'console');
    return r;
  },
};

/** The labels of each shared metric besides `service`. */
const SHARED_LABELS: Record<(typeof SHARED_METRICS)[keyof typeof SHARED_METRICS], string[]> = {
  o2c_records_consumed_total: ['topic'],
  o2c_dlq_records_total: ['topic', 'error_class'],
  o2c_batch_duration_seconds: ['topic'],
  o2c_batch_size_records: ['topic'],
  o2c_consumer_lag_records: ['topic', 'partition'],
  o2c_consumer_lag_seconds: ['topic', 'partition'],
  o2c_paused_partitions: ['topic'],
  o2c_rebalances_total: [],
  o2c_consumer_group_joins_total: [],
  o2c_consumer_crashes_total: [],
  o2c_transient_errors_total: ['topic', 'stage'],
  o2c_alignment_waits_total: ['topic', 'outcome'],
  o2c_commit_duration_seconds: [],
  o2c_publish_duration_seconds: [],
  o2c_stale_commits_total: [],
};

/** Records one sample with `labels` (prom-client throws on a label the metric was not declared with). */
function sample(registry: Registry, name: string, labels: Record<string, string>): void {
  const metric = registry.getSingleMetric(name);
  if (metric instanceof Counter) metric.inc(labels, 0);
  else if (metric instanceof Gauge) metric.set(labels, 0);
  else if (metric instanceof Histogram) metric.observe(labels, 0);
  else throw new Error(`${name} is not registered`);
}

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

  it('names every shared concept once, the same in every service, with the service label', async () => {
    const types = new Map<string, string>();
    for (const [service, build] of Object.entries(registries)) {
      // The console runs no consumer runner (it serves pages and reads the profiles only): none of the shared metrics.
      if (service === 'console') continue;
      const registry = build();
      for (const [name, labelNames] of Object.entries(SHARED_LABELS)) {
        sample(registry, name, Object.fromEntries(labelNames.map((l) => [l, 'x'])));
      }
      const metrics = await registry.getMetricsAsJSON();
      const byName = new Map(metrics.map((m) => [m.name, m]));
      for (const [name, labelNames] of Object.entries(SHARED_LABELS)) {
        const metric = byName.get(name);
        expect(metric, `${service} registers ${name}`).toBeDefined();
        expect(types.get(name) ?? String(metric!.type), `${name} has one type`).toBe(String(metric!.type));
        types.set(name, String(metric!.type));
        for (const v of metric!.values as Array<{ labels: Record<string, string | number> }>) {
          const { le: _le, ...labels } = v.labels;
          expect(labels, `${service} ${name}`).toEqual({ service, ...Object.fromEntries(labelNames.map((l) => [l, 'x'])) });
        }
        // Not also under the service's own prefix.
        expect(byName.has(`${metricPrefix(service)}${name.slice('o2c_'.length)}`), `${service} ${name}`).toBe(false);
      }
    }
    expect([...types.keys()].sort()).toEqual(Object.values(SHARED_METRICS).sort());
  });

  it('the delinquency service has its as-of date per partition, in epoch seconds', async () => {
    const metric = registries.delinquency!().getSingleMetric('o2c_delinquency_as_of_timestamp_seconds');
    expect(metric).toBeInstanceOf(Gauge);
    expect((await metric!.get()).type).toBe('gauge');
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
