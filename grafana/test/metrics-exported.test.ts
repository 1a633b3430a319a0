// Every Prometheus metric a dashboard queries is really registered by the services it is queried of: the shared ones
// by every consumer service, the others by the service that owns them. The registries below are built with the same
// factories the services call at start-up.
import { describe, expect, it } from 'vitest';
import { createRegistry, createRunnerMetrics } from '../../shared/metrics.ts';
import { createExposureMetrics } from '../../services/exposure/src/adapters/metrics.ts';
import { createDelinquencyMetrics } from '../../services/delinquency/src/adapters/metrics.ts';
import { createNotificationsMetrics } from '../../services/notifications/src/adapters/metrics.ts';
import { createSinkMetrics } from '../../services/reporting/src/adapters/metrics.ts';
import { CONSUMER_SERVICES, SERVICE_DASHBOARD_METRICS, SHARED_DASHBOARD_METRICS } from '../src/metrics.ts';

const none = async () => new Map<number, number>();

function registeredNames(service: (typeof CONSUMER_SERVICES)[number]): Set<string> {
  const registry = createRegistry(service);
  createRunnerMetrics(registry, service);
  if (service === 'exposure') createExposureMetrics(registry, service, none);
  if (service === 'delinquency') createDelinquencyMetrics(registry, service, { outboxLengths: none, clocks: async () => new Map() });
  if (service === 'reporting') createSinkMetrics(registry, service);
  return new Set(registry.getMetricsAsArray().map((m) => m.name));
}

describe('dashboard metrics', () => {
  it.each(CONSUMER_SERVICES)('names only metrics the %s service registers', (service) => {
    const registered = registeredNames(service);
    expect(SHARED_DASHBOARD_METRICS.filter((m) => !registered.has(m))).toEqual([]);
    const own = Object.entries(SERVICE_DASHBOARD_METRICS).filter(([, s]) => s === service).map(([m]) => m);
    expect(own.filter((m) => !registered.has(m))).toEqual([]);
  });

  it('names only metrics the notifications service registers', () => {
    const registry = createRegistry('notifications');
    createNotificationsMetrics(registry, 'notifications', none);
    const registered = new Set(registry.getMetricsAsArray().map((m) => m.name));
    const own = Object.entries(SERVICE_DASHBOARD_METRICS).filter(([, s]) => s === 'notifications').map(([m]) => m);
    expect(own.length).toBeGreaterThan(0);
    expect(own.filter((m) => !registered.has(m))).toEqual([]);
  });

  it('names a service-specific metric after its service, and a shared one after no service', () => {
    for (const [metric, service] of Object.entries(SERVICE_DASHBOARD_METRICS)) expect(metric).toMatch(new RegExp(`^o2c_${service}_`));
    for (const metric of SHARED_DASHBOARD_METRICS) expect(CONSUMER_SERVICES.some((s) => metric.startsWith(`o2c_${s}_`))).toBe(false);
  });
});
