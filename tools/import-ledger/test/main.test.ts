// The command line as a user meets it: the exit code and what goes to stdout and stderr. Only --dry-run runs here,
// which reads and counts without Kafka.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { USAGE } from '../src/options.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const BAD_ROWS = fileURLToPath(new URL('fixtures/bad-rows.csv', import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, O2C_TOPIC_PREFIX: 'cli.', KAFKA_PARTITIONS: '2' },
  });

describe('npm run import-ledger', () => {
  it('prints the usage on stdout and exits 0 for --help', () => {
    const r = run('--help');
    expect(r.stdout).toBe(`${USAGE}\n`);
    expect(r.status).toBe(0);
  }, 60_000);

  it('exits 2 with the message and the usage on stderr for a bad flag, also one found bad once the file is read', () => {
    for (const [args, message] of [
      [['--bogus'], "error: Unknown option '--bogus'"],
      [[BAD_ROWS, '--dry-run', '--end-date', '2013-01-31'], "error: --end-date 2013-01-31 is before the file's last event date 2013-07-12"],
    ] as const) {
      const r = run(...args);
      expect(r.stderr.startsWith(message), r.stderr).toBe(true);
      expect(r.stderr.endsWith(`\n${USAGE}\n`), r.stderr).toBe(true);
      expect(r.status).toBe(2);
    }
  }, 60_000);

  it('with --json prints one JSON summary on stdout, the rejected rows on stderr', () => {
    const r = run(BAD_ROWS, '--dry-run', '--json', '--credit-limit', '3x-monthly');
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('line 4: InvoiceDate "2/30/2013" is not a calendar date\n');
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({
      file: BAD_ROWS,
      validRows: 3,
      creditLimit: '3x-monthly',
      currency: 'EUR',
      partitions: 2,
      customers: 3,
      orders: 3,
      invoices: 3,
      disputes: 1,
      payments: 3,
      firstDate: '2013-01-02',
      endDate: '2013-07-31',
      dryRun: true,
      produced: 0,
    });
    expect(summary.rejectedRows).toHaveLength(11);
    expect(summary.rejectedRows[0]).toEqual({ line: 4, reasons: ['InvoiceDate "2/30/2013" is not a calendar date'] });
    const perTopic = summary.topics as Record<string, number>;
    expect(Object.keys(perTopic).sort()).toEqual([
      'cli.o2c.customer-changes.v1', 'cli.o2c.customers.v1', 'cli.o2c.invoices.v1', 'cli.o2c.orders.v1', 'cli.o2c.payments.v1',
    ]);
    expect(perTopic['cli.o2c.customers.v1']).toBe(3);
    expect(perTopic['cli.o2c.customer-changes.v1']).toBe(3); // each profile's change, beside it
    expect(Object.values(perTopic).reduce((a, b) => a + b)).toBe(summary.records);
    expect(summary.records).toBe(3 + 3 + 3 + 3 + 2 + 3 + summary.ticks);
  }, 60_000);
});
