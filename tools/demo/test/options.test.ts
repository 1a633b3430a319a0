import { describe, expect, it } from 'vitest';
import { dayFromIso } from '../../../shared/time.ts';
import { defaultStartDay, parseDemoArgs, UsageError } from '../src/options.ts';

const options = (argv: string[]) => {
  const parsed = parseDemoArgs(argv);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.options;
};

describe('parseDemoArgs', () => {
  it('defaults to a minute of 500 events/s for 200 customers at 1.5 business days per second', () => {
    expect(options([])).toEqual({
      durationSec: 60,
      rate: 500,
      customers: 200,
      daysPerSecond: 1.5,
      seed: 1,
      startDay: undefined,
      days: undefined,
      json: false,
      stackUp: true,
    });
  });

  it('reads every flag', () => {
    expect(
      options([
        '--duration', '15', '--rate', '300', '--customers', '50', '--days-per-second', '3', '--seed', '0',
        '--start-date', '2024-02-29', '--days', '40', '--json', '--no-stack-up',
      ]),
    ).toEqual({
      durationSec: 15,
      rate: 300,
      customers: 50,
      daysPerSecond: 3,
      seed: 0,
      startDay: dayFromIso('2024-02-29'),
      days: 40,
      json: true,
      stackUp: false,
    });
  });

  it('answers --help', () => {
    expect(parseDemoArgs(['--help'])).toEqual({ help: true });
  });

  it.each([
    [['--duration', '0'], /--duration must be a positive number, got "0"/],
    [['--rate', 'fast'], /--rate must be a positive number/],
    [['--customers', '2.5'], /--customers must be a positive integer/],
    [['--days-per-second', ''], /--days-per-second must be a positive number/],
    [['--days', '1.5'], /--days must be a positive integer/],
    [['--seed=-1'], /--seed must be an integer >= 0/],
    [['--seed', '1.5'], /--seed must be an integer >= 0/],
    [['--start-date', '2023-02-29'], /--start-date must be a date YYYY-MM-DD/],
    [['--durration', '5'], /Unknown option '--durration'/],
    [['extra'], /Unexpected argument 'extra'/],
  ])('rejects %j naming the flag, with the usage', (argv, message) => {
    expect(() => parseDemoArgs(argv)).toThrow(UsageError);
    expect(() => parseDemoArgs(argv)).toThrow(message);
    expect(() => parseDemoArgs(argv)).toThrow(/usage: npm run demo/);
  });
});

describe('defaultStartDay', () => {
  it('starts as many business days before today as the paced run covers, rounded up', () => {
    expect(defaultStartDay({ durationSec: 60, daysPerSecond: 1.5, days: undefined }, 20_000)).toBe(20_000 - 90);
    expect(defaultStartDay({ durationSec: 10, daysPerSecond: 0.25, days: undefined }, 20_000)).toBe(20_000 - 3);
  });

  it('starts --days before today when the run is that long', () => {
    expect(defaultStartDay({ durationSec: 60, daysPerSecond: 1.5, days: 40 }, 20_000)).toBe(20_000 - 40);
  });
});
