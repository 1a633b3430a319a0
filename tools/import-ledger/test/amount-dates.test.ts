import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayFromIso } from '../../../shared/time.ts';
import { parseMinorUnits } from '../src/amount.ts';
import { dateParser } from '../src/dates.ts';

describe('parseMinorUnits', () => {
  it.each([
    ['55.94', 2, 5594],
    ['0.29', 2, 29], // 0.29 * 100 is 28.999999999999996 in floating point
    ['1.1', 2, 110],
    ['100', 2, 10_000],
    ['7.50', 2, 750],
    ['1.230', 2, 123], // trailing zeros beyond the scale are harmless
    ['5594', 0, 5594],
    ['  12.00 ', 2, 1200],
    ['+3.5', 2, 350],
  ])('%s at scale %d is %d minor units', (text, scale, minor) => {
    expect(parseMinorUnits(text, scale)).toBe(minor);
  });

  it('reads a decimal comma when told to', () => {
    expect(parseMinorUnits('1234,5', 2, ',')).toBe(123_450);
  });

  it.each([
    ['abc', 'is not a decimal number'],
    ['1e3', 'is not a decimal number'],
    ['1,5', 'is not a decimal number'],
    ['', 'is not a decimal number'],
    ['51.555', 'has more than 2 decimals'],
    ['-1.00', 'is negative'],
    ['99999999999999999.99', 'is too large'],
  ])('rejects %j: %s', (text, why) => {
    expect(() => parseMinorUnits(text, 2)).toThrow(why);
  });

  it('agrees with integer arithmetic for every cent amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (cents) => {
        const text = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
        expect(parseMinorUnits(text, 2)).toBe(cents);
      }),
      { numRuns: 500 },
    );
  });
});

describe('dateParser', () => {
  it.each([
    ['M/D/YYYY', '1/2/2013', '2013-01-02'],
    ['M/D/YYYY', '12/31/2013', '2013-12-31'],
    ['DD.MM.YYYY', '02.01.2020', '2020-01-02'],
    ['YYYY-MM-DD', '2020-02-29', '2020-02-29'],
    ['D/M/YYYY', '2/1/2013', '2013-01-02'],
  ])('%s reads %s as %s', (format, text, iso) => {
    expect(dateParser(format)(text)).toBe(dayFromIso(iso));
  });

  it('rejects text in another shape and dates that are not on the calendar', () => {
    const parse = dateParser('M/D/YYYY');
    expect(() => parse('2013-01-02')).toThrow('is not a M/D/YYYY date');
    expect(() => parse('2/30/2013')).toThrow('is not a calendar date');
    expect(() => parse('13/1/2013')).toThrow('is not a calendar date');
  });

  it('rejects a format without a year, month and day', () => {
    expect(() => dateParser('M/D')).toThrow('must name the year');
    expect(() => dateParser('D/D/YYYY')).toThrow('must name the year');
  });
});
