// The consumer runner against the real broker and registry: poison records go to the DLQ byte for byte and the
// partition moves on; transient failures retry without loss, duplicates within a call, or dead letters; a stop in
// the middle of a stream hands over to the next instance without skipping a record.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { AssignerProtocol, type GroupDescription, type Kafka, type Message } from 'kafkajs';
import { TransientError } from '../../errors.ts';
import { createLogger } from '../../logger.ts';
import { createRunnerMetrics, type RunnerMetrics } from '../../metrics.ts';
import { contractOf } from '../../contracts/avro.ts';
import { RegistryClient } from '../../contracts/registry.ts';
import { EventSerde, frame } from '../../contracts/serde.ts';
import { topicRegistry, type TopicRegistry, type TopicSpec } from '../../contracts/topics.ts';
import type { OrderEvent, PaymentEvent } from '../../contracts/events.generated.ts';
import { exampleEvent } from '../../contracts/test/examples.ts';
import { ensureTopics, registerSchemas } from '../admin.ts';
import { createKafka } from '../client.ts';
import { DlqHeaders, createDlqPublisher } from '../dlq.ts';
import { specDecoder, startRunner, type ConsumedRecord, type Decode, type HandleBatch, type Runner } from '../runner.ts';
import { getStack, type Stack } from '../../../test/stack.ts';
import { collect, committedOffsets, deleteTopics, produce, uniqueId, waitUntil } from '../../../test/kafka.ts';

const PARTITIONS = 2;
const logger = createLogger('runner-test');

let stack: Stack;
let kafka: Kafka;
const runners: Runner[] = [];

beforeAll(async () => {
  stack = await getStack();
  kafka = createKafka({ KAFKA_BROKERS: stack.kafkaBrokers, KAFKA_CLIENT_ID: 'runner-test' }, logger);
});

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

const createdTopics: string[] = [];
afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  if (createdTopics.length > 0) await deleteTopics(kafka, createdTopics);
});

/** A fresh topic registry (unique names and subjects) with the topics and schemas these tests use in place. */
async function freshContracts(): Promise<{ topics: TopicRegistry; serde: EventSerde; schemaIds: Map<string, number> }> {
  const topics = topicRegistry(`${uniqueId('runner')}.`);
  const specs = [topics.ORDERS, topics.PAYMENTS, topics.DLQ];
  await ensureTopics(kafka, specs, { partitions: PARTITIONS });
  createdTopics.push(...specs.map((t) => t.name));
  const registry = new RegistryClient(stack.schemaRegistryUrl);
  const schemaIds = await registerSchemas(registry, [topics.ORDERS, topics.PAYMENTS]);
  return { topics, serde: new EventSerde(registry, schemaIds), schemaIds };
}

function order(customerId: string, amount = 1000): OrderEvent {
  const e = exampleEvent('OrderPlaced');
  return { ...e, eventId: randomUUID(), customerId, payload: { ...e.payload, orderId: `O-${randomUUID()}`, amount } };
}

interface Harness {
  runner: Runner;
  metrics: RunnerMetrics;
}

async function run(
  topics: TopicRegistry,
  groupId: string,
  decode: Decode<OrderEvent>,
  handleBatch: HandleBatch<OrderEvent>,
  maxRecordsPerCall?: number,
): Promise<Harness> {
  const metrics = createRunnerMetrics(new Registry(), 'runner_test');
  const runner = await startRunner({
    kafka,
    groupId,
    topics: [topics.ORDERS.name],
    decode,
    handleBatch,
    dlq: createDlqPublisher({ kafka, service: 'runner-test', topic: topics.DLQ.name }),
    metrics,
    logger,
    fetch: { maxWaitTimeInMs: 100 },
    retry: { initialMs: 20, maxMs: 200 },
    ...(maxRecordsPerCall === undefined ? {} : { maxRecordsPerCall }),
  });
  runners.push(runner);
  return { runner, metrics };
}

const counterValues = async (c: { get(): Promise<{ values: Array<{ labels: object; value: number }> }> }) =>
  (await c.get()).values.map((v) => ({ ...v.labels, value: v.value }));

const offsetsOf = (records: ReadonlyArray<ConsumedRecord<unknown>>, partition: number) =>
  records.filter((r) => r.partition === partition).map((r) => Number(r.offset));

describe('runner: poison records', () => {
  it('sends each kind of poison record to the DLQ byte for byte and handles every good record around them', async () => {
    const { topics, serde, schemaIds } = await freshContracts();
    const orders = topics.ORDERS;
    const ordersId = schemaIds.get(orders.subject)!;
    const paymentsId = schemaIds.get(topics.PAYMENTS.subject)!;
    const contract = contractOf(orders);
    const good = [order('C-1'), order('C-2'), order('C-3'), order('C-4')];
    const encoded = await Promise.all(good.map((e) => serde.encode(orders, e)));
    const negative = order('C-9', -5); // breaks an invariant the schema cannot express
    const payment = exampleEvent('PaymentReceived');

    const poison: Array<{ value: Buffer | null; errorClass: string }> = [
      { value: null, errorClass: 'RecordTooShort' },
      { value: Buffer.from([0, 0, 1]), errorClass: 'RecordTooShort' },
      { value: Buffer.concat([Buffer.from([7]), encoded[0]!.subarray(1)]), errorClass: 'InvalidMagicByte' },
      { value: frame(2_000_000_000, encoded[0]!.subarray(5)), errorClass: 'UnknownSchemaId' },
      { value: frame(ordersId, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])), errorClass: 'CorruptAvro' },
      { value: frame(ordersId, contract.type.toBuffer(contract.toAvro(negative))), errorClass: 'InvalidEvent' },
      {
        value: frame(paymentsId, contractOf(topics.PAYMENTS).type.toBuffer(contractOf(topics.PAYMENTS).toAvro(payment))),
        errorClass: 'SchemaMismatch',
      },
    ];
    // Partition 0: good, then the poison records interleaved with good ones; partition 1: a good one after poison.
    const p0: Message[] = [
      { key: 'C-1', value: encoded[0]!, partition: 0 },
      ...poison.slice(0, 4).map((p, i) => ({ key: `bad-${i}`, value: p.value, partition: 0, headers: { trace: `t-${i}` } })),
      { key: 'C-2', value: encoded[1]!, partition: 0 },
      ...poison.slice(4).map((p, i) => ({ key: `bad-${i + 4}`, value: p.value, partition: 0, headers: { trace: `t-${i + 4}` } })),
      { key: 'C-3', value: encoded[2]!, partition: 0 },
    ];
    const p1: Message[] = [
      { key: null, value: Buffer.from('not avro at all'), partition: 1 },
      { key: 'C-4', value: encoded[3]!, partition: 1 },
    ];
    await produce(kafka, orders.name, [...p0, ...p1]);

    const handled: Array<ConsumedRecord<OrderEvent>> = [];
    const dlq = await collect(kafka, topics.DLQ.name);
    const groupId = uniqueId('g-poison');
    const { runner, metrics } = await run(topics, groupId, specDecoder(serde, [orders]), async (records) => {
      handled.push(...records);
    });

    const letters = await dlq.waitFor(poison.length + 1);
    await waitUntil(() => handled.length === good.length, 'the good records to be handled');
    await dlq.stop();

    // Every good record handled once, in order, with its event decoded.
    expect(offsetsOf(handled, 0)).toEqual([0, 5, 9]);
    expect(offsetsOf(handled, 1)).toEqual([1]);
    expect(handled.map((r) => r.event.eventId).sort()).toEqual(good.map((e) => e.eventId).sort());
    expect(handled.find((r) => r.offset === '0' && r.partition === 0)!.key).toEqual(Buffer.from('C-1'));

    // Every poison record in the DLQ: same key and value bytes, same partition, its headers kept, ours added.
    const bySource = new Map(letters.map((l) => [`${l.headers[DlqHeaders.SOURCE_PARTITION]}:${l.headers[DlqHeaders.SOURCE_OFFSET]}`, l]));
    const expected = [
      ...[1, 2, 3, 4, 6, 7, 8].map((offset, i) => ({ partition: 0, offset, sent: p0[offset]!, errorClass: poison[i]!.errorClass })),
      { partition: 1, offset: 0, sent: p1[0]!, errorClass: 'InvalidMagicByte' },
    ];
    expect(letters).toHaveLength(expected.length);
    for (const x of expected) {
      const letter = bySource.get(`${x.partition}:${x.offset}`);
      expect(letter, `dead letter of ${x.partition}:${x.offset}`).toBeDefined();
      const h = (name: string) => letter!.headers[name]?.toString();
      expect(letter!.partition).toBe(x.partition);
      expect(letter!.key).toEqual(x.sent.key === null ? null : Buffer.from(x.sent.key as string));
      expect(letter!.value).toEqual(x.sent.value === null ? null : Buffer.from(x.sent.value as Buffer));
      expect(h(DlqHeaders.SOURCE_TOPIC)).toBe(orders.name);
      expect(h(DlqHeaders.SERVICE)).toBe('runner-test');
      expect(h(DlqHeaders.ERROR_CLASS)).toBe(x.errorClass);
      expect(h(DlqHeaders.ERROR_MESSAGE)).not.toBe('');
      expect(Number.isNaN(Date.parse(h(DlqHeaders.FAILED_AT)!))).toBe(false);
      if (x.sent.headers) expect(h('trace')).toBe(x.sent.headers.trace);
    }

    // The partitions moved on: offsets committed past the last record.
    await waitUntil(async () => {
      const committed = await committedOffsets(kafka, groupId, orders.name);
      return committed.get(0) === String(p0.length) && committed.get(1) === String(p1.length);
    }, 'offsets committed past every record');

    expect(await counterValues(metrics.recordsConsumed)).toEqual([{ topic: orders.name, value: p0.length + p1.length }]);
    const dlqCounts = await counterValues(metrics.dlqRecords);
    expect(dlqCounts.reduce((n, c) => n + c.value, 0)).toBe(expected.length);
    expect(dlqCounts).toContainEqual({ topic: orders.name, error_class: 'RecordTooShort', value: 2 });
    expect((await counterValues(metrics.transientErrors)).filter((c) => c.value > 0)).toEqual([]);
    expect(await counterValues(metrics.consumerLag)).toEqual(expect.arrayContaining([
      { topic: orders.name, partition: '0', value: 0 },
      { topic: orders.name, partition: '1', value: 0 },
    ]));
    expect((await counterValues(metrics.groupJoins))[0]!.value).toBeGreaterThanOrEqual(1);
    expect(runner.health.status()).toEqual({ healthy: true, ready: true });
    await runner.stop();
    expect(runner.health.status().healthy).toBe(false);
  });
});

describe('runner: transient failures', () => {
  async function dlqEndOffsets(topics: TopicRegistry): Promise<string[]> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topics.DLQ.name)).map((p) => p.high);
    } finally {
      await admin.disconnect();
    }
  }

  it('retries a failing handler until it succeeds: every record handled once, nothing in the DLQ', async () => {
    const { topics, serde } = await freshContracts();
    const events = Array.from({ length: 5 }, (_, i) => order(`C-${i}`));
    await produce(kafka, topics.ORDERS.name, await Promise.all(
      events.map(async (e) => ({ key: e.customerId, value: await serde.encode(topics.ORDERS, e), partition: 0 })),
    ));

    // Two transient failures, then an unexpected one (also retried, never skipped), then success.
    const failures: Error[] = [new TransientError('redis down'), new TransientError('redis down'), new Error('bug?')];
    const calls: string[][] = [];
    const handled: Array<ConsumedRecord<OrderEvent>> = [];
    const { metrics } = await run(topics, uniqueId('g-transient'), specDecoder(serde, [topics.ORDERS]), async (records) => {
      calls.push(records.map((r) => r.offset));
      const failure = failures.shift();
      if (failure) throw failure;
      handled.push(...records);
    });

    await waitUntil(() => handled.length >= events.length, 'the records to be handled');
    expect(offsetsOf(handled, 0)).toEqual([0, 1, 2, 3, 4]);
    expect(calls.slice(0, 3)).toEqual([['0', '1', '2', '3', '4'], ['0', '1', '2', '3', '4'], ['0', '1', '2', '3', '4']]);
    expect(handled.map((r) => r.event.eventId)).toEqual(events.map((e) => e.eventId));
    expect(await dlqEndOffsets(topics)).toEqual(['0', '0']);
    expect((await counterValues(metrics.transientErrors)).filter((c) => c.value > 0)).toEqual([{ topic: topics.ORDERS.name, stage: 'handle', value: 3 }]);
  });

  it('on a transient decode failure settles the records before it and resumes at the failed record', async () => {
    const { topics, serde } = await freshContracts();
    const events = Array.from({ length: 5 }, (_, i) => order(`C-${i}`));
    const encoded = await Promise.all(events.map((e) => serde.encode(topics.ORDERS, e)));
    const message = (i: number): Message => ({ key: events[i]!.customerId, value: encoded[i]!, partition: 0 });
    await produce(kafka, topics.ORDERS.name, [message(0), message(1), { key: 'bad', value: null, partition: 0 }, message(2), message(3), message(4)]);

    // The registry "fails" twice while the record at offset 3 is decoded.
    const serdeDecode = specDecoder(serde, [topics.ORDERS]);
    let registryFailures = 2;
    const decode: Decode<OrderEvent> = async (topic, value, key) => {
      if (value?.equals(encoded[2]!) && registryFailures > 0) {
        registryFailures--;
        throw new TransientError('registry unreachable');
      }
      return serdeDecode(topic, value, key);
    };
    const calls: string[][] = [];
    const dlq = await collect(kafka, topics.DLQ.name);
    const { metrics } = await run(topics, uniqueId('g-decode'), decode, async (records) => {
      calls.push(records.map((r) => r.offset));
    });

    const letters = await dlq.waitFor(1);
    await waitUntil(() => calls.flat().length >= events.length, 'the records to be handled');
    await dlq.stop();
    expect(calls.flat()).toEqual(['0', '1', '3', '4', '5']); // each once: the prefix settled before the retries
    expect(letters.map((l) => l.headers[DlqHeaders.SOURCE_OFFSET]?.toString())).toEqual(['2']); // dead-lettered once
    expect((await counterValues(metrics.transientErrors)).filter((c) => c.value > 0)).toEqual([{ topic: topics.ORDERS.name, stage: 'decode', value: 2 }]);
  });
});

describe('runner: rewind on request', () => {
  it('seeks back when the handler says its store is behind, then hands the records over again from there', async () => {
    const { topics, serde } = await freshContracts();
    const events = Array.from({ length: 6 }, (_, i) => order(`C-${i}`));
    await produce(kafka, topics.ORDERS.name, await Promise.all(
      events.map(async (e) => ({ key: e.customerId, value: await serde.encode(topics.ORDERS, e), partition: 1 })),
    ));

    // The store "has" offsets 0..2 applied only after the first call; it asks to rewind to 3 once, then to 0 once
    // (as a store that came back empty would), and finally applies everything.
    const rewinds = ['3', '0'];
    const calls: string[][] = [];
    await run(topics, uniqueId('g-rewind'), specDecoder(serde, [topics.ORDERS]), async (records) => {
      calls.push(records.map((r) => r.offset));
      const seekTo = rewinds.shift();
      return seekTo === undefined ? undefined : { seekTo };
    });

    await waitUntil(() => calls.length >= 3 && calls.at(-1)!.includes('5'), 'the rewound records to be handled');
    expect(calls[0]![0]).toBe('0');
    expect(calls[1]![0]).toBe('3');
    expect(calls[2]).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(calls[2]!.map(Number).every((o, i) => o === i)).toBe(true);
  });
});

describe('runner: stop and hand over', () => {
  it('a stop in mid-stream and a new instance in the same group handle every record, skipping none', async () => {
    const { topics, serde } = await freshContracts();
    const total = 3000;
    const values = await Promise.all(
      Array.from({ length: total }, async (_, i) => {
        const e = order(`C-${i % 50}`);
        return { key: e.customerId, value: await serde.encode(topics.ORDERS, e) };
      }),
    );
    const groupId = uniqueId('g-handover');
    const seen = new Map<string, number>(); // partition:offset -> times handled
    let first: Harness | undefined;
    let stopped: Promise<void> | undefined;
    const handle: HandleBatch<OrderEvent> = async (records) => {
      for (const r of records) seen.set(`${r.partition}:${r.offset}`, (seen.get(`${r.partition}:${r.offset}`) ?? 0) + 1);
      // SIGTERM while this chunk is in flight: it must still settle and commit; the rest of its batch must not run.
      if (seen.size >= 300 && first && !stopped) stopped = first.runner.stop();
    };
    const decode = specDecoder(serde, [topics.ORDERS]);

    first = await run(topics, groupId, decode, handle, 40);
    const producing = (async () => {
      for (let i = 0; i < total; i += 100) await produce(kafka, topics.ORDERS.name, values.slice(i, i + 100));
    })();
    await waitUntil(() => stopped !== undefined, 'the first instance to handle some records');
    await stopped;
    const handledByFirst = seen.size;
    await run(topics, groupId, decode, handle, 40);
    await producing;

    await waitUntil(() => seen.size === total, `all ${total} records handled`, 60_000);
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topics.ORDERS.name);
    await admin.disconnect();
    for (const { partition, high } of ends) {
      for (let o = 0; o < Number(high); o++) expect(seen.has(`${partition}:${o}`), `${partition}:${o} handled`).toBe(true);
    }
    expect(handledByFirst).toBeLessThan(total);
    // A graceful stop commits exactly what was handled, so the next instance redoes nothing.
    expect([...seen.values()].filter((n) => n > 1)).toEqual([]);
  });
});

describe('runner: co-partitioned assignment', () => {
  it('gives partition p of every input topic to the same member of the group', async () => {
    const { topics, serde } = await freshContracts();
    const groupId = uniqueId('g-copartition');
    const inputs = [topics.ORDERS, topics.PAYMENTS];
    for (let i = 0; i < 2; i++) {
      runners.push(await startRunner({
        kafka,
        groupId,
        topics: inputs.map((t) => t.name),
        decode: specDecoder(serde, inputs),
        handleBatch: async () => undefined,
        dlq: createDlqPublisher({ kafka, service: 'runner-test', topic: topics.DLQ.name }),
        metrics: createRunnerMetrics(new Registry(), 'runner_test'),
        logger,
      }));
    }

    const admin = kafka.admin();
    await admin.connect();
    try {
      let group: GroupDescription | undefined;
      await waitUntil(async () => {
        [group] = (await admin.describeGroups([groupId])).groups;
        return group?.state === 'Stable' && group.members.length === 2;
      }, 'both members in a stable group');
      expect(group!.protocol).toBe('O2cCopartitionAssigner');
      const assignments = group!.members.map((m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)!.assignment);
      for (const a of assignments) expect(a[topics.ORDERS.name]).toEqual(a[topics.PAYMENTS.name]);
      expect(assignments.flatMap((a) => a[topics.ORDERS.name] ?? []).sort()).toEqual([0, 1]);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('runner: event-time alignment', () => {
  it.each([
    ['one topic per call', false],
    ['topics mixed in a call', true],
  ])('hands partition p of pre-loaded topics over in event-time order, whatever the fetches bring (%s)', async (_, mixedTopics) => {
    const { topics, serde } = await freshContracts();
    const inputs = [topics.ORDERS, topics.PAYMENTS];
    const perTopic = 1_500;
    // Orders at even times, payments at odd ones, in both partitions: only a merge by event time handles them in order.
    const preload = async (spec: TopicSpec<OrderEvent | PaymentEvent>, make: () => OrderEvent | PaymentEvent, parity: number) => {
      const messages: Message[] = [];
      for (let partition = 0; partition < PARTITIONS; partition++) {
        for (let i = 0; i < perTopic; i++) {
          const event = { ...make(), occurredAt: 1_700_000_000_000 + 2 * i + parity };
          messages.push({ partition, key: 'C-1', value: await serde.encode(spec, event) });
        }
      }
      await produce(kafka, spec.name, messages);
    };
    await preload(topics.ORDERS, () => order('C-1'), 0);
    await preload(topics.PAYMENTS, () => ({ ...exampleEvent('PaymentReceived'), eventId: randomUUID() }), 1);

    const handled = new Map<number, number[]>();
    let mixedCalls = 0;
    const metrics = createRunnerMetrics(new Registry(), 'runner_test');
    runners.push(await startRunner<OrderEvent | PaymentEvent>({
      kafka,
      groupId: uniqueId('g-align'),
      topics: inputs.map((t) => t.name),
      decode: specDecoder(serde, inputs),
      handleBatch: async (records, ctx) => {
        handled.set(ctx.partition, [...(handled.get(ctx.partition) ?? []), ...records.map((r) => r.event.occurredAt)]);
        const topicsInCall = new Set(records.map((r) => r.topic));
        if (topicsInCall.size > 1) mixedCalls++;
        expect(Object.keys(ctx.fromOffsets).sort()).toEqual([...topicsInCall].sort());
      },
      dlq: createDlqPublisher({ kafka, service: 'runner-test', topic: topics.DLQ.name }),
      metrics,
      logger,
      // Small fetches and chunks: many batches of each topic, in whatever order the broker returns them.
      fetch: { maxWaitTimeInMs: 100, maxBytesPerPartition: 8_192 },
      maxRecordsPerCall: 50,
      partitionsConsumedConcurrently: 2,
      // Parked records dropped and fetched again every 50 ms: the order must not depend on that.
      align: { eventTime: (e) => e.occurredAt, maxIdleMs: 50, mixedTopics },
    }));

    const total = () => [...handled.values()].reduce((n, t) => n + t.length, 0);
    await waitUntil(async () => total() === 2 * perTopic * PARTITIONS, 'every record handled', 60_000);
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const times = handled.get(partition)!;
      expect(times).toEqual(Array.from({ length: 2 * perTopic }, (_, i) => 1_700_000_000_000 + i));
    }
    const waits = await counterValues(metrics.alignmentWaits);
    expect(waits.reduce((n, w) => n + w.value, 0)).toBeGreaterThan(0);
    if (mixedTopics) expect(mixedCalls).toBeGreaterThan(0);
    else expect(mixedCalls).toBe(0);
  });
});
