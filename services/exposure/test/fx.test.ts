// Multi-currency, given/when/then: literal inputs, the exact outcome, a comment on each row saying why.
import { describe, expect, it } from 'vitest';
import { deriveEventId } from '../../../shared/ids.ts';
import {
  applyEvent,
  converterAt,
  creditPolicy,
  exposureOf,
  NO_RATES,
  roundHalfEven,
  withRate,
  type ApplyResult,
  type CustomerState,
  type ExposureInput,
  type FxRates,
} from '../src/domain/index.ts';
import { customer, envelope, MINUTE, T0 } from './inputs.ts';

const DAY_MS = 86_400_000;
const DAY0 = Math.floor(T0 / DAY_MS); // 2026-01-05, T0 is 09:00 on it
const policy = creditPolicy({ policyVersion: 'fx' });

const rate = (quote: string, rateDate: number, value: string): ExposureInput =>
  envelope('FxRatePublished', { base: 'EUR', quote, rateDate, rate: value }, { eventId: `r-${quote}-${rateDate}`, customerId: '', occurredAt: rateDate * DAY_MS + 15 * 3_600_000 });

function add(t: FxRates, r: ExposureInput): FxRates {
  if (r.eventType !== 'FxRatePublished') throw new Error('not a rate');
  const next = withRate(t, r.payload);
  if (!next.ok) throw new Error(next.refused);
  return next.rates;
}

/** One customer's inputs; a rate goes into the table, then to the customer, as the adapter hands it. */
function run(inputs: ExposureInput[], p = policy) {
  let rates = NO_RATES;
  let state: CustomerState | undefined;
  const results = new Map<string, ApplyResult>();
  for (const input of inputs) {
    if (input.eventType === 'FxRatePublished') rates = add(rates, input);
    const given = input.eventType === 'FxRatePublished' ? { ...input, customerId: 'c1' } : input;
    const r = applyEvent(state, given, p, { rates, inPlace: true });
    results.set(input.eventId, r);
    if (r.changed) state = r.state;
  }
  return { result: (id: string) => results.get(id)!, state: state! };
}

const exposure = (s: CustomerState) => exposureOf(s.totals);

describe('converting an amount', () => {
  it('rounds half to even, exactly, with each currency\'s minor unit', () => {
    const rates = [rate('USD', DAY0, '1.0876'), rate('JPY', DAY0, '161.25'), rate('GBP', DAY0, '0.8333')].reduce(add, NO_RATES);
    const eurToUsd = converterAt(rates, 'EUR', 'USD', DAY0)!;
    expect(eurToUsd.amount(10_000)).toBe(10_876); // 100.00 EUR = 108.76 USD
    expect(eurToUsd.amount(125)).toBe(136); // 1.3595 -> 1.36
    expect(converterAt(rates, 'EUR', 'JPY', DAY0)!.amount(10_000)).toBe(16_125); // JPY has no minor unit: 16,125 yen
    expect(converterAt(rates, 'EUR', 'JPY', DAY0)!.amount(2)).toBe(3); // 3.225 yen -> 3
    expect(converterAt(rates, 'JPY', 'EUR', DAY0)!.amount(16_125)).toBe(10_000); // and back
    // USD -> GBP through the euro: 100.00 USD * 0.8333 / 1.0876 = 76.618... GBP
    expect(converterAt(rates, 'USD', 'GBP', DAY0)!.amount(10_000)).toBe(7_662);
    expect(converterAt(rates, 'USD', 'GBP', DAY0)!.amount(-10_000)).toBe(-7_662); // a credit note rounds alike
  });

  it('breaks ties to the even neighbour, and splits a payment so its allocations add up to it', () => {
    expect([5n, 15n, 25n, -5n, -15n].map((n) => roundHalfEven(n, 10n))).toEqual([0n, 2n, 2n, -0n, -2n]);
    const half = converterAt([rate('USD', DAY0, '0.5')].reduce(add, NO_RATES), 'EUR', 'USD', DAY0)!;
    expect([1, 3, 5].map(half.amount)).toEqual([0, 2, 2]); // 0.5 -> 0, 1.5 -> 2, 2.5 -> 2
    // Three allocations of 1 cent at 0.5: the running totals 0.5, 1, 1.5 round to 0, 1, 2, so the parts are 0, 1, 1 and
    // add up to round(1.5) = 2, the converted payment (each rounded alone: 0 + 0 + 0).
    expect(half.parts([1, 1, 1])).toEqual([0, 1, 1]);
  });

  it('takes the latest rate of a day at or before the document\'s, once a rate of that day or later is known', () => {
    const friday = [rate('USD', DAY0 - 3, '1.1000')].reduce(add, NO_RATES);
    expect(converterAt(friday, 'EUR', 'USD', DAY0 - 3)!.amount(100)).toBe(110); // Friday's own
    expect(converterAt(friday, 'EUR', 'USD', DAY0 - 1)).toBeNull(); // Sunday: not settled while no later rate is known
    const monday = add(friday, rate('USD', DAY0, '1.2000'));
    expect(converterAt(monday, 'EUR', 'USD', DAY0 - 1)!.amount(100)).toBe(110); // Sunday settles at Friday's once Monday's is known
    expect(converterAt(monday, 'EUR', 'USD', DAY0 - 5)).toBeNull(); // before every known rate: none in force
  });

  it('refuses rates not quoted from the euro; a second rate of the same day replaces the first', () => {
    expect(withRate(NO_RATES, { base: 'USD', quote: 'JPY', rateDate: DAY0, rate: '150' })).toEqual({ ok: false, refused: 'rates are quoted EUR -> currency; USD -> JPY is not' });
    const t = [rate('USD', DAY0, '1.1'), rate('USD', DAY0, '1.2')].reduce(add, NO_RATES);
    expect(t).toEqual({ USD: [[DAY0, '1.2']] });
  });
});

describe('documents in another currency than the customer\'s', () => {
  const eur = customer('c1', 'EUR');
  const usd = customer('c1', 'USD');

  it('converts a USD invoice for a EUR customer at the rate of its day and keeps the original on the document', () => {
    const h = run([
      rate('USD', DAY0, '1.25'), // 1 EUR = 1.25 USD
      eur.profile('e1', { creditLimit: 100_000 }), // the credit currency: EUR
      usd.issued('e2', 'i1', 10_000), // 100.00 USD on DAY0
    ]);
    expect(h.result('e2').rejected).toBeUndefined();
    expect(h.state.invoices.i1).toMatchObject({ issued: 8_000, fx: { currency: 'USD', amount: 10_000, day: DAY0 } }); // 80.00 EUR
    expect(exposure(h.state)).toBe(8_000);
    const snapshot = h.result('e2').events.find((e) => e.eventType === 'ExposureSnapshot');
    expect(snapshot?.payload).toMatchObject({ currency: 'EUR', openReceivables: 8_000 }); // snapshots in the credit currency
  });

  it('parks a document whose rate is not known yet, then applies it, once, when the rate of its day comes', () => {
    const h = run([
      eur.profile('e1', { creditLimit: 1_000 }),
      usd.placed('e2', 'o1', 1_000), // 10.00 USD: no rate for DAY0 yet
      eur.placed('e3', 'o2', 100), // EUR orders go on meanwhile
      rate('USD', DAY0 - 1, '1.0'), // an older day's rate does not settle DAY0
      rate('USD', DAY0, '2.0'), // DAY0's: o1 is 5.00 EUR
    ]);
    expect(h.result('e2')).toMatchObject({ events: [], changed: true }); // parked: accepted, nothing derived
    expect(h.result('e3').events.map((e) => e.eventType)).toContain('OrderCreditApproved');
    expect(h.result(`r-USD-${DAY0 - 1}`).changed).toBe(false); // still waiting
    const applied = h.result(`r-USD-${DAY0}`);
    // The decision is the order's own (its id and cause), as if it had come with its rate known.
    expect(applied.events[0]).toMatchObject({ eventType: 'OrderCreditApproved', causationId: 'e2', payload: { orderId: 'o1', amount: 500, currency: 'EUR' } });
    expect(h.state.fxParked).toBeUndefined();
    expect(exposure(h.state)).toBe(600);
  });

  it('keeps a document\'s inputs in order: a void waits behind its waiting invoice; a rejected one goes back for the DLQ', () => {
    const h = run([
      eur.profile('e1', { creditLimit: 1_000 }),
      usd.issued('e2', 'i1', 1_000, null), // waits for DAY0's rate
      eur.voided('e3', 'i1'), // names i1: waits behind it (not UnknownReference)
      eur.voided('e4', 'i1'), // a second void: waits too, and is a duplicate once applied
      rate('USD', DAY0 + 1, '2.0'), // a later day's rate: DAY0's never comes, and none before it is known
    ]);
    expect(h.result('e3').rejected).toBeUndefined();
    expect(h.result(`r-USD-${DAY0 + 1}`).changed).toBe(false); // no rate in force on DAY0: all three still wait
    expect(h.state.fxParked?.map((p) => p.input.eventId)).toEqual(['e2', 'e3', 'e4']);
    const later = run([
      eur.profile('e1', { creditLimit: 1_000 }),
      rate('USD', DAY0 - 3, '4.0'), // Friday's
      usd.issued('e2', 'i1', 1_000, null, T0 + MINUTE),
      eur.voided('e3', 'i1', T0 + 2 * MINUTE),
      eur.voided('e4', 'i1', T0 + 3 * MINUTE),
      rate('USD', DAY0 + 1, '2.0'), // settles DAY0 at Friday's rate: 2.50 EUR, then voided
    ]);
    const through = later.result(`r-USD-${DAY0 + 1}`);
    expect(through.rejectedParked).toEqual([{ input: expect.objectContaining({ eventId: 'e4' }), rejection: { errorClass: 'InvalidEvent', message: 'duplicate InvoiceVoided: invoice i1 is already voided' } }]);
    expect(later.state.invoices.i1).toMatchObject({ issued: 250, voided: true });
    expect(exposure(later.state)).toBe(0);
  });

  it('still refuses a profile in another currency than the one pinned', () => {
    const h = run([eur.placed('e1', 'o1', 100), usd.profile('e2', {})]);
    expect(h.result('e2').rejected?.message).toBe("currency USD differs from the customer's credit currency EUR");
  });
});

describe('FX_REVALUE', () => {
  const eur = customer('c1', 'EUR');
  const usd = customer('c1', 'USD');
  const history = [
    rate('USD', DAY0, '1.0'),
    eur.profile('e1', { creditLimit: 100_000 }), // 1,000.00 EUR
    usd.issued('e2', 'i1', 50_000), // 500.00 USD = 500.00 EUR
    usd.placed('e3', 'o1', 40_000), // 400.00 USD = 400.00 EUR: approved, exposure 900.00
    eur.placed('e4', 'o2', 15_000), // 150.00 EUR: 1,050.00 > 1,000.00, held
    usd.issued('e5', 'i2', 10_000), // 100.00 USD, paid at once: settled, keeps its rate
    usd.paid('e6', 'p1', 10_000, [{ invoiceId: 'i2', amount: 10_000 }]),
    rate('USD', DAY0 + 1, '1.25'), // the dollar falls: 500.00 USD = 400.00 EUR, 400.00 USD = 320.00 EUR
  ];

  it('revalues open documents at a later rate: exposure falls and the held order is released, caused by the rate', () => {
    const h = run(history, creditPolicy({ policyVersion: 'fx', fxRevalue: true }));
    expect(h.result('e4').events[0]).toMatchObject({ eventType: 'OrderCreditHeld' }); // decided before: it stays so
    const r = h.result(`r-USD-${DAY0 + 1}`);
    expect(r.events.map((e) => [e.eventType, e.causationId])).toEqual([
      ['OrderCreditReleased', `r-USD-${DAY0 + 1}`], // 720.00 + 150.00 fits now
      ['ExposureSnapshot', `r-USD-${DAY0 + 1}`],
    ]);
    expect(r.events[0]?.payload).toMatchObject({ orderId: 'o2', release: 'AUTOMATIC', trigger: 'FxRatePublished' });
    expect(h.state.invoices.i1).toMatchObject({ issued: 40_000, fx: { currency: 'USD', amount: 50_000, day: DAY0, valuedOn: DAY0 + 1 } });
    expect(h.state.orders.o1).toMatchObject({ amount: 32_000, fx: { valuedOn: DAY0 + 1 } });
    expect(h.state.invoices.i2).toMatchObject({ issued: 10_000, fx: { day: DAY0 } }); // settled: not revalued
    expect(exposure(h.state)).toBe(40_000 + 32_000 + 15_000);
    // The events' ids are the customer's: one rate record reaches every customer of the partition under one event id.
    expect(r.events[0]?.eventId).toBe(deriveEventId(deriveEventId(`r-USD-${DAY0 + 1}`, 'FxRevalued', 'c1'), 'OrderCreditReleased', 'o2'));
  });

  it('without it, a document keeps the rate of its day and a later rate changes nothing', () => {
    const h = run(history);
    expect(h.result(`r-USD-${DAY0 + 1}`)).toMatchObject({ events: [], changed: false });
    expect(h.state.invoices.i1).toMatchObject({ issued: 50_000, fx: { currency: 'USD', amount: 50_000, day: DAY0 } });
    expect(exposure(h.state)).toBe(50_000 + 40_000);
  });
});
