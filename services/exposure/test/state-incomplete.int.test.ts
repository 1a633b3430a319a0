// Defect 8 on the real stack: Redis lost a partition's state and the orders log no longer starts at offset 0 (records
// deleted, as retention would). The service must not rebuild as if it knew everything: it logs an error naming the
// partition, sets o2c_exposure_state_incomplete{partition} and holds every new order STATE_INCOMPLETE, and the mark
// survives a restart until an operator deletes it. Also: the topics it creates keep their records forever by default,
// and a record the core rejects is counted and logged as a dead letter.
import { randomUUID as id } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../../shared/kafka/client.ts';
import { createLogger } from '../../../shared/logger.ts';
import { partitionKeys } from '../../../shared/redis/keys.ts';
import { INCOMPLETE_FIELD } from '../../../shared/redis/partition-store.ts';
import { deleteTopics } from '../../../test/kafka.ts';
import { getStack, type Stack } from '../../../test/stack.ts';
import { loadExposureConfig, SERVICE } from '../src/config.ts';
import { ExposureService } from '../src/service.ts';
import { contractsOf, customerStates, dropKeys, endOffsets, HistoryProducer, testEnv, waitApplied, type TestEnv } from './harness.ts';
import { customer } from './inputs.ts';

let stack: Stack;
let kafka: Kafka;
let admin: Admin;
let redis: Redis;
let t: TestEnv;

beforeAll(async () => {
  stack = await getStack();
  kafka = createKafka({ KAFKA_BROKERS: stack.kafkaBrokers, KAFKA_CLIENT_ID: 'exposure-incomplete-it' }, createLogger('it'));
  admin = kafka.admin();
  await admin.connect();
  redis = new Redis(stack.redisUrl);
  t = testEnv(stack, 'exposure-incomplete', 1);
});

afterAll(async () => {
  await deleteTopics(kafka, Object.values(t.topics).map((s) => s.name)).catch(() => undefined);
  await dropKeys(redis, t);
  await admin.disconnect();
  redis.disconnect();
});

/** The service, its JSON log lines kept for the test to read. */
async function start(): Promise<{ service: ExposureService; lines: Array<Record<string, unknown>> }> {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const service = new ExposureService({
    config: loadExposureConfig(t.env),
    logger: createLogger(SERVICE, { level: 'warn', destination }),
    onFatal: (e) => {
      throw e;
    },
  });
  await service.start();
  return { service, lines };
}

async function gauge(service: ExposureService): Promise<string | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${service.httpPort}/metrics`)).text();
  return text.split('\n').find((l) => l.startsWith('o2c_exposure_state_incomplete{'));
}

describe('exposure state rebuilt from a log that lost records', () => {
  it('logs an error naming the partition, sets the gauge and holds every new order STATE_INCOMPLETE', async () => {
    const serde = await contractsOf(kafka, stack, t);
    const producer = await HistoryProducer.open(kafka, serde);
    const c = customer('c1');
    await producer.send(t.topics.CUSTOMERS, [c.profile(id(), { creditLimit: 1_000_000 })]);
    await producer.send(t.topics.ORDERS, [c.placed(id(), 'o1', 100)]); // offset 0: deleted below, never applied
    await producer.send(t.topics.ORDERS, [c.placed(id(), 'o2', 100)]); // within the limit: approved if state were whole
    await admin.fetchTopicMetadata({ topics: [t.topics.ORDERS.name] }); // deleteTopicRecords needs it loaded
    await admin.deleteTopicRecords({ topic: t.topics.ORDERS.name, partitions: [{ partition: 0, offset: '1' }] });
    expect((await admin.fetchTopicOffsets(t.topics.ORDERS.name))[0]!.low).toBe('1');

    const first = await start(); // the key prefix is empty: Redis has no state for the partition
    await waitApplied(redis, t, t.topics.ORDERS.name, await endOffsets(admin, t.topics.ORDERS.name));
    const o2 = (await customerStates(redis, t)).get('c1')!.orders.o2!;
    expect(o2.status).toBe('HELD');
    expect(o2.reasons).toEqual(['STATE_INCOMPLETE']);
    const errors = first.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ partition: 0 });
    expect(String(errors[0]!.lost)).toContain(`${t.topics.ORDERS.name}[0] applied up to 0, log starts at 1`);
    expect(await gauge(first.service)).toBe('o2c_exposure_state_incomplete{partition="0",service="exposure"} 1');
    await first.service.stop();

    // A restart keeps the mark (it is in Redis with the state) without logging it again; an operator clears it.
    const offsetsKey = partitionKeys(SERVICE, 0, t.keyPrefix).offsets;
    expect(await redis.hget(offsetsKey, INCOMPLETE_FIELD)).toContain('log starts at 1');
    const second = await start();
    await producer.send(t.topics.ORDERS, [c.placed(id(), 'o3', 100)]);
    await waitApplied(redis, t, t.topics.ORDERS.name, await endOffsets(admin, t.topics.ORDERS.name));
    expect((await customerStates(redis, t)).get('c1')!.orders.o3!.reasons).toEqual(['STATE_INCOMPLETE']);
    expect(second.lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(await gauge(second.service)).toMatch(/ 1$/);
    await second.service.stop();

    await redis.hdel(offsetsKey, INCOMPLETE_FIELD); // the operator's action, once state is restored (README)
    const third = await start();
    await producer.send(t.topics.ORDERS, [c.placed(id(), 'o4', 100)]);
    await waitApplied(redis, t, t.topics.ORDERS.name, await endOffsets(admin, t.topics.ORDERS.name));
    expect((await customerStates(redis, t)).get('c1')!.orders.o4!.status).toBe('APPROVED');
    expect(await gauge(third.service)).toMatch(/ 0$/);
    await third.service.stop();
    await producer.close();
  });

  it('creates non-compacted topics with retention.ms=-1 and leaves the compacted ones compacted', async () => {
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [t.topics.ORDERS.name, t.topics.CUSTOMERS.name].map((name) => ({
        type: kafkajs.ConfigResourceTypes.TOPIC,
        name,
        configNames: ['cleanup.policy', 'retention.ms'],
      })),
    });
    const config = (name: string) =>
      Object.fromEntries(configs.resources.find((r) => r.resourceName === name)!.configEntries.map((e) => [e.configName, e.configValue]));
    expect(config(t.topics.ORDERS.name)).toEqual({ 'cleanup.policy': 'delete', 'retention.ms': '-1' });
    expect(config(t.topics.CUSTOMERS.name)['cleanup.policy']).toBe('compact');
    expect(config(t.topics.CUSTOMERS.name)['retention.ms']).not.toBe('-1');
  });

  it('counts and logs (at warn, without payload) an input the core rejects', async () => {
    const serde = await contractsOf(kafka, stack, t);
    const producer = await HistoryProducer.open(kafka, serde);
    const c = customer('c2');
    const { service, lines } = await start();
    await producer.send(t.topics.CUSTOMERS, [c.profile(id(), { creditLimit: 1_000_000 })]);
    await producer.send(t.topics.ORDERS, [c.placed(id(), 'p1', 100)]);
    await waitApplied(redis, t, t.topics.ORDERS.name, await endOffsets(admin, t.topics.ORDERS.name));
    const action = c.action(id(), 'p1', 'RELEASE'); // p1 is approved, not held: InvalidEvent
    await producer.send(t.topics.CREDIT_ACTIONS, [action]);
    await waitApplied(redis, t, t.topics.CREDIT_ACTIONS.name, await endOffsets(admin, t.topics.CREDIT_ACTIONS.name));
    const text = await (await fetch(`http://127.0.0.1:${service.httpPort}/metrics`)).text();
    const counted = text.split('\n').find((l) =>
      l.startsWith('o2c_dlq_records_total{') && l.includes(`topic="${t.topics.CREDIT_ACTIONS.name}"`) && l.includes('error_class="InvalidEvent"'));
    expect(counted).toMatch(/ 1$/);
    const warned = lines.filter((l) => l.level === 'warn' && l.errorClass === 'InvalidEvent');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ topic: t.topics.CREDIT_ACTIONS.name, partition: 0 });
    expect(JSON.stringify(warned[0])).not.toContain('called the customer'); // no payload
    await service.stop();
    await producer.close();
  });
});
