// npm run simulate -- [--seed 1] [--customers 200] [--events N | --days D | --forever] [--rate 1000]
//                     [--days-per-second 1] [--start-date YYYY-MM-DD] [--orders-per-customer-day 0.5]
//                     [--race-rate 0.005] [--no-credit-actions] [--partitions P] [--batch-size 500]
// Produces simulated order-to-cash traffic to the input topics. Kafka and the registry come from KAFKA_BROKERS and
// SCHEMA_REGISTRY_URL (default: the local stack); the partition count from KAFKA_PARTITIONS (default 12); the topics
// are those of the namespace O2C_TOPIC_PREFIX names (default: the production names).
// Without --events or --days it runs until interrupted; Ctrl-C stops it after the batch in flight is acknowledged.
import { parseArgs } from 'node:util';
import { dayFromIso, dayOf, isoFromDay, startOfDay } from '../../shared/time.ts';
import { endProgress, formatCount, progressLine, runMain, sleep } from '../lib/cli.ts';
import { loadToolConfig, openEventSink, toolLogger, toolTopics } from '../lib/kafka-sink.ts';
import { pump } from '../lib/pump.ts';
import { releaseAt } from './src/business-clock.ts';
import { simulate } from './src/simulate.ts';

const USAGE = `usage: npm run simulate -- [--seed N] [--customers N] [--events N | --days N | --forever] [--rate N]
       [--days-per-second X] [--start-date YYYY-MM-DD] [--orders-per-customer-day X] [--race-rate X]
       [--no-credit-actions] [--partitions N] [--batch-size N]
--rate 0 sends as fast as the broker acknowledges; --days-per-second 0 does not pace the business clock.`;

function number(flags: Record<string, unknown>, name: string, fallback: number, min = 0): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}, got ${String(raw)}\n${USAGE}`);
  return n;
}

function integer(flags: Record<string, unknown>, name: string, fallback: number, min = 0): number {
  const n = number(flags, name, fallback, min);
  if (!Number.isSafeInteger(n)) throw new Error(`--${name} must be an integer, got ${String(flags[name])}\n${USAGE}`);
  return n;
}

runMain(async () => {
  const { values: flags } = parseArgs({
    options: {
      seed: { type: 'string' },
      customers: { type: 'string' },
      events: { type: 'string' },
      days: { type: 'string' },
      forever: { type: 'boolean' },
      rate: { type: 'string' },
      'days-per-second': { type: 'string' },
      'start-date': { type: 'string' },
      'orders-per-customer-day': { type: 'string' },
      'race-rate': { type: 'string' },
      'no-credit-actions': { type: 'boolean' },
      partitions: { type: 'string' },
      'batch-size': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if ([flags.events, flags.days, flags.forever].filter((f) => f !== undefined).length > 1) {
    throw new Error(`give at most one of --events, --days, --forever\n${USAGE}`);
  }
  const config = loadToolConfig('simulator');
  const partitions = integer(flags, 'partitions', config.KAFKA_PARTITIONS, 1);
  const startDay = flags['start-date'] === undefined ? dayOf(Date.now()) : dayFromIso(flags['start-date']);
  const options = {
    seed: integer(flags, 'seed', 1),
    customers: integer(flags, 'customers', 200, 1),
    startDay,
    partitions,
    ...(flags.events === undefined ? {} : { events: integer(flags, 'events', 0, 1) }),
    ...(flags.days === undefined ? {} : { days: integer(flags, 'days', 0, 1) }),
    ordersPerCustomerPerDay: number(flags, 'orders-per-customer-day', 0.5),
    raceRate: number(flags, 'race-rate', 0.005),
    creditActions: !flags['no-credit-actions'],
  };
  const rate = number(flags, 'rate', 1000);
  const daysPerSecond = number(flags, 'days-per-second', 1);
  const batchSize = integer(flags, 'batch-size', 500, 1);

  const logger = toolLogger('simulator', config);
  const sink = await openEventSink({ ...config, KAFKA_PARTITIONS: partitions }, logger, toolTopics(config));
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());

  const until = options.events ? `${formatCount(options.events)} events` : options.days ? `${options.days} days` : 'interrupted';
  process.stdout.write(
    `simulating ${options.customers} customers, seed ${options.seed}, from ${isoFromDay(startDay)} at ` +
      `${daysPerSecond || 'unpaced'} day(s)/s, at most ${rate || 'unlimited'} events/s, until ${until}\n`,
  );
  const clock = { simStart: startOfDay(startDay), wallStart: Date.now(), daysPerSecond };
  try {
    const done = await pump(simulate(options), (batch) => sink.producer.send(batch), {
      batchSize,
      rate: rate === 0 ? Infinity : rate,
      releaseAt: (r) => releaseAt(clock, r.event.occurredAt),
      clock: Date.now,
      sleep,
      signal: stop.signal,
      onProgress: (p) =>
        progressLine(
          `${formatCount(p.sent)} events, ${formatCount((p.sent * 1000) / p.elapsedMs)}/s, ` +
            `business date ${isoFromDay(dayOf(p.lastOccurredAt))}`,
        ),
    });
    endProgress();
    process.stdout.write(
      `produced ${formatCount(done.sent)} events in ${(done.elapsedMs / 1000).toFixed(1)} s ` +
        `(${formatCount((done.sent * 1000) / Math.max(1, done.elapsedMs))}/s), business date reached ` +
        `${done.sent > 0 ? isoFromDay(dayOf(done.lastOccurredAt)) : isoFromDay(startDay)}\n`,
    );
  } finally {
    await sink.close();
  }
  return 0;
});
