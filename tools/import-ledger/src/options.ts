// The ledger importer's command line, parsed into a frozen options object; every bad flag is a UsageError naming the
// flag. What only the files can tell (an amount finer than the mapping's scale, an end date before the file's last
// event) is checked once they are read, with the same errors.
import { Topics } from '../../../shared/contracts/topics.ts';
import { isoFromDay } from '../../../shared/time.ts';
import { dateFlag, integerFlag, parseFlagsAndArguments, UsageError } from '../../lib/cli.ts';
import { toolEnvironmentUsage } from '../../lib/tool-config.ts';
import { DEFAULT_CREDIT_LIMIT, parseCreditLimit, type CreditLimitPolicy } from './credit-policy.ts';
import { AR_LATE_PAYMENTS, MAX_AMOUNT_SCALE } from './mapping.ts';

export const USAGE = `usage: npm run import-ledger -- FILE [--mapping FILE.json] [--credit-limit 50000|3x-monthly]
       [--end-date YYYY-MM-DD] [--partitions N] [--currency EUR] [--dry-run] [--batch-size N] [--json]

Replays an accounts-receivable export (CSV) into the input topics in event time: one order per invoice, invoices
on their dates, disputes, payments on their settlement dates, daily business-date ticks. Rows it rejects are
printed with their line numbers and skipped. Example: npm run import-ledger -- data/ar-late-payments.csv

  FILE            the CSV export
  --mapping       JSON file naming the columns, date format, amount scale, separators and currency of FILE
                  (default: the layout of data/ar-late-payments.csv)
  --credit-limit  every customer's credit limit: an amount in major units, or <k>x-monthly for k times the
                  customer's average monthly sales over the file (default ${DEFAULT_CREDIT_LIMIT})
  --end-date      last business date ticked, at or after the file's last event (default: the end of that
                  event's month)
  --partitions    partitions of the topics it creates and of the ticks it sends (default KAFKA_PARTITIONS)
  --currency      ISO 4217 code of the amounts (default: the mapping's, ${AR_LATE_PAYMENTS.currency} for the built-in one)
  --dry-run       read, validate and count, produce nothing
  --batch-size    records per send at most (default 1000)
  --json          print the summary as one JSON object on stdout (no progress line; rejected rows go to stderr)
  --help, -h      print this help

${toolEnvironmentUsage('import-ledger')}

topics written (created with their schemas when missing), each name behind O2C_TOPIC_PREFIX:
  ${Topics.CUSTOMERS.name} (one profile per customer) and its change ${Topics.CUSTOMER_CHANGES.name},
  ${Topics.ORDERS.name}, ${Topics.INVOICES.name}
  (invoices, disputes and their resolutions), ${Topics.PAYMENTS.name}; business-date ticks go to every partition of
  ${Topics.ORDERS.name}, ${Topics.INVOICES.name} and ${Topics.PAYMENTS.name}

exit 0 once every record is acknowledged (or counted, with --dry-run), 1 when a file cannot be read or no row is
valid, 2 on a bad flag`;

export interface ImportLedgerOptions {
  readonly file: string;
  /** Path of the mapping file; undefined: the layout of data/ar-late-payments.csv. */
  readonly mapping: string | undefined;
  /** As given (or the default); its amount is read with the mapping's scale by creditLimitPolicy. */
  readonly creditLimit: string;
  /** Last business date ticked (days since epoch); undefined: the end of the month of the last event. */
  readonly endDay: number | undefined;
  /** Undefined: KAFKA_PARTITIONS. */
  readonly partitions: number | undefined;
  /** Undefined: the mapping's. */
  readonly currency: string | undefined;
  readonly dryRun: boolean;
  readonly batchSize: number;
  readonly json: boolean;
}

export { UsageError };

export type ParsedArgs = { help: true } | { help: false; options: ImportLedgerOptions };

/** The --credit-limit policy with amounts of `scale` decimals (the mapping's); a bad value is a UsageError. */
export function creditLimitPolicy(text: string, scale: number): CreditLimitPolicy {
  try {
    return parseCreditLimit(text, scale);
  } catch (e) {
    throw new UsageError(`--credit-limit: ${(e as Error).message}`, USAGE);
  }
}

/** Rejects an --end-date before the last event of the rows read (`lastDay`, days since epoch). */
export function checkEndDay(endDay: number | undefined, lastDay: number): void {
  if (endDay !== undefined && endDay < lastDay) {
    throw new UsageError(`--end-date ${isoFromDay(endDay)} is before the file's last event date ${isoFromDay(lastDay)}`, USAGE);
  }
}

export function parseImportLedgerArgs(argv: readonly string[]): ParsedArgs {
  const { values, positionals } = parseFlagsAndArguments(
    argv,
    {
      mapping: { type: 'string' },
      'credit-limit': { type: 'string' },
      'end-date': { type: 'string' },
      partitions: { type: 'string' },
      currency: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'batch-size': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) return { help: true };
  if (positionals.length !== 1) {
    throw new UsageError(`give exactly one FILE, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`, USAGE);
  }
  if (values.mapping === '') throw new UsageError('--mapping must name a file', USAGE);
  const creditLimit = values['credit-limit'] ?? DEFAULT_CREDIT_LIMIT;
  // The mapping's scale is known once its file is read; until then an amount may have as many decimals as any.
  creditLimitPolicy(creditLimit, values.mapping === undefined ? AR_LATE_PAYMENTS.amountScale : MAX_AMOUNT_SCALE);
  const currency = values.currency;
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) {
    throw new UsageError(`--currency must be an ISO 4217 code (3 capital letters), got ${JSON.stringify(currency)}`, USAGE);
  }
  return {
    help: false,
    options: Object.freeze({
      file: positionals[0]!,
      mapping: values.mapping,
      creditLimit,
      endDay: dateFlag('end-date', values['end-date'], USAGE),
      partitions: integerFlag('partitions', values.partitions, 1, USAGE),
      currency,
      dryRun: values['dry-run'] ?? false,
      batchSize: integerFlag('batch-size', values['batch-size'], 1, USAGE) ?? 1000,
      json: values.json ?? false,
    }),
  };
}
