// The collections page's pure rules: its filters and cursor, and what a promise to pay must state.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayFromIso, isoFromDay } from '../../../shared/time.ts';
import {
  collectionsParams, decodeCollectionsCursor, encodeCollectionsCursor, parseCollectionsQuery, PROMISE_HORIZON_DAYS, validatePromise,
} from '../src/domain/collections.ts';
import { may, ROLES } from '../src/domain/roles.ts';

const TODAY = dayFromIso('2026-12-04');
const form = (over: Record<string, string> = {}) => ({
  promiseId: '0b6f2f9e-4a51-4c1e-9b7a-2d3c4e5f6a7b', amount: '1250.50', currency: 'EUR', promisedDate: '2026-12-18', note: 'by wire', ...over,
});

describe('collections worklist query', () => {
  it('walks back to the same filter and cursor through its link', () => {
    const cursor = fc.record({ currency: fc.constantFrom('EUR', 'USD', 'CHF'), rank: fc.integer({ min: 1, max: 1e6 }), customerId: fc.string({ minLength: 1 }) });
    const filter = fc.record({
      customer: fc.option(fc.string({ minLength: 1 }).filter((s) => s.trim() === s && s !== ''), { nil: undefined }),
      currency: fc.option(fc.constantFrom('EUR', 'USD'), { nil: undefined }),
      brokenOnly: fc.option(fc.constant(true as const), { nil: undefined }),
      minDaysPastDue: fc.option(fc.integer({ min: 0, max: 99_999 }), { nil: undefined }),
    }, { requiredKeys: [] });
    fc.assert(fc.property(filter, cursor, (f, c) => {
      const clean = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined));
      const parsed = parseCollectionsQuery(Object.fromEntries(collectionsParams(clean, c)));
      expect(parsed.errors).toEqual([]);
      expect(parsed.filter).toEqual(clean);
      expect(parsed.after).toEqual(c);
    }));
  });

  it('names each bad field and refuses a cursor it did not make', () => {
    const { errors } = parseCollectionsQuery({ currency: 'euro', minDaysPastDue: '-3', after: 'garbage' });
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^currency/);
    expect(errors[1]).toMatch(/^days past due/);
    expect(errors[2]).toMatch(/^page/);
    expect(decodeCollectionsCursor(Buffer.from('[1,2,3]').toString('base64url'))).toBeUndefined();
    expect(decodeCollectionsCursor(encodeCollectionsCursor({ currency: 'EUR', rank: 3, customerId: 'ACME' }))).toEqual({ currency: 'EUR', rank: 3, customerId: 'ACME' });
  });
});

describe('promise to pay', () => {
  it('takes a complete form as minor units and a day', () => {
    expect(validatePromise(form(), TODAY)).toEqual({
      promise: { promiseId: form().promiseId, amount: 125_050, currency: 'EUR', promisedDate: dayFromIso('2026-12-18'), note: 'by wire' },
      errors: [],
    });
    expect(validatePromise(form({ note: '  ' }), TODAY).promise?.note).toBeNull();
  });

  it('refuses a date already past, one beyond the horizon, no amount, a bad currency or a forged id, each named', () => {
    expect(validatePromise(form({ promisedDate: '2026-12-03' }), TODAY).errors).toEqual(['promised date: today or later']);
    expect(validatePromise(form({ promisedDate: isoFromDay(TODAY + PROMISE_HORIZON_DAYS + 1) }), TODAY).errors[0]).toMatch(/days ahead/);
    expect(validatePromise(form({ promisedDate: '2026-02-30' }), TODAY).errors[0]).toMatch(/a date such as/);
    expect(validatePromise(form({ amount: '0' }), TODAY).errors[0]).toMatch(/^amount/);
    expect(validatePromise(form({ amount: '12,50' }), TODAY).errors[0]).toMatch(/^amount/);
    expect(validatePromise(form({ currency: 'eur' }), TODAY).errors[0]).toMatch(/^currency/);
    expect(validatePromise(form({ promiseId: 'x' }), TODAY).errors[0]).toMatch(/reload/);
    expect(validatePromise(form({ note: 'x'.repeat(501) }), TODAY).errors[0]).toMatch(/^note/);
  });

  it('accepts exactly the dates from today to the horizon', () => {
    fc.assert(fc.property(fc.integer({ min: -1000, max: 1000 }), (offset) => {
      const ok = validatePromise(form({ promisedDate: isoFromDay(TODAY + offset) }), TODAY).promise !== undefined;
      expect(ok).toBe(offset >= 0 && offset <= PROMISE_HORIZON_DAYS);
    }));
  });

  it('only credit controllers and managers record promises', () => {
    expect(ROLES.filter((r) => may(r, 'recordPromise'))).toEqual(['CREDIT_CONTROLLER', 'CREDIT_MANAGER']);
  });
});
