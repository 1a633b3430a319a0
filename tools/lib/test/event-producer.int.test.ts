import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../../shared/contracts/registry.ts';
import { EventSerde } from '../../../shared/contracts/serde.ts';
import { avroTopics, topicRegistry, type AnyEvent, type TopicSpec } from '../../../shared/contracts/topics.ts';
import { createLogger } from '../../../shared/logger.ts';
import { dayFromIso } from '../../../shared/time.ts';
import { collect, deleteTopics, testKafka, uniqueId, type CollectedMessage } from '../../../test/kafka.ts';
import { getStack, type Stack } from '../../../test/stack.ts';
import { simulate } from '../../simulator/src/simulate.ts';
import { sleep } from '../cli.ts';
import { openEventSink, type EventSink } from '../kafka-sink.ts';
import { loadToolConfig } from '../tool-config.ts';
import type { OutRecord } from '../out-record.ts';
import { pump } from '../pump.ts';

const PARTITIONS = 3;
const topics = topicRegistry(`${uniqueId('tools')}.`);
const records: OutRecord[] = [
  ...simulate({ seed: 5, customers: 30, startDay: dayFromIso('2024-03-01'), days: 45, partitions: PARTITIONS }),
];

describe('EventProducer against the real stack', () => {
  let stack: Stack;
  let sink: EventSink;

  beforeAll(async () => {
    stack = await getStack();
    const config = loadToolConfig('tools-test', { ...stack.env, KAFKA_PARTITIONS: String(PARTITIONS), LOG_LEVEL: 'silent' });
    sink = await openEventSink(config, createLogger('tools-test', { level: 'silent' }), topics);
  });

  afterAll(async () => {
    await sink?.close();
    if (stack) await deleteTopics(testKafka(stack), avroTopics(topics).map((t) => t.name));
  });

  it('writes every record once, decodable, ticks on their partition, each customer on one partition number', async () => {
    const done = await pump(records, (batch) => sink.producer.send(batch), {
      batchSize: 250, rate: Infinity, clock: Date.now, sleep,
    });
    expect(done.sent).toBe(records.length);
    // Long enough for invoices to fall overdue: collectors' promises are among the records too.
    expect(records.some((r) => r.topic === 'COLLECTIONS')).toBe(true);

    const serde = new EventSerde(new RegistryClient(stack.schemaRegistryUrl));
    const kafka = testKafka(stack);
    const byId = new Map(records.map((r) => [r.event.eventId, r]));
    const partitionOf = new Map<string, number>();
    let received = 0;
    for (const name of ['CUSTOMERS', 'CUSTOMER_CHANGES', 'ORDERS', 'INVOICES', 'PAYMENTS', 'CREDIT_ACTIONS', 'COLLECTIONS'] as const) {
      const spec = topics[name] as TopicSpec;
      const expected = records.filter((r) => r.topic === name).length;
      const collector = await collect(kafka, spec.name);
      let messages: readonly CollectedMessage[];
      try {
        messages = expected === 0 ? [] : await collector.waitFor(expected, 60_000);
      } finally {
        await collector.stop();
      }
      expect(messages, name).toHaveLength(expected);
      for (const m of messages) {
        const event = await serde.decode(spec, m.value);
        const sent = byId.get(event.eventId)!;
        // An optional field the producer left out (a profile's contact fields) reads back as null.
        expect(withoutNulls(event)).toEqual(withoutNulls(sent.event));
        expect(m.key?.toString()).toBe(sent.key);
        if (sent.partition !== undefined) {
          expect(m.partition).toBe(sent.partition);
        } else {
          const p = partitionOf.get(sent.key) ?? m.partition;
          expect(m.partition, `customer ${sent.key} stays on one partition number`).toBe(p);
          partitionOf.set(sent.key, p);
        }
        received++;
      }
    }
    expect(received).toBe(records.length);
  }, 120_000);
});

/** The value with null-valued properties dropped, at every depth (a plain copy, classes included). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}
