import { describe, expect, it } from 'vitest';
import { paydexScore, pointsFor, type SettledInvoice } from '../src/domain/index.ts';

const inv = (amount: number, dueDay: number, settledDay: number): SettledInvoice => ({ amount, dueDay, settledDay });

describe('PAYDEX key', () => {
  it('gives the key points at the key days', () => {
    const key: Array<[number, number]> = [[-30, 100], [-20, 90], [0, 80], [15, 70], [22, 60], [30, 50], [60, 40], [90, 30], [120, 20]];
    for (const [days, points] of key) expect(pointsFor(days)).toBe(points);
  });
  it('interpolates linearly between key points', () => {
    expect(pointsFor(-25)).toBe(95);
    expect(pointsFor(-10)).toBe(85);
    expect(pointsFor(10)).toBeCloseTo(80 - 10 * (10 / 15), 12); // 73.33
    expect(pointsFor(18.5)).toBe(65);
    expect(pointsFor(45)).toBe(45);
  });
  it('clamps at both ends', () => {
    expect(pointsFor(-365)).toBe(100);
    expect(pointsFor(-31)).toBe(100);
    expect(pointsFor(121)).toBe(20);
    expect(pointsFor(1000)).toBe(20);
  });
});

describe('payment score', () => {
  const asOf = 1000;
  it('is the amount-weighted mean of the points, rounded half up', () => {
    // Points 80 (on time), 50 (30 days late), 100 (30 early); weights 1, 1, 2: (80 + 50 + 200) / 4 = 82.5 -> 83.
    expect(paydexScore([inv(100, 900, 900), inv(100, 900, 930), inv(200, 900, 870)], asOf)).toBe(83);
    // (80 + 50 + 90) / 3 = 73.33 -> 73.
    expect(paydexScore([inv(1, 900, 900), inv(1, 900, 930), inv(1, 900, 880)], asOf)).toBe(73);
    // 80, 70, 60 with weights 1, 2, 1 -> 70; 80, 70 with 1, 1 and 60 with 2 -> 67.5 -> 68.
    expect(paydexScore([inv(1, 900, 900), inv(2, 900, 915), inv(1, 900, 922)], asOf)).toBe(70);
    expect(paydexScore([inv(1, 900, 900), inv(1, 900, 915), inv(2, 900, 922)], asOf)).toBe(68);
  });
  it('is null with fewer than 3 settled invoices in the window', () => {
    expect(paydexScore([], asOf)).toBeNull();
    expect(paydexScore([inv(1, 900, 900), inv(1, 900, 910)], asOf)).toBeNull();
    expect(paydexScore([inv(1, 900, 900), inv(1, 900, 910), inv(1, 500, 500)], asOf)).toBeNull();
  });
  it('counts settlements in the 365 days up to and including the as-of date', () => {
    const two = [inv(1, 900, 900), inv(1, 900, 900)];
    expect(paydexScore([...two, inv(1, asOf - 364 - 60, asOf - 364)], asOf)).toBe(67); // 80, 80, 40 (60 late): 66.67
    expect(paydexScore([...two, inv(1, asOf - 365 - 60, asOf - 365)], asOf)).toBeNull();
    expect(paydexScore([...two, inv(1, asOf - 60, asOf)], asOf)).toBe(67);
    expect(paydexScore([...two, inv(1, asOf - 59, asOf + 1)], asOf)).toBeNull();
  });
});
