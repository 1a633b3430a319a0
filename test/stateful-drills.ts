// Fault drills for the stateful services (exposure, delinquency) on the real stack, the guarantees of README.md: a
// history pre-loaded into a sandbox of its own (test/stateful-sandbox.ts), the service run as child processes
// (test/service-spawn.ts) that a drill kills with SIGKILL, cuts off from its Redis, scales out and in, or pauses past
// its session, at points drawn from a seed printed in the log; then what it left is compared with its core replayed
// over the same topics in event-time order (tools/bench/src/determinism-check.ts, the bench's own check): every
// derived event by id and encoded bytes, no id published with two contents, every dead letter, and every entity's
// state in Redis. Pre-loaded topics make the service's order the core's (it waits on a topic behind its log end), so
// a fault may change when things happen, never what.
//
// Fault points are progress points (records of the input topics applied, read from Redis), not delays, so a seed
// names the same points on a fast or a loaded machine; every wait is on a condition, with a generous limit.
import { randomInt } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyEvent, TopicRegistry, TopicSpec } from '../shared/contracts/topics.ts';
import type { StateCodec } from '../shared/stateful/state-codec.ts';
import { PartitionStore } from '../shared/redis/partition-store.ts';
import { SERVICE as DELINQUENCY, loadDelinquencyConfig } from '../services/delinquency/src/config.ts';
import { DelinquencyDomain } from '../services/delinquency/src/adapters/partition-domain.ts';
import { SERVICE as EXPOSURE, loadExposureConfig, policyOf } from '../services/exposure/src/config.ts';
import { inputTopics as exposureInputs } from '../services/exposure/src/service.ts';
import { ExposureDomain } from '../services/exposure/src/adapters/exposure-domain.ts';
import { parsePromText, sumOf } from '../tools/demo/src/prom-text.ts';
import { delinquencyReference, exposureReference, type DeterminismCheck, type Reference } from '../tools/bench/src/determinism-check.ts';
import { canonicalJson, digestOf, type Differences } from '../tools/bench/src/determinism.ts';
import { partitionEnds } from '../tools/bench/src/topic-reader.ts';
import { waitUntil } from './kafka.ts';
import { PrivateRedis } from './redis-server.ts';
import { freePort, spawnService, type Spawned } from './service-spawn.ts';
import { openSandbox, produceEvents, readAll, type Sandbox } from './stateful-sandbox.ts';
import { getStack, type Stack } from './stack.ts';

export type StatefulService = typeof EXPOSURE | typeof DELINQUENCY;

/** mulberry32: fault points reproducible from the seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** DRILL_SEED when set (to replay a run's fault points), else a new one; printed either way. */
export function drillSeed(what: string): number {
  const seed = process.env.DRILL_SEED !== undefined ? Number(process.env.DRILL_SEED) : randomInt(2 ** 31);
  console.log(`${what}: seed ${seed} (DRILL_SEED=${seed} reproduces its fault points)`);
  return seed;
}

/** `n` fractions of a stream, one drawn in each of n equal slices of [0.05, 0.9]: distinct, ascending points. */
export function faultPoints(random: () => number, n: number): number[] {
  const width = 0.85 / n;
  return Array.from({ length: n }, (_, i) => 0.05 + width * (i + 0.1 + 0.8 * random()));
}

/** One record of a history to pre-load; `partition` only for what must not follow its key (ticks). */
export type HistoryRecord = { spec: TopicSpec; event: AnyEvent; partition?: number };

/** What differs between the services, in one place. */
interface ServiceKind {
  inputs(t: TopicRegistry): readonly TopicSpec[];
  reference(c: Parameters<typeof exposureReference>[0]): Promise<Reference>;
  codec(t: TopicRegistry, env: Record<string, string>): StateCodec<unknown>;
}

const KINDS: Record<StatefulService, ServiceKind> = {
  exposure: {
    inputs: (t) => exposureInputs(t),
    reference: exposureReference,
    codec: (topics, env) => new ExposureDomain({ topics, policy: policyOf(loadExposureConfig(env)) }).codec as StateCodec<unknown>,
  },
  delinquency: {
    inputs: (t) => [t.INVOICES, t.PAYMENTS, t.CUSTOMERS],
    reference: delinquencyReference,
    codec: (topics, env) => {
      const config = loadDelinquencyConfig(env);
      return new DelinquencyDomain({ topics, policy: config.policy, service: DELINQUENCY, now: () => new Date(0), sameDayOrder: config.DELINQUENCY_SAME_DAY_ORDER }).codec as StateCodec<unknown>;
    },
  },
};

/** One instance of the service: its own process, its /metrics on a port of its own. */
export class Instance {
  private expectExit = false;

  private constructor(
    readonly spawned: Spawned,
    readonly port: number,
    readonly label: string,
  ) {}

  static async spawn(service: StatefulService, env: Record<string, string>, label: string): Promise<Instance> {
    const port = await freePort();
    return new Instance(spawnService(service, { ...env, HTTP_PORT: String(port) }), port, label);
  }

  get exited(): boolean {
    return this.spawned.child.exitCode !== null || this.spawned.child.signalCode !== null;
  }

  /** Throws when the process ended without a drill asking it to, with the end of its stderr. */
  assertRunning(): void {
    if (this.exited && !this.expectExit) {
      throw new Error(`${this.label} exited (${this.spawned.child.exitCode ?? this.spawned.child.signalCode}): ${this.spawned.stderr().slice(-2000)}${this.spawned.stdout().slice(-2000)}`);
    }
  }

  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.spawned.child.kill(signal);
  }

  async kill(): Promise<void> {
    this.expectExit = true;
    this.spawned.child.kill('SIGKILL');
    await this.spawned.exited;
  }

  /** SIGTERM: a clean stop finishes its batch, publishes and leaves the group; exit code 0. */
  async stop(): Promise<void> {
    this.expectExit = true;
    this.spawned.child.kill('SIGCONT');
    expect(await this.spawned.stop(60_000), `${this.label}'s exit code`).toBe(0);
  }

  /** The sum of a metric's samples on /metrics; undefined while it does not answer (starting, busy, paused). */
  async metric(name: string): Promise<number | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.port}/metrics`, { signal: AbortSignal.timeout(5000) });
      return res.ok ? sumOf(parsePromText(await res.text()), name) : undefined;
    } catch {
      return undefined;
    }
  }
}

/** A sandbox, the service's instances and its Redis, for one drill. */
export class Drill {
  readonly instances: Instance[] = [];
  private ends = new Map<string, Map<number, bigint>>();
  private spawned = 0;
  total = 0;

  private constructor(
    readonly service: StatefulService,
    readonly box: Sandbox,
    readonly admin: Admin,
    /** Where the service keeps its state: the shared Redis (its own prefix) or a drill's private redis-server. */
    readonly redis: Redis,
    readonly store: PartitionStore,
    readonly partitions: number,
    readonly env: Record<string, string>,
  ) {}

  static async open(
    stack: Stack,
    o: { service: StatefulService; name: string; partitions: number; redisUrl?: string; env?: Record<string, string> },
  ): Promise<Drill> {
    const box = await openSandbox(stack, o.name, o.partitions);
    const admin = box.kafka.admin();
    await admin.connect();
    const redisUrl = o.redisUrl ?? stack.redisUrl;
    // Fails a read at once while a private server is down on purpose, and reconnects once it is back.
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 100 });
    redis.on('error', () => undefined);
    await redis.connect();
    const env = {
      ...box.env,
      REDIS_URL: redisUrl,
      // A member that died or hangs loses its partitions within seconds, not kafkajs' default 30.
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
      ...o.env,
    };
    return new Drill(o.service, box, admin, redis, new PartitionStore(redis, o.service, box.redisPrefix), o.partitions, env);
  }

  get inputs(): readonly TopicSpec[] {
    return KINDS[this.service].inputs(this.box.topics);
  }

  /** Writes the history to the input topics before any instance runs, and notes where each partition ends. */
  async preload(records: readonly HistoryRecord[]): Promise<void> {
    await produceEvents(this.box, records, 5000);
    this.ends = await partitionEnds(this.admin, this.inputs.map((t) => t.name));
    this.total = [...this.ends.values()].reduce((n, ps) => n + [...ps.values()].reduce((a, b) => a + Number(b), 0), 0);
  }

  /** The core's replay of the pre-loaded topics (read back from Kafka), as the bench's determinism check builds it. */
  async reference(): Promise<Reference> {
    return KINDS[this.service].reference({
      kafka: this.box.kafka,
      admin: this.admin,
      serde: this.box.serde,
      topics: this.box.topics,
      serviceEnv: this.env,
      groupPrefix: `${this.box.groupId}-`,
      signal: new AbortController().signal,
      samplesDir: await mkdtemp(join(tmpdir(), 'o2c-drill-')),
    });
  }

  async spawn(extra: Record<string, string> = {}): Promise<Instance> {
    const instance = await Instance.spawn(this.service, { ...this.env, ...extra }, `${this.service} #${++this.spawned}`);
    this.instances.push(instance);
    return instance;
  }

  /** Records of the input topics the service committed to Redis as applied; undefined while Redis does not answer. */
  async applied(): Promise<number | undefined> {
    try {
      let n = 0;
      for (let p = 0; p < this.partitions; p++) {
        const { offsets } = await this.store.load(p, []);
        for (const [topic, ends] of this.ends) n += Math.min(Number(offsets.get(topic) ?? 0n), Number(ends.get(p) ?? 0n));
      }
      return n;
    } catch {
      return undefined;
    }
  }

  /** Each partition's fence version in Redis. */
  async versions(): Promise<number[]> {
    return Promise.all(Array.from({ length: this.partitions }, async (_, p) => (await this.store.load(p, [])).version));
  }

  /** Partitions with records the service has not applied yet. */
  async unfinished(): Promise<number[]> {
    const out: number[] = [];
    for (let p = 0; p < this.partitions; p++) {
      const { offsets } = await this.store.load(p, []);
      if ([...this.ends].some(([topic, ends]) => (offsets.get(topic) ?? 0n) < (ends.get(p) ?? 0n))) out.push(p);
    }
    return out;
  }

  /** Polls `condition` (failing fast when an instance died unasked) until it holds. */
  async waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 240_000): Promise<void> {
    try {
      await waitUntil(
        async () => {
          for (const i of this.instances) i.assertRunning();
          return condition();
        },
        what,
        timeoutMs,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; ${await this.progress()}`, { cause: error });
    }
  }

  /** Applied offsets against the ends, and the end of the running instances' logs: what a timed-out wait saw. */
  private async progress(): Promise<string> {
    const offsets = await Promise.all(Array.from({ length: this.partitions }, (_, p) => this.store.load(p, []).then((l) => l.offsets, () => undefined)));
    const lines = [...this.ends].map(([topic, ends]) => `${topic}: ${[...ends].map(([p, end]) => `${p}:${offsets[p]?.get(topic) ?? '?'}/${end}`).join(' ')}`);
    for (const i of this.instances.filter((x) => !x.exited)) lines.push(`${i.label}: ${i.spawned.stdout().slice(-3000)}${i.spawned.stderr().slice(-1000)}`);
    return lines.join('\n');
  }

  /** Resolves once at least `fraction` of the history is applied. */
  async waitApplied(fraction: number): Promise<number> {
    const target = Math.ceil(fraction * this.total);
    let seen = 0;
    await this.waitFor(async () => (seen = (await this.applied()) ?? 0) >= target, `${target} of ${this.total} records applied`);
    return seen;
  }

  waitCaughtUp(): Promise<number> {
    return this.waitApplied(1);
  }

  /** Members of the service's consumer group, once the group is stable. */
  async members(): Promise<number | undefined> {
    const { groups } = await this.admin.describeGroups([this.box.groupId]);
    return groups[0]?.state === 'Stable' ? groups[0].members.length : undefined;
  }

  /** Deletes every key of the service (its state, offsets, outbox and index) while it runs. */
  async deleteKeys(): Promise<number> {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.box.redisPrefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) deleted += await this.redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  }

  /**
   * What the service left equals its core's replay: every derived event by id and bytes (none missing, none extra,
   * none with other or with two contents), every dead letter, exposure's last snapshot per customer, and every
   * entity's state in Redis. Call once every instance has stopped.
   */
  async expectAsCore(ref: Reference, o: { lateSnapshots?: boolean } = {}): Promise<DeterminismCheck> {
    const check = await ref.check({ exclude: new Set() });
    const counts = (d: Differences | undefined) => d && { missing: d.missing, extra: d.extra, different: d.different, samples: d.samples };
    const none = { missing: 0, extra: 0, different: 0, samples: { missing: [], extra: [], different: [] } };
    expect(check.events.expected, 'the history derives events').toBeGreaterThan(0);
    expect(counts(check.events), `derived events against the core's (samples in ${check.samplesFile})`).toEqual(none);
    expect(counts(check.deadLetters), 'dead letters against the inputs the core rejects').toEqual(none);
    if (check.snapshots && !o.lateSnapshots) expect(counts(check.snapshots), "last snapshot per customer against the core's").toEqual(none);
    if (check.snapshots && o.lateSnapshots) await this.expectFinalSnapshotsPublished(ref, check.snapshots);

    const codec = KINDS[this.service].codec(this.box.topics, this.env);
    const problems: string[] = [];
    let compared = 0;
    for (const [partition, states] of ref.expected.states) {
      const ids = [...states.keys()];
      const loaded = await this.store.load(partition, ids);
      for (const id of ids) {
        const want = states.get(id);
        const got = loaded.states.get(id);
        compared++;
        if (want === undefined || got === undefined) {
          if (want !== got) problems.push(`${partition}/${id}: ${got === undefined ? 'missing in Redis' : 'in Redis, not in the core'}`);
          continue;
        }
        // Both through the service's own codec: the same content reads the same whatever order its fields were set in.
        const a = canonicalJson(codec.decode(got, id));
        const b = canonicalJson(codec.decode(codec.encode(want), id));
        if (a !== b) problems.push(`${partition}/${id}: Redis ${a.slice(0, 300)} vs core ${b.slice(0, 300)}`);
      }
    }
    expect(compared, 'entities compared').toBeGreaterThan(0);
    expect(problems.slice(0, 5), `${problems.length} of ${compared} states differ from the core's`).toEqual([]);
    return check;
  }

  /**
   * A continued stale instance still delivers records of its partitions late (a republished outbox it read before the
   * new owner trimmed it, or one sent between the outbox's fence and the send: README "Effectively-once state"), so
   * the compacted topic's last record of a customer may be an older snapshot than its final one. Known gap: what
   * holds is that every customer's final snapshot, the core's, was published.
   */
  private async expectFinalSnapshotsPublished(ref: Reference, byOffset: Differences): Promise<void> {
    const spec = this.box.topics.EXPOSURE;
    const published = new Map<string, Set<string>>();
    for (const m of await readAll(this.box.kafka, spec.name)) {
      const e = await this.box.serde.decode(spec, m.value);
      const digests = published.get(e.customerId) ?? new Set<string>();
      digests.add(digestOf(canonicalJson(e.payload)));
      published.set(e.customerId, digests);
    }
    const unpublished = [...ref.expected.snapshots].filter(([id, digest]) => !published.get(id)?.has(digest)).map(([id]) => id);
    console.log(`${this.service}: ${byOffset.different} customers' last snapshot by offset is not their final one (a stale instance's late delivery)`);
    expect(unpublished.slice(0, 5), `customers whose final snapshot (the core's) was never published, of ${ref.expected.snapshots.size}`).toEqual([]);
    expect([...published.keys()].sort()).toEqual([...ref.expected.snapshots.keys()].sort());
  }

  /** Stops what is still running (continued first if paused), removes the sandbox and the service's keys. */
  async close(): Promise<void> {
    for (const i of this.instances) {
      if (!i.exited) {
        i.signal('SIGCONT');
        await i.kill();
      }
    }
    await this.deleteKeys().catch(() => undefined);
    this.redis.disconnect();
    await this.admin.disconnect();
    await this.box.close();
  }
}

const STALE_COMMITS = 'o2c_stale_commits_total';
const GROUP_JOINS = 'o2c_consumer_group_joins_total';

const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** a. SIGKILL at `kills` points of the stream, a new instance started after each; returns the records applied at each kill. */
export async function killDrill(drill: Drill, seed: number, kills: number): Promise<number[]> {
  const points = faultPoints(prng(seed), kills);
  let instance = await drill.spawn();
  const at: number[] = [];
  for (const point of points) {
    // Past the point, and past the last kill: every instance is killed after it applied something of its own.
    at.push(await drill.waitApplied(Math.max(point, ((at.at(-1) ?? -1) + 1) / drill.total)));
    await instance.kill();
    instance = await drill.spawn();
  }
  await drill.waitCaughtUp();
  await instance.stop();
  console.log(`${drill.service}: killed with SIGKILL at ${at.join(', ')} of ${drill.total} records applied`);
  return at;
}

/**
 * b. The service's private Redis shut down with SAVE and started again on its data at one point, and every key of the
 * service deleted at a later one, while it runs: it goes on from the saved state, then rebuilds from the log.
 */
export async function redisDrill(drill: Drill, redis: { shutdownSave(): Promise<void>; launch(): Promise<void> }, seed: number): Promise<void> {
  const random = prng(seed);
  // The deletion while every partition still has records to come: a partition that has none left is rebuilt only
  // when its next record arrives.
  const restartAt = 0.05 + 0.25 * random();
  const deleteAt = 0.35 + 0.15 * random();
  const instance = await drill.spawn();
  const before = await drill.waitApplied(restartAt);
  await redis.shutdownSave();
  await redis.launch();
  let after: number | undefined;
  await drill.waitFor(async () => (after = await drill.applied()) !== undefined, 'the restarted Redis to answer');
  expect(after, 'records applied, read back right after the restart: the saved state').toBeGreaterThanOrEqual(before);
  const beforeDelete = await drill.waitApplied(deleteAt);
  expect(await drill.unfinished(), 'partitions with records to come when the keys are deleted').toHaveLength(drill.partitions);
  expect(await drill.deleteKeys(), "the service's keys deleted").toBeGreaterThan(0);
  await drill.waitCaughtUp();
  await instance.stop();
  console.log(`${drill.service}: Redis restarted at ${before}, keys deleted at ${beforeDelete} of ${drill.total} records applied`);
}

/** c. One instance, then three once part of the stream is applied, then one again: the group rebalances twice mid-stream. */
export async function scaleDrill(drill: Drill, seed: number): Promise<void> {
  const random = prng(seed);
  const first = await drill.spawn();
  // The two others are started once the first applies records: they join while it works alone.
  await drill.waitApplied(0.01 * random());
  const added = [await drill.spawn(), await drill.spawn()];
  await drill.waitFor(async () => (await drill.members()) === 3, 'three members in the group');
  const scaledOut = (await drill.applied()) ?? 0;
  // Every instance applies records while the three share the partitions.
  await drill.waitFor(async () => (await Promise.all(added.map((i) => i.metric(GROUP_JOINS)))).every((n) => (n ?? 0) > 0), 'both new instances to get partitions');
  const scaledIn = await drill.waitApplied(Math.min(scaledOut / drill.total + 0.1 + 0.2 * random(), 0.95));
  await Promise.all(added.map((i) => i.stop()));
  await drill.waitCaughtUp();
  await first.stop();
  expect(scaledOut, 'scaled out before the end of the stream').toBeLessThan(drill.total);
  console.log(`${drill.service}: 1 -> 3 instances at ${scaledOut}, 3 -> 1 at ${scaledIn} of ${drill.total} records applied`);
}

/**
 * d. An instance paused with SIGSTOP while it works, past its session, until another has taken over and committed on
 * every partition left unfinished; then continued. The fence refuses what the paused one commits from its stale
 * cache (o2c_stale_commits_total on it moves). The other is started during the first pause (so the takeover never
 * waits on a join that might come after the end of the stream); a pause that caught the instance between batches is
 * tried again, the two then sharing the partitions.
 */
export async function staleDrill(drill: Drill, seed: number, maxAttempts = 4): Promise<number> {
  const random = prng(seed);
  const stale = await drill.spawn();
  let live: Instance | undefined;
  await drill.waitFor(async () => ((await stale.metric(GROUP_JOINS)) ?? 0) > 0, 'the first instance to join');
  for (let attempt = 1; ; attempt++) {
    const started = Date.now();
    const point = await drill.waitApplied(Math.min(((await drill.applied()) ?? 0) / drill.total + 0.02 + 0.08 * random(), 0.9));
    // Paused right after it answered while its partitions have records to come: most likely inside a batch, between
    // its load and its commit, since it answers between the awaits of its batches.
    let joins: number | undefined;
    await drill.waitFor(async () => (joins = await stale.metric(GROUP_JOINS)) !== undefined, 'the instance to be paused to answer');
    stale.signal('SIGSTOP');
    const versions = await drill.versions();
    const open = await drill.unfinished();
    expect(open.length, 'partitions with records to come when the instance is paused').toBeGreaterThan(0);
    live ??= await drill.spawn();
    // Only the live instance commits while the other is paused: every unfinished partition's version moving is the takeover.
    await drill.waitFor(async () => {
      const now = await drill.versions();
      return open.every((p) => now[p]! > versions[p]!);
    }, 'the live instance to commit on every unfinished partition');
    stale.signal('SIGCONT');
    // Back, it finishes what it held, then rejoins the group.
    await drill.waitFor(async () => ((await stale.metric(GROUP_JOINS)) ?? 0) > joins! && (await drill.members()) === 2, 'the continued instance to rejoin');
    const refused = (await stale.metric(STALE_COMMITS)) ?? 0;
    const applied = (await drill.applied()) ?? 0;
    console.log(
      `${drill.service}: pause ${attempt} at ${point} records applied (${elapsed(started)}, partitions ${open.join(',')} unfinished): ` +
        `${refused} stale commits refused, ${applied} of ${drill.total} applied`,
    );
    if (refused > 0) {
      await drill.waitCaughtUp();
      await Promise.all([stale.stop(), live.stop()]);
      return refused;
    }
    if (attempt >= maxAttempts || applied >= drill.total) throw new Error(`the paused instance never committed from a stale cache in ${attempt} pauses`);
  }
}

export type DrillName = 'kill' | 'redis' | 'scale' | 'stale';
/**
 * A drill's stream: 'longest' is the stale drill's, whose every pause may see the live instance apply a large share
 * of the stream, so that a pause that caught the other between batches leaves records for the next attempt.
 */
export type HistorySize = 'short' | 'long' | 'longest';

export interface GuaranteeSubject {
  service: StatefulService;
  partitions: number;
  /** The history pre-loaded for a drill: `long` (about 100,000 input records) or `short`. */
  history(topics: TopicRegistry, size: HistorySize): readonly HistoryRecord[];
  /** The service's own checks after the core's, for the drills named (`kill`, `redis`, `scale`, `stale`). */
  alsoCheck?: { drills: ReadonlySet<DrillName>; check(drill: Drill, ref: Reference): Promise<void> };
}

const DRILL_TIMEOUT_MS = 420_000;

/** The four drills of README.md's Guarantees for one service, each on a sandbox and a history of its own. */
export function describeGuarantees(subject: GuaranteeSubject): void {
  const { service } = subject;
  let stack: Stack;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    stack = await getStack();
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => console.error(e));
  });

  async function run(what: DrillName, size: HistorySize, drill: (d: Drill, seed: number) => Promise<unknown>, redisUrl?: string) {
    const started = Date.now();
    const seed = drillSeed(`${service} ${what}`);
    const d = await Drill.open(stack, { service, name: `${service.slice(0, 3)}-${what}`, partitions: subject.partitions, ...(redisUrl ? { redisUrl } : {}) });
    cleanups.push(() => d.close());
    await d.preload(subject.history(d.box.topics, size));
    const loaded = Date.now();
    const reference = d.reference(); // the core's replay runs beside the service
    reference.catch(() => undefined);
    await drill(d, seed);
    const ref = await reference;
    const ran = Date.now();
    const check = await d.expectAsCore(ref, { lateSnapshots: what === 'stale' });
    if (subject.alsoCheck?.drills.has(what)) await subject.alsoCheck.check(d, ref);
    console.log(
      `${service} ${what}: ${d.total} input records, ${check.events.expected} derived events as the core's; ` +
        `pre-load ${((loaded - started) / 1000).toFixed(1)} s, drill ${((ran - loaded) / 1000).toFixed(1)} s, checks ${elapsed(ran)}, total ${elapsed(started)}`,
    );
  }

  describe(`${service} guarantees on the real stack`, () => {
    it('a. killed with SIGKILL at 5 random points of a 100,000-record stream and restarted each time: as the core', () =>
      run('kill', 'long', (d, seed) => killDrill(d, seed, 5)), DRILL_TIMEOUT_MS);

    it('b. its Redis shut down with SAVE and restarted mid-stream, then its keys deleted while it runs: as the core', async () => {
      const redis = await PrivateRedis.start();
      cleanups.push(() => redis.remove());
      await run('redis', 'short', (d, seed) => redisDrill(d, redis, seed), redis.url);
    }, DRILL_TIMEOUT_MS);

    it('c. scaled from 1 to 3 instances and back to 1 mid-stream: as the core', () =>
      run('scale', 'long', (d, seed) => scaleDrill(d, seed)), DRILL_TIMEOUT_MS);

    it('d. an instance paused with SIGSTOP past its session while another takes over, then continued: its commits are refused as stale, as the core', () =>
      run('stale', 'longest', async (d, seed) => expect(await staleDrill(d, seed)).toBeGreaterThan(0)), DRILL_TIMEOUT_MS);
  });
}
