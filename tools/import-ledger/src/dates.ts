// Calendar dates in a file's own format (M/D/YYYY, DD.MM.YYYY, YYYY-MM-DD, ...) to days since epoch.
import { dayFromIso } from '../../../shared/time.ts';

const TOKENS: Record<string, string> = { YYYY: '(\\d{4})', MM: '(\\d{2})', M: '(\\d{1,2})', DD: '(\\d{2})', D: '(\\d{1,2})' };

export type DateParser = (text: string) => number;

/** A parser for the format; throws a RangeError when the format lacks a year, month or day, or repeats one. */
export function dateParser(format: string): DateParser {
  const parts = format.split(/(YYYY|MM|M|DD|D)/).filter((p) => p !== '');
  const order: Array<'Y' | 'M' | 'D'> = [];
  const pattern = parts
    .map((p) => {
      const token = TOKENS[p];
      if (token === undefined) return p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      order.push(p[0] as 'Y' | 'M' | 'D');
      return token;
    })
    .join('');
  if ([...order].sort().join('') !== 'DMY') {
    throw new RangeError(`date format "${format}" must name the year (YYYY), month (M or MM) and day (D or DD) once each`);
  }
  const re = new RegExp(`^${pattern}$`);
  return (text) => {
    const m = re.exec(text.trim());
    if (m === null) throw new RangeError(`"${text}" is not a ${format} date`);
    const at = (field: 'Y' | 'M' | 'D') => m[order.indexOf(field) + 1]!;
    try {
      return dayFromIso(`${at('Y')}-${at('M').padStart(2, '0')}-${at('D').padStart(2, '0')}`);
    } catch {
      throw new RangeError(`"${text}" is not a calendar date`);
    }
  };
}
