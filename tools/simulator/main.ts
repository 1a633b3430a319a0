// npm run simulate -- [--seed 1] [--customers 200] [--events N | --days D | --forever] [--rate 1000]
//                     [--days-per-second 1] [--start-date YYYY-MM-DD] [--orders-per-customer-day 0.5]
//                     [--race-rate 0.005] [--no-credit-actions] [--partitions P] [--batch-size 500] [--json]
// Produces simulated order-to-cash traffic to the input topics of the namespace O2C_TOPIC_PREFIX names (default: the
// production names), on KAFKA_BROKERS with schemas in SCHEMA_REGISTRY_URL (default: the local stack's addresses);
// the partition count from KAFKA_PARTITIONS (default 12). Without --events or --days it runs until interrupted;
// Ctrl-C stops it after the batch in flight is acknowledged. Prints a live progress line and a summary (with --json,
// one JSON object on stdout and no progress line). Exit 0 when done or interrupted, 1 on a failure, 2 on a bad flag.
import { dayOf, isoFromDay, startOfDay } from '../../shared/time.ts';
import { endProgress, formatCount, parseCommandLine, progressLine, runMain, sleep } from '../lib/cli.ts';
import { openEventSink, toolLogger } from '../lib/kafka-sink.ts';
import { countByTopic } from '../lib/out-record.ts';
import { pump } from '../lib/pump.ts';
import { loadToolConfig, toolTopics } from '../lib/tool-config.ts';
import { releaseAt } from './src/business-clock.ts';
import { parseSimulatorArgs, USAGE } from './src/options.ts';
import { simulate } from './src/simulate.ts';

runMain(async () => {
  const options = parseCommandLine(() => parseSimulatorArgs(process.argv.slice(2)), USAGE);
  if (typeof options === 'number') return options;
  const config = loadToolConfig('simulator');
  const partitions = options.partitions ?? config.KAFKA_PARTITIONS;
  const startDay = options.startDay ?? dayOf(Date.now());
  const { rate, daysPerSecond } = options;
  const say = (text: string) => (options.json ? process.stderr : process.stdout).write(`${text}\n`);

  const logger = toolLogger('simulator', config);
  const topics = toolTopics(config);
  const sink = await openEventSink({ ...config, KAFKA_PARTITIONS: partitions }, logger, topics);
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());

  const until = options.events ? `${formatCount(options.events)} events` : options.days ? `${options.days} days` : 'interrupted';
  say(
    `simulating ${options.customers} customers, seed ${options.seed}, from ${isoFromDay(startDay)} at ` +
      `${daysPerSecond || 'unpaced'} day(s)/s, at most ${rate || 'unlimited'} events/s, until ${until}`,
  );
  const clock = { simStart: startOfDay(startDay), wallStart: Date.now(), daysPerSecond };
  const perTopic: Record<string, number> = {};
  try {
    const records = simulate({
      seed: options.seed,
      customers: options.customers,
      startDay,
      partitions,
      events: options.events,
      days: options.days,
      ordersPerCustomerPerDay: options.ordersPerCustomerPerDay,
      raceRate: options.raceRate,
      creditActions: options.creditActions,
      foreignShare: options.foreignShare,
      groups: options.groups,
    });
    const done = await pump(
      records,
      async (batch) => {
        await sink.producer.send(batch);
        countByTopic(batch, topics, perTopic);
      },
      {
        batchSize: options.batchSize,
        rate: rate === 0 ? Infinity : rate,
        releaseAt: (r) => releaseAt(clock, r.event.occurredAt),
        clock: Date.now,
        sleep,
        signal: stop.signal,
        onProgress: options.json
          ? undefined
          : (p) =>
              progressLine(
                `${formatCount(p.sent)} events, ${formatCount((p.sent * 1000) / p.elapsedMs)}/s, ` +
                  `business date ${isoFromDay(dayOf(p.lastOccurredAt))}`,
              ),
      },
    );
    if (!options.json) endProgress();
    const summary = {
      seed: options.seed,
      customers: options.customers,
      startDate: isoFromDay(startDay),
      businessDateReached: done.sent > 0 ? isoFromDay(dayOf(done.lastOccurredAt)) : isoFromDay(startDay),
      events: done.sent,
      elapsedSeconds: Number((done.elapsedMs / 1000).toFixed(1)),
      eventsPerSecond: Math.round((done.sent * 1000) / Math.max(1, done.elapsedMs)),
      partitions,
      topics: perTopic,
      interrupted: stop.signal.aborted,
    };
    if (options.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      process.stdout.write(
        `produced ${formatCount(summary.events)} events in ${summary.elapsedSeconds.toFixed(1)} s ` +
          `(${formatCount(summary.eventsPerSecond)}/s), business date reached ${summary.businessDateReached}\n` +
          Object.entries(perTopic).map(([topic, n]) => `  ${topic}: ${formatCount(n)}\n`).join(''),
      );
    }
  } finally {
    await sink.close();
  }
  return 0;
});
