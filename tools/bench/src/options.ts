// The bench's command line, parsed into a frozen options object; every bad flag is an error naming the flag.
import { parseFlags, UsageError } from '../../lib/cli.ts';
import { LATENCY_CLOCKS, type LatencyClock } from './decision-latency.ts';

export const STEPS = ['consumer-perf', 'raw', 'exposure', 'delinquency', 'reporting', 'latency'] as const;
export type Step = (typeof STEPS)[number];

export const USAGE = `usage: npm run bench -- [--events N] [--customers N] [--seed N] [--rate N] [--latency-seconds N]
       [--latency-clock ${LATENCY_CLOCKS.join(',')}] [--only ${STEPS.join(',')}] [--groups]

  --events           simulator events pre-loaded into the run's input topics (default 1,000,000)
  --customers        simulated customers (default: one per 100 events, at least 200; a customer's state grows
                     with its history, so fewer customers make a longer history each)
  --seed             simulation seed (default 1)
  --rate             orders per second of the latency step (default 2000)
  --latency-seconds  how long the latency step sends (default 20)
  --latency-clock    the orders' event time, comma-separated, one latency step each in this order: event (the
                     history's clock continued, the default) or wall (this machine's clock, years after the history)
  --only             the steps to run, comma-separated (default: all)
  --groups           the simulator's corporate groups (every 50th customer the parent of the next two): their
                     members' inputs take the exposure service's repartition hop, which the determinism check does
                     not replay (their decisions count as extra)`;

export interface BenchOptions {
  readonly events: number;
  readonly customers: number;
  readonly seed: number;
  readonly rate: number;
  readonly latencySeconds: number;
  readonly latencyClocks: readonly LatencyClock[];
  readonly steps: ReadonlySet<Step>;
  readonly groups: boolean;
}

const usageError = (message: string): UsageError => new UsageError(message, USAGE);

export { UsageError };

export type ParsedArgs = { help: true } | { help: false; options: BenchOptions };


/** A whole number >= min; thousands separators allowed (`1,000,000`, `1_000_000`). */
function whole(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = /^\d[\d,_]*$/.test(raw.trim()) ? Number(raw.replace(/[,_]/g, '')) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw usageError(`--${flag} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

function steps(raw: string | undefined): ReadonlySet<Step> {
  if (raw === undefined) return new Set(STEPS);
  const wanted = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = wanted.filter((s) => !(STEPS as readonly string[]).includes(s));
  if (wanted.length === 0 || unknown.length > 0) {
    throw usageError(`--only takes steps among ${STEPS.join(',')}, got ${JSON.stringify(raw)}`);
  }
  return new Set(wanted as Step[]);
}

function clocks(raw: string | undefined): readonly LatencyClock[] {
  if (raw === undefined) return ['event'];
  const wanted = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = wanted.length === 0 || new Set(wanted).size < wanted.length || wanted.some((c) => !(LATENCY_CLOCKS as readonly string[]).includes(c));
  if (bad) throw usageError(`--latency-clock takes ${LATENCY_CLOCKS.join(' and/or ')} once each, got ${JSON.stringify(raw)}`);
  return Object.freeze(wanted as LatencyClock[]);
}

export function parseBenchArgs(argv: readonly string[]): ParsedArgs {
  const values = parseFlags(
    argv,
    {
      events: { type: 'string' },
      customers: { type: 'string' },
      seed: { type: 'string' },
      rate: { type: 'string' },
      'latency-seconds': { type: 'string' },
      'latency-clock': { type: 'string' },
      only: { type: 'string' },
      groups: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) return { help: true };
  const events = whole('events', values.events, 1_000_000, 1);
  return {
    help: false,
    options: Object.freeze({
      events,
      customers: whole('customers', values.customers, Math.max(200, Math.round(events / 100)), 1),
      seed: whole('seed', values.seed, 1, 0),
      rate: whole('rate', values.rate, 2000, 1),
      latencySeconds: whole('latency-seconds', values['latency-seconds'], 20, 1),
      latencyClocks: clocks(values['latency-clock']),
      steps: steps(values.only),
      groups: values.groups ?? false,
    }),
  };
}
