// The adapter's domain with the service's default settings: what one partition's records give, before any Kafka.
import { describe, expect, it } from 'vitest';
import type { DelinquencyEvent } from '../../../shared/contracts/events.generated.ts';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import type { ConsumedRecord } from '../../../shared/kafka/runner.ts';
import { startOfDay } from '../../../shared/time.ts';
import type { DerivedRecord } from '../../../shared/stateful/batch-processor.ts';
import { WorkingSet } from '../../../shared/stateful/working-set.ts';
import { loadDelinquencyConfig } from '../src/config.ts';
import { DelinquencyDomain, type Entity, type InputEvent, type InputRecord } from '../src/adapters/partition-domain.ts';
import { adjusted, CUSTOMER, d, disputed, issued, paid } from './fixtures.ts';

const ENV = { KAFKA_BROKERS: 'localhost:9092', SCHEMA_REGISTRY_URL: 'http://localhost:8081', REDIS_URL: 'redis://localhost:6379' };

/** One partition fed record by record, as the batch processor does, under the config the environment gives. */
function partition(env: Record<string, string> = {}) {
  const config = loadDelinquencyConfig({ ...ENV, ...env });
  const domain = new DelinquencyDomain({
    topics: topicRegistry(''),
    policy: config.policy,
    service: 'delinquency',
    now: () => new Date(0),
    sameDayOrder: config.DELINQUENCY_SAME_DAY_ORDER,
  });
  const ws = new WorkingSet<Entity>(new Map());
  let offset = 0;
  const feed = (from: InputRecord['from'], event: InputEvent): DelinquencyEvent[] => {
    const record: ConsumedRecord<InputEvent> = { topic: from, partition: 0, offset: String(offset++), timestamp: 0, key: null, value: null, headers: {}, event };
    return domain.apply(ws, { from, record }, { partition: 0 }).out.map((o: DerivedRecord) => o.event as DelinquencyEvent);
  };
  const tick = (iso: string): DelinquencyEvent[] =>
    (['invoices', 'payments'] as const).flatMap((from) =>
      feed(from, { eventId: `tick-${from}-${iso}`, eventType: 'BusinessDateTick', occurredAt: startOfDay(d(iso)), customerId: '', source: 'test', causationId: null, payload: { businessDate: d(iso) } }),
    );
  return { config, domain, ws, feed, tick };
}

describe('the delinquency partition under the default settings', () => {
  it('reads the topics in event-time order, so same-day order no longer holds payments back', () => {
    const { config } = partition();
    expect(config.EVENT_TIME_ALIGNMENT).toBe(true);
    expect(config.DELINQUENCY_SAME_DAY_ORDER).toBe(false);
    expect(config.policy.overdueExcludesDisputed).toBe(true);
    expect(partition({ OVERDUE_EXCLUDES_DISPUTED: 'false' }).config.policy.overdueExcludesDisputed).toBe(false);
  });

  it('improves the status on the payment that cures the overdue invoice, at its event time, not at the next tick', () => {
    const p = partition();
    p.tick('2013-01-01');
    p.feed('invoices', issued('I1', '2013-01-01', '2013-01-31', 100) as InputEvent);
    expect(p.tick('2013-02-03').map((e) => e.eventType)).toContain('CustomerDelinquencyChanged');
    const payment = paid('P1', '2013-02-03', [['I1', 100]]) as InputEvent;
    const out = p.feed('payments', payment);
    const change = out.find((e) => e.eventType === 'CustomerDelinquencyChanged');
    expect(out.map((e) => e.eventType)).toEqual(['InvoiceCured', 'CustomerDelinquencyChanged']);
    expect(change).toMatchObject({ occurredAt: payment.occurredAt, causationId: payment.eventId, payload: { fromStatus: 'OVERDUE', toStatus: 'CURRENT' } });
    expect(p.tick('2013-02-04')).toEqual([]);
  });

  it('stores a customer compactly, a field per invoice and payment, and reads back the same state', () => {
    const p = partition();
    p.tick('2013-01-01');
    p.feed('invoices', issued('I1', '2013-01-01', '2013-01-31', 100) as InputEvent);
    p.feed('invoices', issued('I2', '2013-01-01', '2013-02-10', 70) as InputEvent);
    p.feed('payments', paid('P1', '2013-01-01', [['I3', 30]], 50) as InputEvent); // held for an invoice not issued yet
    p.tick('2013-02-03');
    p.feed('invoices', disputed('I2', 'X1', '2013-02-03') as InputEvent);
    p.feed('invoices', adjusted('I2', '2013-02-03', -20) as InputEvent);
    p.feed('payments', paid('P2', '2013-02-03', [['I1', 100]]) as InputEvent);
    p.feed('invoices', issued('I9', '2013-02-10', '2013-03-10', 10) as InputEvent); // dated after the as-of date: held
    const entity = p.ws.get(CUSTOMER)!;
    const fields = p.domain.codec.encode(entity);
    expect([...fields.keys()].sort()).toEqual(['_', 'h:I3', 'o:I2', 'p:P1', 'p:P2', 'x:I1']);
    expect(p.domain.codec.decode(fields, CUSTOMER)).toEqual(JSON.parse(JSON.stringify(entity)));
    const bytes = [...fields].reduce((n, [f, t]) => n + f.length + t.length, 0);
    expect(bytes).toBeLessThan(JSON.stringify(entity).length * 0.75);
  });
});
