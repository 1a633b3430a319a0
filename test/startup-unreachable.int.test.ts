// Each service started with one dependency on a closed port and STARTUP_TIMEOUT_MS=2000: it retries for two seconds,
// then exits 1 with one fatal JSON line naming the variable and the address (password masked), and nothing raw on
// stderr (no "[ioredis] Unhandled error event"). The other dependencies are the real stack, so each run reaches the
// step it is about: the stateful services (exposure, delinquency, scoring) meet Kafka, then the registry, then Redis;
// reporting meets Postgres first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportingDatabaseEnv } from '../services/reporting/test/support.ts';
import { createTempDatabase, type TempDatabase } from '../shared/pg/testing.ts';
import { deleteTopics, testKafka, uniqueId } from './kafka.ts';
import { freePort, spawnService } from './service-spawn.ts';
import { getStack, type Stack } from './stack.ts';

const PASSWORD = 'hunter2-secret';

type Dependency = 'KAFKA_BROKERS' | 'SCHEMA_REGISTRY_URL' | 'REDIS_URL' | 'DATABASE_URL';

/** The variable pointing at `port`, where nothing listens, with a password in it where the URL can carry one. */
function closed(variable: Dependency, port: number): string {
  switch (variable) {
    case 'KAFKA_BROKERS':
      return `127.0.0.1:${port}`;
    case 'SCHEMA_REGISTRY_URL':
      return `http://127.0.0.1:${port}/apis/ccompat/v7`;
    case 'REDIS_URL':
      return `redis://:${PASSWORD}@127.0.0.1:${port}`;
    case 'DATABASE_URL':
      return `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/o2c`;
  }
}

const CASES: ReadonlyArray<[string, Dependency]> = [
  ['exposure', 'KAFKA_BROKERS'],
  ['exposure', 'SCHEMA_REGISTRY_URL'],
  ['exposure', 'REDIS_URL'],
  ['delinquency', 'KAFKA_BROKERS'],
  ['delinquency', 'SCHEMA_REGISTRY_URL'],
  ['delinquency', 'REDIS_URL'],
  ['scoring', 'KAFKA_BROKERS'],
  ['scoring', 'SCHEMA_REGISTRY_URL'],
  ['scoring', 'REDIS_URL'],
  ['reporting', 'DATABASE_URL'],
  ['reporting', 'KAFKA_BROKERS'],
  ['reporting', 'SCHEMA_REGISTRY_URL'],
];

let stack: Stack;
let db: TempDatabase;
const prefixes: string[] = [];

beforeAll(async () => {
  stack = await getStack();
  db = await createTempDatabase(stack.databaseUrl);
});

afterAll(async () => {
  // The registry cases created their topics before failing.
  const kafka = testKafka(stack);
  const admin = kafka.admin();
  await admin.connect();
  const ours = (await admin.listTopics()).filter((t) => prefixes.some((p) => t.startsWith(p)));
  await admin.disconnect();
  if (ours.length > 0) await deleteTopics(kafka, ours);
  await db?.drop();
});

describe('a dependency that never answers', () => {
  it.each(CASES)('%s with %s on a closed port exits 1 with one fatal line naming it', { timeout: 90_000 }, async (service, variable) => {
    const port = await freePort();
    const prefix = `${uniqueId('unreachable')}.`;
    prefixes.push(prefix);
    const child = spawnService(service, {
      ...stack.env,
      ...reportingDatabaseEnv(db.url),
      [variable]: closed(variable, port),
      STARTUP_TIMEOUT_MS: '2000',
      O2C_TOPIC_PREFIX: prefix,
      REDIS_KEY_PREFIX: prefix,
      KAFKA_GROUP_ID: prefix,
      KAFKA_PARTITIONS: '1',
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
    });
    const code = await Promise.race([
      child.exited,
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 75_000)),
    ]);
    if (code === 'hung') await child.stop(1000);
    const fatal = child.lines().filter((l) => l.level === 'fatal');
    const context = `stdout:\n${child.stdout().slice(-3000)}\nstderr:\n${child.stderr().slice(-2000)}`;
    expect(code, context).toBe(1);
    expect(fatal, context).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ service, variable });
    expect(String(fatal[0]!.msg)).toMatch(new RegExp(`^${variable} \\S*127\\.0\\.0\\.1:${port}\\S* unreachable after 2 s: ECONNREFUSED$`));
    expect(child.stderr(), context).not.toMatch(/Unhandled error event/);
    expect(child.stdout() + child.stderr()).not.toContain(PASSWORD);
  });
});

