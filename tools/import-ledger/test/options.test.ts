import { describe, expect, it } from 'vitest';
import { dayFromIso } from '../../../shared/time.ts';
import {
  checkEndDay,
  creditLimitPolicy,
  parseImportLedgerArgs,
  USAGE,
  UsageError,
  type ImportLedgerOptions,
} from '../src/options.ts';

const options = (argv: string[]): ImportLedgerOptions => {
  const parsed = parseImportLedgerArgs(argv);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.options;
};

describe('parseImportLedgerArgs', () => {
  it('needs only the file; defaults to the built-in layout, a limit of 1,000,000 and 1000 records per send', () => {
    expect(options(['data/ar-late-payments.csv'])).toEqual({
      file: 'data/ar-late-payments.csv',
      mapping: undefined,
      creditLimit: '1000000',
      endDay: undefined,
      partitions: undefined,
      currency: undefined,
      dryRun: false,
      batchSize: 1000,
      json: false,
    });
  });

  it('reads every flag, before or after the file', () => {
    expect(
      options([
        '--mapping', 'erp.json', 'export.csv', '--credit-limit', '2.5x-monthly', '--end-date', '2014-12-31',
        '--partitions', '4', '--currency', 'USD', '--dry-run', '--batch-size', '5,000', '--json',
      ]),
    ).toEqual({
      file: 'export.csv',
      mapping: 'erp.json',
      creditLimit: '2.5x-monthly',
      endDay: dayFromIso('2014-12-31'),
      partitions: 4,
      currency: 'USD',
      dryRun: true,
      batchSize: 5000,
      json: true,
    });
  });

  it('answers --help and -h, with or without a file', () => {
    expect(parseImportLedgerArgs(['--help'])).toEqual({ help: true });
    expect(parseImportLedgerArgs(['ledger.csv', '-h'])).toEqual({ help: true });
  });

  it.each([
    [[], /give exactly one FILE, got none/],
    [['a.csv', 'b.csv'], /give exactly one FILE, got a.csv b.csv/],
    [['a.csv', '--mapping='], /--mapping must name a file/],
    [['a.csv', '--credit-limit', 'lots'], /--credit-limit: credit limit "lots" is neither an amount nor <k>x-monthly/],
    [['a.csv', '--credit-limit', '0x-monthly'], /--credit-limit: .*the multiple must be positive/],
    // The built-in layout has cents: a third decimal is refused before any file is read.
    [['a.csv', '--credit-limit', '50000.005'], /--credit-limit: .*"50000.005" has more than 2 decimals/],
    [['a.csv', '--end-date', '2014-13-01'], /--end-date must be a date YYYY-MM-DD, got "2014-13-01"/],
    [['a.csv', '--partitions', '0'], /--partitions must be an integer >= 1, got "0"/],
    [['a.csv', '--currency', 'eur'], /--currency must be an ISO 4217 code/],
    [['a.csv', '--batch-size', 'many'], /--batch-size must be an integer >= 1/],
    [['a.csv', '--dry-run=no'], /--dry-run/],
    [['a.csv', '--bogus'], /Unknown option '--bogus'/],
    [['a.csv', '--mapping'], /--mapping/],
  ])('rejects %j naming the flag, with the usage', (argv, message) => {
    expect(() => parseImportLedgerArgs(argv)).toThrow(UsageError);
    expect(() => parseImportLedgerArgs(argv)).toThrow(message);
    expect(() => parseImportLedgerArgs(argv)).toThrow(/usage: npm run import-ledger/);
  });

  it('leaves an amount with more decimals to the mapping, whose scale is known once its file is read', () => {
    expect(options(['a.csv', '--mapping', 'm.json', '--credit-limit', '50000.005']).creditLimit).toBe('50000.005');
    expect(() => creditLimitPolicy('50000.005', 2)).toThrow(UsageError);
    expect(() => creditLimitPolicy('50000.005', 2)).toThrow(/--credit-limit: .*more than 2 decimals/);
    expect(creditLimitPolicy('50000.005', 3)).toEqual({ kind: 'fixed', label: '50000.005', limit: 50_000_005 });
  });
});

describe('checkEndDay', () => {
  it('accepts no end date, or one at or after the last event; refuses an earlier one naming --end-date', () => {
    const last = dayFromIso('2014-01-09');
    expect(() => checkEndDay(undefined, last)).not.toThrow();
    expect(() => checkEndDay(last, last)).not.toThrow();
    expect(() => checkEndDay(last - 1, last)).toThrow(UsageError);
    expect(() => checkEndDay(last - 1, last)).toThrow(
      /--end-date 2014-01-08 is before the file's last event date 2014-01-09\nusage: npm run import-ledger/,
    );
  });
});

describe('the importer usage', () => {
  it('lists every flag with its default, the environment it reads and the topics it writes', () => {
    for (const flag of ['mapping', 'credit-limit', 'end-date', 'partitions', 'currency', 'dry-run', 'batch-size', 'json', 'help']) {
      expect(USAGE).toMatch(new RegExp(`^  --${flag}[ ,]`, 'm'));
    }
    for (const d of ['(default 1000000)', '(default 1000)', '(default KAFKA_PARTITIONS)', 'EUR for the built-in one']) {
      expect(USAGE).toContain(d);
    }
    expect(USAGE).toContain('KAFKA_BROKERS        brokers, comma-separated host:port (default 127.0.0.1:9092)');
    expect(USAGE).toContain('SCHEMA_REGISTRY_URL  schema registry (default http://127.0.0.1:8081/apis/ccompat/v7)');
    expect(USAGE).toContain('data/ar-late-payments.csv');
    for (const t of ['o2c.customers.v1', 'o2c.orders.v1', 'o2c.invoices.v1', 'o2c.payments.v1']) expect(USAGE).toContain(t);
    expect(USAGE).not.toContain('o2c.credit-actions.v1');
    expect(USAGE).toContain('2 on a bad flag');
  });
});
