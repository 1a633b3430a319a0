// Amounts and dates for a language's locale, with Intl: minor units become an exact decimal string (never a float),
// dates are whole UTC days.
import { startOfDay } from '../../../../shared/time.ts';
import type { Language } from './notice.ts';

const LOCALES: Record<Language, string> = { en: 'en-GB', de: 'de-DE' };

const digitsCache = new Map<string, number>();
/** ISO 4217 minor-unit digits as ICU knows them (EUR 2, JPY 0, ...). */
function minorDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(currency, d);
  }
  return d;
}

/** Minor units as the locale writes money: 123456 EUR is "€1,234.56" in English, "1.234,56 €" in German. */
export function formatMoney(minor: number, currency: string, language: Language): string {
  const digits = minorDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = String(Math.abs(minor)).padStart(digits + 1, '0');
  const decimal = digits === 0 ? abs : `${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
  // Intl.NumberFormat takes a decimal string exactly (no binary rounding).
  return new Intl.NumberFormat(LOCALES[language], { style: 'currency', currency }).format(`${sign}${decimal}` as unknown as number);
}

/** A day as the locale writes a date in a letter: "3 December 2026", "3. Dezember 2026". */
export function formatDate(day: number, language: Language): string {
  return new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(startOfDay(day)));
}
