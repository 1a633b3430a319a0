import { describe, expect, it } from 'vitest';
import { orderClock } from '../src/decision-latency.ts';

describe('orderClock', () => {
  const historyEnd = Date.UTC(2024, 2, 10, 23, 59, 0);
  const start = Date.UTC(2026, 11, 3, 12, 0, 0);

  it("continues the history's event-time clock: just after its last event, then as the wall clock moves", () => {
    const at = orderClock('event', historyEnd, start);
    expect(at(start)).toBe(historyEnd + 1);
    expect(at(start + 1500)).toBe(historyEnd + 1501);
    expect(at(start + 20_000) - at(start)).toBe(20_000);
  });

  it('never stamps an order at or before the history, even if the wall clock steps back', () => {
    const at = orderClock('event', historyEnd, start);
    expect(at(start - 5000)).toBe(historyEnd + 1);
  });

  it('stamps the wall clock itself with the wall clock', () => {
    expect(orderClock('wall', historyEnd, start)(start + 7)).toBe(start + 7);
  });
});
