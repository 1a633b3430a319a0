// The demo from start to finish: stack, a fresh namespace, a local SMTP sink, the five services as child processes
// (notifications mailing the simulated customers that have an address to the sink), the simulator in this process for
// the given time with a live line, a wait until the services have caught up and every addressed notice is mailed, a
// clean stop, and the summary read back from Postgres and the sink.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import kafkajs, { type Admin } from 'kafkajs';
import pino from 'pino';
import { createPool, type Pool } from '../../../shared/pg/pool.ts';
import { migrate } from '../../../shared/pg/migrate.ts';
import { createLogger } from '../../../shared/logger.ts';
import { dayOf, isoFromDay, startOfDay } from '../../../shared/time.ts';
import { endProgress, progressLine, sleep } from '../../lib/cli.ts';
import { openEventSink, type EventSink } from '../../lib/kafka-sink.ts';
import type { OutRecord } from '../../lib/out-record.ts';
import { pump, type PumpProgress } from '../../lib/pump.ts';
import { releaseAt } from '../../simulator/src/business-clock.ts';
import { simulate } from '../../simulator/src/simulate.ts';
import {
  createDatabase,
  databaseUrlFor,
  namespaceOf,
  newRunId,
  recordRun,
  removeFinishedRuns,
  serviceEnv,
  topicsOf,
  type DemoNamespace,
} from './namespace.ts';
import { defaultStartDay, type DemoOptions } from './options.ts';
import { caughtUp, readService, type ServiceReading } from './pipeline-state.ts';
import { progressText } from './progress.ts';
import { parsePromText } from './prom-text.ts';
import { startMailSink, type MailSink } from './mail-sink.ts';
import { addressedNotices, agingAt, decisionCounts, delinquencyCounts, delinquentCustomers, noticeCounts, riskClassCounts, topHeldCustomers } from './reporting-queries.ts';
import { describeExit, freePort, SERVICE_NAMES, ServiceProcess, tailOf, type Exit } from './service-process.ts';
import { resolveStack, type StackEndpoints } from './stack-endpoints.ts';
import type { DemoSummary } from './summary.ts';
import { endOffsetSums } from '../../lib/end-offsets.ts';

const HEALTHY_WITHIN_MS = 120_000;
const CATCH_UP_WITHIN_MS = 60_000;
const STOP_GRACE_MS = 40_000;
const TOP_HELD = 5;
const PARTITIONS = 12;
/** The simulated history is dated in the past (up to years with --days): the demo mails every notice to its sink. */
const DEMO_MAX_NOTICE_AGE_DAYS = 36_500;

/** What the notifications service needs to mail to the demo's sink (no credentials: it listens on loopback only). */
export function demoSmtpEnv(port: number): Record<string, string> {
  return {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(port),
    SMTP_FROM: 'Credit control <credit-control@demo.o2c.invalid>',
    SMTP_MAX_NOTICE_AGE_DAYS: String(DEMO_MAX_NOTICE_AGE_DAYS),
  };
}

export interface DemoResult {
  summary: DemoSummary | undefined;
  /** Why the run failed (a service died, never became healthy, or exited non-zero); empty on success. */
  failures: string[];
}

export interface DemoContext {
  repoRoot: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM: the demo stops the simulator and the services, and reports what it has. */
  signal: AbortSignal;
  /** A status message for the user (stdout, or stderr under --json). */
  say: (text: string) => void;
}

/** One reading of every service's /metrics; a service that does not answer is left out. */
async function readAll(services: readonly ServiceProcess[]): Promise<ServiceReading[]> {
  const readings = await Promise.all(
    services.map(async (s) => {
      try {
        return readService(s.name, parsePromText(await s.metrics()));
      } catch {
        return undefined;
      }
    }),
  );
  return readings.filter((r): r is ServiceReading => r !== undefined);
}

export async function runDemo(options: DemoOptions, ctx: DemoContext): Promise<DemoResult> {
  const demoDir = join(ctx.repoRoot, '.demo');
  const runsDir = join(demoDir, 'runs');
  const ns = namespaceOf(newRunId(Date.now()));
  const runDir = join(runsDir, ns.runId);
  await mkdir(runDir, { recursive: true });
  // The folder ignores itself, so no run's logs ever show up in git status.
  await writeFile(join(demoDir, '.gitignore'), '*\n');

  const { endpoints, source } = await resolveStack({
    repoRoot: ctx.repoRoot,
    env: ctx.env,
    stackUp: options.stackUp,
    logFile: join(runDir, 'stack-up.log'),
    onStackUp: () => ctx.say('bringing the local stack up (stack/up.sh; the first time fetches Kafka and the registry)...'),
  });
  ctx.say(`stack (${source === 'env' ? 'from the environment' : 'local'}): Kafka ${endpoints.KAFKA_BROKERS}`);
  const removed = await removeFinishedRuns(runsDir, endpoints);
  if (removed.length > 0) ctx.say(`removed ${removed.length} earlier demo run(s): ${removed.join(', ')}`);
  await recordRun(runDir, ns, process.pid);

  const databaseUrl = databaseUrlFor(endpoints.DATABASE_URL, ns.database);
  await createDatabase(ns, endpoints.DATABASE_URL);
  const pool = createPool(databaseUrl, { applicationName: 'o2c-demo', max: 2 });
  // The producer's own warnings (kafkajs) go to the run's folder, not across the progress line.
  const destination = pino.destination({ dest: join(runDir, 'demo.log'), sync: true });
  const logger = createLogger('demo', { level: 'warn', destination });
  const admin = new kafkajs.Kafka({
    clientId: `${ns.topicPrefix}demo`,
    brokers: endpoints.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    logLevel: kafkajs.logLevel.NOTHING,
  }).admin();
  let sink: EventSink | undefined;
  let mails: MailSink | undefined;
  const services: ServiceProcess[] = [];
  try {
    mails = await startMailSink(join(runDir, 'mails.jsonl'));
    // Migrations before any service starts, so the summary never races the reporting service's own migration.
    await migrate(pool, { component: 'reporting', dir: join(ctx.repoRoot, 'services', 'reporting', 'migrations') });
    sink = await openEventSink(
      {
        KAFKA_BROKERS: endpoints.KAFKA_BROKERS.split(',').map((b) => b.trim()),
        KAFKA_CLIENT_ID: `${ns.topicPrefix}simulator`,
        KAFKA_PARTITIONS: PARTITIONS,
        SCHEMA_REGISTRY_URL: endpoints.SCHEMA_REGISTRY_URL,
        LOG_LEVEL: 'warn',
      },
      logger,
      topicsOf(ns),
    );
    await admin.connect();
    ctx.say(`run ${ns.runId}: topics ${ns.topicPrefix}*, database ${ns.database}, logs in ${runDir}, mails to smtp://127.0.0.1:${mails.port}`);

    for (const name of SERVICE_NAMES) {
      services.push(
        await ServiceProcess.start({
          name,
          repoRoot: ctx.repoRoot,
          logDir: runDir,
          port: await freePort(),
          env: {
            ...ctx.env, LOG_LEVEL: 'info', KAFKA_PARTITIONS: String(PARTITIONS), ...serviceEnv(ns, endpoints, name),
            ...(name === 'notifications' ? demoSmtpEnv(mails.port) : {}),
          },
        }),
      );
    }
    ctx.say(`starting ${SERVICE_NAMES.join(', ')} and waiting for their /healthz...`);
    await Promise.all(services.map((s) => s.waitHealthy(HEALTHY_WITHIN_MS)));

    const run = await simulateWithProgress(options, ctx, ns, sink, services, pool, admin, mails);
    const failures = await stopAll(services);
    if (run.serviceDied) return { summary: undefined, failures };
    return { summary: await summarize(options, ns, endpoints, pool, admin, run, services, mails, join(runDir, 'mails.jsonl')), failures };
  } catch (error) {
    return { summary: undefined, failures: [(error as Error).message, ...(await stopAll(services))] };
  } finally {
    await sink?.close().catch(() => undefined);
    await mails?.close().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
}

interface SimulationRun {
  produced: PumpProgress;
  byType: Map<string, number>;
  firstDay: number;
  caughtUp: boolean;
  /** The services' last reading before they were stopped. */
  last: readonly ServiceReading[];
  /** A service exited during the run, which was cut short. */
  serviceDied: boolean;
}

const anyDead = (services: readonly ServiceProcess[]): boolean => services.some((s) => !s.running);

async function simulateWithProgress(
  options: DemoOptions,
  ctx: DemoContext,
  ns: DemoNamespace,
  sink: EventSink,
  services: readonly ServiceProcess[],
  pool: Pool,
  admin: Admin,
  mails: MailSink,
): Promise<SimulationRun> {
  const firstDay = options.startDay ?? defaultStartDay(options, dayOf(Date.now()));
  const byType = new Map<string, number>();
  let produced = 0;
  let lastOccurredAt = 0;
  const stopSim = new AbortController();
  const onAbort = () => stopSim.abort();
  ctx.signal.addEventListener('abort', onAbort);
  const timer = setTimeout(() => stopSim.abort(), options.durationSec * 1000);

  const live = !options.json;
  let lastProduced = 0;
  let lastAt = Date.now();
  const show = async (readings: readonly ServiceReading[]) => {
    if (!live) return;
    const t = Date.now();
    const decisions = readings.find((r) => r.service === 'exposure')?.decisions ?? new Map<string, number>();
    const delinquent = await delinquentCustomers(pool).catch(() => 0);
    progressLine(
      progressText({
        produced,
        eventsPerSec: ((produced - lastProduced) * 1000) / Math.max(1, t - lastAt),
        businessDate: lastOccurredAt > 0 ? isoFromDay(dayOf(lastOccurredAt)) : undefined,
        approved: decisions.get('approved') ?? 0,
        held: decisions.get('held') ?? 0,
        released: decisions.get('released') ?? 0,
        delinquentCustomers: delinquent,
        lag: services.map((s) => [s.name, readings.find((r) => r.service === s.name)?.lag] as const),
      }),
    );
    lastProduced = produced;
    lastAt = t;
  };

  // The watcher stops the simulator as soon as a service dies, instead of producing into a broken pipeline.
  let serviceDied = false;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      await sleep(1000);
      serviceDied = anyDead(services);
      if (serviceDied) {
        stopSim.abort();
        return;
      }
      if (watching) await show(await readAll(services));
    }
  })();

  const clock = { simStart: startOfDay(firstDay), wallStart: Date.now(), daysPerSecond: options.daysPerSecond };
  let done: PumpProgress;
  try {
    done = await pump(
      simulate({
        seed: options.seed,
        customers: options.customers,
        startDay: firstDay,
        partitions: PARTITIONS,
        ...(options.days === undefined ? {} : { days: options.days }),
      }),
      async (batch: OutRecord[]) => {
        await sink.producer.send(batch);
        for (const r of batch) byType.set(r.event.eventType, (byType.get(r.event.eventType) ?? 0) + 1);
        produced += batch.length;
        lastOccurredAt = batch[batch.length - 1]!.event.occurredAt;
      },
      {
        batchSize: 500,
        rate: options.rate,
        releaseAt: (r) => releaseAt(clock, r.event.occurredAt),
        clock: Date.now,
        sleep,
        signal: stopSim.signal,
      },
    );
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
    watching = false;
    await watcher;
  }
  if (serviceDied) {
    if (live) endProgress();
    return { produced: done, byType, firstDay, caughtUp: false, last: [], serviceDied };
  }

  // Caught up: two readings a second apart agree that everything produced, and everything derived from it, is in.
  const topics = Object.values(topicsOf(ns)).map((t) => t.name);
  const deadline = Date.now() + CATCH_UP_WITHIN_MS;
  let previous: ServiceReading[] | undefined;
  let last: ServiceReading[] = [];
  let isCaughtUp = false;
  while (!ctx.signal.aborted && Date.now() < deadline) {
    serviceDied = anyDead(services);
    if (serviceDied) break;
    const readings = (last = await readAll(services));
    const ends = await endOffsetSums(admin, topics);
    await show(readings);
    // And the delivery done: every notice with a recipient accepted by the sink (its outcome then is on the topic).
    if (readings.length === services.length && caughtUp(previous, readings, ends) && mails.accepted.length >= (await addressedNotices(pool))) {
      isCaughtUp = true;
      break;
    }
    previous = readings.length === services.length ? readings : undefined;
    await sleep(1000);
  }
  if (live) endProgress();
  return { produced: done, byType, firstDay, caughtUp: isCaughtUp, last, serviceDied };
}

/**
 * SIGTERM to every service still running, at once; then a failure message, with the end of its log, for every
 * service that did not exit 0: one that died before it was asked to stop, or did not stop cleanly.
 */
async function stopAll(services: readonly ServiceProcess[]): Promise<string[]> {
  const exits: Array<[ServiceProcess, Exit]> = await Promise.all(
    services.map(async (s) => [s, await s.stop(STOP_GRACE_MS)] as [ServiceProcess, Exit]),
  );
  const failures: string[] = [];
  for (const [s, exit] of exits) {
    // Killed by our SIGTERM: it was still loading, before it could handle signals (it had done nothing yet).
    if (exit.code === 0 || (s.stopRequested && exit.signal === 'SIGTERM')) continue;
    const what = s.stopRequested ? 'did not stop cleanly' : 'died';
    failures.push(`${s.name} ${what} (${describeExit(exit)}); the end of ${s.logFile}:\n${await tailOf(s.logFile)}`);
  }
  return failures;
}

async function summarize(
  options: DemoOptions,
  ns: DemoNamespace,
  endpoints: StackEndpoints,
  pool: Pool,
  admin: Admin,
  run: SimulationRun,
  services: readonly ServiceProcess[],
  mails: MailSink,
  mailsFile: string,
): Promise<DemoSummary> {
  const lastDay = run.produced.sent > 0 ? dayOf(run.produced.lastOccurredAt) : run.firstDay;
  const dlq = topicsOf(ns).DLQ.name;
  const exits = await Promise.all(services.map(async (s) => [s, await s.exited] as const));
  return {
    runId: ns.runId,
    namespace: { topicPrefix: ns.topicPrefix, redisPrefix: ns.redisPrefix, database: ns.database },
    simulation: {
      seed: options.seed,
      customers: options.customers,
      seconds: run.produced.elapsedMs / 1000,
      firstBusinessDate: isoFromDay(run.firstDay),
      lastBusinessDate: isoFromDay(lastDay),
    },
    produced: { total: run.produced.sent, byType: Object.fromEntries(run.byType) },
    decisionEvents: Object.fromEntries(run.last.find((r) => r.service === 'exposure')?.decisions ?? []),
    ordersByDecision: await decisionCounts(pool),
    delinquency: await delinquencyCounts(pool),
    riskClasses: await riskClassCounts(pool),
    notices: await noticeCounts(pool),
    mails: { accepted: mails.accepted.length, byType: mails.byType(), file: mailsFile },
    dlqRecords: (await endOffsetSums(admin, [dlq])).get(dlq) ?? 0,
    caughtUp: run.caughtUp,
    topHeld: await topHeldCustomers(pool, TOP_HELD),
    aging: await agingAt(pool, lastDay),
    services: exits.map(([s, e]) => ({ service: s.name, exitCode: e.code, signal: e.signal, log: s.logFile })),
    lookFurther: {
      psql: databaseUrlFor(endpoints.DATABASE_URL, ns.database),
      grafana: 'Grafana: `docker compose up --build` runs the whole system with Grafana on http://localhost:3000',
    },
  };
}
