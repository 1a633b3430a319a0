// Foreign-currency documents: the rate table and the conversion into the customer's credit currency. Pure.
//
// Quotes: EUR-based reference rates, as the ECB publishes them: `EUR -> quote` per day, "units of quote per euro".
// Any other pair is derived through the euro (X -> C = rate(C) / rate(X), rate(EUR) = 1), so there is exactly one way
// to convert a pair and a replay cannot take another. A rate whose base is not EUR is refused.
// The rate in force for a document: its day is the UTC day of its event time; per currency leg the latest rate whose
// day is <= that day, and only once the leg is *settled* for that day: a rate of that day or of a later one is known
// (a later day's rate means the day's own never comes: a weekend or a holiday). Until then the document waits
// (fx-parking.ts): converting at an earlier rate now and the day's rate on a replay would not be deterministic.
// Amounts are integer minor units with each currency's ISO 4217 exponent; a converted amount is rounded half to even
// once per amount, computed exactly (BigInt), never through floating point.
import type { FxRatePublished } from '../../../../shared/contracts/events.generated.ts';
import { dayOf } from '../../../../shared/time.ts';

export const FX_PIVOT = 'EUR';

/** Per currency, its EUR rates as [day, decimal text], ascending by day. Plain JSON (stored as is). */
export type FxRates = Readonly<Record<string, ReadonlyArray<readonly [day: number, rate: string]>>>;

export const NO_RATES: FxRates = Object.freeze({});

/** ISO 4217 exponents that are not 2. */
const EXPONENTS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0,
  XAF: 0, XOF: 0, XPF: 0, BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
};

export const minorUnitExponent = (currency: string): number => EXPONENTS[currency] ?? 2;

/** The table with the rate added, or why the rate is refused. A rate for a day already known replaces it. */
export function withRate(rates: FxRates, p: FxRatePublished): { ok: true; rates: FxRates } | { ok: false; refused: string } {
  if (p.base !== FX_PIVOT) return { ok: false, refused: `rates are quoted ${FX_PIVOT} -> currency; ${p.base} -> ${p.quote} is not` };
  if (p.quote === FX_PIVOT) return { ok: false, refused: `${p.base} -> ${p.quote} is not a rate` };
  if (decimal(p.rate) === null) return { ok: false, refused: `rate ${JSON.stringify(p.rate)} is not a positive decimal` };
  const list = [...(rates[p.quote] ?? [])];
  let i = list.length;
  while (i > 0 && list[i - 1]![0] > p.rateDate) i--;
  if (i > 0 && list[i - 1]![0] === p.rateDate) list[i - 1] = [p.rateDate, p.rate];
  else list.splice(i, 0, [p.rateDate, p.rate]);
  return { ok: true, rates: { ...rates, [p.quote]: list } };
}

interface Decimal {
  units: bigint;
  scale: number;
}

function decimal(text: string): Decimal | null {
  const m = /^(\d{1,12})(?:\.(\d{1,10}))?$/.exec(text);
  if (!m) return null;
  const fraction = m[2] ?? '';
  const units = BigInt(m[1]! + fraction);
  return units > 0n ? { units, scale: fraction.length } : null;
}

const ONE: Decimal = { units: 1n, scale: 0 };

/** The EUR rate of `currency` in force on `day`, or null while the leg is not settled for that day. */
export function legRate(rates: FxRates, currency: string, day: number): Decimal | null {
  if (currency === FX_PIVOT) return ONE;
  const list = rates[currency];
  if (list === undefined || list.length === 0 || list[list.length - 1]![0] < day) return null;
  for (let i = list.length - 1; i >= 0; i--) if (list[i]![0] <= day) return decimal(list[i]![1]);
  // Every known rate is later than the day: none is in force, and waiting for one of that day is all there is to do.
  return null;
}

/** The UTC day whose rates a document converts at: the day of its event time. */
export const documentDay = (occurredAt: number): number => dayOf(occurredAt);

/** Converts amounts of one document from `from` into `to` at the rates in force on `day`. */
export interface Converter {
  /** One amount, rounded half to even. */
  amount(minor: number): number;
  /**
   * Parts of one amount (a payment's allocations), rounded so that they add up to the rounded sum of the parts: each
   * is round(running sum) - round(previous running sum), so the allocations never exceed the converted payment.
   */
  parts(minors: readonly number[]): number[];
}

/** The converter for a document of `day`, or null while a leg's rate for that day is not known. */
export function converterAt(rates: FxRates, from: string, to: string, day: number): Converter | null {
  const rFrom = legRate(rates, from, day);
  const rTo = legRate(rates, to, day);
  if (rFrom === null || rTo === null) return null;
  // minor_to = minor_from / 10^eFrom * (rTo / rFrom) * 10^eTo, each rate = units / 10^scale
  const num = rTo.units * 10n ** BigInt(rFrom.scale + minorUnitExponent(to));
  const den = rFrom.units * 10n ** BigInt(rTo.scale + minorUnitExponent(from));
  const convert = (minor: bigint): number => Number(roundHalfEven(minor * num, den));
  return {
    amount: (minor) => convert(BigInt(minor)),
    parts(minors) {
      let running = 0n;
      let before = 0;
      return minors.map((m) => {
        running += BigInt(m);
        const now = convert(running);
        const part = now - before;
        before = now;
        return part;
      });
    },
  };
}

/** n / d rounded to the nearest integer, ties to even; d > 0. */
export function roundHalfEven(n: bigint, d: bigint): bigint {
  const negative = n < 0n;
  const a = negative ? -n : n;
  let q = a / d;
  const twice = (a % d) * 2n;
  if (twice > d || (twice === d && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}
