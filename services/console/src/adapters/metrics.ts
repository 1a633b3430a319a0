// What only the console measures: requests by route and status, credit actions sent, limit decisions, sign-ins,
// refused requests (CSRF, permission, four eyes), and how long the worklist query takes.
import { Counter, Histogram, type Registry } from 'prom-client';
import { metricPrefix } from '../../../../shared/metrics.ts';

export function createConsoleMetrics(registry: Registry, service: string) {
  const p = metricPrefix(service);
  return {
    requests: new Counter({ name: `${p}http_requests_total`, help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [registry] }),
    creditActions: new Counter({ name: `${p}credit_actions_total`, help: 'Credit actions published', labelNames: ['action'], registers: [registry] }),
    promises: new Counter({ name: `${p}promises_to_pay_total`, help: 'Promises to pay published', registers: [registry] }),
    limitDecisions: new Counter({ name: `${p}limit_decisions_total`, help: 'Limit requests decided', labelNames: ['decision'], registers: [registry] }),
    signIns: new Counter({ name: `${p}signins_total`, help: 'Sign-in attempts by outcome', labelNames: ['outcome'], registers: [registry] }),
    refusals: new Counter({ name: `${p}refused_requests_total`, help: 'Requests refused (csrf, permission, signed-out, limit-decision)', labelNames: ['why'], registers: [registry] }),
    worklistQuery: new Histogram({
      name: `${p}worklist_query_duration_seconds`, help: 'Time to read one worklist page from reporting',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
    }),
  };
}

export type ConsoleMetrics = ReturnType<typeof createConsoleMetrics>;
