import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dayFromIso, dayOf, isoFromDay, startOfDay } from '../time.ts';
import { deriveEventId } from '../ids.ts';

describe('time', () => {
  it('maps ISO dates to days and back across month ends and leap days', () => {
    expect(dayFromIso('1970-01-01')).toBe(0);
    expect(dayFromIso('2012-03-01') - dayFromIso('2012-02-28')).toBe(2); // 2012 is a leap year
    expect(dayFromIso('2013-03-01') - dayFromIso('2013-02-28')).toBe(1);
    expect(isoFromDay(dayFromIso('2014-01-31') + 1)).toBe('2014-02-01');
    expect(() => dayFromIso('2013-02-29')).toThrow(RangeError);
  });

  it('puts every instant of a day on that day', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 0, max: 86_399_999 }), (day, ms) => {
      expect(dayOf(startOfDay(day) + ms)).toBe(day);
      expect(dayFromIso(isoFromDay(day))).toBe(day);
    }));
  });
});

describe('deriveEventId', () => {
  it('is deterministic and distinguishes rule and parts', () => {
    const id = deriveEventId('e1', 'decision');
    expect(id).toBe(deriveEventId('e1', 'decision'));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(deriveEventId('e1', 'decision', 'o1')).not.toBe(id);
    expect(deriveEventId('e2', 'decision')).not.toBe(id);
  });
});
