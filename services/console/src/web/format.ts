// How amounts, times and ages read on the pages.
export function money(minor: number | null | undefined, currency?: string | null): string {
  if (minor === null || minor === undefined) return '–';
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const major = Math.trunc(abs / 100).toLocaleString('en-US');
  return `${sign}${major}.${String(abs % 100).padStart(2, '0')}${currency ? ` ${currency}` : ''}`;
}

export const when = (at: Date | number | null | undefined): string =>
  at === null || at === undefined ? '–' : new Date(at).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

export const day = (at: Date | number | null | undefined): string =>
  at === null || at === undefined ? '–' : new Date(at).toISOString().slice(0, 10);

export function age(fromMs: number, now: number): string {
  const hours = Math.max(0, Math.floor((now - fromMs) / 3_600_000));
  return hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} d`;
}

export const asNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
