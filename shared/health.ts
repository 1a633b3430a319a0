// The HTTP side of a service: GET /metrics for Prometheus, GET /healthz (liveness: restart me if 503) and GET /readyz
// (readiness: I hold my partitions and process them). State comes from kafkajs instrumentation events via
// ConsumerHealth, never from parsing logs.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthStatus {
  healthy: boolean;
  ready: boolean;
  reason?: string;
}

export interface HealthCheck {
  readonly name: string;
  status(): HealthStatus;
}

type ConsumerState =
  | { kind: 'starting' }
  | { kind: 'joined' }
  | { kind: 'rebalancing' }
  | { kind: 'restarting'; error: string }
  | { kind: 'crashed'; error: string }
  | { kind: 'stopped' };

/**
 * A consumer's health. Healthy once it has joined its group, through ordinary rebalances, until it crashes for good
 * or stops; a crash kafkajs restarts from is unhealthy until the consumer has joined again. Ready only while it
 * holds an assignment (not during a rebalance).
 */
export class ConsumerHealth implements HealthCheck {
  private state: ConsumerState = { kind: 'starting' };

  constructor(readonly name: string) {}

  joined(): void {
    this.state = { kind: 'joined' };
  }

  rebalancing(): void {
    if (this.state.kind === 'joined') this.state = { kind: 'rebalancing' };
  }

  crashed(error: Error, restart: boolean): void {
    this.state = { kind: restart ? 'restarting' : 'crashed', error: error.message };
  }

  stopped(): void {
    if (this.state.kind !== 'crashed') this.state = { kind: 'stopped' };
  }

  status(): HealthStatus {
    const s = this.state;
    switch (s.kind) {
      case 'joined':
        return { healthy: true, ready: true };
      case 'rebalancing':
        return { healthy: true, ready: false, reason: 'rebalancing' };
      case 'starting':
        return { healthy: false, ready: false, reason: 'has not joined its group yet' };
      case 'restarting':
        return { healthy: false, ready: false, reason: `restarting after a crash: ${s.error}` };
      case 'crashed':
        return { healthy: false, ready: false, reason: `crashed: ${s.error}` };
      case 'stopped':
        return { healthy: false, ready: false, reason: 'stopped' };
    }
  }
}

export interface HealthServer {
  /** The bound port (the real one when asked for port 0). */
  readonly port: number;
  close(): Promise<void>;
}

export interface HealthServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  checks: readonly HealthCheck[];
}

function reply(res: ServerResponse, code: number, contentType: string, body: string): void {
  res.writeHead(code, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

function probe(res: ServerResponse, checks: readonly HealthCheck[], key: 'healthy' | 'ready'): void {
  const statuses = Object.fromEntries(checks.map((c) => [c.name, c.status()]));
  const ok = Object.values(statuses).every((s) => s[key]);
  reply(res, ok ? 200 : 503, 'application/json', JSON.stringify({ status: ok ? 'ok' : 'unavailable', checks: statuses }));
}

export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'text/plain', 'method not allowed\n');
    switch (path) {
      case '/metrics':
        return reply(res, 200, opts.registry.contentType, await opts.registry.metrics());
      case '/healthz':
        return probe(res, opts.checks, 'healthy');
      case '/readyz':
        return probe(res, opts.checks, 'ready');
      default:
        return reply(res, 404, 'text/plain', 'not found\n');
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => reply(res, 500, 'text/plain', `${(e as Error).message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
