// The three services started against a broker that is seconds old: a fresh single-node KRaft broker on ports of its
// own with a freshly formatted data directory (stack/fresh-broker.sh), the services spawned at the same moment, so
// they meet a refused connection first, then topics without leaders and NOT_COORDINATOR while the broker creates
// __consumer_offsets. Registry, Redis and Postgres are the running stack's, under names of this test's own. Each must
// become ready (/readyz 200) within its STARTUP_TIMEOUT_MS instead of exiting as the first `npm run demo` did.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDatabase, type TempDatabase } from '../shared/pg/testing.ts';
import { reportingDatabaseEnv } from '../services/reporting/test/support.ts';
import { uniqueId } from './kafka.ts';
import { freePort, REPO_ROOT, spawnService, waitFor200, type Spawned } from './service-spawn.ts';
import { getStack, type Stack } from './stack.ts';

const SERVICES = ['exposure', 'delinquency', 'reporting'] as const;

let stack: Stack;
let db: TempDatabase;
let dir: string;
let broker: ChildProcess | undefined;
let brokerExited: Promise<void> = Promise.resolve();
const services: Spawned[] = [];

beforeAll(async () => {
  stack = await getStack();
  db = await createTempDatabase(stack.databaseUrl);
  dir = mkdtempSync(join(tmpdir(), 'o2c-fresh-broker-'));
});

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop(20_000)));
  if (broker && broker.exitCode === null && broker.signalCode === null) {
    broker.kill('SIGTERM');
    const timer = setTimeout(() => broker?.kill('SIGKILL'), 20_000);
    await brokerExited;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
  await db?.drop();
}, 60_000);

describe('start-up against a broker started seconds before', () => {
  it('every service becomes ready', { timeout: 180_000 }, async () => {
    const [port, controllerPort, ...httpPorts] = await Promise.all([freePort(), freePort(), ...SERVICES.map(() => freePort())]);
    broker = spawn('bash', [join(REPO_ROOT, 'stack/fresh-broker.sh'), String(port), String(controllerPort), dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let brokerStderr = '';
    broker.stderr!.on('data', (c: Buffer) => (brokerStderr += c.toString('utf8')));
    brokerExited = new Promise((resolve) => broker!.once('exit', () => resolve()));

    const prefix = `${uniqueId('fresh')}.`;
    SERVICES.forEach((name, i) => {
      services.push(
        spawnService(name, {
          ...stack.env,
          KAFKA_BROKERS: `127.0.0.1:${port}`,
          ...reportingDatabaseEnv(db.url),
          O2C_TOPIC_PREFIX: prefix,
          REDIS_KEY_PREFIX: prefix,
          KAFKA_PARTITIONS: '2',
          KAFKA_PRODUCERS: '1',
          STARTUP_TIMEOUT_MS: '120000',
          HTTP_PORT: String(httpPorts[i]),
          LOG_LEVEL: 'info',
        }),
      );
    });

    const results = await Promise.allSettled(
      services.map((s, i) => waitFor200(`http://127.0.0.1:${httpPorts[i]}/readyz`, 150_000, s.exited)),
    );
    const failures = results.flatMap((r, i) => {
      if (r.status === 'fulfilled') return [];
      const s = services[i]!;
      return [`${SERVICES[i]}: ${(r.reason as Error).message}\n${s.stdout().slice(-4000)}\n${s.stderr().slice(-2000)}`];
    });
    const brokerLog = () => {
      try {
        return readFileSync(join(dir, 'logs/server.log'), 'utf8').slice(-3000);
      } catch {
        return brokerStderr;
      }
    };
    expect(failures, failures.length > 0 ? `broker:\n${brokerLog()}` : '').toEqual([]);
    // None of them died and came back: each started once.
    for (const s of services) expect(s.lines().filter((l) => l.level === 'fatal')).toEqual([]);
  });
});
