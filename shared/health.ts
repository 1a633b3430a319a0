// The HTTP side of a service: GET /metrics for Prometheus, GET /healthz (liveness: restart me if 503) and GET /readyz
// (readiness: I hold my partitions and process them). State comes from kafkajs instrumentation events via
// ConsumerHealth, never from parsing logs. The probes say healthy or not and why in one word: never an error's
// text, which may carry a host name, a query or worse to whoever can reach the port; the log has the details.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Why a check is not healthy or not ready, in one word. */
export type HealthReason = 'starting' | 'rebalancing' | 'restarting' | 'crashed' | 'stopped';

export interface HealthStatus {
  healthy: boolean;
  ready: boolean;
  reason?: HealthReason;
}

export interface HealthCheck {
  readonly name: string;
  status(): HealthStatus;
}

type ConsumerState =
  | { kind: 'starting' }
  | { kind: 'joined' }
  | { kind: 'rebalancing' }
  | { kind: 'restarting' }
  | { kind: 'crashed' }
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

  /** The error itself is the runner's to log; health only says that it crashed. */
  crashed(_error: Error, restart: boolean): void {
    this.state = { kind: restart ? 'restarting' : 'crashed' };
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
        return { healthy: false, ready: false, reason: 'starting' };
      case 'restarting':
        return { healthy: false, ready: false, reason: 'restarting' };
      case 'crashed':
        return { healthy: false, ready: false, reason: 'crashed' };
      case 'stopped':
        return { healthy: false, ready: false, reason: 'stopped' };
    }
  }
}

export interface HealthServer {
  /** The bound address (HTTP_HOST, loopback by default). */
  readonly address: string;
  /** The bound port (the real one when asked for port 0). */
  readonly port: number;
  close(): Promise<void>;
}

export interface HealthServerOptions {
  port: number;
  /** The address to bind (HTTP_HOST); loopback by default. */
  host?: string;
  registry: Registry;
  checks: readonly HealthCheck[];
}

function reply(res: ServerResponse, code: number, contentType: string, body: string): void {
  res.writeHead(code, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

function probe(res: ServerResponse, checks: readonly HealthCheck[], key: 'healthy' | 'ready'): void {
  // Only the fields of HealthStatus: a check cannot leak more than a word through the probe.
  const statuses = Object.fromEntries(
    checks.map((c) => {
      const { healthy, ready, reason } = c.status();
      return [c.name, reason === undefined ? { healthy, ready } : { healthy, ready, reason }];
    }),
  );
  const ok = Object.values(statuses).every((s) => s[key]);
  reply(res, ok ? 200 : 503, 'application/json', JSON.stringify({ status: ok ? 'ok' : 'unavailable', checks: statuses }));
}

const DEFAULT_HOST = '127.0.0.1';

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
    handle(req, res).catch(() => reply(res, 500, 'text/plain', 'internal error\n'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? DEFAULT_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: bound.address,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
