// Every Prometheus metric a dashboard queries is really registered by the service it names: the registries below
// are built with the same factories the services call at start-up.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRunnerMetrics } from '../../shared/metrics.ts';
import { createExposureMetrics } from '../../services/exposure/src/adapters/metrics.ts';
import { createDelinquencyMetrics } from '../../services/delinquency/src/adapters/metrics.ts';
import { createSinkMetrics } from '../../services/reporting/src/adapters/metrics.ts';
import { CONSUMER_SERVICES, DASHBOARD_METRICS } from '../src/metrics.ts';

const noOutbox = async () => new Map<number, number>();

function registeredNames(service: (typeof CONSUMER_SERVICES)[number]): Set<string> {
  const registry = new Registry();
  createRunnerMetrics(registry, service);
  if (service === 'exposure') createExposureMetrics(registry, service, noOutbox);
  if (service === 'delinquency') createDelinquencyMetrics(registry, service, noOutbox);
  if (service === 'reporting') createSinkMetrics(registry, service);
  return new Set(registry.getMetricsAsArray().map((m) => m.name));
}

describe('dashboard metrics', () => {
  it.each(CONSUMER_SERVICES)('names only metrics the %s service registers', (service) => {
    const queried = DASHBOARD_METRICS.filter((m) => m.startsWith(`o2c_${service}_`));
    expect(queried.length).toBeGreaterThan(0);
    const registered = registeredNames(service);
    expect(queried.filter((m) => !registered.has(m))).toEqual([]);
  });

  it('queries no metric of a service that does not exist', () => {
    expect(DASHBOARD_METRICS.every((m) => CONSUMER_SERVICES.some((s) => m.startsWith(`o2c_${s}_`)))).toBe(true);
  });
});
