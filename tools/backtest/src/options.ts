// The backtest's command line, parsed into a frozen options object; every bad flag is a UsageError naming it.
import { dateFlag, integerFlag, parseFlagsAndArguments, UsageError } from '../../lib/cli.ts';
import { BACKTEST_KEY } from './policy.ts';

export const DEFAULT_PARTITIONS = 12;

export const USAGE = `usage: npm run backtest -- --policy A.json [--policy B.json ...] FILE [--mapping FILE.json]
       [--currency EUR] [--end-date YYYY-MM-DD] [--partitions N] [--json]

Replays an accounts-receivable export (CSV, mapped as import-ledger maps it) through the pure exposure and
delinquency cores in memory, in event time, once per policy, and prints the policies' figures side by side: orders
held and released, held value, hold duration, overdue receivables each month-end that holds would have avoided,
and DSO. Nothing is read from or written to Kafka, Redis or Postgres.
Example: npm run backtest -- --policy a.json --policy b.json data/ar-late-payments.csv

  FILE          the CSV export
  --policy      a policy file (repeat for more columns): what the exposure service's CREDIT_POLICY_FILE takes, plus
                a "${BACKTEST_KEY}" key with the column's name, the credit limit (as import-ledger --credit-limit)
                and the services' policy variables ("env"); see tools/backtest/README.md
  --mapping     JSON file naming the columns of FILE (default: the layout of data/ar-late-payments.csv)
  --currency    ISO 4217 code of the amounts (default: the mapping's)
  --end-date    last business date replayed (default: the end of the month of the file's last event)
  --partitions  partitions of the pipeline compared with (default ${DEFAULT_PARTITIONS}): ticks and the delinquency
                clock are per partition
  --json        print the figures as one JSON object
  --help, -h    print this help

exit 0 with the figures, 1 when a file cannot be read or no row is valid, 2 on a bad flag or policy file`;

export interface BacktestOptions {
  readonly file: string;
  readonly policies: readonly string[];
  readonly mapping: string | undefined;
  readonly currency: string | undefined;
  readonly endDay: number | undefined;
  readonly partitions: number;
  readonly json: boolean;
}

export type ParsedArgs = { help: true } | { help: false; options: BacktestOptions };

export function parseBacktestArgs(argv: readonly string[]): ParsedArgs {
  const { values, positionals } = parseFlagsAndArguments(
    argv,
    {
      policy: { type: 'string', multiple: true },
      mapping: { type: 'string' },
      currency: { type: 'string' },
      'end-date': { type: 'string' },
      partitions: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) return { help: true };
  if (positionals.length !== 1) throw new UsageError(`expected one ledger FILE, got ${positionals.length}`, USAGE);
  const policies = values.policy ?? [];
  if (policies.length === 0) throw new UsageError('at least one --policy is required', USAGE);
  const currency = values.currency;
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) {
    throw new UsageError(`--currency must be an ISO 4217 code, got ${JSON.stringify(currency)}`, USAGE);
  }
  return {
    help: false,
    options: Object.freeze({
      file: positionals[0]!,
      policies: Object.freeze([...policies]),
      mapping: values.mapping,
      currency,
      endDay: dateFlag('end-date', values['end-date'], USAGE),
      partitions: integerFlag('partitions', values.partitions, 1, USAGE) ?? DEFAULT_PARTITIONS,
      json: values.json ?? false,
    }),
  };
}
