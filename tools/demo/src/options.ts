// The demo's command line, parsed into a frozen options object; every bad flag is an error naming the flag.
import { dayFromIso } from '../../../shared/time.ts';
import { parseFlags, UsageError } from '../../lib/cli.ts';

export const USAGE = `usage: npm run demo -- [--duration SECONDS] [--rate EVENTS_PER_S] [--customers N] [--days-per-second X]
       [--seed N] [--start-date YYYY-MM-DD] [--days N] [--json] [--no-stack-up]

  --duration         seconds of simulated traffic at most (default 60)
  --rate             events per second at most (default 500)
  --customers        simulated customers (default 200)
  --days-per-second  business days per second at most (default 1.5); --rate caps it too (200 customers make
                     about 340 events per business day)
  --seed             simulation seed (default 1)
  --start-date       first business date (default: so that the run ends about today)
  --days             stop after this many business days, if --duration has not run out before (same seed,
                     start date and days: the same events)
  --json             print the summary as JSON on stdout (no progress line)
  --no-stack-up      never run stack/up.sh: use KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL, DATABASE_URL or
                     stack/.data/stack.env as they are`;

export interface DemoOptions {
  readonly durationSec: number;
  readonly rate: number;
  readonly customers: number;
  readonly daysPerSecond: number;
  readonly seed: number;
  /** First business date (days since epoch); undefined: chosen so the run ends about today. */
  readonly startDay: number | undefined;
  /** Business days to simulate at most; undefined: until the duration runs out. */
  readonly days: number | undefined;
  readonly json: boolean;
  readonly stackUp: boolean;
}

const usageError = (message: string): UsageError => new UsageError(message, USAGE);

export { UsageError };

export type ParsedArgs = { help: true } | { help: false; options: DemoOptions };


function positive(flag: string, raw: string | undefined, fallback: number, integer: boolean): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  const ok = raw.trim() !== '' && Number.isFinite(n) && n > 0 && (!integer || Number.isSafeInteger(n));
  if (!ok) throw usageError(`--${flag} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(raw)}`);
  return n;
}

export function parseDemoArgs(argv: readonly string[]): ParsedArgs {
  const values = parseFlags(
    argv,
    {
      duration: { type: 'string' },
      rate: { type: 'string' },
      customers: { type: 'string' },
      'days-per-second': { type: 'string' },
      seed: { type: 'string' },
      'start-date': { type: 'string' },
      days: { type: 'string' },
      json: { type: 'boolean' },
      'no-stack-up': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) return { help: true };

  let startDay: number | undefined;
  if (values['start-date'] !== undefined) {
    try {
      startDay = dayFromIso(values['start-date']);
    } catch {
      throw usageError(`--start-date must be a date YYYY-MM-DD, got ${JSON.stringify(values['start-date'])}`);
    }
  }
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (values.seed !== undefined && (values.seed.trim() === '' || !Number.isSafeInteger(seed) || seed < 0)) {
    throw usageError(`--seed must be an integer >= 0, got ${JSON.stringify(values.seed)}`);
  }
  return {
    help: false,
    options: Object.freeze({
      durationSec: positive('duration', values.duration, 60, false),
      rate: positive('rate', values.rate, 500, false),
      customers: positive('customers', values.customers, 200, true),
      daysPerSecond: positive('days-per-second', values['days-per-second'], 1.5, false),
      seed,
      startDay,
      days: values.days === undefined ? undefined : positive('days', values.days, 0, true),
      json: values.json ?? false,
      stackUp: !values['no-stack-up'],
    }),
  };
}

/** The first business date when none is given: the paced run ends about `today`, so dashboards show recent data. */
export function defaultStartDay(options: Pick<DemoOptions, 'durationSec' | 'daysPerSecond' | 'days'>, today: number): number {
  return today - (options.days ?? Math.ceil(options.durationSec * options.daysPerSecond));
}
