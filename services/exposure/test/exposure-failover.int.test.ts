// The exposure service under failure, on the real stack: killed with SIGKILL at random points of a 100,000-event
// stream and restarted, and two instances in one consumer group with one stopped and restarted mid-stream. Either
// way the Redis state, the decision ids and contents, and the dead letters are the model's, and no decision id is
// published with two different contents.
import { Redis } from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../../shared/kafka/client.ts';
import { createLogger } from '../../../shared/logger.ts';
import { deleteTopics } from '../../../test/kafka.ts';
import { getStack, type Stack } from '../../../test/stack.ts';
import { loadExposureConfig, policyOf } from '../src/config.ts';
import type { ExposureService } from '../src/service.ts';
import { contractsOf, dropKeys, HistoryProducer, spawnService, startInProcess, testEnv, type ChildService, type TestEnv } from './harness.ts';
import { driveRounds, expectModelOutcome, outputCollectors, stopOutputs } from './model-check.ts';
import { streamHistory, type StreamHistory } from './stream-history.ts';

const SEED = Number(process.env.EXPOSURE_IT_SEED ?? 20_260_106);

let stack: Stack;
let kafka: Kafka;
let admin: Admin;
let redis: Redis;
let history: StreamHistory;
const envs: TestEnv[] = [];

beforeAll(async () => {
  stack = await getStack();
  kafka = createKafka({ KAFKA_BROKERS: stack.kafkaBrokers, KAFKA_CLIENT_ID: 'exposure-it' }, createLogger('exposure-it'));
  admin = kafka.admin();
  await admin.connect();
  redis = new Redis(stack.redisUrl);
  console.log(`exposure failover tests: seed ${SEED} (EXPOSURE_IT_SEED reproduces it)`);
  history = streamHistory({ seed: SEED, customers: 1000, episodes: 5, segments: 4 });
});

afterAll(async () => {
  for (const t of envs) {
    await deleteTopics(kafka, Object.values(t.topics).map((s) => s.name)).catch(() => undefined);
    await dropKeys(redis, t);
  }
  await admin.disconnect();
  redis.disconnect();
});

/** mulberry32: the kill points are reproducible from the seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setUp(name: string) {
  const t = testEnv(stack, name, 4);
  envs.push(t);
  const serde = await contractsOf(kafka, stack, t);
  const producer = await HistoryProducer.open(kafka, serde);
  const d = { kafka, admin, redis, producer, serde };
  return { t, d, out: await outputCollectors(d, t) };
}

describe('exposure service under failure', () => {
  it('ends as the model says after being killed with SIGKILL at random points and restarted', async () => {
    const { t, d, out } = await setUp('exposure-crash');
    const random = prng(SEED);
    const rounds = history.rounds.length;
    // At least three kills, in distinct rounds after the first (the service is up and busy by then).
    const killRounds = new Set<number>();
    while (killRounds.size < 4) killRounds.add(1 + Math.floor(random() * (rounds - 1)));
    const kills: Array<{ round: number; afterMs: number }> = [];

    let child: ChildService = spawnService(t);
    let killing = false;
    const check = () => {
      if (!killing && child.process.exitCode !== null) throw new Error(`the service exited with ${child.process.exitCode}`);
    };
    await driveRounds(d, t, history, {
      check,
      async afterProduce(round) {
        if (!killRounds.has(round)) return;
        const afterMs = Math.floor(random() * 600);
        kills.push({ round, afterMs });
        await sleep(afterMs);
        killing = true;
        child.process.kill('SIGKILL');
        expect(await child.exited).toBe('SIGKILL');
        child = spawnService(t);
        killing = false;
      },
    });
    console.log(`killed at ${JSON.stringify(kills)}`);
    expect(kills.length).toBeGreaterThanOrEqual(3);

    await expectModelOutcome(d, t, history, policyOf(loadExposureConfig(t.env)), out);
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    await Promise.all([stopOutputs(out), d.producer.close()]);
  });

  it('ends as the model says with two instances in one group, one stopped and restarted mid-stream', async () => {
    const { t, d, out } = await setUp('exposure-pair');
    const running: ExposureService[] = [await startInProcess(t), await startInProcess(t)];
    const third = Math.floor(history.rounds.length / 3);
    await driveRounds(d, t, history, {
      async afterProduce(round) {
        if (round === third) await running.pop()!.stop(); // leaves the group mid-round: its partitions move over
        if (round === 2 * third) running.push(await startInProcess(t)); // joins again: partitions move back
      },
    });
    await expectModelOutcome(d, t, history, policyOf(loadExposureConfig(t.env)), out);
    await Promise.all(running.map((s) => s.stop()));
    await Promise.all([stopOutputs(out), d.producer.close()]);
  });
});
