// The exposure service on the real stack (Kafka, registry, Redis), in process, against topics, Redis keys and a
// consumer group of its own: a literal history gives exactly the decisions the core gives and ends with its last
// snapshot; bad input goes to the DLQ and the partition moves on; a generated history of 100,000+ events for 1,000
// customers ends as the model says.
import { Redis } from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { v5 as uuidv5 } from 'uuid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExposureEvent } from '../../../shared/contracts/events.generated.ts';
import type { AnyEvent, TopicSpec } from '../../../shared/contracts/topics.ts';
import { DlqHeaders } from '../../../shared/kafka/dlq.ts';
import { createKafka } from '../../../shared/kafka/client.ts';
import { createLogger } from '../../../shared/logger.ts';
import { collect, deleteTopics } from '../../../test/kafka.ts';
import { getStack, type Stack } from '../../../test/stack.ts';
import { applyEvent, type CustomerState, type DerivedEvent, type ExposureInput } from '../src/domain/index.ts';
import { loadExposureConfig, policyOf } from '../src/config.ts';
import type { ExposureService } from '../src/service.ts';
import { contractsOf, dropKeys, endOffsets, HistoryProducer, specOf, startInProcess, testEnv, waitApplied, type TestEnv } from './harness.ts';
import { customer } from './inputs.ts';
import { driveRounds, expectModelOutcome, expectSnapshots, outputCollectors, snapshotOf, stopOutputs } from './model-check.ts';
import { streamHistory } from './stream-history.ts';

const SEED = Number(process.env.EXPOSURE_IT_SEED ?? 20_260_105);

let stack: Stack;
let kafka: Kafka;
let admin: Admin;
let redis: Redis;
const envs: TestEnv[] = [];
const services: ExposureService[] = [];

beforeAll(async () => {
  stack = await getStack();
  kafka = createKafka({ KAFKA_BROKERS: stack.kafkaBrokers, KAFKA_CLIENT_ID: 'exposure-it' }, createLogger('exposure-it'));
  admin = kafka.admin();
  await admin.connect();
  redis = new Redis(stack.redisUrl);
});

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
});

afterAll(async () => {
  for (const t of envs) {
    await deleteTopics(kafka, Object.values(t.topics).map((s) => s.name)).catch(() => undefined);
    await dropKeys(redis, t);
  }
  await admin.disconnect();
  redis.disconnect();
});

const id = (label: string) => uuidv5(label, 'f3f0b1a4-0e57-4a8e-b3f5-5d1b6c1c7e2a');

describe('exposure service, given/when/then through Kafka', () => {
  it('publishes exactly what the core derives, dead-letters bad input byte for byte, and moves on', async () => {
    const t = testEnv(stack, 'exposure-gwt', 2);
    envs.push(t);
    const serde = await contractsOf(kafka, stack, t);
    const producer = await HistoryProducer.open(kafka, serde);
    const a = customer('ACME');
    const poison = Buffer.from('not an Avro record');
    // Rounds of one topic each, so the service applies them in this order.
    const rounds: Array<{ topic: 'customers' | 'orders' | 'payments'; rows: Array<ExposureInput | 'poison'> }> = [
      { topic: 'customers', rows: [a.profile(id('p1'), { creditLimit: 1000 })] }, // limit 1000 EUR
      {
        topic: 'orders',
        rows: [
          a.placed(id('o1'), 'O-1', 600), // 600 of 1000: approved
          a.placed(id('o2'), 'O-2', 500), // 600 + 500 > 1000: held OVER_LIMIT
        ],
      },
      {
        topic: 'orders',
        rows: [
          'poison', // undecodable: DLQ (InvalidMagicByte); the next fetch starts with it, and it is not a gap in the state
          a.placed(id('o1-again'), 'O-1', 600), // the same order placed twice: DLQ (InvalidEvent)
          a.placed(id('o3'), 'O-3', 300), // decided on its own: 900 of 1000, approved; warnings 80 % and 90 %
        ],
      },
      { topic: 'payments', rows: [a.paid(id('pay1'), 'P-1', 700)] }, // unapplied cash 700: exposure 200, O-2 released
    ];

    const holds = await collect(kafka, t.topics.CREDIT_HOLDS.name);
    const snapshots = await collect(kafka, t.topics.EXPOSURE.name);
    const dlq = await collect(kafka, t.topics.DLQ.name);
    const service = await startInProcess(t);
    services.push(service);
    for (const round of rounds) {
      const spec = specOf(t, round.topic);
      for (const row of round.rows) {
        if (row === 'poison') await producer.sendRaw(spec.name, [{ key: 'ACME', value: poison }]);
        else await producer.send(spec, [row]);
      }
      await waitApplied(redis, t, spec.name, await endOffsets(admin, spec.name));
    }
    await producer.close();

    // The core applied directly to the good inputs, in the same order.
    const policy = policyOf(loadExposureConfig(t.env));
    let state: CustomerState | undefined;
    const derived: DerivedEvent[] = [];
    const rejectedIds: string[] = [];
    for (const row of rounds.flatMap((r) => r.rows)) {
      if (row === 'poison') continue;
      const result = applyEvent(state, row, policy);
      state = result.state;
      derived.push(...result.events);
      if (result.rejected) rejectedIds.push(row.eventId);
    }
    const expectedHolds = derived.filter((e) => e.eventType !== 'ExposureSnapshot');
    const expectedSnapshots = derived.filter((e) => e.eventType === 'ExposureSnapshot');
    expect(expectedHolds.map((e) => [e.eventType, 'orderId' in e.payload ? e.payload.orderId : undefined])).toEqual([
      ['OrderCreditApproved', 'O-1'],
      ['OrderCreditHeld', 'O-2'],
      ['OrderCreditApproved', 'O-3'],
      ['CreditUtilizationWarning', undefined],
      ['CreditUtilizationWarning', undefined],
      ['OrderCreditReleased', 'O-2'],
    ]);
    expect(rejectedIds).toEqual([id('o1-again')]);

    const decode = async (spec: TopicSpec, values: Array<Buffer | null>) =>
      Promise.all(values.map((v): Promise<AnyEvent> => serde.decode(spec, v)));
    const published = await decode(t.topics.CREDIT_HOLDS, (await holds.waitFor(expectedHolds.length)).map((m) => m.value));
    expect(published).toEqual(expectedHolds);
    // At most one snapshot per customer and batch, the batch's last: some of the core's, in order, ending with its last.
    expect(expectedSnapshots.length).toBeGreaterThan(1);
    await expectSnapshots(serde, t, snapshots, expectedSnapshots.map((e) => snapshotOf(e as ExposureEvent)));

    // Both dead letters, byte for byte, with the headers naming where they came from and why.
    const letters = await dlq.waitFor(2);
    const orders = t.topics.ORDERS.name;
    const h = (i: number, name: string) => letters[i]!.headers[name]?.toString();
    const byClass = new Map(letters.map((l, i) => [l.headers[DlqHeaders.ERROR_CLASS]!.toString(), i]));
    const poisonAt = byClass.get('InvalidMagicByte')!;
    const duplicateAt = byClass.get('InvalidEvent')!;
    expect(letters[poisonAt]!.value).toEqual(poison);
    expect(h(poisonAt, DlqHeaders.SOURCE_OFFSET)).toBe('2');
    const duplicate = await serde.decode(t.topics.ORDERS, letters[duplicateAt]!.value);
    expect(duplicate.eventId).toBe(id('o1-again'));
    expect(h(duplicateAt, DlqHeaders.SOURCE_OFFSET)).toBe('3');
    expect(h(duplicateAt, DlqHeaders.ERROR_MESSAGE)).toMatch(/O-1/);
    for (const i of [poisonAt, duplicateAt]) {
      expect(h(i, DlqHeaders.SOURCE_TOPIC)).toBe(orders);
      expect(h(i, DlqHeaders.SERVICE)).toBe('exposure');
      expect(letters[i]!.key?.toString()).toBe('ACME');
    }
    await Promise.all([holds.stop(), snapshots.stop(), dlq.stop()]);

    // Its metrics: four order decisions, their latency, nothing left in the outbox.
    const metrics = await (await fetch(`http://127.0.0.1:${service.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/o2c_exposure_decisions_total\{outcome="approved",service="exposure"\} 2/);
    expect(metrics).toMatch(/o2c_exposure_decisions_total\{outcome="held",service="exposure"\} 1/);
    expect(metrics).toMatch(/o2c_exposure_releases_total\{release="AUTOMATIC",service="exposure"\} 1/);
    expect(metrics).toMatch(/o2c_exposure_decision_latency_seconds_count\{service="exposure"\} 4/);
    expect(metrics).toMatch(/o2c_exposure_outbox_backlog\{partition="\d",service="exposure"\} 0/);
    // The shared metrics, under one name with the service label: fenced commits, publishes, event-time lag.
    expect(metrics).toMatch(/^o2c_commit_duration_seconds_count\{service="exposure"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^o2c_publish_duration_seconds_count\{service="exposure"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^o2c_consumer_lag_seconds\{topic="[^"]+",partition="\d+",service="exposure"\} \d/m);
    expect(metrics).toMatch(/^o2c_paused_partitions\{topic="[^"]+",service="exposure"\} 0$/m);
  });
});

describe('exposure service at scale', () => {
  it('streams 100,000+ events of 1,000 customers and ends with the Redis state and decisions of the model', async () => {
    console.log(`exposure scale test: seed ${SEED} (EXPOSURE_IT_SEED reproduces it)`);
    const history = streamHistory({ seed: SEED, customers: 1000, episodes: 5, segments: 4 });
    expect(history.inputs.length).toBeGreaterThanOrEqual(100_000);
    const t = testEnv(stack, 'exposure-scale', 4);
    envs.push(t);
    const serde = await contractsOf(kafka, stack, t);
    const producer = await HistoryProducer.open(kafka, serde);
    const d = { kafka, admin, redis, producer, serde };
    const out = await outputCollectors(d, t);
    services.push(await startInProcess(t));

    await driveRounds(d, t, history);
    await expectModelOutcome(d, t, history.inputs, policyOf(loadExposureConfig(t.env)), out);
    await Promise.all([stopOutputs(out), producer.close()]);
  });
});
