// The notifications rule, given/when/then: a literal history of inputs and ticks, then exactly the notices expected
// (type, business key, recipient, language), with a comment on each row saying why.
import { beforeEach, describe, expect, it } from 'vitest';
import { startOfDay } from '../../../shared/time.ts';
import { defaultPolicy, formatDate, formatMoney, noticeIdOf, NotificationReplay, validatePolicy, type Notice, type StreamEvent } from '../src/domain/index.ts';
import { adjusted, cash, d, disputed, dunning, held, issued, overdue, paid, profile, promised, resetIds, resolved, reversed, score, tick, ticks, voided } from './fixtures.ts';

const run = (events: StreamEvent[], policy = defaultPolicy) => new NotificationReplay(policy).pushAll(events);
/** A notice in one line: type, what it is about, the business date, recipient and language. */
const row = (n: Notice) => {
  const f = n.facts;
  const about = f.type === 'PAYMENT_REMINDER' ? f.invoiceId : f.type === 'OVERDUE_NOTICE' ? `${f.invoiceId} ${f.stage}` : f.type === 'CREDIT_HOLD' ? f.orderId
    : f.type === 'TERMS_CHANGED' ? `${f.fromDays}->${f.toDays}` : f.type === 'PROMISE_BROKEN' ? `${f.promiseId} ${f.paid}/${f.amount}` : `${f.from}->${f.to}`;
  return `${n.customerId} ${f.type} ${about} on ${new Date(n.asOfDate * 86_400_000).toISOString().slice(0, 10)} to ${n.recipient ?? '-'} (${n.language})`;
};

beforeEach(resetIds);

describe('payment reminders', () => {
  it('one reminder N days before due, rendered in English with the amount and date of the locale', () => {
    const out = run([
      profile('C1', '2026-01-01'),
      issued('C1', 'INV-1', '2026-01-02', '2026-02-01', 1_234_56),
      ...ticks('2026-01-25', '2026-02-03'), // reminder on 29 January (due - 3), nothing the days after
    ]);
    expect(out.map(row)).toEqual(['C1 PAYMENT_REMINDER INV-1 on 2026-01-29 to ap@c1.example (en)']);
    const n = out[0]!;
    expect(n.noticeId).toBe(noticeIdOf('C1', 'R|INV-1'));
    expect(n.subject).toBe('Payment reminder: invoice INV-1 is due on 1 February 2026');
    expect(n.body).toBe(
      'Dear customer,\n\nThis is a friendly reminder that invoice INV-1 for €1,234.56 is due for payment on 1 February 2026.\n\n' +
        'If you have already paid, please disregard this message.\n\nKind regards\nCredit control\n\nCustomer number: C1\n',
    );
  });

  it("an invoice without a due date is reminded before issue date + the profile's terms (net 45 here)", () => {
    const out = run([
      profile('C1', '2026-01-01', { terms: 45 }),
      issued('C1', 'INV-1', '2026-01-02', null, 1_000_00), // due 2026-02-16
      ...ticks('2026-02-10', '2026-02-17'),
    ]);
    expect(out.map(row)).toEqual(['C1 PAYMENT_REMINDER INV-1 on 2026-02-13 to ap@c1.example (en)']); // due - 3
    expect(out[0]!.subject).toBe('Payment reminder: invoice INV-1 is due on 16 February 2026');
  });

  it('earlier for a likely late payer: the latest score at or above the probability threshold', () => {
    const out = run([
      profile('C1', '2026-01-01'),
      profile('C2', '2026-01-01'),
      score('C1', '2026-01-03', 6_500), // likely late: 7 days before
      score('C2', '2026-01-03', 6_500),
      score('C2', '2026-01-10', 1_200), // C2 improved again: 3 days
      issued('C1', 'A-1', '2026-01-04', '2026-02-01', 500_00),
      issued('C2', 'B-1', '2026-01-04', '2026-02-01', 500_00),
      ...ticks('2026-01-20', '2026-02-01'),
    ]);
    expect(out.map(row)).toEqual([
      'C1 PAYMENT_REMINDER A-1 on 2026-01-25 to ap@c1.example (en)',
      'C2 PAYMENT_REMINDER B-1 on 2026-01-29 to ap@c2.example (en)',
    ]);
  });

  it('N per risk class: the latest score\'s class, else the profile\'s; a likely late payer at least the likely-late N', () => {
    const policy = validatePolicy({ ...defaultPolicy, reminderDaysByClass: new Map([['A', 1], ['E', 10]]) });
    const out = run([
      profile('PA', '2026-01-01', { riskClass: 'A' }), // class A by its profile: 1 day
      profile('SE', '2026-01-01', { riskClass: 'A' }),
      score('SE', '2026-01-02', 1_000, 'E'), // scored E: 10 days, whatever the profile says
      profile('LA', '2026-01-01', { riskClass: 'A' }),
      score('LA', '2026-01-02', 9_000, 'A'), // class A but likely late: 7 days
      ...['PA', 'SE', 'LA'].map((c) => issued(c, `${c}-1`, '2026-01-03', '2026-02-01', 100_00)),
      ...ticks('2026-01-15', '2026-02-01'),
    ], policy);
    expect(out.map(row)).toEqual([
      'SE PAYMENT_REMINDER SE-1 on 2026-01-22 to ap@se.example (en)',
      'LA PAYMENT_REMINDER LA-1 on 2026-01-25 to ap@la.example (en)',
      'PA PAYMENT_REMINDER PA-1 on 2026-01-31 to ap@pa.example (en)',
    ]);
  });

  it('none for an invoice paid or credited in full, voided or disputed before; a reversal or a rejected dispute brings it back', () => {
    const out = run([
      profile('C1', '2026-01-01'),
      issued('C1', 'PAID', '2026-01-02', '2026-02-01', 100_00),
      issued('C1', 'REVERSED', '2026-01-02', '2026-02-01', 100_00),
      issued('C1', 'CREDITED', '2026-01-02', '2026-02-01', 100_00),
      issued('C1', 'VOID', '2026-01-02', '2026-02-01', 100_00),
      issued('C1', 'DISPUTED', '2026-01-02', '2026-02-01', 100_00),
      issued('C1', 'RESOLVED', '2026-01-02', '2026-02-01', 100_00),
      issued('C1', 'PARTLY', '2026-01-02', '2026-02-01', 100_00),
      paid('C1', 'P1', '2026-01-10', [['PAID', 100_00]]),
      paid('C1', 'P2', '2026-01-10', [['REVERSED', 100_00]]),
      paid('C1', 'P3', '2026-01-10', [['PARTLY', 40_00]]), // 60.00 still open: reminded for that
      adjusted('C1', 'CREDITED', '2026-01-11', -100_00),
      voided('C1', 'VOID', '2026-01-11'),
      disputed('C1', 'DISPUTED', '2026-01-11'),
      disputed('C1', 'RESOLVED', '2026-01-11'),
      reversed('C1', 'P2', '2026-01-20'), // returned payment: open again
      resolved('C1', 'RESOLVED', '2026-01-21'), // dispute rejected: open and undisputed again
      ...ticks('2026-01-25', '2026-02-02'),
    ]);
    expect(out.map(row)).toEqual([
      'C1 PAYMENT_REMINDER PARTLY on 2026-01-29 to ap@c1.example (en)',
      'C1 PAYMENT_REMINDER RESOLVED on 2026-01-29 to ap@c1.example (en)',
      'C1 PAYMENT_REMINDER REVERSED on 2026-01-29 to ap@c1.example (en)',
    ]);
    expect(out[0]!.body).toContain('€60.00');
  });

  it('an invoice issued inside its reminder window is reminded at issue; one issued on or after its due date never', () => {
    const out = run([
      profile('C1', '2026-01-01'),
      tick('2026-01-30'),
      issued('C1', 'LATE', '2026-01-30', '2026-02-01', 100_00), // window started on 29 January: now
      issued('C1', 'DUE', '2026-01-30', '2026-01-30', 100_00), // due today: no reminder
      ...ticks('2026-01-31', '2026-02-02'),
    ]);
    expect(out.map(row)).toEqual(['C1 PAYMENT_REMINDER LATE on 2026-01-30 to ap@c1.example (en)']);
    expect(out[0]!.occurredAt).toBe(startOfDay(d('2026-01-30')) + 12 * 3_600_000); // the event time
  });
});

describe('overdue notices', () => {
  it('one per invoice and dunning stage, never two for the same stage; InvoiceOverdue alone gives none; in German', () => {
    const out = run([
      profile('C1', '2026-01-01', { language: 'de' }),
      overdue('C1', 'INV-9', '2026-02-02', '2026-02-01', 1_234_56), // not a dunning stage
      dunning('C1', 'INV-9', 'REMINDER_1', '2026-02-02', 1, 1_234_56),
      dunning('C1', 'INV-9', 'REMINDER_1', '2026-02-20', 19, 1_234_56), // re-opened and reached again: same notice, not a second
      dunning('C1', 'INV-9', 'REMINDER_2', '2026-02-16', 15, 1_000_00),
    ]);
    expect(out.map(row)).toEqual([
      'C1 OVERDUE_NOTICE INV-9 REMINDER_1 on 2026-02-02 to ap@c1.example (de)',
      'C1 OVERDUE_NOTICE INV-9 REMINDER_2 on 2026-02-16 to ap@c1.example (de)',
    ]);
    expect(out[0]!.noticeId).toBe(noticeIdOf('C1', 'O|INV-9|REMINDER_1'));
    expect(out[0]!.subject).toBe('Erste Mahnung: Rechnung INV-9');
    expect(out[0]!.body).toContain('die Rechnung INV-9, fällig am 1. Februar 2026, ist seit 1 Tag überfällig. Der offene Betrag beläuft sich auf 1.234,56\u00a0€.');
    expect(out[1]!.subject).toBe('Zweite Mahnung: Rechnung INV-9');
  });
});

describe('profile changes', () => {
  it('terms and limit changes each give a notice; the first profile and an unchanged one give none', () => {
    const out = run([
      profile('C1', '2026-01-01', { limit: 10_000_00, terms: 30 }), // first: nothing changed
      profile('C1', '2026-01-05', { limit: 10_000_00, terms: 30, email: 'new@c1.example' }), // only the address
      profile('C1', '2026-01-10', { limit: 25_000_00, terms: 45 }), // both
      profile('C1', '2026-01-20', { limit: 20_000_00, terms: 45, language: 'de' }), // limit, in German
    ]);
    expect(out.map(row)).toEqual([
      'C1 TERMS_CHANGED 30->45 on 2026-01-10 to ap@c1.example (en)',
      'C1 LIMIT_CHANGED 1000000->2500000 on 2026-01-10 to ap@c1.example (en)',
      'C1 LIMIT_CHANGED 2500000->2000000 on 2026-01-20 to ap@c1.example (de)',
    ]);
    expect(out[1]!.body).toContain('Your credit limit has changed from €10,000.00 to €25,000.00.');
    expect(out[2]!.body).toContain('Ihr Kreditlimit hat sich von 25.000,00\u00a0€ auf 20.000,00\u00a0€ geändert.');
  });
});

describe('credit holds', () => {
  it('one notice per order held, with the reasons; a customer without a profile gets it unaddressed in the default language', () => {
    const out = run([
      profile('C1', '2026-01-01'),
      held('C1', 'O-1', '2026-01-02', 5_000_00, ['OVER_LIMIT', 'OVERDUE']),
      held('C1', 'O-1', '2026-01-03', 6_000_00), // amended and held again: already noticed
      held('NEW', 'O-2', '2026-01-03', 100_00),
    ]);
    expect(out.map(row)).toEqual(['C1 CREDIT_HOLD O-1 on 2026-01-02 to ap@c1.example (en)', 'NEW CREDIT_HOLD O-2 on 2026-01-03 to - (en)']);
    expect(out[0]!.body).toContain('Your order O-1 for €5,000.00 is on credit hold (credit limit exceeded, overdue invoices).');
  });
});

describe('opt-outs', () => {
  it('per customer and type (or ALL) in the profile, and per type in the policy: decided, not issued, not reconsidered', () => {
    const history = [
      profile('C1', '2026-01-01', { optOuts: ['CREDIT_HOLD'] }),
      profile('C2', '2026-01-01', { optOuts: ['ALL'] }),
      profile('C3', '2026-01-01'),
      ...['C1', 'C2', 'C3'].flatMap((c) => [held(c, `O-${c}`, '2026-01-02', 100_00), issued(c, `I-${c}`, '2026-01-02', '2026-02-01', 100_00)]),
      tick('2026-01-29'),
      profile('C1', '2026-01-30', { optOuts: null }), // opting in again does not bring back the hold notice decided before
      tick('2026-01-30'),
    ];
    expect(run(history).map(row)).toEqual([
      'C3 CREDIT_HOLD O-C3 on 2026-01-02 to ap@c3.example (en)',
      'C1 PAYMENT_REMINDER I-C1 on 2026-01-29 to ap@c1.example (en)',
      'C3 PAYMENT_REMINDER I-C3 on 2026-01-29 to ap@c3.example (en)',
    ]);
    resetIds();
    const noReminders = validatePolicy({ ...defaultPolicy, enabledTypes: new Set(['CREDIT_HOLD', 'OVERDUE_NOTICE']) });
    expect(run(history, noReminders).map(row)).toEqual(['C3 CREDIT_HOLD O-C3 on 2026-01-02 to ap@c3.example (en)']);
  });
});

describe('broken promises', () => {
  it('a broken promise tells the customer once, on the date that broke it; a kept one and an opted-out customer get none', () => {
    const out = run([
      profile('C1', '2026-03-01'),
      profile('C2', '2026-03-01', { language: 'de' }),
      profile('C3', '2026-03-01', { optOuts: ['PROMISE_BROKEN'] }),
      tick('2026-03-02'),
      promised('C1', 'PTP-1', '2026-03-02', '2026-03-06', 500_00), // C1: 500 by 6 March, 200 paid: broken on 7 March
      promised('C2', 'PTP-2', '2026-03-02', '2026-03-08', 300_00), // C2: 300 by 8 March, paid in full: kept, no notice
      promised('C3', 'PTP-3', '2026-03-02', '2026-03-05', 100_00), // C3: broken, but it opted out of these notices
      cash('C1', 'P-1', '2026-03-04', 200_00),
      cash('C2', 'P-2', '2026-03-05', 300_00),
      ...ticks('2026-03-03', '2026-03-12'),
      promised('C1', 'PTP-1', '2026-03-12', '2026-03-20', 500_00), // the same promise id again: judged already, no second notice
      promised('C2', 'PTP-4', '2026-03-12', '2026-03-11', 50_00), // recorded after its date: broken at once, told at once
    ]);
    expect(out.map(row)).toEqual([
      'C1 PROMISE_BROKEN PTP-1 20000/50000 on 2026-03-07 to ap@c1.example (en)',
      'C2 PROMISE_BROKEN PTP-4 0/5000 on 2026-03-12 to ap@c2.example (de)',
    ]);
    const [c1, c2] = out;
    expect(c1!.noticeId).toBe(noticeIdOf('C1', 'B|PTP-1'));
    expect(c1!.causationId).toBeNull(); // a business date broke it
    expect(c2!.causationId).not.toBeNull(); // the promise recorded too late
    expect(c1!.subject).toBe('Your promised payment of €500.00 has not arrived');
    expect(c1!.body).toBe(
      'Dear customer,\n\nYou promised us a payment of €500.00 by 6 March 2026. By that date we received €200.00 towards it.\n\n' +
        'Please pay the open amount without delay, or call our credit team today to agree how it will be settled.\n\n' +
        'Kind regards\nCredit control\n\nCustomer number: C1\n',
    );
    expect(c2!.subject).toBe('Ihre zugesagte Zahlung über 50,00\u00a0€ ist nicht eingegangen');
    expect(c2!.body).toContain('bis zum 11. März 2026 zugesagt. Bis zu diesem Tag ist keine Zahlung dafür eingegangen.');
  });

  it('off for everyone when NOTIFY_TYPES leaves it out', () => {
    const policy = validatePolicy({ ...defaultPolicy, enabledTypes: new Set(['OVERDUE_NOTICE']) });
    const out = run([profile('C1', '2026-03-01'), tick('2026-03-02'), promised('C1', 'PTP-1', '2026-03-02', '2026-03-03', 1_00), ...ticks('2026-03-03', '2026-03-05')], policy);
    expect(out).toEqual([]);
  });
});

describe('languages and formats', () => {
  it('a language without templates falls back to the default; a regional tag to its language', () => {
    const out = run([profile('FR', '2026-01-01', { language: 'fr' }), profile('AT', '2026-01-01', { language: 'de-AT' }), held('FR', 'O1', '2026-01-02', 1), held('AT', 'O2', '2026-01-02', 1)]);
    expect(out.map((n) => n.language)).toEqual(['en', 'de']);
  });

  it('formats money exactly from minor units for the currency, and dates as a letter does', () => {
    expect(formatMoney(1_234_567_89, 'EUR', 'de')).toBe('1.234.567,89\u00a0€');
    expect(formatMoney(5, 'EUR', 'en')).toBe('€0.05');
    expect(formatMoney(-1_50, 'GBP', 'en')).toBe('-£1.50');
    expect(formatMoney(12_345, 'JPY', 'en')).toBe('JP¥12,345');
    expect(formatMoney(2 ** 53 - 1, 'USD', 'en')).toBe('US$90,071,992,547,409.91');
    expect(formatDate(d('2026-12-03'), 'en')).toBe('3 December 2026');
    expect(formatDate(d('2026-03-01'), 'de')).toBe('1. März 2026');
  });
});

describe('ids', () => {
  it('a replay gives the same notices, ids and contents', () => {
    const history = () => [profile('C1', '2026-01-01'), issued('C1', 'I', '2026-01-02', '2026-02-01', 100_00), held('C1', 'O', '2026-01-03', 1), ...ticks('2026-01-28', '2026-01-30')];
    const a = run(history());
    resetIds();
    expect(run(history())).toEqual(a);
    expect(new Set(a.map((n) => n.noticeId)).size).toBe(a.length);
  });
});
