// The decode step every service shares (specDecoder): a customer's event keyed by anything but its customerId, or
// by nothing, is poison (KeyMismatch) on every topic; a business-date tick has no customer and no key to check.
import type { KafkaMessage } from 'kafkajs';
import { beforeEach, describe, expect, it } from 'vitest';
import { PoisonRecordError } from '../../errors.ts';
import { EventSerde } from '../../contracts/serde.ts';
import { avroTopics, recordKeyOf, Topics, type AnyEvent, type TopicSpec } from '../../contracts/topics.ts';
import { exampleEvent } from '../../contracts/test/examples.ts';
import { FakeRegistry } from '../../contracts/test/fake-registry.ts';
import { specDecoder } from '../runner.ts';
import { openBatch } from '../runner/batch.ts';
import { createSettler } from '../runner/settle.ts';
import { fakeDlq, freshMetrics, recorder, silentLogger } from '../runner/test/fakes.ts';

let serde: EventSerde;
beforeEach(() => {
  serde = new EventSerde(new FakeRegistry());
});

const specs = avroTopics(Topics);
const decoder = () => specDecoder(serde, specs);
const key = (text: string) => Buffer.from(text);

/** The PoisonRecordError class a decode fails with, 'decoded' when it succeeds. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PoisonRecordError) return e.errorClass;
    throw e;
  }
  return 'decoded';
}

const customerEvents = specs.flatMap((spec) =>
  spec.eventTypes.filter((t) => t !== 'BusinessDateTick').map((t) => [spec.name, t, spec] as const),
);
const tickedTopics = specs.filter((s) => (s.eventTypes as readonly string[]).includes('BusinessDateTick'));

describe('specDecoder: the record key is the customerId', () => {
  // A rate is keyed by its pair and day (recordKeyOf), every other event by its customerId.
  it.each(customerEvents)('%s %s: keyed by its customerId, it decodes', async (_, eventType, spec) => {
    const event = exampleEvent(eventType);
    const value = await serde.encode(spec as TopicSpec, event as AnyEvent);
    expect(await decoder()(spec.name, value, key(recordKeyOf(event as AnyEvent)!))).toEqual(event);
  });

  it.each(customerEvents)('%s %s: another key, or none, is KeyMismatch', async (_, eventType, spec) => {
    const event = exampleEvent(eventType);
    const value = await serde.encode(spec as TopicSpec, event as AnyEvent);
    const decode = decoder();
    expect(await outcome(decode(spec.name, value, key('C-2')))).toBe('KeyMismatch');
    expect(await outcome(decode(spec.name, value, null))).toBe('KeyMismatch');
    expect(await outcome(decode(spec.name, value, key('')))).toBe('KeyMismatch');
    expect(await outcome(decode(spec.name, value, key(`${event.customerId} `)))).toBe('KeyMismatch');
  });

  it('says which event, whose customer and what key, without the payload, and cuts a long key', async () => {
    const event = exampleEvent('OrderPlaced');
    const value = await serde.encode(Topics.ORDERS, event);
    const error = await decoder()(Topics.ORDERS.name, value, key('C-2')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoisonRecordError);
    expect((error as PoisonRecordError).message).toBe(
      `OrderPlaced ${event.eventId} of customer "C-1" has key "C-2", not its customerId`,
    );
    expect((error as PoisonRecordError).message).not.toContain(event.payload.orderId);
    const none = await decoder()(Topics.ORDERS.name, value, null).catch((e: unknown) => e);
    expect((none as PoisonRecordError).message).toContain('has no key');
    const long = await decoder()(Topics.ORDERS.name, value, key('x'.repeat(10_000))).catch((e: unknown) => e);
    expect((long as PoisonRecordError).message.length).toBeLessThan(250);
  });

  it.each(tickedTopics.map((s) => [s.name, s] as const))('%s: a business-date tick decodes whatever its key', async (_, spec) => {
    const tick = exampleEvent('BusinessDateTick');
    const value = await serde.encode(spec as TopicSpec, tick as AnyEvent);
    const decode = decoder();
    for (const k of [key(''), null, key('P-3'), key('C-1')]) expect(await decode(spec.name, value, k)).toEqual(tick);
  });

  it("an undecodable value keeps the value's class, whatever the key", async () => {
    expect(await outcome(decoder()(Topics.ORDERS.name, Buffer.from('not avro at all'), null))).toBe('InvalidMagicByte');
  });
});

describe('a key-mismatched record in the runner', () => {
  it('goes to the DLQ with its bytes and headers; the good record after it is handled', async () => {
    const event = exampleEvent('OrderPlaced');
    const value = await serde.encode(Topics.ORDERS, event);
    const message = (offset: number, k: Buffer | null): KafkaMessage =>
      ({ offset: String(offset), key: k, value, timestamp: '1700000000000', headers: { trace: `t-${offset}` }, attributes: 0 }) as KafkaMessage;
    const dlq = fakeDlq();
    const metrics = freshMetrics();
    const handled: string[] = [];
    const settler = createSettler({
      decode: specDecoder(serde, [Topics.ORDERS]),
      handleBatch: async (records) => {
        handled.push(...records.map((r) => r.offset));
      },
      dlq,
      metrics,
      log: silentLogger,
    });
    const chunk = [message(0, key('C-2')), message(1, null), message(2, key('C-1'))];

    const { items, failure } = await settler.decodeChunk(Topics.ORDERS.name, 4, chunk);
    expect(failure).toBeUndefined();
    const r = recorder();
    const ctx = openBatch(Topics.ORDERS.name, 4, r.payload, { port: r.port, log: silentLogger, onCheckpoint: () => undefined })
      .context(Topics.ORDERS.name, { [Topics.ORDERS.name]: '0' });
    const settled = await settler.settle(items, ctx);

    expect(settled).toMatchObject({ kind: 'settled', progress: [{ topic: Topics.ORDERS.name, count: 3, next: 3n }] });
    expect(handled).toEqual(['2']);
    const letters = dlq.sent.flat();
    expect(letters.map((l) => [l.offset, l.key, l.value, l.headers, l.error.errorClass])).toEqual([
      ['0', key('C-2'), value, { trace: 't-0' }, 'KeyMismatch'],
      ['1', null, value, { trace: 't-1' }, 'KeyMismatch'],
    ]);
    const counted = (await metrics.dlqRecords.get()).values.map((v) => [v.labels.error_class, v.value]);
    expect(counted).toEqual([['KeyMismatch', 2]]);
  });
});
