// The payment score, PAYDEX-style, exactly as issue 14 defines it so a credit user can reconcile it by hand:
// over the invoices settled in the 365 days up to and including the as-of date, days beyond terms = settlement date
// - due date (negative when early); each invoice's points come from PAYDEX_KEY by linear interpolation, clamped at
// both ends; the score is the amount-weighted mean of the points, rounded half up; null with fewer than 3 invoices.

/** Days beyond terms -> points, ascending in days. */
export const PAYDEX_KEY: ReadonlyArray<readonly [days: number, points: number]> = [
  [-30, 100],
  [-20, 90],
  [0, 80],
  [15, 70],
  [22, 60],
  [30, 50],
  [60, 40],
  [90, 30],
  [120, 20],
];

export const PAYDEX_WINDOW_DAYS = 365;
export const PAYDEX_MIN_INVOICES = 3;

export interface SettledInvoice {
  /** Minor units, > 0: the invoice's weight. */
  readonly amount: number;
  readonly dueDay: number;
  /** The day the open balance reached zero. */
  readonly settledDay: number;
}

/** Points for one invoice paid `days` beyond terms. */
export function pointsFor(days: number): number {
  const first = PAYDEX_KEY[0]!;
  const last = PAYDEX_KEY[PAYDEX_KEY.length - 1]!;
  if (days <= first[0]) return first[1];
  if (days >= last[0]) return last[1];
  for (let i = 1; i < PAYDEX_KEY.length; i++) {
    const [d1, p1] = PAYDEX_KEY[i]!;
    if (days > d1) continue;
    const [d0, p0] = PAYDEX_KEY[i - 1]!;
    return p0 + ((p1 - p0) * (days - d0)) / (d1 - d0);
  }
  return last[1];
}

/** Whether a settlement falls in the window of the as-of date: [asOf - 364, asOf]. */
export const inPaydexWindow = (settledDay: number, asOf: number): boolean =>
  settledDay <= asOf && settledDay > asOf - PAYDEX_WINDOW_DAYS;

/** The score as of `asOf`, or null with fewer than PAYDEX_MIN_INVOICES settled in the window. */
export function paydexScore(invoices: Iterable<SettledInvoice>, asOf: number): number | null {
  const mean = paydexMean(invoices, asOf);
  // Half up; the epsilon keeps an exact .5 that floating point left at .4999... from rounding down.
  return mean === null ? null : Math.floor(mean + 0.5 + 1e-9);
}

/** The amount-weighted mean of the points before rounding (null as for the score). */
export function paydexMean(invoices: Iterable<SettledInvoice>, asOf: number): number | null {
  let count = 0;
  let weight = 0;
  let weighted = 0;
  for (const inv of invoices) {
    if (!inPaydexWindow(inv.settledDay, asOf)) continue;
    count++;
    weight += inv.amount;
    weighted += inv.amount * pointsFor(inv.settledDay - inv.dueDay);
  }
  if (count < PAYDEX_MIN_INVOICES || weight <= 0) return null;
  return weighted / weight;
}
