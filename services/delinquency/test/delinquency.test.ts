import { describe, expect, it } from 'vitest';
import type { DelinquencyEvent } from '../../../shared/contracts/events.generated.ts';
import { deriveEventId } from '../../../shared/ids.ts';
import { isoFromDay, startOfDay } from '../../../shared/time.ts';
import {
  advanceTo,
  applyEvent,
  bucketOf,
  daysPastDue,
  defaultPolicy,
  emptyState,
  nextDueDay,
  statusOf,
  validatePolicy,
  type DatedInput,
  type DelinquencyInput,
  type DelinquencyPolicy,
  type Outcome,
} from '../src/domain/index.ts';
import { adjusted, CUSTOMER, d, disputed, issued, paid, resolved, reversed, voided } from './fixtures.ts';
import { runModel } from './model.ts';

/** One line per event: what a collections reader would check. */
function line(e: DelinquencyEvent): string {
  switch (e.eventType) {
    case 'InvoiceOverdue':
      return `Overdue ${e.payload.invoiceId} dpd ${e.payload.daysPastDue} open ${e.payload.openAmount}`;
    case 'InvoiceAgingBucketChanged':
      return `Bucket ${e.payload.invoiceId} ${e.payload.fromBucket}>${e.payload.toBucket} dpd ${e.payload.daysPastDue}`;
    case 'DunningStageReached':
      return `Dunning ${e.payload.invoiceId} ${e.payload.stage} dpd ${e.payload.daysPastDue}`;
    case 'InvoiceCured':
      return `Cured ${e.payload.invoiceId} ${e.payload.cure} ${isoFromDay(e.payload.curedDate)} late ${e.payload.daysLate}`;
    case 'CustomerDelinquencyChanged': {
      const p = e.payload;
      return `Status ${p.fromStatus}>${p.toStatus} worst ${p.worstDaysPastDue} overdue ${p.overdueAmount}/${p.overdueCount}`;
    }
  }
}

/** One customer on a partition whose as-of date the test moves by hand. */
class Customer {
  state = emptyState();
  asOf: number | null = null;
  last!: Outcome;
  constructor(readonly policy: DelinquencyPolicy = defaultPolicy) {}

  tick(iso: string): string[] {
    this.asOf = d(iso);
    return this.take(advanceTo(this.state, CUSTOMER, this.asOf, this.policy, 'tick'));
  }

  send(...inputs: DelinquencyInput[]): string[] {
    return inputs.flatMap((e) => this.take(applyEvent(this.state, e, this.asOf, this.policy)));
  }

  private take(out: Outcome): string[] {
    this.last = out;
    this.state = out.state;
    return out.events.map(line);
  }
}

describe('days past due', () => {
  it('counts calendar days across month ends, year ends and the leap day', () => {
    expect(daysPastDue(d('2024-02-28'), d('2024-03-01'))).toBe(2); // 2024-02-29 exists
    expect(daysPastDue(d('2023-02-28'), d('2023-03-01'))).toBe(1);
    expect(daysPastDue(d('2013-01-31'), d('2013-03-01'))).toBe(29);
    expect(daysPastDue(d('2012-12-31'), d('2013-01-01'))).toBe(1);
    expect(daysPastDue(d('2013-02-01'), d('2013-02-01'))).toBe(0);
    expect(daysPastDue(d('2013-02-01'), d('2013-01-31'))).toBe(-1);
  });

  it('ages an invoice due on the leap day by the real calendar', () => {
    const c = new Customer();
    c.tick('2024-02-01');
    c.send(issued('I1', '2024-02-01', '2024-02-29', 1_000));
    expect(c.tick('2024-02-29')).toEqual([]);
    expect(c.tick('2024-03-31')).toEqual([
      'Overdue I1 dpd 1 open 1000', // on 2024-03-01
      'Bucket I1 CURRENT>D1_30 dpd 1',
      'Dunning I1 REMINDER_1 dpd 1',
      'Status CURRENT>OVERDUE worst 1 overdue 1000/1',
      'Dunning I1 REMINDER_2 dpd 15',
      'Dunning I1 FINAL_NOTICE dpd 30',
      'Bucket I1 D1_30>D31_60 dpd 31', // on 2024-03-31
      'Status OVERDUE>DELINQUENT worst 31 overdue 1000/1',
    ]);
    const overdue = c.last.events[0]!;
    expect(overdue.occurredAt).toBe(startOfDay(d('2024-03-01')));
    expect(overdue.payload).toMatchObject({ asOfDate: d('2024-03-01'), dueDate: d('2024-02-29') });
  });
});

describe('an invoice without a due date', () => {
  const profile = (iso: string, paymentTermsDays: number): DelinquencyInput => ({
    eventId: `profile-${iso}`, eventType: 'CustomerCreditProfile', occurredAt: startOfDay(d(iso)), customerId: CUSTOMER, source: 'test',
    causationId: null,
    payload: {
      creditLimit: 1000, currency: 'EUR', tempLimit: null, tempLimitExpiresAt: null, paymentTermsDays, riskClass: 'B',
      manualHold: false, parentCustomerId: null, changedBy: 'test', changeReason: null,
    },
  });

  it("given a profile with net 10, when an invoice without a due date ages, then it is due issue date + 10", () => {
    const c = new Customer();
    c.tick('2024-03-01');
    c.send(profile('2024-03-01', 10), issued('I1', '2024-03-01', null, 500));
    expect(c.tick('2024-03-11')).toEqual([]); // due 2024-03-11
    expect(c.tick('2024-03-12')[0]).toBe('Overdue I1 dpd 1 open 500');
    expect(c.last.events[0]!.payload).toMatchObject({ dueDate: d('2024-03-11') });
  });

  it('given no dueDate and no profile yet, when the clock passes issue date + 30 days (the default terms), then it is overdue', () => {
    const c = new Customer();
    c.tick('2024-03-01');
    c.send(issued('I1', '2024-03-01', null, 500));
    expect(c.tick('2024-03-31')).toEqual([]); // due 2024-03-31: on its due date it is not overdue
    expect(c.tick('2024-04-01')).toEqual([
      'Overdue I1 dpd 1 open 500',
      'Bucket I1 CURRENT>D1_30 dpd 1',
      'Dunning I1 REMINDER_1 dpd 1',
      'Status CURRENT>OVERDUE worst 1 overdue 500/1',
    ]);
    expect(c.last.events[0]!.payload).toMatchObject({ dueDate: d('2024-03-31') });
  });
});

describe('aging buckets', () => {
  it.each([
    [0, 'CURRENT'],
    [1, 'D1_30'],
    [30, 'D1_30'],
    [31, 'D31_60'],
    [60, 'D31_60'],
    [61, 'D61_90'],
    [90, 'D61_90'],
    [91, 'D90_PLUS'],
  ] as const)('puts %i days past due in %s', (dpd, bucket) => {
    expect(bucketOf(dpd)).toBe(bucket);
    expect(bucketOf(-5)).toBe('CURRENT');
  });

  it('changes bucket exactly on days 1, 31, 61 and 91 when the clock steps daily', () => {
    const c = new Customer();
    c.tick('2013-01-01');
    c.send(issued('I1', '2013-01-01', '2013-01-31', 500));
    const changes: string[] = [];
    for (let day = d('2013-01-31'); day <= d('2013-06-30'); day++) {
      for (const l of c.tick(isoFromDay(day))) if (l.startsWith('Bucket')) changes.push(`${isoFromDay(day)} ${l}`);
    }
    expect(changes).toEqual([
      '2013-02-01 Bucket I1 CURRENT>D1_30 dpd 1',
      '2013-03-03 Bucket I1 D1_30>D31_60 dpd 31',
      '2013-04-02 Bucket I1 D31_60>D61_90 dpd 61',
      '2013-05-02 Bucket I1 D61_90>D90_PLUS dpd 91',
    ]);
  });

  it('emits the same events, ids included, when the clock jumps 200 days at once', () => {
    const daily = new Customer();
    const jump = new Customer();
    for (const c of [daily, jump]) {
      c.tick('2013-01-01');
      c.send(issued('I1', '2013-01-01', '2013-01-31', 500), issued('I2', '2013-01-01', '2013-02-20', 700));
    }
    const dailyEvents: DelinquencyEvent[] = [];
    for (let day = d('2013-01-02'); day <= d('2013-07-20'); day++) {
      daily.tick(isoFromDay(day));
      dailyEvents.push(...daily.last.events);
    }
    jump.tick('2013-07-20');
    const strip = (es: DelinquencyEvent[]) => es.map(({ causationId: _, ...rest }) => rest);
    expect(strip(jump.last.events)).toEqual(strip(dailyEvents));
    expect(jump.last.events).toHaveLength(21); // per invoice: overdue, 4 buckets, 4 stages; 3 status changes
  });
});

describe('settlement', () => {
  it('a payment the day after the due date comes after that day\'s aging: overdue, 1 day late', () => {
    const c = new Customer();
    c.tick('2013-01-02');
    c.send(issued('I1', '2013-01-02', '2013-02-01', 5_594));
    expect(c.tick('2013-02-01')).toEqual([]);
    expect(c.tick('2013-02-02')).toEqual([
      'Overdue I1 dpd 1 open 5594',
      'Bucket I1 CURRENT>D1_30 dpd 1',
      'Dunning I1 REMINDER_1 dpd 1',
      'Status CURRENT>OVERDUE worst 1 overdue 5594/1',
    ]);
    expect(c.send(paid('P1', '2013-02-02', [['I1', 5_594]]))).toEqual([
      'Cured I1 SETTLED 2013-02-02 late 1',
      'Status OVERDUE>CURRENT worst 0 overdue 0/0',
    ]);
    expect(c.state.open).toEqual({});
    expect(nextDueDay(c.state, defaultPolicy)).toBeNull();
  });

  it('an invoice paid on its due date never goes overdue', () => {
    const c = new Customer();
    c.tick('2013-01-02');
    c.send(issued('I1', '2013-01-02', '2013-02-01', 100));
    c.tick('2013-02-01');
    expect(c.send(paid('P1', '2013-02-01', [['I1', 100]]))).toEqual(['Cured I1 SETTLED 2013-02-01 late 0']);
    expect(c.tick('2013-12-31')).toEqual([]);
  });

  it('partial payments lower the open amount; the one that clears it cures', () => {
    const c = new Customer();
    c.tick('2013-03-01');
    c.send(issued('I1', '2013-03-01', '2013-03-31', 9_000));
    expect(c.send(paid('P1', '2013-03-10', [['I1', 4_000]]))).toEqual([]);
    expect(c.tick('2013-04-01')).toContain('Overdue I1 dpd 1 open 5000');
    expect(c.send(paid('P2', '2013-04-01', [['I1', 3_000]]))).toEqual([]);
    c.tick('2013-04-15');
    expect(c.last.events.find((e) => e.eventType === 'DunningStageReached')?.payload).toMatchObject({ openAmount: 2_000 });
    c.tick('2013-04-20');
    expect(c.send(paid('P3', '2013-04-20', [['I1', 2_000]]))[0]).toBe('Cured I1 SETTLED 2013-04-20 late 20');
  });

  it('a credit note that clears the balance cures as CREDITED; a debit note keeps it open', () => {
    const c = new Customer();
    c.tick('2013-03-01');
    c.send(issued('I1', '2013-03-01', '2013-03-31', 1_000));
    c.tick('2013-04-05');
    expect(c.send(adjusted('I1', '2013-04-05', 250))).toEqual([]);
    c.tick('2013-04-06');
    expect(c.send(adjusted('I1', '2013-04-06', -1_250))).toEqual([
      'Cured I1 CREDITED 2013-04-06 late 6',
      'Status OVERDUE>CURRENT worst 0 overdue 0/0',
    ]);
  });

  it('a void cures as VOIDED and nothing can re-open it', () => {
    const c = new Customer();
    c.tick('2013-03-01');
    c.send(issued('I1', '2013-03-01', '2013-03-31', 1_000), paid('P1', '2013-03-05', [['I1', 400]]));
    c.tick('2013-04-03');
    expect(c.send(voided('I1', '2013-04-03'))).toEqual([
      'Cured I1 VOIDED 2013-04-03 late 3',
      'Status OVERDUE>CURRENT worst 0 overdue 0/0',
    ]);
    expect(c.send(reversed('P1', '2013-04-04'))).toEqual([]);
    expect(c.state.open).toEqual({});
    expect(c.state.closed).toEqual({});
  });

  it('a payment that arrives before its invoice is applied when the invoice arrives', () => {
    const c = new Customer();
    c.tick('2013-05-01');
    expect(c.send(paid('P1', '2013-05-01', [['I1', 700]]))).toEqual([]);
    expect(c.state.held).toEqual({ I1: { P1: 700 } });
    expect(c.send(issued('I1', '2013-05-01', '2013-05-31', 700))).toEqual(['Cured I1 SETTLED 2013-05-01 late 0']);
    expect(c.state.held).toEqual({});
    expect(c.tick('2013-07-01')).toEqual([]);
  });

  it('an invoice issued already past due catches up in one bucket change and its highest dunning stage', () => {
    const c = new Customer();
    c.tick('2013-06-20');
    expect(c.send(issued('I1', '2013-06-20', '2013-05-01', 300))).toEqual([
      'Overdue I1 dpd 50 open 300',
      'Bucket I1 CURRENT>D31_60 dpd 50',
      'Dunning I1 FINAL_NOTICE dpd 50',
      'Status CURRENT>DELINQUENT worst 50 overdue 300/1',
    ]);
    expect(c.tick('2013-06-30')).toEqual(['Dunning I1 COLLECTIONS dpd 60']);
  });
});

describe('reversed payments', () => {
  it('re-open what they settled: it goes overdue again, from CURRENT, without repeating dunning stages', () => {
    const c = new Customer();
    c.tick('2013-01-01');
    c.send(issued('I1', '2013-01-01', '2013-01-31', 800));
    c.tick('2013-02-10');
    const firstOverdue = c.last.events[0]!.eventId;
    c.send(paid('P1', '2013-02-10', [['I1', 800]]));
    c.tick('2013-03-05');
    expect(c.send(reversed('P1', '2013-03-05'))).toEqual([
      'Overdue I1 dpd 33 open 800',
      'Bucket I1 CURRENT>D31_60 dpd 33',
      'Dunning I1 FINAL_NOTICE dpd 33', // REMINDER_1 went out before; REMINDER_2 is passed over
      'Status CURRENT>DELINQUENT worst 33 overdue 800/1',
    ]);
    expect(c.last.events[0]!.eventId).not.toBe(firstOverdue);
    c.tick('2013-03-08');
    expect(c.send(paid('P2', '2013-03-08', [['I1', 800]]))).toEqual([
      'Cured I1 SETTLED 2013-03-08 late 36',
      'Status DELINQUENT>CURRENT worst 0 overdue 0/0',
    ]);
  });

  it('raise the open amount of an invoice still open, and release unapplied allocations', () => {
    const c = new Customer();
    c.tick('2013-01-01');
    c.send(issued('I1', '2013-01-01', '2013-01-31', 800), paid('P1', '2013-01-01', [['I1', 300], ['I9', 50]]));
    expect(c.state.held).toEqual({ I9: { P1: 50 } });
    c.tick('2013-01-02');
    c.send(reversed('P1', '2013-01-02'));
    expect(c.state.held).toEqual({});
    expect(c.tick('2013-02-01')[0]).toBe('Overdue I1 dpd 1 open 800');
  });

  it('past the reversal window are refused, and the payment is forgotten', () => {
    const c = new Customer();
    c.tick('2013-01-01');
    c.send(issued('I1', '2013-01-01', '2013-01-31', 800));
    c.tick('2013-01-20');
    c.send(paid('P1', '2013-01-20', [['I1', 800]]));
    expect(Object.keys(c.state.payments)).toEqual(['P1']);
    c.tick('2013-05-20'); // 120 days after receipt: still reversible
    expect(Object.keys(c.state.closed)).toEqual(['I1']);
    c.tick('2013-05-21');
    expect(c.state.payments).toEqual({});
    expect(c.state.closed).toEqual({});
    c.send(reversed('P1', '2013-05-21'));
    expect(c.last.rejected).toMatchObject([{ errorClass: 'UnknownReference' }]);
  });
});

describe('disputes and dunning', () => {
  it('a disputed invoice ages as usual but reaches no stage until resolved, then only the highest passed', () => {
    const c = new Customer();
    c.tick('2013-01-01');
    c.send(issued('I1', '2013-01-01', '2013-01-31', 1_200), disputed('I1', 'X1', '2013-01-10'));
    expect(c.tick('2013-03-05')).toEqual([
      'Overdue I1 dpd 1 open 1200',
      'Bucket I1 CURRENT>D1_30 dpd 1',
      'Bucket I1 D1_30>D31_60 dpd 31',
    ]); // no status either: a disputed invoice stays out of it (OVERDUE_EXCLUDES_DISPUTED)
    expect(nextDueDay(c.state, defaultPolicy)).toBe(d('2013-04-02')); // D61_90; no dunning while disputed
    c.send(disputed('I1', 'X2', '2013-03-05'));
    expect(c.send(resolved('I1', 'X1', '2013-03-05'))).toEqual([]); // X2 still open
    expect(c.send(resolved('I1', 'X2', '2013-03-05'))).toEqual([
      'Dunning I1 FINAL_NOTICE dpd 33',
      'Status CURRENT>DELINQUENT worst 33 overdue 1200/1',
    ]);
    expect(c.tick('2013-04-01')).toEqual(['Dunning I1 COLLECTIONS dpd 60']);
  });

  it('a dispute resolved before the due date changes nothing', () => {
    const c = new Customer();
    c.tick('2013-01-01');
    c.send(issued('I1', '2013-01-01', '2013-01-31', 1_200), disputed('I1', 'X1', '2013-01-02'));
    expect(c.send(resolved('I1', 'X1', '2013-01-05'))).toEqual([]);
    expect(c.tick('2013-02-01')).toContain('Dunning I1 REMINDER_1 dpd 1');
  });
});

describe('customer status', () => {
  it('follows the worst days past due over the configured thresholds, with overdue amount and count', () => {
    const policy = validatePolicy({ ...defaultPolicy, statusThresholds: { OVERDUE: 1, DELINQUENT: 10, SEVERE: 20 } });
    expect([0, 1, 9, 10, 19, 20].map((n) => statusOf(n, policy))).toEqual([
      'CURRENT', 'OVERDUE', 'OVERDUE', 'DELINQUENT', 'DELINQUENT', 'SEVERE',
    ]);
    const c = new Customer(policy);
    c.tick('2013-01-01');
    c.send(issued('I1', '2013-01-01', '2013-01-31', 100), issued('I2', '2013-01-01', '2013-02-05', 50));
    const status = (lines: string[]) => lines.filter((l) => l.startsWith('Status'));
    expect(status(c.tick('2013-02-01'))).toEqual(['Status CURRENT>OVERDUE worst 1 overdue 100/1']);
    expect(status(c.tick('2013-02-10'))).toEqual(['Status OVERDUE>DELINQUENT worst 10 overdue 150/2']);
    expect(status(c.tick('2013-02-20'))).toEqual(['Status DELINQUENT>SEVERE worst 20 overdue 150/2']);
    expect(status(c.send(paid('P1', '2013-02-20', [['I1', 100]])))).toEqual(['Status SEVERE>DELINQUENT worst 15 overdue 50/1']);
    const change = c.last.events.find((e) => e.eventType === 'CustomerDelinquencyChanged')!;
    expect(change.occurredAt).toBe(startOfDay(d('2013-02-20')) + 43_200_000); // the payment's event time
  });

  it('leaves disputed invoices out of the status by default (OVERDUE_EXCLUDES_DISPUTED), and counts them when told', () => {
    const status = (lines: string[]) => lines.filter((l) => l.startsWith('Status'));
    const run = (policy: DelinquencyPolicy) => {
      const c = new Customer(policy);
      c.tick('2013-01-01');
      c.send(issued('I1', '2013-01-01', '2013-01-31', 100), issued('I2', '2013-01-01', '2013-02-05', 50));
      return [
        status(c.send(disputed('I1', 'X1', '2013-01-20'))),
        status(c.tick('2013-02-01')),
        status(c.tick('2013-02-06')),
        status(c.send(resolved('I1', 'X1', '2013-02-06'))),
      ];
    };
    expect(defaultPolicy.overdueExcludesDisputed).toBe(true);
    expect(run(defaultPolicy)).toEqual([
      [],
      [], // only I1 is past due, and it is disputed
      ['Status CURRENT>OVERDUE worst 1 overdue 50/1'],
      [], // I1 counts again, at the same level: the amount alone emits nothing
    ]);
    expect(run(validatePolicy({ ...defaultPolicy, overdueExcludesDisputed: false }))).toEqual([
      [],
      ['Status CURRENT>OVERDUE worst 1 overdue 100/1'],
      [],
      [],
    ]);
  });

  it('an overdue customer whose disputed invoice is its only overdue one goes back to CURRENT on the dispute', () => {
    const c = new Customer();
    c.tick('2013-01-01');
    c.send(issued('I1', '2013-01-01', '2013-01-31', 100));
    expect(c.tick('2013-02-03')).toContain('Status CURRENT>OVERDUE worst 1 overdue 100/1');
    expect(c.send(disputed('I1', 'X1', '2013-02-03'))).toEqual(['Status OVERDUE>CURRENT worst 0 overdue 0/0']);
    expect(c.tick('2013-03-10')).toEqual(['Bucket I1 D1_30>D31_60 dpd 31']); // ages, but no stage, no status
    expect(c.send(resolved('I1', 'X1', '2013-03-10'))).toEqual([
      'Dunning I1 FINAL_NOTICE dpd 38',
      'Status CURRENT>DELINQUENT worst 38 overdue 100/1',
    ]);
  });

  it('with a grace period an invoice is overdue only after it', () => {
    const policy = validatePolicy({
      ...defaultPolicy,
      graceDays: 5,
      statusThresholds: { OVERDUE: 6, DELINQUENT: 31, SEVERE: 61 },
      dunningLadder: [{ stage: 'REMINDER_1', daysPastDue: 6 }],
    });
    const c = new Customer(policy);
    c.tick('2013-01-01');
    c.send(issued('I1', '2013-01-01', '2013-01-31', 100));
    expect(c.tick('2013-02-05')).toEqual(['Bucket I1 CURRENT>D1_30 dpd 1']); // aging ignores the grace
    expect(c.tick('2013-02-06')).toEqual([
      'Overdue I1 dpd 6 open 100',
      'Dunning I1 REMINDER_1 dpd 6',
      'Status CURRENT>OVERDUE worst 6 overdue 100/1',
    ]);
  });
});

describe('the clock', () => {
  it('holds an input dated after the as-of date until that day has been aged', () => {
    const c = new Customer();
    c.tick('2013-01-31');
    c.send(issued('I1', '2013-01-02', '2013-01-31', 100));
    // The payments topic runs ahead: its payment of 02-01 arrives while the as-of date is still 01-31.
    expect(c.send(paid('P1', '2013-02-01', [['I1', 100]]))).toEqual([]);
    expect(c.state.early).toHaveLength(1);
    expect(nextDueDay(c.state, defaultPolicy)).toBe(d('2013-02-01'));
    expect(c.tick('2013-02-01')).toEqual([
      'Overdue I1 dpd 1 open 100',
      'Bucket I1 CURRENT>D1_30 dpd 1',
      'Dunning I1 REMINDER_1 dpd 1',
      'Status CURRENT>OVERDUE worst 1 overdue 100/1',
      'Cured I1 SETTLED 2013-02-01 late 1',
      'Status OVERDUE>CURRENT worst 0 overdue 0/0',
    ]);
  });

  it('holds everything until the partition clock has started', () => {
    const c = new Customer();
    expect(c.send(issued('I1', '2013-01-02', '2013-01-31', 100))).toEqual([]);
    expect(c.state.asOf).toBeNull();
    expect(nextDueDay(c.state, defaultPolicy)).toBe(d('2013-01-02'));
    c.tick('2013-01-05');
    expect(Object.keys(c.state.open)).toEqual(['I1']);
    expect(nextDueDay(c.state, defaultPolicy)).toBe(d('2013-02-01'));
  });

  it('names each event by invoice, rule and threshold, stamps clock events at the start of the as-of day', () => {
    const c = new Customer();
    c.tick('2013-01-01');
    c.send(issued('I1', '2013-01-01', '2013-01-31', 100));
    c.tick('2013-02-01');
    const [overdue, bucket, dunning, status] = c.last.events;
    expect(overdue).toMatchObject({
      eventId: deriveEventId(CUSTOMER, 'InvoiceOverdue', 'I1', 0),
      source: 'o2c-delinquency',
      customerId: CUSTOMER,
      causationId: 'tick',
      occurredAt: startOfDay(d('2013-02-01')),
    });
    expect(bucket!.eventId).toBe(deriveEventId(CUSTOMER, 'InvoiceAgingBucketChanged', 'I1', 0, 'D1_30'));
    expect(dunning!.eventId).toBe(deriveEventId(CUSTOMER, 'DunningStageReached', 'I1', 'REMINDER_1'));
    expect(status!.eventId).toBe(deriveEventId(CUSTOMER, 'CustomerDelinquencyChanged', d('2013-02-01')));
  });

  it('leaves the given state untouched and keeps state that survives JSON', () => {
    const c = new Customer();
    c.tick('2013-01-01');
    c.send(issued('I1', '2013-01-01', '2013-01-31', 100), disputed('I1', 'X', '2013-01-01'), paid('P', '2013-01-01', [['I1', 10]]));
    const before = structuredClone(c.state);
    const out = advanceTo(c.state, CUSTOMER, d('2013-03-01'), defaultPolicy, null);
    expect(c.state).toEqual(before);
    expect(JSON.parse(JSON.stringify(out.state))).toEqual(out.state);
  });
});

describe('rejected inputs', () => {
  it('returns the input with its reason and leaves the state as it was', () => {
    const c = new Customer();
    c.tick('2013-01-01');
    c.send(issued('I1', '2013-01-01', '2013-01-31', 100));
    const cases: Array<[DatedInput, string, RegExp]> = [
      [adjusted('NOPE', '2013-01-01', -5), 'UnknownReference', /unknown or closed invoice NOPE/],
      [issued('I1', '2013-01-01', '2013-01-31', 100), 'InvalidEvent', /issued twice/],
      [issued('I3', '2013-01-01', '2013-01-31', 0), 'InvalidEvent', /positive integer/],
      [paid('P1', '2013-01-01', [['I1', 100]], 60), 'InvalidEvent', /exceed the payment/],
      [resolved('I1', 'X9', '2013-01-01'), 'UnknownReference', /no open dispute X9/],
      [reversed('P404', '2013-01-01'), 'UnknownReference', /payment P404/],
    ];
    for (const [input, errorClass, message] of cases) {
      const before = structuredClone(c.state);
      c.send(input);
      expect(c.last.rejected).toEqual([{ event: input, errorClass, message: expect.stringMatching(message) }]);
      expect(c.state).toEqual(before);
    }
  });
});

describe('invoices in another currency than the customer\'s', () => {
  it('ages a foreign invoice in its own currency; the customer\'s overdue amount counts only its own currency', () => {
    const c = new Customer();
    c.tick('2013-01-01');
    c.send(issued('I1', '2013-01-01', '2013-01-31', 100)); // EUR pins the customer's currency
    c.send(issued('I2', '2013-01-01', '2013-01-31', 70, 'USD')); // admitted (issue 15), not the DLQ
    expect(c.last.rejected).toEqual([]);
    c.tick('2013-03-20');
    const overdue = c.last.events.filter((e) => e.eventType === 'InvoiceOverdue');
    // Each invoice's events carry its own currency and amount.
    expect(overdue.map((e) => [e.payload.invoiceId, e.payload.currency, e.payload.openAmount])).toEqual([['I1', 'EUR', 100], ['I2', 'USD', 70]]);
    const changed = c.last.events.filter((e) => e.eventType === 'CustomerDelinquencyChanged').at(-1);
    // Both counted, only the EUR balance summed: 100 EUR and 70 USD do not add up to 170 of anything.
    expect(changed?.payload).toMatchObject({ currency: 'EUR', overdueAmount: 100, overdueCount: 2 });
  });
});

describe('document ids', () => {
  const reissue = (invoiceId: string, iso: string) => issued(invoiceId, iso, '2013-12-31', 999);

  it('an invoice id re-issued after a void, a full credit or its settlement is forgotten is a duplicate', () => {
    const cases: Array<[string, (c: Customer) => void, string]> = [
      ['voided', (c) => c.send(voided('I1', '2013-01-05')), '2013-01-06'],
      ['credited', (c) => c.send(adjusted('I1', '2013-01-05', -100)), '2013-01-06'],
      ['settled, then past the reversal window', (c) => c.send(paid('P1', '2013-01-05', [['I1', 100]])), '2013-06-01'],
    ];
    for (const [how, close, reissueOn] of cases) {
      const c = new Customer();
      c.tick('2013-01-01');
      c.send(issued('I1', '2013-01-01', '2013-01-31', 100));
      c.tick('2013-01-05');
      close(c);
      c.tick(reissueOn);
      expect(c.state.open, how).toEqual({});
      const before = structuredClone(c.state);
      const again = reissue('I1', reissueOn);
      expect(c.send(again), how).toEqual([]);
      expect(c.last.rejected, how).toEqual([{ event: again, errorClass: 'InvalidEvent', message: 'invoice I1 issued twice' }]);
      expect(c.state, how).toEqual(before);
      expect(c.tick('2014-03-01'), how).toEqual([]); // nothing re-opened to age or dun
    }
  });

  it('the reference model refuses the same re-issues', () => {
    const inputs = [
      issued('I1', '2013-01-01', '2013-01-31', 100),
      issued('I2', '2013-01-01', '2013-01-31', 100),
      voided('I1', '2013-01-05'),
      adjusted('I2', '2013-01-05', -100),
      reissue('I1', '2013-01-06'),
      reissue('I2', '2013-01-06'),
    ];
    const model = runModel(inputs, d('2014-03-01'), defaultPolicy);
    expect(model.rejected).toEqual([inputs[4]!.eventId, inputs[5]!.eventId]);
    expect(model.events.filter((e) => e.eventType !== 'InvoiceCured')).toEqual([]);
  });
});

describe('policy', () => {
  it('refuses inconsistent thresholds and ladders', () => {
    expect(() => validatePolicy(defaultPolicy)).not.toThrow();
    const bad: Array<Partial<DelinquencyPolicy>> = [
      { graceDays: -1 },
      { statusThresholds: { OVERDUE: 1, DELINQUENT: 1, SEVERE: 61 } },
      { graceDays: 3, statusThresholds: { OVERDUE: 3, DELINQUENT: 31, SEVERE: 61 } },
      { dunningLadder: [{ stage: 'A', daysPastDue: 5 }, { stage: 'B', daysPastDue: 5 }] },
      { dunningLadder: [{ stage: 'A', daysPastDue: 5 }, { stage: 'A', daysPastDue: 9 }] },
      { dunningLadder: [{ stage: 'A', daysPastDue: 0 }] },
    ];
    for (const b of bad) expect(() => validatePolicy({ ...defaultPolicy, ...b })).toThrow(RangeError);
  });
});
