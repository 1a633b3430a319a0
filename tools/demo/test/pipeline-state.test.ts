import { describe, expect, it } from 'vitest';
import { caughtUp, readService, type ServiceReading } from '../src/pipeline-state.ts';
import { parsePromText } from '../src/prom-text.ts';

const reading = (service: string, consumed: Record<string, number>, lag = 0, outboxBacklog = 0): ServiceReading => ({
  service,
  lag,
  consumedByTopic: new Map(Object.entries(consumed)),
  outboxBacklog,
  decisions: new Map(),
});

describe('readService', () => {
  it("reads the runner's lag and consumption, the outbox backlog under either name, and exposure's decisions", () => {
    const exposure = readService(
      'exposure',
      parsePromText(`
o2c_consumer_lag_records{topic="t.orders",partition="0",service="exposure"} 4
o2c_consumer_lag_records{topic="t.orders",partition="1",service="exposure"} 1
o2c_records_consumed_total{topic="t.orders",service="exposure"} 100
o2c_records_consumed_total{topic="t.payments",service="exposure"} 40
o2c_exposure_outbox_backlog{partition="3",service="exposure"} 2
o2c_exposure_decisions_total{outcome="approved",service="exposure"} 90
o2c_exposure_decisions_total{outcome="held",service="exposure"} 7
o2c_delinquency_outbox_backlog_records{partition="0",service="delinquency"} 1000
`),
    );
    expect(exposure).toEqual({
      service: 'exposure',
      lag: 5,
      consumedByTopic: new Map([['t.orders', 100], ['t.payments', 40]]),
      outboxBacklog: 2,
      decisions: new Map([['approved', 90], ['held', 7]]),
    });
    expect(readService('delinquency', parsePromText('o2c_delinquency_outbox_backlog_records{partition="0"} 3\n')).outboxBacklog).toBe(3);
  });
});

describe('caughtUp', () => {
  const ends = new Map([['t.orders', 100], ['t.payments', 40], ['t.holds', 90]]);
  const done = [reading('exposure', { 't.orders': 100, 't.payments': 40 }), reading('reporting', { 't.orders': 100, 't.holds': 90 })];

  it('holds when two readings agree that every service consumed every record of its topics, with no lag or backlog', () => {
    expect(caughtUp(done, done, ends)).toBe(true);
  });

  it('needs a previous reading of every service', () => {
    expect(caughtUp(undefined, done, ends)).toBe(false);
    expect(caughtUp([done[0]!], done, ends)).toBe(false);
  });

  it('fails while a service still consumed something since the previous reading', () => {
    const before = [done[0]!, reading('reporting', { 't.orders': 100, 't.holds': 89 })];
    expect(caughtUp(before, done, ends)).toBe(false);
  });

  it('fails while a topic has records a service has not consumed, even at zero lag', () => {
    const behind = [done[0]!, reading('reporting', { 't.orders': 100, 't.holds': 80 })];
    expect(caughtUp(behind, behind, ends)).toBe(false);
  });

  it('fails on lag, on an outbox backlog, and for a service that has consumed nothing yet', () => {
    const lagging = [reading('exposure', { 't.orders': 100, 't.payments': 40 }, 1), done[1]!];
    const backlog = [reading('exposure', { 't.orders': 100, 't.payments': 40 }, 0, 3), done[1]!];
    const idle = [done[0]!, reading('reporting', {})];
    expect(caughtUp(lagging, lagging, ends)).toBe(false);
    expect(caughtUp(backlog, backlog, ends)).toBe(false);
    expect(caughtUp(idle, idle, ends)).toBe(false);
  });
});
