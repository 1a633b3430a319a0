import { describe, expect, it } from 'vitest';
import { dayFromIso } from '../../../shared/time.ts';
import { parseSimulatorArgs, USAGE, UsageError, type SimulatorOptions } from '../src/options.ts';

const options = (argv: string[]): SimulatorOptions => {
  const parsed = parseSimulatorArgs(argv);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.options;
};

describe('parseSimulatorArgs', () => {
  it('defaults to 200 customers, seed 1, 1000 events/s, one business day per second, from today, forever', () => {
    expect(options([])).toEqual({
      seed: 1,
      customers: 200,
      events: undefined,
      days: undefined,
      rate: 1000,
      daysPerSecond: 1,
      startDay: undefined,
      ordersPerCustomerPerDay: 0.5,
      raceRate: 0.005,
      creditActions: true,
      foreignShare: 0,
      groups: false,
      partitions: undefined,
      batchSize: 500,
      json: false,
    });
    expect(options(['--forever'])).toEqual(options([]));
  });

  it('reads every flag', () => {
    expect(
      options([
        '--seed', '0', '--customers', '1,000', '--days', '30', '--rate', '0', '--days-per-second', '0.25',
        '--start-date', '2024-02-29', '--orders-per-customer-day', '2', '--race-rate', '1', '--no-credit-actions',
        '--foreign-share', '0.1', '--groups', '--partitions', '4', '--batch-size', '100', '--json',
      ]),
    ).toEqual({
      seed: 0,
      customers: 1000,
      events: undefined,
      days: 30,
      rate: 0,
      daysPerSecond: 0.25,
      startDay: dayFromIso('2024-02-29'),
      ordersPerCustomerPerDay: 2,
      raceRate: 1,
      creditActions: false,
      foreignShare: 0.1,
      groups: true,
      partitions: 4,
      batchSize: 100,
      json: true,
    });
    expect(options(['--events', '1_000_000']).events).toBe(1_000_000);
  });

  it('answers --help and -h', () => {
    expect(parseSimulatorArgs(['--help'])).toEqual({ help: true });
    expect(parseSimulatorArgs(['-h', '--rate', 'bad'])).toEqual({ help: true });
  });

  it.each([
    [['--seed=-1'], /--seed must be an integer >= 0, got "-1"/],
    [['--seed', '1.5'], /--seed must be an integer >= 0/],
    [['--customers', '0'], /--customers must be an integer >= 1/],
    [['--events', '1e6'], /--events must be an integer >= 1/],
    [['--days', '0'], /--days must be an integer >= 1/],
    [['--rate', 'fast'], /--rate must be a number >= 0, got "fast"/],
    [['--rate', ''], /--rate must be a number >= 0, got ""/],
    [['--days-per-second=-1'], /--days-per-second must be a number >= 0/],
    [['--start-date', '2023-02-29'], /--start-date must be a date YYYY-MM-DD, got "2023-02-29"/],
    [['--orders-per-customer-day', 'x'], /--orders-per-customer-day must be a number >= 0/],
    [['--race-rate', '1.5'], /--race-rate must be a number between 0 and 1, got "1.5"/],
    [['--partitions', '0'], /--partitions must be an integer >= 1/],
    [['--batch-size', '10.5'], /--batch-size must be an integer >= 1/],
    [['--events', '10', '--days', '3'], /give at most one of --events, --days, --forever, got --events and --days/],
    [['--days', '3', '--forever'], /got --days and --forever/],
    [['--json=yes'], /--json/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['extra'], /Unexpected argument 'extra'/],
  ])('rejects %j naming the flag, with the usage', (argv, message) => {
    expect(() => parseSimulatorArgs(argv)).toThrow(UsageError);
    expect(() => parseSimulatorArgs(argv)).toThrow(message);
    expect(() => parseSimulatorArgs(argv)).toThrow(/usage: npm run simulate/);
  });
});

describe('the simulator usage', () => {
  it('lists every flag with its default, the environment it reads and the topics it writes', () => {
    for (const flag of [
      'seed', 'customers', 'events', 'days', 'forever', 'rate', 'days-per-second', 'start-date',
      'orders-per-customer-day', 'race-rate', 'no-credit-actions', 'groups', 'partitions', 'batch-size', 'json', 'help',
    ]) {
      expect(USAGE).toMatch(new RegExp(`^  --${flag}[ ,]`, 'm'));
    }
    for (const d of ['(default 1)', '(default 200)', '(default 1000;', '(default 1;', '(default today)', '(default 0.5)', '(default 0.005)', '(default 500)']) {
      expect(USAGE).toContain(d);
    }
    expect(USAGE).toContain('KAFKA_BROKERS        brokers, comma-separated host:port (default 127.0.0.1:9092)');
    expect(USAGE).toContain('SCHEMA_REGISTRY_URL  schema registry (default http://127.0.0.1:8081/apis/ccompat/v7)');
    for (const v of ['KAFKA_PARTITIONS', 'O2C_TOPIC_PREFIX', 'KAFKA_CLIENT_ID', 'LOG_LEVEL']) expect(USAGE).toContain(v);
    for (const t of ['o2c.customers.v1', 'o2c.orders.v1', 'o2c.invoices.v1', 'o2c.payments.v1', 'o2c.credit-actions.v1', 'o2c.collections.v1']) {
      expect(USAGE).toContain(t);
    }
    expect(USAGE).toContain('2 on a bad flag');
  });
});
