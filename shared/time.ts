// Calendar arithmetic on whole UTC days since 1970-01-01 (Avro `date`), so no time zone or DST can shift a due date.
export const MS_PER_DAY = 86_400_000;

/** The UTC calendar day (days since epoch) of an epoch-ms instant. */
export const dayOf = (epochMs: number): number => Math.floor(epochMs / MS_PER_DAY);

/** Epoch ms at the start (00:00 UTC) of a day. */
export const startOfDay = (day: number): number => day * MS_PER_DAY;

/** Days since epoch of an ISO date `YYYY-MM-DD`. */
export function dayFromIso(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new RangeError(`not an ISO date: ${iso}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const day = ms / MS_PER_DAY;
  if (isoFromDay(day) !== iso) throw new RangeError(`not a calendar date: ${iso}`);
  return day;
}

/** ISO `YYYY-MM-DD` of a day since epoch. */
export const isoFromDay = (day: number): string => new Date(day * MS_PER_DAY).toISOString().slice(0, 10);

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export const daysBetween = (from: number, to: number): number => to - from;
