import { describe, expect, it } from 'vitest';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import { dayFromIso } from '../../../shared/time.ts';
import { countByTopic, tickRecords } from '../out-record.ts';

describe('countByTopic', () => {
  it("counts records per topic name of the registry given, adding to the counts so far", () => {
    const ticks = tickRecords(dayFromIso('2024-01-01'), 2, 'test', (topic, partition) => `${topic}-${partition}`);
    const registry = topicRegistry('ns.');
    const counts = countByTopic(ticks, registry);
    expect(counts).toEqual({ 'ns.o2c.orders.v1': 2, 'ns.o2c.invoices.v1': 2, 'ns.o2c.payments.v1': 2 });
    expect(countByTopic(ticks.slice(0, 1), registry, counts)).toBe(counts);
    expect(counts['ns.o2c.orders.v1']).toBe(3);
  });
});
