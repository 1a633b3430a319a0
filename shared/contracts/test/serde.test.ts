import { readFileSync } from 'node:fs';
import avro from 'avsc';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { PoisonRecordError, TransientError } from '../../errors.ts';
import { AVSC_OPTIONS, contractOf } from '../avro.ts';
import { EventSerde, frame } from '../serde.ts';
import { avroTopics, Topics, type TopicSpec } from '../topics.ts';
import { eventOf } from './arbitraries.ts';
import { exampleEvent } from './examples.ts';
import { FakeRegistry } from './fake-registry.ts';
import { encodeUnchecked, poisonValues } from './poison.ts';

let registry: FakeRegistry;
let serde: EventSerde;
beforeEach(() => {
  registry = new FakeRegistry();
  serde = new EventSerde(registry);
});

/** The PoisonRecordError class a decode fails with, or the error's name when it is not poison. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof PoisonRecordError ? e.errorClass : (e as Error).name;
  }
  return 'decoded';
}

const orderSchema = () => JSON.parse(readFileSync(new URL('../../../schemas/orders.avsc', import.meta.url), 'utf8'));

/** Frames an Avro value written with another version of a schema, as an older or newer producer would. */
function writtenWith(schema: object, value: unknown): Buffer {
  const id = registry.add(schema);
  return frame(id, avro.Type.forSchema(schema as avro.Schema, { ...AVSC_OPTIONS }).toBuffer(value));
}

const topicEventTypes = avroTopics(Topics).flatMap((spec) => spec.eventTypes.map((t) => [spec.name, t, spec] as const));

describe('EventSerde round trip', () => {
  it.each(topicEventTypes)('%s %s: decode(encode(e)) equals e', async (_, eventType, spec) => {
    const event = exampleEvent(eventType);
    expect(await serde.decode(spec, await serde.encode(spec, event))).toEqual(event);
  });

  it('writes the Confluent wire format with the payload as a named union branch', async () => {
    const value = await serde.encode(Topics.ORDERS, exampleEvent('OrderCancelled'));
    expect(value[0]).toBe(0);
    expect(value.readInt32BE(1)).toBe(await serde.schemaId(Topics.ORDERS));
    const raw = contractOf(Topics.ORDERS).type.fromBuffer(value.subarray(5));
    expect(raw.payload).toEqual({ 'o2c.OrderCancelled': { orderId: 'O-1', reason: 'customer request' } });
  });

  it.each(avroTopics(Topics).map((s) => [s.name, s] as const))(
    '%s: arbitrary valid events decode to what was encoded',
    async (_, spec: TopicSpec) => {
      await fc.assert(
        fc.asyncProperty(eventOf(spec), async (event) => {
          expect(await serde.decode(spec, await serde.encode(spec, event))).toEqual(event);
        }),
        { numRuns: 60 },
      );
    },
  );

  it('registers a subject once per process, even under concurrent first use', async () => {
    await Promise.all([1, 2, 3].map(() => serde.encode(Topics.ORDERS, exampleEvent('OrderPlaced'))));
    await serde.encode(Topics.INVOICES, exampleEvent('InvoiceVoided'));
    await serde.encode(Topics.ORDERS, exampleEvent('OrderCancelled'));
    expect(registry.registrations).toEqual(['o2c.orders.v1-value', 'o2c.invoices.v1-value']);
  });

  it('tries a failed registration again on the next encode', async () => {
    const flaky = new FakeRegistry();
    const register = flaky.register.bind(flaky);
    let calls = 0;
    flaky.register = (subject, schema) => (++calls === 1 ? Promise.reject(new Error('503')) : register(subject, schema));
    const s = new EventSerde(flaky);
    await expect(s.encode(Topics.ORDERS, exampleEvent('OrderPlaced'))).rejects.toThrow('503');
    expect((await s.encode(Topics.ORDERS, exampleEvent('OrderPlaced')))[0]).toBe(0);
    expect(calls).toBe(2);
  });

  it('encodes synchronously, byte for byte as encode, once the id is known, and refuses before', async () => {
    const event = exampleEvent('OrderPlaced');
    expect(() => serde.encodeSync(Topics.ORDERS, event)).toThrow('the schema id of o2c.orders.v1-value is not known yet');
    const value = await serde.encode(Topics.ORDERS, event);
    expect(serde.encodeSync(Topics.ORDERS, event)).toEqual(value);
    // Larger than the buffer it writes into at first: it grows.
    const big = { ...event, payload: { ...event.payload, orderId: 'O'.repeat(100_000) } };
    expect(await serde.decode(Topics.ORDERS, serde.encodeSync(Topics.ORDERS, big))).toEqual(big);
  });

  it('does not register subjects whose ids it was given', async () => {
    const id = registry.add(contractOf(Topics.ORDERS).schema);
    const primed = new EventSerde(registry, new Map([[Topics.ORDERS.subject, id]]));
    const value = await primed.encode(Topics.ORDERS, exampleEvent('OrderPlaced'));
    expect(value.readInt32BE(1)).toBe(id);
    expect(registry.registrations).toEqual([]);
  });
});

describe('schema evolution', () => {
  it('reads a record from an older writer that lacked a field the reader defaults', async () => {
    const older = orderSchema();
    older.fields = older.fields.filter((f: { name: string }) => f.name !== 'causationId');
    const { causationId: _, ...event } = exampleEvent('OrderPlaced');
    const value = writtenWith(older, { ...event, payload: { 'o2c.OrderPlaced': event.payload } });
    expect(await serde.decode(Topics.ORDERS, value)).toEqual({ ...event, causationId: null });
  });

  it('reads a record from a newer writer with an extra field', async () => {
    const newer = orderSchema();
    newer.fields.find((f: { name: string }) => f.name === 'payload').type[0].fields.push({ name: 'channel', type: 'string' });
    const event = exampleEvent('OrderPlaced');
    const value = writtenWith(newer, { ...event, payload: { 'o2c.OrderPlaced': { ...event.payload, channel: 'edi' } } });
    expect(await serde.decode(Topics.ORDERS, value)).toEqual(event);
  });

  // BACKWARD compatibility means consumers upgrade first; a producer ahead of them is a deployment-order fault whose
  // records wait in the DLQ rather than being guessed at.
  it('refuses a newer writer with an event type this reader does not know', async () => {
    const newer = orderSchema();
    newer.fields
      .find((f: { name: string }) => f.name === 'payload')
      .type.push({ type: 'record', name: 'OrderShipped', fields: [{ name: 'orderId', type: 'string' }] });
    const event = exampleEvent('OrderPlaced');
    const value = writtenWith(newer, { ...event, payload: { 'o2c.OrderPlaced': event.payload } });
    expect(await failure(serde.decode(Topics.ORDERS, value))).toBe('SchemaMismatch');
  });
});

describe('poison records', () => {
  it('produces each poison class from its sample value', async () => {
    const samples = await poisonValues(serde, Topics);
    for (const [errorClass, value] of Object.entries(samples)) {
      expect([errorClass, await failure(serde.decode(Topics.ORDERS, value))]).toEqual([errorClass, errorClass]);
    }
  });

  it('RecordTooShort: a null value (tombstone) or fewer than 5 bytes', async () => {
    expect(await failure(serde.decode(Topics.CUSTOMERS, null))).toBe('RecordTooShort');
    expect(await failure(serde.decode(Topics.ORDERS, Buffer.from([0, 0, 0, 1])))).toBe('RecordTooShort');
  });

  it('InvalidMagicByte: anything but 0 first', async () => {
    const value = await serde.encode(Topics.ORDERS, exampleEvent('OrderPlaced'));
    value[0] = 1;
    expect(await failure(serde.decode(Topics.ORDERS, value))).toBe('InvalidMagicByte');
  });

  it('UnknownSchemaId: an id the registry does not have, or one no registry issues', async () => {
    const body = (await serde.encode(Topics.ORDERS, exampleEvent('OrderPlaced'))).subarray(5);
    expect(await failure(serde.decode(Topics.ORDERS, frame(4242, body)))).toBe('UnknownSchemaId');
    expect(await failure(serde.decode(Topics.ORDERS, frame(-7, body)))).toBe('UnknownSchemaId');
  });

  it("SchemaMismatch: another topic's record, a non-record schema, or a same-named schema that cannot be read", async () => {
    const payment = await serde.encode(Topics.PAYMENTS, exampleEvent('PaymentReversed'));
    expect(await failure(serde.decode(Topics.ORDERS, payment))).toBe('SchemaMismatch');
    expect(await failure(serde.decode(Topics.ORDERS, frame(registry.add('"string"'), Buffer.from([2, 0x41]))))).toBe(
      'SchemaMismatch',
    );
    const incompatible = orderSchema();
    incompatible.fields.find((f: { name: string }) => f.name === 'occurredAt').type = 'string';
    expect(await failure(serde.decode(Topics.ORDERS, frame(registry.add(incompatible), Buffer.alloc(8))))).toBe(
      'SchemaMismatch',
    );
  });

  describe('CorruptAvro', () => {
    const corrupt = async (spec: TopicSpec, value: Buffer) => failure(serde.decode(spec, value));

    it('truncated or followed by trailing bytes', async () => {
      const value = await serde.encode(Topics.ORDERS, exampleEvent('OrderPlaced'));
      expect(await corrupt(Topics.ORDERS, value.subarray(0, value.length - 1))).toBe('CorruptAvro');
      expect(await corrupt(Topics.ORDERS, Buffer.concat([value, Buffer.from([0])]))).toBe('CorruptAvro');
    });

    it('a union branch or enum symbol index out of range', async () => {
      const event = exampleEvent('OrderCancelled');
      const value = await serde.encode(Topics.ORDERS, event);
      const branchBytes = contractOf(Topics.ORDERS).type.field('payload')!.type as avro.Type & { types: avro.Type[] };
      const payloadAt = value.length - branchBytes.types[2]!.toBuffer(event.payload).length - 1;
      expect(value[payloadAt]).toBe(2 * 2); // zig-zag of branch 2, OrderCancelled
      value[payloadAt] = 2 * 7;
      expect(await corrupt(Topics.ORDERS, value)).toBe('CorruptAvro');

      const action = await serde.encode(Topics.CREDIT_ACTIONS, exampleEvent('CreditActionTaken'));
      const enumAt = action.indexOf(Buffer.from('O-2')) + 3;
      expect(action[enumAt]).toBe(0); // RELEASE
      action[enumAt] = 2 * 5;
      expect(await corrupt(Topics.CREDIT_ACTIONS, action)).toBe('CorruptAvro');
    });

    it('an array block count larger than the record, which avsc alone would try to allocate', async () => {
      const event = exampleEvent('PaymentReceived');
      event.payload.allocations = [];
      const value = await serde.encode(Topics.PAYMENTS, event);
      expect(value[value.length - 1]).toBe(0); // the empty allocations array, last in the record
      // zig-zag varint of 2^31 - 1 items
      const huge = Buffer.concat([value.subarray(0, value.length - 1), Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f])]);
      expect(await corrupt(Topics.PAYMENTS, huge)).toBe('CorruptAvro');
    });

    it('whatever the damage, decode yields a valid event or a poison record, never another error', async () => {
      const spec: TopicSpec = Topics.PAYMENTS;
      await fc.assert(
        fc.asyncProperty(
          eventOf(spec),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
          fc.nat(),
          async (event, edits, cut) => {
            const value = Buffer.from(await serde.encode(spec, event));
            for (const [at, byte] of edits) value[5 + (at % (value.length - 5))] = byte;
            const damaged = value.subarray(0, value.length - (cut % 3));
            const outcome = await failure(serde.decode(spec, damaged));
            expect(['decoded', 'CorruptAvro', 'InvalidEvent']).toContain(outcome);
          },
        ),
        { numRuns: 400 },
      );
    });
  });

  it('InvalidEvent: eventType names another branch than the payload', async () => {
    const mislabelled = { ...exampleEvent('OrderPlaced'), eventType: 'OrderAmended' as const };
    const contract = contractOf(Topics.ORDERS);
    const value = frame(
      await serde.schemaId(Topics.ORDERS),
      contract.type.toBuffer({ ...mislabelled, payload: { 'o2c.OrderPlaced': mislabelled.payload } }),
    );
    const error = await serde.decode(Topics.ORDERS, value).catch((e: PoisonRecordError) => e);
    expect(error).toMatchObject({ errorClass: 'InvalidEvent' });
    expect((error as Error).message).toMatch(/OrderAmended.*OrderPlaced/);

    const exposure = { ...exampleEvent('ExposureSnapshot'), eventType: 'OrderPlaced' };
    const single = frame(await serde.schemaId(Topics.EXPOSURE), contractOf(Topics.EXPOSURE).type.toBuffer(exposure));
    expect(await failure(serde.decode(Topics.EXPOSURE, single))).toBe('InvalidEvent');
  });

  it('InvalidEvent: decodes but breaks an invariant', async () => {
    const event = exampleEvent('InvoiceIssued');
    event.payload.dueDate = event.payload.issueDate - 1;
    const error = await serde.decode(Topics.INVOICES, await encodeUnchecked(serde, Topics.INVOICES, event)).catch((e) => e);
    expect(error).toMatchObject({ errorClass: 'InvalidEvent' });
    expect(error.message).toContain('payload.dueDate');
  });
});

describe('registry failures', () => {
  it('are transient, never poison, and are not remembered', async () => {
    const value = await serde.encode(Topics.ORDERS, exampleEvent('OrderPlaced'));
    registry.failure = new Error('connect ECONNREFUSED 127.0.0.1:8081');
    const error = await serde.decode(Topics.ORDERS, value).catch((e) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toContain('ECONNREFUSED');
    registry.failure = null;
    expect(await serde.decode(Topics.ORDERS, value)).toEqual(exampleEvent('OrderPlaced'));
  });
});

describe('encode refuses what it must not write', () => {
  it('an event that does not fit the schema, naming the path', async () => {
    const event = exampleEvent('OrderPlaced');
    event.payload.amount = 12.5;
    const error = await serde.encode(Topics.ORDERS, event).catch((e) => e);
    expect(error).not.toBeInstanceOf(PoisonRecordError);
    expect(error.message).toContain('payload.o2c.OrderPlaced.amount = 12.5');
  });

  it("an event type the topic does not carry", async () => {
    const event = exampleEvent('PaymentReversed') as never;
    await expect(serde.encode(Topics.ORDERS, event)).rejects.toThrow('o2c.OrderEvent has no event type PaymentReversed');
  });

  it('an event that breaks an invariant, as a programming error and before any registry call', async () => {
    const event = exampleEvent('InvoiceAdjusted');
    event.payload.amount = 0;
    const error = await serde.encode(Topics.INVOICES, event).catch((e) => e);
    expect(error).not.toBeInstanceOf(PoisonRecordError);
    expect(error.message).toMatch(/cannot encode InvoiceAdjusted .*payload\.amount must not be 0/);
    expect(registry.registrations).toEqual([]);
  });
});
