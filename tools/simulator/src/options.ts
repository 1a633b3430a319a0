// The simulator's command line, parsed into a frozen options object; every bad flag is a UsageError naming the flag.
import { Topics } from '../../../shared/contracts/topics.ts';
import { dateFlag, integerFlag, numberFlag, parseFlags, UsageError } from '../../lib/cli.ts';
import { toolEnvironmentUsage } from '../../lib/tool-config.ts';

export const USAGE = `usage: npm run simulate -- [--seed N] [--customers N] [--events N | --days N | --forever] [--rate N]
       [--days-per-second X] [--start-date YYYY-MM-DD] [--orders-per-customer-day X] [--race-rate X]
       [--no-credit-actions] [--foreign-share X] [--groups] [--partitions N] [--batch-size N] [--json]

Produces simulated order-to-cash traffic, deterministic by seed, until --events or --days is reached or until
interrupted (Ctrl-C stops it once the batch in flight is acknowledged).

  --seed                     simulation seed (default 1)
  --customers                simulated customers (default 200)
  --events                   stop after this many records, business-date ticks included
  --days                     stop after this many business days
  --forever                  run until interrupted (the default without --events or --days)
  --rate                     records per second at most (default 1000; 0: as fast as the broker acknowledges)
  --days-per-second          business days per second at most (default 1; 0: the business clock is not paced)
  --start-date               first business date (default today)
  --orders-per-customer-day  orders per customer and business day on average (default 0.5)
  --race-rate                share of orders whose payment reaches its topic just before the invoice, 0..1
                             (default 0.005)
  --no-credit-actions        send no release or reject for orders placed on manual hold, and no promise to
                             pay (both are people's decisions: on the secure broker only the console may write
                             them)
  --foreign-share            share of orders (with their invoices and payments) in USD or GBP rather than the
                             customers' EUR, 0..1 (default 0; e.g. 0.1); above 0 it also publishes the EUR reference
                             rates of USD and GBP each weekday at 14:00 UTC to every partition of ${Topics.FX_RATES.name}
  --groups                   corporate groups: every 50th customer the parent of the next two (parentCustomerId),
                             its limit the group's
  --partitions               partitions of the topics it creates and of the ticks it sends (default
                             KAFKA_PARTITIONS)
  --batch-size               records per send at most (default 500)
  --json                     print the summary as one JSON object on stdout (no progress line; the opening
                             line goes to stderr)
  --help, -h                 print this help

${toolEnvironmentUsage('simulator')}

topics written (created with their schemas when missing), each name behind O2C_TOPIC_PREFIX:
  ${Topics.CUSTOMERS.name} and each change's history ${Topics.CUSTOMER_CHANGES.name}, ${Topics.ORDERS.name},
  ${Topics.INVOICES.name}, ${Topics.PAYMENTS.name},
  ${Topics.CREDIT_ACTIONS.name} and ${Topics.COLLECTIONS.name} (not with --no-credit-actions), ${Topics.FX_RATES.name}
  (with --foreign-share); business-date ticks go to every partition of ${Topics.ORDERS.name}, ${Topics.INVOICES.name}
  and ${Topics.PAYMENTS.name}

exit 0 when done or interrupted, 1 on a failure, 2 on a bad flag`;

export interface SimulatorOptions {
  readonly seed: number;
  readonly customers: number;
  /** Records to send, ticks included; undefined: no limit. */
  readonly events: number | undefined;
  /** Business days to simulate; undefined: no limit. */
  readonly days: number | undefined;
  /** Records per second at most; 0 for as fast as the broker acknowledges. */
  readonly rate: number;
  /** Business days per second at most; 0 for an unpaced business clock. */
  readonly daysPerSecond: number;
  /** First business date (days since epoch); undefined: today. */
  readonly startDay: number | undefined;
  readonly ordersPerCustomerPerDay: number;
  readonly raceRate: number;
  readonly creditActions: boolean;
  /** Share of orders in another currency, 0..1 (0: none, and no FX rates). */
  readonly foreignShare: number;
  readonly groups: boolean;
  /** Undefined: KAFKA_PARTITIONS. */
  readonly partitions: number | undefined;
  readonly batchSize: number;
  readonly json: boolean;
}

export { UsageError };

export type ParsedArgs = { help: true } | { help: false; options: SimulatorOptions };

export function parseSimulatorArgs(argv: readonly string[]): ParsedArgs {
  const values = parseFlags(
    argv,
    {
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
      'foreign-share': { type: 'string' },
      groups: { type: 'boolean' },
      partitions: { type: 'string' },
      'batch-size': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) return { help: true };
  const limits = (['events', 'days', 'forever'] as const).filter((f) => values[f] !== undefined);
  if (limits.length > 1) {
    throw new UsageError(`give at most one of --events, --days, --forever, got ${limits.map((f) => `--${f}`).join(' and ')}`, USAGE);
  }
  return {
    help: false,
    options: Object.freeze({
      seed: integerFlag('seed', values.seed, 0, USAGE) ?? 1,
      customers: integerFlag('customers', values.customers, 1, USAGE) ?? 200,
      events: integerFlag('events', values.events, 1, USAGE),
      days: integerFlag('days', values.days, 1, USAGE),
      rate: numberFlag('rate', values.rate, { min: 0 }, USAGE) ?? 1000,
      daysPerSecond: numberFlag('days-per-second', values['days-per-second'], { min: 0 }, USAGE) ?? 1,
      startDay: dateFlag('start-date', values['start-date'], USAGE),
      ordersPerCustomerPerDay: numberFlag('orders-per-customer-day', values['orders-per-customer-day'], { min: 0 }, USAGE) ?? 0.5,
      raceRate: numberFlag('race-rate', values['race-rate'], { min: 0, max: 1 }, USAGE) ?? 0.005,
      creditActions: !values['no-credit-actions'],
      foreignShare: numberFlag('foreign-share', values['foreign-share'], { min: 0, max: 1 }, USAGE) ?? 0,
      groups: values.groups ?? false,
      partitions: integerFlag('partitions', values.partitions, 1, USAGE),
      batchSize: integerFlag('batch-size', values['batch-size'], 1, USAGE) ?? 500,
      json: values.json ?? false,
    }),
  };
}
