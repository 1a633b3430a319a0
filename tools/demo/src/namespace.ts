// Every demo run gets a namespace of its own, so a re-run never mixes with an earlier one and never touches what
// tests or other environments keep on the same stack: a topic prefix (and so its own schema subjects), a Redis key
// prefix, consumer groups, and a Postgres database (the reporting schema has fixed table names, so the database is
// the unit of isolation). Nothing outside the namespace is deleted or truncated.
//
// A run stays in place after the demo exits, so its data can be explored; the next demo removes the namespaces of
// earlier runs whose process is gone (recorded under .demo/runs/), and tests remove theirs when done.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { topicRegistry, type TopicRegistry } from '../../../shared/contracts/topics.ts';
import { urlAs } from '../../../shared/pg/pool.ts';
import type { StackEndpoints } from './stack-endpoints.ts';

export interface DemoNamespace {
  /** Lower-case letters and digits: valid in topic names, Redis keys and Postgres identifiers alike. */
  readonly runId: string;
  readonly topicPrefix: string;
  readonly redisPrefix: string;
  /** The reporting database of this run, on the Postgres server of DATABASE_URL. */
  readonly database: string;
}

const RUN_ID = /^d[0-9a-z]{14}$/;

/** A new run id: creation time in base 36 (sortable) and random bits. */
export function newRunId(now: number, random: Buffer = randomBytes(4)): string {
  return `d${now.toString(36).padStart(9, '0')}${random.readUInt32BE(0).toString(36).padStart(7, '0').slice(-5)}`;
}

export function namespaceOf(runId: string): DemoNamespace {
  if (!RUN_ID.test(runId)) throw new RangeError(`not a demo run id: ${runId}`);
  return Object.freeze({
    runId,
    topicPrefix: `demo.${runId}.`,
    redisPrefix: `o2c-demo-${runId}`,
    database: `o2c_demo_${runId}`,
  });
}

export const topicsOf = (ns: DemoNamespace): TopicRegistry => topicRegistry(ns.topicPrefix);

export const groupIdOf = (ns: DemoNamespace, service: string): string => `${ns.topicPrefix}${service}`;

/** DATABASE_URL with its database replaced. */
export function databaseUrlFor(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** What every service of the run reads, on top of the stack endpoints. */
export function serviceEnv(ns: DemoNamespace, endpoints: StackEndpoints, service: string): Record<string, string> {
  return {
    KAFKA_BROKERS: endpoints.KAFKA_BROKERS,
    SCHEMA_REGISTRY_URL: endpoints.SCHEMA_REGISTRY_URL,
    REDIS_URL: endpoints.REDIS_URL,
    // The sink writes as o2c_writer and migrates as DATABASE_URL's role, the run database's owner; a development
    // tool, so the roles get their development passwords.
    DATABASE_URL: urlAs(databaseUrlFor(endpoints.DATABASE_URL, ns.database), 'o2c_writer', 'o2c_writer'),
    MIGRATION_DATABASE_URL: databaseUrlFor(endpoints.DATABASE_URL, ns.database),
    O2C_DEV_ROLE_PASSWORDS: '1',
    O2C_TOPIC_PREFIX: ns.topicPrefix,
    REDIS_KEY_PREFIX: ns.redisPrefix,
    KAFKA_GROUP_ID: groupIdOf(ns, service),
    KAFKA_CLIENT_ID: `${ns.topicPrefix}${service}`,
    // The simulator's ticks drive the business date: a live tick for today would age every invoice at once.
    LIVE_CLOCK: 'false',
  };
}

async function withPg<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrlFor(databaseUrl, 'postgres'), application_name: 'o2c-demo' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates the run's empty database (on the server of `databaseUrl`, through its maintenance database). */
export async function createDatabase(ns: DemoNamespace, databaseUrl: string): Promise<void> {
  try {
    await withPg(databaseUrl, (c) => c.query(`CREATE DATABASE ${ns.database}`));
  } catch (e) {
    const server = new URL(databaseUrl).host;
    throw new Error(`cannot create the run's database ${ns.database} on ${server} (the DATABASE_URL role needs CREATEDB): ${(e as Error).message}`);
  }
}

/** Removes everything of a run; what is already gone is skipped. Errors of one part do not stop the others. */
export async function removeNamespace(ns: DemoNamespace, endpoints: StackEndpoints): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
    }
  };
  const kafka = new kafkajs.Kafka({
    clientId: 'o2c-demo-cleanup',
    brokers: endpoints.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await attempt('Kafka', async () => {
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(ns.topicPrefix));
      if (topics.length > 0) await admin.deleteTopics({ topics });
      const { groups } = await admin.listGroups();
      const ours = groups.map((g) => g.groupId).filter((g) => g.startsWith(ns.topicPrefix));
      if (ours.length > 0) await admin.deleteGroups(ours);
    } finally {
      await admin.disconnect();
    }
  });
  await attempt('schema registry', async () => {
    const base = endpoints.SCHEMA_REGISTRY_URL.replace(/\/$/, '');
    const res = await fetch(`${base}/subjects`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`GET /subjects answered ${res.status}`);
    const subjects = ((await res.json()) as string[]).filter((s) => s.startsWith(ns.topicPrefix));
    for (const subject of subjects) {
      // Soft delete first: a registry deletes a subject permanently only once it is soft-deleted.
      for (const query of ['', '?permanent=true']) {
        const url = `${base}/subjects/${encodeURIComponent(subject)}${query}`;
        await fetch(url, { method: 'DELETE', signal: AbortSignal.timeout(5000) });
      }
    }
  });
  await attempt('Redis', async () => {
    const redis = new Redis(endpoints.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${ns.redisPrefix}:*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  });
  await attempt('Postgres', () =>
    withPg(endpoints.DATABASE_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${ns.database} WITH (FORCE)`)),
  );
  return problems;
}

/** The record of a run, `<runsDir>/<runId>/run.json` next to its logs, so a later demo can tell a finished run. */
interface RunRecord {
  runId: string;
  pid: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function recordRun(runDir: string, ns: DemoNamespace, pid: number): Promise<void> {
  await mkdir(runDir, { recursive: true });
  const record: RunRecord = { runId: ns.runId, pid };
  await writeFile(join(runDir, 'run.json'), `${JSON.stringify(record)}\n`);
}

/** Removes the namespaces (and log folders) of recorded runs whose demo process has ended; returns their run ids. */
export async function removeFinishedRuns(runsDir: string, endpoints: StackEndpoints): Promise<string[]> {
  const dirs = await readdir(runsDir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const dir of dirs.filter((d) => RUN_ID.test(d))) {
    let record: RunRecord;
    try {
      record = JSON.parse(await readFile(join(runsDir, dir, 'run.json'), 'utf8')) as RunRecord;
    } catch {
      continue; // a demo starting right now has not written it yet
    }
    if (record.runId !== dir || alive(record.pid)) continue;
    const problems = await removeNamespace(namespaceOf(record.runId), endpoints);
    // Keep the folder when a part could not be removed (a stack part down), to try again next time.
    if (problems.length === 0) {
      await rm(join(runsDir, dir), { recursive: true, force: true });
      removed.push(record.runId);
    }
  }
  return removed;
}
