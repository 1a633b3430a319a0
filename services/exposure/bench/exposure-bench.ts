// npx tsx services/exposure/bench/exposure-bench.ts [--events 200000] [--partitions 12] [--rate 2000] [--seconds 20]
//                                                  [--seed 1] [--concurrency N] [--env NAME=value ...]
//
// Figures, not a test. On the stack the tests use (test/stack.ts), against topics and Redis keys of its own:
//   (a) raw     a kafkajs eachBatch consumer with no processing reads the pre-loaded input topics from the start;
//   (b) service the exposure service (tsx main.ts: decode, decide, Redis commit, publish) from the same start;
//   (c) latency OrderPlaced appended -> its decision appended (both records' timestamps), at a steady rate.
// Also the service's CPU time per event in (b) (user + system, from /proc): unlike the rates, it barely moves when
// other work shares the machine, so it is the figure to compare across runs; the load average says how shared it was.
// Prints a table and writes bench/results/exposure-<timestamp>.json. BENCH_PROF=1 writes the service's CPU profile
// to /tmp/prof (node --cpu-prof).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { v5 as uuidv5 } from 'uuid';
import type { CreditHoldEvent } from '../../../shared/contracts/events.generated.ts';
import { createKafka } from '../../../shared/kafka/client.ts';
import { createLogger } from '../../../shared/logger.ts';
import { deleteTopics, uniqueId } from '../../../test/kafka.ts';
import { getStack } from '../../../test/stack.ts';
import { inputTopics } from '../src/service.ts';
import { appliedOffsets, contractsOf, dropKeys, endOffsets, HistoryProducer, spawnService, specOf, testEnv } from '../test/harness.ts';
import { streamHistory } from '../test/stream-history.ts';

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    partitions: { type: 'string', default: '12' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string' },
    // Extra service settings, e.g. --env KAFKA_FETCH_MAX_WAIT_MS=10 --env KAFKA_PRODUCERS=1.
    env: { type: 'string', multiple: true, default: [] },
  },
});
const EVENTS = Number(flags.events);
const PARTITIONS = Number(flags.partitions);
const RATE = Number(flags.rate);
const SECONDS = Number(flags.seconds);
const SEED = Number(flags.seed);
const EVENTS_PER_CUSTOMER = 110; // five episodes of stream-history.ts

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stdout.write(`${line}\n`);
/** CPU time (user + system) a process has used so far, ms; Linux clock ticks are 10 ms. */
const cpuMs = async (pid: number) => {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

const stack = await getStack();
const logger = createLogger('exposure-bench', { level: 'warn' });
const kafka = createKafka({ KAFKA_BROKERS: stack.kafkaBrokers, KAFKA_CLIENT_ID: 'exposure-bench' }, logger);
const admin = kafka.admin();
await admin.connect();
const redis = new Redis(stack.redisUrl);
const extra: Record<string, string> = Object.fromEntries(flags.env.map((kv) => kv.split(/=(.*)/s, 2) as [string, string]));
if (flags.concurrency) extra.KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY = flags.concurrency;
const t = testEnv(stack, 'exposure-bench', PARTITIONS, { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...extra });
const serde = await contractsOf(kafka, stack, t);
const inputs = inputTopics(t.topics);

try {
  // Pre-load: a generated history, every round at once (order does not matter for throughput).
  const customers = Math.ceil(EVENTS / EVENTS_PER_CUSTOMER);
  const history = streamHistory({ seed: SEED, customers, episodes: 5, segments: 4 });
  const producer = await HistoryProducer.open(kafka, serde);
  let loaded = 0;
  const loadStart = Date.now();
  for (const round of history.rounds) {
    const events = round.events.slice(0, EVENTS - loaded);
    if (events.length === 0) break;
    await producer.send(specOf(t, round.topic), events);
    loaded += events.length;
  }
  log(`pre-loaded ${loaded} events of ${customers} customers in ${((Date.now() - loadStart) / 1000).toFixed(1)} s`);
  const ends = new Map(await Promise.all(inputs.map(async (s) => [s.name, await endOffsets(admin, s.name)] as const)));

  // (a) raw kafkajs: eachBatch, nothing done with the records.
  const raw = kafka.consumer({ groupId: uniqueId('bench-raw'), maxWaitTimeInMs: 100 });
  await raw.connect();
  await raw.subscribe({ topics: inputs.map((s) => s.name), fromBeginning: true });
  let rawCount = 0;
  let rawFirst = 0;
  let rawLast = 0;
  await raw.run({
    eachBatch: async ({ batch }) => {
      rawFirst ||= Date.now();
      rawCount += batch.messages.length;
      rawLast = Date.now();
    },
  });
  while (rawCount < loaded) await sleep(10);
  await raw.disconnect();
  const rawRate = (loaded * 1000) / Math.max(1, rawLast - rawFirst);
  log(`(a) raw consumer: ${loaded} records in ${rawLast - rawFirst} ms`);

  // (b) the service, from the same start: first commit seen in Redis to every input applied.
  const service = spawnService(t, process.env.BENCH_PROF ? { NODE_OPTIONS: '--cpu-prof --cpu-prof-dir=/tmp/prof' } : {});
  let first = 0;
  let cpuAtFirst = 0;
  for (;;) {
    let done = true;
    let any = false;
    for (const spec of inputs) {
      const applied = await appliedOffsets(redis, t, spec.name);
      for (const [p, end] of ends.get(spec.name)!) {
        if (applied.get(p)! > 0n) any = true;
        if (applied.get(p)! < end) done = false;
      }
    }
    if (any && first === 0) {
      first = Date.now();
      cpuAtFirst = await cpuMs(service.process.pid!);
    }
    if (done) break;
    if (service.process.exitCode !== null) throw new Error(`the service exited with ${service.process.exitCode}`);
    await sleep(20);
  }
  const serviceMs = Date.now() - first;
  const serviceCpuMs = (await cpuMs(service.process.pid!)) - cpuAtFirst;
  const serviceRate = (loaded * 1000) / Math.max(1, serviceMs);
  log(`(b) exposure service: ${loaded} records in ${serviceMs} ms`);

  // (c) latency at a steady rate: new orders, paced by the wall clock, of the pre-loaded customers with nothing but
  // EUR in their history (the generator gives a few a foreign-currency order, which may pin them to it).
  const foreign = new Set<string>();
  for (const e of history.inputs) {
    if ('currency' in e.payload && e.payload.currency !== 'EUR') foreign.add(e.customerId);
  }
  const eurCustomers = history.customerIds.filter((c) => !foreign.has(c));
  const holds = kafka.consumer({ groupId: uniqueId('bench-holds'), maxWaitTimeInMs: 50 });
  const orderAppended = new Map<string, number>();
  const latencies: number[] = [];
  await holds.connect();
  await holds.subscribe({ topics: [t.topics.CREDIT_HOLDS.name], fromBeginning: false });
  let joined = false;
  holds.on(holds.events.GROUP_JOIN, () => (joined = true));
  await holds.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const e = (await serde.decode(t.topics.CREDIT_HOLDS, m.value)) as CreditHoldEvent;
        if (e.eventType !== 'OrderCreditApproved' && e.eventType !== 'OrderCreditHeld') continue;
        const placed = orderAppended.get(e.causationId ?? '');
        if (placed !== undefined) latencies.push(Number(m.timestamp) - placed);
      }
    },
  });
  while (!joined) await sleep(20);
  await sleep(1000); // the group's position is set before the first order is sent
  const orders = specOf(t, 'orders');
  const total = RATE * SECONDS;
  const cpuAtRate = await cpuMs(service.process.pid!);
  const start = Date.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - start) * RATE) / 1000));
    if (due > sent) {
      const now = Date.now();
      const messages = await Promise.all(
        Array.from({ length: due - sent }, async (_, i) => {
          const n = sent + i;
          const customerId = eurCustomers[n % eurCustomers.length]!;
          const eventId = uuidv5(`bench/${t.name}/${n}`, '2d7c3a52-4f0e-4d59-8a9b-0b7e7d3b4b61');
          orderAppended.set(eventId, now);
          const value = await serde.encode(orders, {
            eventId, eventType: 'OrderPlaced', occurredAt: now, customerId, source: 'bench', causationId: null,
            payload: { orderId: `B-${n}`, amount: 100, currency: 'EUR' },
          });
          return { key: customerId, value, timestamp: String(now) };
        }),
      );
      await producer.sendRaw(orders.name, messages);
      sent = due;
    }
    await sleep(5);
  }
  const deadline = Date.now() + 30_000;
  while (latencies.length < orderAppended.size && Date.now() < deadline) await sleep(50);
  const rateCpuMs = (await cpuMs(service.process.pid!)) - cpuAtRate;
  const rateMs = Date.now() - start;
  await holds.disconnect();
  await producer.close();
  service.process.kill('SIGTERM');
  await service.exited;

  latencies.sort((a, b) => a - b);
  const result = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverage1m: loadavg()[0] ?? NaN },
    settings: { events: loaded, customers, partitions: PARTITIONS, seed: SEED, rate: RATE, seconds: SECONDS, env: extra },
    rawEventsPerSecond: Math.round(rawRate),
    serviceEventsPerSecond: Math.round(serviceRate),
    ratio: Number((serviceRate / rawRate).toFixed(3)),
    serviceCpuMicrosPerEvent: Math.round((serviceCpuMs * 1000) / loaded),
    latencyMs: {
      orders: total,
      decided: latencies.length,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: latencies.at(-1) ?? NaN,
      // The service's CPU in (c): per order, and the share of one core it took (1.0: saturated, latency grows).
      cpuMicrosPerOrder: Math.round((rateCpuMs * 1000) / total),
      cpuShareOfOneCore: Number((rateCpuMs / rateMs).toFixed(2)),
    },
  };
  const file = new URL(`./results/exposure-${result.at.replace(/[:.]/g, '-')}.json`, import.meta.url);
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  log('');
  log('| figure                                   | value |');
  log('|------------------------------------------|------:|');
  log(`| raw kafkajs eachBatch, events/s          | ${result.rawEventsPerSecond} |`);
  log(`| exposure service end to end, events/s    | ${result.serviceEventsPerSecond} |`);
  log(`| ratio (aim >= 0.5)                       | ${result.ratio} |`);
  log(`| service CPU per event (b), µs            | ${result.serviceCpuMicrosPerEvent} |`);
  log(`| decision latency p50 at ${RATE}/s, ms      | ${result.latencyMs.p50} |`);
  log(`| decision latency p99 at ${RATE}/s, ms      | ${result.latencyMs.p99} (aim < 50) |`);
  log(`| decisions seen / orders sent             | ${result.latencyMs.decided} / ${total} |`);
  log(`| service CPU per order (c), µs            | ${result.latencyMs.cpuMicrosPerOrder} |`);
  log(`| service CPU (c), share of one core       | ${result.latencyMs.cpuShareOfOneCore} |`);
  log(`| load average (1 min) at the end         | ${result.machine.loadAverage1m.toFixed(1)} |`);
  log(`\nwritten to ${file.pathname}`);
} finally {
  await deleteTopics(kafka, Object.values(t.topics).map((s) => s.name)).catch(() => undefined);
  await dropKeys(redis, t);
  await admin.disconnect();
  redis.disconnect();
}
