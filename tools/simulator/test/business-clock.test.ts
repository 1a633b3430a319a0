import { describe, expect, it } from 'vitest';
import { MS_PER_DAY } from '../../../shared/time.ts';
import { releaseAt } from '../src/business-clock.ts';

describe('releaseAt', () => {
  it('runs daysPerSecond business days per wall second from the start', () => {
    const clock = { simStart: 100 * MS_PER_DAY, wallStart: 5_000, daysPerSecond: 2 };
    expect(releaseAt(clock, 100 * MS_PER_DAY)).toBe(5_000);
    expect(releaseAt(clock, 101 * MS_PER_DAY)).toBe(5_500);
    expect(releaseAt(clock, 110 * MS_PER_DAY)).toBe(10_000);
  });

  it('releases everything at once when unpaced', () => {
    expect(releaseAt({ simStart: 0, wallStart: 5_000, daysPerSecond: 0 }, 1e12)).toBe(-Infinity);
  });
});
