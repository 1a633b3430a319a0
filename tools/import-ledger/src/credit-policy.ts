// The --credit-limit policy: every customer's limit in the replayed history, so a credit team can see which orders
// that policy would have held. A fixed amount, or a multiple of the customer's average monthly sales over the
// file's period (hindsight by design: it sizes the limit from the customer's whole history in the file).
import { isoFromDay } from '../../../shared/time.ts';
import { parseMinorUnits } from './amount.ts';
import type { LedgerRow } from './rows.ts';

export type CreditLimitPolicy =
  | { readonly kind: 'fixed'; readonly label: string; readonly limit: number }
  | { readonly kind: 'monthly-multiple'; readonly label: string; readonly numerator: bigint; readonly denominator: bigint };

/** A generous limit nobody in a mid-size ledger reaches: the replay shows the history without limit holds. */
export const DEFAULT_CREDIT_LIMIT = '1000000';

/** "50000" (major units) or "3x-monthly" / "2.5x-monthly"; `scale` as in the mapping. */
export function parseCreditLimit(text: string, scale: number): CreditLimitPolicy {
  const multiple = /^(\d+)(?:\.(\d+))?x-monthly$/.exec(text.trim());
  if (multiple !== null) {
    const fraction = multiple[2] ?? '';
    const numerator = BigInt(multiple[1]! + fraction);
    if (numerator === 0n) throw new RangeError(`credit limit "${text}": the multiple must be positive`);
    return { kind: 'monthly-multiple', label: text.trim(), numerator, denominator: 10n ** BigInt(fraction.length) };
  }
  try {
    return { kind: 'fixed', label: text.trim(), limit: parseMinorUnits(text, scale) };
  } catch (e) {
    throw new RangeError(`credit limit "${text}" is neither an amount nor <k>x-monthly: ${(e as Error).message}`);
  }
}

/** Calendar months from the first to the last invoice month, both included. */
export function monthsSpanned(rows: readonly LedgerRow[]): number {
  const months = rows.map((r) => {
    const iso = isoFromDay(r.invoiceDay);
    return Number(iso.slice(0, 4)) * 12 + Number(iso.slice(5, 7)) - 1;
  });
  return months.reduce((a, b) => Math.max(a, b)) - months.reduce((a, b) => Math.min(a, b)) + 1;
}

/** Each customer's limit in minor units (rounded up). */
export function creditLimits(policy: CreditLimitPolicy, rows: readonly LedgerRow[]): Map<string, number> {
  const sales = new Map<string, number>();
  for (const r of rows) sales.set(r.customerId, (sales.get(r.customerId) ?? 0) + r.amount);
  if (policy.kind === 'fixed') return new Map([...sales.keys()].map((c) => [c, policy.limit]));
  const divisor = BigInt(monthsSpanned(rows)) * policy.denominator;
  return new Map(
    [...sales].map(([c, total]) => {
      const product = BigInt(total) * policy.numerator;
      return [c, Number((product + divisor - 1n) / divisor)];
    }),
  );
}
