// The bench from start to finish: a namespace of its own on the stack (topics bench.<runId>.*, their schema
// subjects, consumer groups under that prefix, a Redis key prefix and a Postgres database), the simulator's events
// pre-loaded once, then each step over the same topics, one at a time (they would share the machine's cores):
// ConsumerPerformance, the no-op kafkajs consumer, each service end to end from an empty state (with the decision
// latency taken while the exposure service is up), and the namespace removed whatever happened. Before a stateful
// service runs, its core replays the same topics in memory; once it has stopped, what it published is compared
// with that replay (determinism-check.ts).
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import { prepareContracts } from '../../../shared/kafka/admin.ts';
import { createIdempotentProducer, createKafka } from '../../../shared/kafka/client.ts';
import { createLogger } from '../../../shared/logger.ts';
import { dayFromIso } from '../../../shared/time.ts';
import { endProgress, formatCount, progressLine, sleep } from '../../lib/cli.ts';
import { EventProducer } from '../../lib/event-producer.ts';
import type { OutRecord } from '../../lib/out-record.ts';
import { pump } from '../../lib/pump.ts';
import { simulate, simulatedCustomers } from '../../simulator/src/simulate.ts';
import { createDatabase, removeNamespace, serviceEnv, type DemoNamespace } from '../../demo/src/namespace.ts';
import type { ServiceName, ServiceProcess } from '../../demo/src/service-process.ts';
import { resolveStack } from '../../demo/src/stack-endpoints.ts';
import { runConsumerPerf } from './consumer-perf.ts';
import { decisionLatency } from './decision-latency.ts';
import { delinquencyReference, exposureReference, type CheckContext, type DeterminismCheck, type Reference } from './determinism-check.ts';
import type { BenchOptions } from './options.ts';
import { rawConsume } from './raw-consumer.ts';
import { redisFootprint } from './redis-footprint.ts';
import { thisMachine, throughput, withRatios, type BenchResult, type LatencyResult, type Throughput } from './report.ts';
import { endOffsetSums } from '../../lib/end-offsets.ts';
import { readProcess, runToCatchUp, SERVICE_INPUTS, startService } from './service-run.ts';

const PARTITIONS = 12;
const START_DAY = dayFromIso('2024-01-01');
const PRELOAD_BATCH = 5000;
const STOP_GRACE_MS = 40_000;

export interface BenchContext {
  readonly repoRoot: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM: the step in progress stops and the namespace is removed. */
  readonly signal: AbortSignal;
  readonly say: (line: string) => void;
}

function benchNamespace(now: number): DemoNamespace {
  const runId = `b${now.toString(36)}${randomBytes(3).toString('hex')}`;
  return { runId, topicPrefix: `bench.${runId}.`, redisPrefix: `o2c-bench-${runId}`, database: `o2c_bench_${runId}` };
}

const rate = (n: number, ms: number) => `${formatCount((n * 1000) / Math.max(1, ms))}/s`;

export async function runBench(options: BenchOptions, ctx: BenchContext): Promise<BenchResult> {
  const at = new Date();
  const ns = benchNamespace(at.getTime());
  const logDir = join(tmpdir(), `o2c-bench-${ns.runId}`);
  await mkdir(logDir, { recursive: true });
  const { endpoints } = await resolveStack({ repoRoot: ctx.repoRoot, env: ctx.env, stackUp: false, logFile: join(logDir, 'stack.log') });
  const only = options.steps;
  const topics = topicRegistry(ns.topicPrefix);
  const brokers = endpoints.KAFKA_BROKERS.split(',').map((b) => b.trim());
  // kafkajs' own warnings go to the run's log, not across the progress line.
  const logger = createLogger('bench', { level: 'warn', destination: pino.destination({ dest: join(logDir, 'bench.log'), sync: true }) });
  const kafka = createKafka({ KAFKA_BROKERS: brokers, KAFKA_CLIENT_ID: `${ns.topicPrefix}bench` }, logger);
  const admin = kafka.admin();
  const producer = createIdempotentProducer(kafka);
  const running: ServiceProcess[] = [];
  ctx.say(`run ${ns.runId}: topics ${ns.topicPrefix}*, database ${ns.database}, service logs in ${logDir}`);
  try {
    const { serde } = await prepareContracts({ kafka, registry: endpoints.SCHEMA_REGISTRY_URL, topics, partitions: PARTITIONS });
    await Promise.all([admin.connect(), producer.connect()]);
    if (only.has('reporting')) await createDatabase(ns, endpoints.DATABASE_URL);
    const events = new EventProducer(producer, serde, topics);

    const simulation = { seed: options.seed, customers: options.customers, startDay: START_DAY, partitions: PARTITIONS, groups: options.groups };
    // The latest event time pre-loaded: the event clock of the latency step continues from it.
    let historyEnd = -Infinity;
    const send = (batch: OutRecord[]) => {
      for (const r of batch) historyEnd = Math.max(historyEnd, r.event.occurredAt);
      return events.send(batch);
    };
    const loaded = await pump(simulate({ ...simulation, events: options.events }), send, {
      batchSize: PRELOAD_BATCH,
      rate: Infinity,
      clock: Date.now,
      sleep,
      signal: ctx.signal,
      onProgress: (p) => progressLine(`pre-loading: ${formatCount(p.sent)} of ${formatCount(options.events)} events, ${rate(p.sent, p.elapsedMs)}`),
    });
    ctx.signal.throwIfAborted();
    endProgress();
    ctx.say(`pre-loaded ${formatCount(loaded.sent)} events in ${(loaded.elapsedMs / 1000).toFixed(1)} s (${rate(loaded.sent, loaded.elapsedMs)})`);

    const inputs = [topics.CUSTOMERS, topics.ORDERS, topics.INVOICES, topics.PAYMENTS, topics.CREDIT_ACTIONS].map((t) => t.name);
    const inputEnds = await endOffsetSums(admin, inputs);
    const inputRecords = [...inputEnds.values()].reduce((a, b) => a + b, 0);
    const rows: Throughput[] = [];
    const done = (row: Throughput) => {
      endProgress();
      rows.push(row);
      ctx.say(`${row.step}: ${formatCount(row.records)} records, ${formatCount(row.eventsPerSecond)} events/s`);
    };

    if (only.has('consumer-perf')) {
      let records = 0;
      let ms = 0;
      for (const [topic, n] of inputEnds) {
        if (n === 0) continue;
        progressLine(`ConsumerPerformance: ${topic} (${formatCount(n)} records)`);
        const run = await runConsumerPerf({ repoRoot: ctx.repoRoot, brokers: endpoints.KAFKA_BROKERS, topic, records: n, groupId: `${ns.topicPrefix}consumer-perf` });
        records += run.records;
        ms += run.fetchMs;
        ctx.signal.throwIfAborted();
      }
      done(throughput('consumer-perf', records, { records, ms }));
    }
    if (only.has('raw')) {
      const run = await rawConsume(kafka, {
        groupId: `${ns.topicPrefix}raw`,
        topics: inputs,
        records: inputRecords,
        signal: ctx.signal,
        onProgress: (n) => progressLine(`kafkajs no-op consumer: ${formatCount(n)} of ${formatCount(inputRecords)} records`),
      });
      done(throughput('raw', run.records, run));
    }

    const latency: LatencyResult[] = [];
    const determinism: DeterminismCheck[] = [];
    /** Event ids of the orders the latency step added: what they caused is not the history's. */
    const added = new Set<string>();
    // The bench measures the three services it has steps for; the demo also runs scoring and notifications.
    const serviceStep = async (name: Exclude<ServiceName, 'scoring' | 'notifications'>, during?: (service: ServiceProcess) => Promise<void>) => {
      const ends = await endOffsetSums(admin, SERVICE_INPUTS[name](topics).map((t) => t.name));
      const env = { ...ctx.env, LOG_LEVEL: 'warn', KAFKA_PARTITIONS: String(PARTITIONS), ...serviceEnv(ns, endpoints, name) };
      let reference: Reference | undefined;
      if (name === 'exposure' || name === 'delinquency') {
        progressLine(`${name}: the core's replay of its inputs`);
        const started = Date.now();
        const check: CheckContext = { kafka, admin, serde, topics, serviceEnv: env, groupPrefix: `${ns.topicPrefix}${name}-check-`, signal: ctx.signal, samplesDir: logDir };
        reference = await (name === 'exposure' ? exposureReference : delinquencyReference)(check);
        endProgress();
        ctx.say(`${name}: the core replayed ${formatCount(reference.inputs)} inputs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
      const startedAt = Date.now();
      const service = await startService(name, { repoRoot: ctx.repoRoot, logDir, env });
      running.push(service);
      const run = await runToCatchUp({
        service,
        startedAt,
        ends,
        signal: ctx.signal,
        onProgress: (n, total) => progressLine(`${name} service: ${formatCount(n)} of ${formatCount(total)} records`),
      });
      if (only.has(name)) {
        const redis = await redisFootprint(endpoints.REDIS_URL, ns.redisPrefix, name);
        const figures = {
          cpuMicrosPerEvent: run.cpuMicrosPerEvent,
          rssBytes: run.rssBytes,
          redisKeys: redis.keys,
          redisBytes: redis.bytes,
          redisBytesPerCustomer: Math.round(redis.bytes / options.customers),
        };
        done({ ...throughput(name, run.records, run.measured, run.wallMs), service: figures });
      } else endProgress();
      await during?.(service);
      const exit = await service.stop(STOP_GRACE_MS);
      if (exit.code !== 0) throw new Error(`${name} did not stop cleanly (exit ${exit.code ?? exit.signal}); see ${service.logFile}`);
      if (reference) {
        progressLine(`${name}: comparing what it published with the core's replay`);
        const check = await reference.check({ exclude: added });
        determinism.push(check);
        endProgress();
        ctx.say(`${name}: ${formatCount(check.differences)} differences from the core's replay${check.samplesFile ? ` (see ${check.samplesFile})` : ''}`);
      }
    };

    if (only.has('exposure') || only.has('latency')) {
      await serviceStep('exposure', async (service) => {
        if (!only.has('latency')) return;
        const customers = simulatedCustomers(simulation).map((c) => c.id);
        for (const clock of options.latencyClocks) {
          const before = await readProcess(service);
          const run = await decisionLatency({
            kafka,
            serde,
            topics,
            producer: events,
            groupId: `${ns.topicPrefix}latency-${clock}`,
            customers,
            currency: 'EUR',
            rate: options.rate,
            seconds: options.latencySeconds,
            clock,
            historyEnd,
            sent: added,
            signal: ctx.signal,
            onProgress: (sent, decided) => progressLine(`latency (${clock} clock): ${formatCount(sent)} orders sent, ${formatCount(decided)} decided`),
          });
          const after = await readProcess(service);
          const cpuMicrosPerOrder = Math.round(((after.cpuSeconds - before.cpuSeconds) * 1e6) / Math.max(1, run.orders));
          latency.push({ ...run, rate: options.rate, cpuMicrosPerOrder, rssBytes: after.rssBytes });
          endProgress();
          ctx.say(`latency (${clock} clock): p50 ${run.p50Ms} ms, p90 ${run.p90Ms} ms, p99 ${run.p99Ms} ms (${formatCount(run.decided)} of ${formatCount(run.orders)} decided)`);
        }
      });
    }
    if (only.has('delinquency')) await serviceStep('delinquency');
    if (only.has('reporting')) await serviceStep('reporting');

    return {
      at: at.toISOString(),
      runId: ns.runId,
      machine: thisMachine(),
      settings: {
        events: options.events,
        customers: options.customers,
        seed: options.seed,
        partitions: PARTITIONS,
        latencyRate: options.rate,
        latencySeconds: options.latencySeconds,
        latencyClocks: options.latencyClocks,
      },
      preload: {
        events: loaded.sent,
        seconds: loaded.elapsedMs / 1000,
        eventsPerSecond: Math.round((loaded.sent * 1000) / Math.max(1, loaded.elapsedMs)),
        lastEventAt: new Date(historyEnd).toISOString(),
      },
      throughput: withRatios(rows),
      determinism,
      latency,
    };
  } finally {
    endProgress();
    await Promise.all(running.map((s) => s.stop(STOP_GRACE_MS)));
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    const problems = await removeNamespace(ns, endpoints);
    ctx.say(problems.length === 0 ? `removed namespace ${ns.runId}` : `could not remove all of ${ns.runId}: ${problems.join('; ')}`);
  }
}
