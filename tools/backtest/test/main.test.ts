// The command line on the shipped ledger (data/ar-late-payments.csv) with the example policies: the JSON parses
// with one column per policy, the table shows them side by side, bad input exits 2 naming what is wrong.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { USAGE } from '../src/options.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const LEDGER = fileURLToPath(new URL('../../../data/ar-late-payments.csv', import.meta.url));
const LENIENT = fileURLToPath(new URL('../policies/3x-monthly.json', import.meta.url));
const STRICT = fileURLToPath(new URL('../policies/strict.json', import.meta.url));
/** A whole replay of the ledger in a child process: generous, since the machine's two cores are shared. */
const CLI_TIMEOUT_MS = 120_000;
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });

const dir = mkdtempSync(join(tmpdir(), 'o2c-backtest-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run backtest', () => {
  it('with --json prints one object: the ledger, one column per policy with every figure, the wall time', () => {
    const r = run('--policy', LENIENT, '--policy', STRICT, LEDGER, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ file: LEDGER, currency: 'EUR', validRows: 2_466, rejectedRows: [], partitions: 12, customers: 100 });
    expect(typeof out.wallSeconds).toBe('number');
    expect(out.policies.map((p: { name: string }) => p.name)).toEqual(['3x-monthly', 'strict']);
    const [lenient, strict] = out.policies;
    expect(lenient).toMatchObject({ file: LENIENT, creditLimit: '3x-monthly', policyVersion: 'v1', rejectedInputs: 0 });
    expect(strict).toMatchObject({ file: STRICT, creditLimit: '1.5x-monthly', policyVersion: 'strict-1', rejectedInputs: 0 });
    for (const p of out.policies) {
      const { orders, value, holdDurationMs, months } = p.figures;
      expect(orders.placed).toBe(2_466);
      expect(orders.approved + orders.held).toBe(2_466);
      expect(orders.released + orders.rejected + orders.stillHeld).toBe(orders.held);
      expect(orders.held).toBeGreaterThan(0);
      expect(value.held).toBeGreaterThan(0);
      expect(holdDurationMs.p50).toBeGreaterThan(0);
      expect(holdDurationMs.p90).toBeGreaterThanOrEqual(holdDurationMs.p50);
      // The receivables KPIs' months: the first invoice's (2012-01) through the last settlement's (2014-01).
      expect(months).toHaveLength(25);
      expect(months[0]).toMatchObject({ month: '2012-01', monthEnd: '2012-01-31' });
      expect(months.at(-1)).toMatchObject({ month: '2014-01', monthEnd: '2014-01-31' });
      for (const m of months) expect(m.overdueAvoided).toBeLessThanOrEqual(m.overdue);
    }
    // Both columns replay the same ledger; the stricter policy holds more.
    expect(strict.figures.months.map((m: { overdue: number }) => m.overdue)).toEqual(lenient.figures.months.map((m: { overdue: number }) => m.overdue));
    expect(strict.figures.orders.held).toBeGreaterThan(lenient.figures.orders.held);
    expect(strict.figures.reasons.OVERDUE).toBeGreaterThan(0);
  }, CLI_TIMEOUT_MS);

  it('prints the policies side by side, each month-end, and the wall time', () => {
    const r = run('--policy', LENIENT, '--policy', STRICT, LEDGER);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^backtest of .*ar-late-payments\.csv: 2,466 valid rows \(0 rejected\), 100 customers, 2012-01-\d\d \.\. 2014-01-31, EUR, 12 partitions$/);
    expect(lines[2]).toMatch(/^\s+3x-monthly\s+strict$/);
    for (const label of ['orders placed', 'held', 'held value (EUR)', 'hold duration p50', 'hold duration p90']) {
      expect(lines.find((l) => l.startsWith(`${label} `)), label).toMatch(/ {2}\S.* {2}\S/);
    }
    expect(lines.find((l) => l.startsWith('orders placed'))).toMatch(/^orders placed\s+2,466\s+2,466$/);
    expect(lines.find((l) => l.startsWith('month-end'))).toMatch(/^month-end\s+overdue\s+avoided 3x-monthly\s+avoided strict\s+DSO\s+DSO 3x-monthly\s+DSO strict$/);
    expect(lines.filter((l) => /^20\d\d-\d\d-\d\d /.test(l))).toHaveLength(25);
    expect(r.stdout).toMatch(/\nreplayed 2 policies in \d+\.\d s\n/);
  }, CLI_TIMEOUT_MS);

  it('exits 2 naming the file and field of a bad policy, and for a bad flag; --help prints the usage', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ backtest: { env: { REDIS_URL: 'redis://x' } } }));
    const r = run('--policy', bad, LEDGER);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`error: ${bad}: backtest.env.REDIS_URL is not a policy variable`);
    expect(r.stdout).toBe('');

    const none = run(LEDGER);
    expect(none.status).toBe(2);
    expect(none.stderr).toBe(`error: at least one --policy is required\n${USAGE}\n`);

    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toBe(`${USAGE}\n`);
  }, CLI_TIMEOUT_MS);
});
