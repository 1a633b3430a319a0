// The backtest's output: the policies side by side as a text table, or the whole result as one JSON object.
import { formatCount } from '../../lib/cli.ts';
import type { BacktestResult, PolicyColumn } from './backtest.ts';

/** The JSON output: the result plus the run's wall time (a figure to read, not a promise). */
export const jsonReport = (result: BacktestResult, wallSeconds: number): string =>
  `${JSON.stringify({ ...result, wallSeconds }, null, 2)}\n`;

/** Minor units as major units of the currency (its ISO 4217 decimals), grouped. */
export function moneyFormatter(currency: string): (minor: number) => string {
  const digits = new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const format = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return (minor) => format.format(minor / 10 ** digits);
}

const days = (ms: number): string => `${(ms / 86_400_000).toFixed(1)} d`;
const ratio = (v: number | null): string => (v === null ? '-' : v.toFixed(1));

function table(rows: ReadonlyArray<readonly string[]>, rightFrom = 1): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) => r.map((cell, c) => (c < rightFrom ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}

export function textReport(result: BacktestResult, wallSeconds: number): string {
  const money = moneyFormatter(result.currency);
  const ps = result.policies;
  const row = (label: string, cell: (p: PolicyColumn) => string): string[] => [label, ...ps.map(cell)];
  const f = (p: PolicyColumn) => p.figures;
  const reasons = (p: PolicyColumn) =>
    Object.entries(f(p).reasons).map(([r, n]) => `${r} ${formatCount(n)}`).join(', ') || '-';
  const summary = table([
    row('', (p) => p.name),
    row('credit limit', (p) => p.creditLimit),
    row('policy version', (p) => p.policyVersion),
    row('orders placed', (p) => formatCount(f(p).orders.placed)),
    row('approved at once', (p) => formatCount(f(p).orders.approved)),
    row('held', (p) => formatCount(f(p).orders.held)),
    row('  released (automatic)', (p) => formatCount(f(p).orders.releasedAutomatic)),
    row('  released (manual)', (p) => formatCount(f(p).orders.releasedManual)),
    row('  rejected', (p) => formatCount(f(p).orders.rejected)),
    row('  still held at the end', (p) => formatCount(f(p).orders.stillHeld)),
    row('  held when invoiced', (p) => formatCount(f(p).orders.blocked)),
    row(`held value (${result.currency})`, (p) => money(f(p).value.held)),
    row('  released value', (p) => money(f(p).value.released)),
    row('  held when invoiced', (p) => money(f(p).value.blocked)),
    row('hold duration p50', (p) => (f(p).holdDurationMs ? days(f(p).holdDurationMs!.p50) : '-')),
    row('hold duration p90', (p) => (f(p).holdDurationMs ? days(f(p).holdDurationMs!.p90) : '-')),
    row('holds by reason', reasons),
    row('rejected inputs', (p) => formatCount(p.rejectedInputs)),
  ]);
  const months = ps[0]!.figures.months;
  const monthly = table([
    ['month-end', 'overdue', ...ps.map((p) => `avoided ${p.name}`), 'DSO', ...ps.map((p) => `DSO ${p.name}`)],
    ...months.map((m, i) => [
      m.monthEnd,
      money(m.overdue),
      ...ps.map((p) => money(p.figures.months[i]!.overdueAvoided)),
      ratio(m.ledgerDso),
      ...ps.map((p) => ratio(p.figures.months[i]!.dso)),
    ]),
  ]);
  return [
    `backtest of ${result.file}: ${formatCount(result.validRows)} valid rows (${formatCount(result.rejectedRows.length)} rejected), ` +
      `${formatCount(result.customers)} customers, ${result.firstDate} .. ${result.endDate}, ${result.currency}, ${result.partitions} partitions`,
    '',
    summary,
    '',
    `at each month-end (${result.currency}): overdue receivables of the ledger, those of orders each policy held when ` +
      'they were invoiced (avoided), DSO of the ledger and without those invoices',
    monthly,
    '',
    `replayed ${ps.length} ${ps.length === 1 ? 'policy' : 'policies'} in ${wallSeconds.toFixed(1)} s`,
    '',
  ].join('\n');
}
