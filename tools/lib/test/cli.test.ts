import { describe, expect, it } from 'vitest';
import { dayFromIso } from '../../../shared/time.ts';
import { dateFlag, integerFlag, numberFlag, parseFlagsAndArguments, UsageError } from '../cli.ts';

const USAGE = 'usage: test';

describe('integerFlag', () => {
  it('is undefined when not given; reads whole numbers with thousands separators', () => {
    expect(integerFlag('n', undefined, 1, USAGE)).toBeUndefined();
    expect(integerFlag('n', '0', 0, USAGE)).toBe(0);
    expect(integerFlag('n', ' 42 ', 1, USAGE)).toBe(42);
    expect(integerFlag('n', '1,000,000', 1, USAGE)).toBe(1_000_000);
    expect(integerFlag('n', '1_000', 1, USAGE)).toBe(1000);
  });

  it.each(['', '0', '-1', '1.5', '1e3', '0x10', 'ten', '9007199254740993'])('refuses %j for min 1, naming the flag', (raw) => {
    expect(() => integerFlag('count', raw, 1, USAGE)).toThrow(UsageError);
    expect(() => integerFlag('count', raw, 1, USAGE)).toThrow(`--count must be an integer >= 1, got ${JSON.stringify(raw)}\nusage: test`);
  });
});

describe('numberFlag', () => {
  it('is undefined when not given; reads decimals within the range', () => {
    expect(numberFlag('x', undefined, { min: 0 }, USAGE)).toBeUndefined();
    expect(numberFlag('x', '0', { min: 0 }, USAGE)).toBe(0);
    expect(numberFlag('x', '1.25', { min: 0 }, USAGE)).toBe(1.25);
    expect(numberFlag('x', '.5', { min: 0, max: 1 }, USAGE)).toBe(0.5);
    expect(numberFlag('x', '1', { min: 0, max: 1 }, USAGE)).toBe(1);
  });

  it.each([
    ['', '>= 0'],
    ['-1', '>= 0'],
    ['1e3', '>= 0'],
    ['Infinity', '>= 0'],
    ['fast', '>= 0'],
  ])('refuses %j naming the flag and the bound', (raw, bound) => {
    expect(() => numberFlag('rate', raw, { min: 0 }, USAGE)).toThrow(UsageError);
    expect(() => numberFlag('rate', raw, { min: 0 }, USAGE)).toThrow(`--rate must be a number ${bound}, got ${JSON.stringify(raw)}`);
  });

  it('refuses a value above the maximum', () => {
    expect(() => numberFlag('share', '1.01', { min: 0, max: 1 }, USAGE)).toThrow('--share must be a number between 0 and 1, got "1.01"');
  });
});

describe('dateFlag', () => {
  it('reads a calendar date as days since the epoch, refuses anything else naming the flag', () => {
    expect(dateFlag('start-date', undefined, USAGE)).toBeUndefined();
    expect(dateFlag('start-date', '2024-02-29', USAGE)).toBe(dayFromIso('2024-02-29'));
    for (const raw of ['2023-02-29', '2024-2-1', 'today', '']) {
      expect(() => dateFlag('start-date', raw, USAGE)).toThrow(`--start-date must be a date YYYY-MM-DD, got ${JSON.stringify(raw)}`);
    }
  });
});

describe('parseFlagsAndArguments', () => {
  const spec = { json: { type: 'boolean' }, out: { type: 'string' } } as const;

  it('gives the flags and the positional arguments', () => {
    expect(parseFlagsAndArguments(['a.csv', '--json', '--out', 'x', 'b.csv'], spec, USAGE)).toEqual({
      values: { json: true, out: 'x' },
      positionals: ['a.csv', 'b.csv'],
    });
  });

  it('turns an unknown flag or a missing value into a UsageError with the usage', () => {
    expect(() => parseFlagsAndArguments(['--bogus'], spec, USAGE)).toThrow(UsageError);
    expect(() => parseFlagsAndArguments(['--bogus'], spec, USAGE)).toThrow(/Unknown option '--bogus'[^]*\nusage: test$/);
    expect(() => parseFlagsAndArguments(['--out'], spec, USAGE)).toThrow(/--out/);
  });
});
