import { describe, expect, it } from 'vitest';
import { progressText } from '../src/progress.ts';
import { formatMoney, formatSummary, type DemoSummary } from '../src/summary.ts';

const SUMMARY: DemoSummary = {
  runId: 'd0mwrjwezbfe1r6',
  namespace: { topicPrefix: 'demo.d0mwrjwezbfe1r6.', redisPrefix: 'o2c-demo-d0mwrjwezbfe1r6', database: 'o2c_demo_d0mwrjwezbfe1r6' },
  simulation: { seed: 1, customers: 50, seconds: 15.04, firstBusinessDate: '2026-10-08', lastBusinessDate: '2026-11-20' },
  produced: { total: 2_135, byType: { OrderPlaced: 1_067, BusinessDateTick: 1_068 } },
  decisionEvents: { held: 29, approved: 1_063, released: 25 },
  ordersByDecision: { REJECTED: 2, APPROVED: 1_039, HELD: 12, RELEASED: 14 },
  delinquency: { OVERDUE: 13, CURRENT: 3 },
  riskClasses: { C: 4, A: 9, E: 1 },
  notices: { CREDIT_HOLD: 29, PAYMENT_REMINDER: 120, OVERDUE_NOTICE: 31, PROMISE_BROKEN: 4 },
  mails: { accepted: 110, byType: { PAYMENT_REMINDER: 72, OVERDUE_NOTICE: 19, CREDIT_HOLD: 17, PROMISE_BROKEN: 2 }, file: '/r/mails.jsonl' },
  dlqRecords: 7,
  caughtUp: true,
  topHeld: [
    {
      customerId: 'S1-C000003',
      currency: 'EUR',
      heldOrders: 3,
      heldValueMinor: 544_334,
      exposureMinor: 18_345_572,
      effectiveLimitMinor: 34_200_000,
      delinquencyStatus: 'OVERDUE',
    },
  ],
  aging: {
    asOf: '2026-11-20',
    currency: 'EUR',
    currentMinor: 88_209_481,
    d1_30Minor: 4_394_142,
    d31_60Minor: 0,
    d61_90Minor: 0,
    d90PlusMinor: 0,
    totalMinor: 92_603_623,
  },
  services: [
    { service: 'exposure', exitCode: 0, signal: null, log: '.demo/runs/d0mwrjwezbfe1r6/exposure.log' },
    { service: 'reporting', exitCode: null, signal: 'SIGKILL', log: '.demo/runs/d0mwrjwezbfe1r6/reporting.log' },
  ],
  lookFurther: { psql: 'postgres://postgres@127.0.0.1:5432/o2c_demo_d0mwrjwezbfe1r6', grafana: 'Grafana: on :3000' },
};

describe('formatSummary', () => {
  const text = formatSummary(SUMMARY);

  it('shows what was produced, largest first, and the decisions and statuses in their natural order', () => {
    expect(text).toContain('demo d0mwrjwezbfe1r6: 2,135 events in 15.0 s, 50 customers (seed 1), business dates 2026-10-08 .. 2026-11-20');
    expect(text.indexOf('BusinessDateTick')).toBeLessThan(text.indexOf('OrderPlaced'));
    expect(text).toContain('credit decisions published: approved 1,063, held 29, released 25\n');
    expect(text).toContain('orders by latest decision: approved 1,039, held 12, released 14, rejected 2\n');
    expect(text).toContain('customers by delinquency status: current 3, overdue 13\n');
    expect(text).toContain('customers by risk class (scoring): a 9, c 4, e 1\n'); // best class first
    expect(text).toContain('customer notices (notifications, published): payment_reminder 120, overdue_notice 31, credit_hold 29, promise_broken 4\n');
    expect(text).toContain("mails accepted by the demo's SMTP sink: 110 (payment_reminder 72, overdue_notice 19, credit_hold 17, promise_broken 2), in /r/mails.jsonl\n");
    expect(text).toContain('DLQ records: 7\n');
    expect(text).not.toContain('WARNING');
  });

  it('lays out held customers and aging buckets in money', () => {
    expect(text).toMatch(/S1-C000003\s+3\s+EUR 5,443\.34\s+EUR 183,455\.72\s+EUR 342,000\.00\s+OVERDUE/);
    expect(text).toContain('receivables aging at 2026-11-20 (reporting.ar_aging)');
    expect(text).toMatch(/1-30 days\s+EUR 43,941\.42\n/);
    expect(text).toMatch(/total\s+EUR 926,036\.23\n/);
  });

  it('says how each service exited and where to look further', () => {
    expect(text).toContain('services: exposure exit 0, reporting killed by SIGKILL');
    expect(text).toContain('psql postgres://postgres@127.0.0.1:5432/o2c_demo_d0mwrjwezbfe1r6');
    expect(text).toContain('Grafana: on :3000');
  });

  it('warns when the services had not caught up, and says so when nothing is held', () => {
    const short = formatSummary({ ...SUMMARY, caughtUp: false, topHeld: [] });
    expect(short).toContain('WARNING: the services had not caught up');
    expect(short).toContain('none: no order is waiting on a credit decision');
  });
});

describe('formatMoney', () => {
  it('prints minor units as major with two decimals, the sign first', () => {
    expect(formatMoney(0, 'EUR')).toBe('EUR 0.00');
    expect(formatMoney(5, 'EUR')).toBe('EUR 0.05');
    expect(formatMoney(-123_456_789, 'USD')).toBe('-USD 1,234,567.89');
    expect(formatMoney(100, null)).toBe('1.00');
  });
});

describe('progressText', () => {
  it('packs rate, business date, decisions, delinquency and lag per service in one line', () => {
    expect(
      progressText({
        produced: 12_345,
        eventsPerSec: 498.6,
        businessDate: '2026-11-03',
        approved: 574,
        held: 19,
        released: 16,
        delinquentCustomers: 2,
        lag: [['exposure', 0], ['delinquency', 1_200], ['reporting', undefined]],
      }),
    ).toBe(
      '499 ev/s (12,345) 2026-11-03 | orders approved 574 held 19 released 16 | delinquent 2 | ' +
        'lag exposure 0 delinquency 1,200 reporting ?',
    );
  });
});
