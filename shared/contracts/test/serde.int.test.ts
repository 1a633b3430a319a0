import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import fc from 'fast-check';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoisonRecordError, TransientError } from '../../errors.ts';
import { prepareContracts } from '../../kafka/admin.ts';
import { deleteTopics, produce, testKafka, uniqueId, waitForMessages } from '../../../test/kafka.ts';
import { getStack } from '../../../test/stack.ts';
import { contractOf } from '../avro.ts';
import { RegistryClient } from '../registry.ts';
import { EventSerde, frame } from '../serde.ts';
import { Topics, topicRegistry, type AnyEvent, type TopicRegistry, type TopicSpec } from '../topics.ts';
import { eventOf } from './arbitraries.ts';
import { exampleEvent } from './examples.ts';
import { poisonValues } from './poison.ts';

const PARTITIONS = 3;
const EVENTS_PER_TOPIC = 25;

let kafka: Kafka;
let registryUrl: string;
let topics: TopicRegistry;
let serde: EventSerde;

beforeAll(async () => {
  const stack = await getStack();
  kafka = testKafka(stack);
  registryUrl = stack.schemaRegistryUrl;
  topics = topicRegistry(`${uniqueId('test')}.`);
  ({ serde } = await prepareContracts({ kafka, registry: registryUrl, topics, partitions: PARTITIONS }));
});

afterAll(async () => {
  await deleteTopics(kafka, Object.values(topics).map((t) => t.name));
});

const byEventId = (a: AnyEvent, b: AnyEvent) => a.eventId.localeCompare(b.eventId);

describe('through Kafka and the real registry', () => {
  const keys = (Object.keys(Topics) as Array<keyof TopicRegistry>).filter((k) => k !== 'DLQ');
  it.each(keys)('%s: produced events come back decoded, equal', async (key) => {
    const spec = topics[key] as TopicSpec;
    const events = fc.sample(eventOf(spec), { numRuns: EVENTS_PER_TOPIC, seed: 42 });
    // A fresh serde, so the ids are looked up and registered the way a producer would on its first record.
    const producerSerde = new EventSerde(new RegistryClient(registryUrl));
    await produce(
      kafka,
      spec.name,
      await Promise.all(
        events.map(async (e, i) => ({
          key: e.customerId,
          // Ticks carry no customer: they are written to a partition chosen by the producer.
          partition: e.eventType === 'BusinessDateTick' ? i % PARTITIONS : undefined,
          value: await producerSerde.encode(spec, e),
        })),
      ),
    );
    const received = await waitForMessages(kafka, spec.name, events.length);
    const decoded = await Promise.all(received.map((m) => serde.decode(spec, m.value)));
    expect(decoded.sort(byEventId)).toEqual([...events].sort(byEventId));
  });

  it('decodes a record that another Confluent client encoded against the same subject', async () => {
    const other = new SchemaRegistry({ host: registryUrl });
    const id = await other.getLatestSchemaId(topics.ORDERS.subject);
    const event = exampleEvent('OrderAmended');
    const value = await other.encode(id, contractOf(topics.ORDERS).toAvro(event));
    expect(await serde.decode(topics.ORDERS, value)).toEqual(event);
  });

  it('produces each poison class from the same bytes as with the fake registry', async () => {
    const samples = await poisonValues(serde, topics);
    for (const [errorClass, value] of Object.entries(samples)) {
      const error = await serde.decode(topics.ORDERS, value).catch((e: unknown) => e);
      expect([errorClass, error]).toEqual([errorClass, expect.any(PoisonRecordError)]);
      expect([errorClass, (error as PoisonRecordError).errorClass]).toEqual([errorClass, errorClass]);
    }
  });
});

describe('registry failures are transient', () => {
  const servers: Server[] = [];
  /** A local HTTP endpoint that misbehaves on purpose: answers 503, or never answers. */
  async function misbehaving(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const server = createServer(handler!);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  afterAll(() => {
    for (const s of servers) s.closeAllConnections();
    return Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  const valueWithUnseenId = () => frame(987_654, Buffer.from([0]));

  async function failureOf(registry: RegistryClient): Promise<unknown> {
    return new EventSerde(registry).decode(topics.ORDERS, valueWithUnseenId()).catch((e: unknown) => e);
  }

  it('when nothing listens', async () => {
    const url = await misbehaving(() => undefined);
    await new Promise((resolve) => servers.pop()!.close(resolve)); // the port is now closed
    const error = await failureOf(new RegistryClient(url));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('when it answers 503', async () => {
    const url = await misbehaving((_, res) => {
      res.statusCode = 503;
      res.end(JSON.stringify({ error_code: 50301, message: 'unavailable' }));
    });
    expect(await failureOf(new RegistryClient(url))).toBeInstanceOf(TransientError);
  });

  it('when it does not answer in time', async () => {
    const url = await misbehaving(() => undefined);
    const error = await failureOf(new RegistryClient(url, { timeoutMs: 300 }));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain('timed out after 300 ms');
  });

  it('but an id the real registry does not have is poison', async () => {
    const error = await failureOf(new RegistryClient(registryUrl));
    expect(error).toMatchObject({ errorClass: 'UnknownSchemaId' });
  });
});
