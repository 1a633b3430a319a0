// The printed report: amounts in the currency's own decimals, the policies as right-aligned columns, a dash where a
// figure has no value; the JSON is the result with the wall time.
import { describe, expect, it } from 'vitest';
import type { BacktestResult } from '../src/backtest.ts';
import type { PolicyFigures } from '../src/metrics.ts';
import { jsonReport, moneyFormatter, textReport } from '../src/report.ts';

const figures = (held: number, value: number, durations: PolicyFigures['holdDurationMs']): PolicyFigures => ({
  orders: { placed: 3, approved: 3 - held, held, released: held, releasedAutomatic: held, releasedManual: 0, rejected: 0, stillHeld: 0, blocked: held },
  value: { held: value, released: value, stillHeld: 0, blocked: value },
  holdDurationMs: durations,
  reasons: held > 0 ? { OVER_LIMIT: held } : {},
  months: [{ month: '2013-03', monthEnd: '2013-03-31', overdueAvoided: value, overdue: 123_456, dso: null, ledgerDso: 30.25 }],
});
const result: BacktestResult = {
  file: 'x.csv', currency: 'EUR', validRows: 3, rejectedRows: [], partitions: 2, customers: 1, firstDate: '2013-03-01', endDate: '2013-03-31',
  policies: [
    { name: 'lenient', file: 'l.json', creditLimit: '1000000', policyVersion: 'v1', rejectedInputs: 0, figures: figures(0, 0, null) },
    { name: 'strict', file: 's.json', creditLimit: '50', policyVersion: 'v2', rejectedInputs: 0, figures: figures(2, 250_000, { p50: 36 * 3_600_000, p90: 86_400_000 * 10 }) },
  ],
};

describe('backtest report', () => {
  it('formats minor units in the currency decimals', () => {
    expect(moneyFormatter('EUR')(123_456)).toBe('1,234.56');
    expect(moneyFormatter('JPY')(123_456)).toBe('123,456');
    expect(moneyFormatter('KWD')(1_234)).toBe('1.234');
  });

  it('prints one right-aligned column per policy, days for durations, a dash for what has no value', () => {
    const lines = textReport(result, 1.234).split('\n');
    expect(lines[0]).toBe('backtest of x.csv: 3 valid rows (0 rejected), 1 customers, 2013-03-01 .. 2013-03-31, EUR, 2 partitions');
    const row = (label: string) => lines.find((l) => l.startsWith(label))!;
    expect(row('held value (EUR)')).toMatch(/^held value \(EUR\) +0\.00 +2,500\.00$/);
    expect(row('hold duration p50')).toMatch(/ - +1\.5 d$/);
    expect(row('hold duration p90')).toMatch(/ - +10\.0 d$/);
    expect(row('holds by reason')).toMatch(/ - +OVER_LIMIT 2$/);
    // Every row of the summary has the same width: the columns line up.
    const summary = lines.slice(2, lines.indexOf('', 2));
    expect(new Set(summary.map((l) => l.length)).size).toBe(1);
    expect(row('2013-03-31')).toMatch(/^2013-03-31 +1,234\.56 +0\.00 +2,500\.00 +30\.3 +- +-$/);
    expect(lines.at(-2)).toBe('replayed 2 policies in 1.2 s');
  });

  it('gives the result with the wall time as JSON', () => {
    expect(JSON.parse(jsonReport(result, 1.234))).toEqual({ ...JSON.parse(JSON.stringify(result)), wallSeconds: 1.234 });
  });
});
