import { describe, expect, it } from 'vitest';
import { asOfDate, emptyWatermark, observeTick, observeWallClock } from '../src/domain/index.ts';

describe('Watermark', () => {
  it('is the earliest of the latest ticks of the invoices and payments topics', () => {
    let wm = observeTick(emptyWatermark, 'invoices', 100);
    expect(asOfDate(wm)).toBeNull(); // payments has not ticked: nothing is known to be complete
    wm = observeTick(wm, 'payments', 97);
    expect(asOfDate(wm)).toBe(97);
    wm = observeTick(wm, 'payments', 103);
    expect(asOfDate(wm)).toBe(100);
  });

  it('never goes back on a late or repeated tick', () => {
    const wm = observeTick(observeTick(emptyWatermark, 'invoices', 50), 'payments', 50);
    expect(observeTick(wm, 'invoices', 40)).toBe(wm);
    expect(observeTick(wm, 'payments', 50)).toBe(wm);
    expect(asOfDate(observeTick(wm, 'invoices', 40))).toBe(50);
  });

  it('is lifted to today by the live wall clock, whatever the ticks say', () => {
    expect(asOfDate(observeWallClock(emptyWatermark, 200))).toBe(200);
    const ticked = observeTick(observeTick(emptyWatermark, 'invoices', 150), 'payments', 160);
    expect(asOfDate(observeWallClock(ticked, 155))).toBe(155);
    expect(asOfDate(observeWallClock(ticked, 140))).toBe(150);
    expect(JSON.parse(JSON.stringify(ticked))).toEqual(ticked);
  });
});
