// The exposure service's guarantees under failure, on the real stack (README.md, Guarantees): killed with SIGKILL, its
// Redis restarted and its keys deleted, scaled out and in, a paused instance fenced; each drill on a stream history
// of 1,000 customers (114,342 inputs; 300 customers and 34,000 for the Redis drill, 2,000 for the paused instance) with duplicates, unknown
// references, foreign currencies, delinquency statuses and credit actions. What it left equals its core's replay of
// the same topics (test/stateful-drills.ts) and the reference model (test/model.ts) fed the inputs in the order the
// core applied them: exposure and order statuses in Redis, every decision with its id and content, every order's
// decisions in the model's order, so exactly one final decision each, and the dead letters.
import type { CreditHoldEvent } from '../../../shared/contracts/events.generated.ts';
import { expect } from 'vitest';
import type { TopicRegistry } from '../../../shared/contracts/topics.ts';
import { readAll } from '../../../test/stateful-sandbox.ts';
import { describeGuarantees, type Drill, type HistorySize } from '../../../test/stateful-drills.ts';
import type { Reference } from '../../../tools/bench/src/determinism-check.ts';
import type { ExposureInput } from '../src/domain/index.ts';
import { loadExposureConfig, policyOf } from '../src/config.ts';
import { specOf, type TestEnv } from './harness.ts';
import { expectModelOutcome } from './model-check.ts';
import type { ModelResult } from './model.ts';
import { streamHistory, type StreamHistory } from './stream-history.ts';

const PARTITIONS = 4;
const histories = new Map<string, StreamHistory>();

const CUSTOMERS: Record<HistorySize, number> = { short: 300, long: 1000, longest: 2000 };

function historyOf(size: HistorySize): StreamHistory {
  let h = histories.get(size);
  if (!h) histories.set(size, (h = streamHistory({ seed: 20_260_106, customers: CUSTOMERS[size], episodes: 5, segments: 4 })));
  return h;
}

const records = (topics: TopicRegistry, size: HistorySize) =>
  historyOf(size).rounds.flatMap((r) => r.events.map((event) => ({ spec: specOf({ topics }, r.topic), event })));

/** Per order, the decisions published (a republished copy counted once, in partition order) are the model's, in its order. */
function expectDecisionsPerOrder(published: readonly CreditHoldEvent[], model: ModelResult): void {
  const sequences = (events: ReadonlyArray<{ eventType: string; orderId?: string }>) => {
    const m = new Map<string, string[]>();
    for (const e of events) if (e.orderId !== undefined) m.set(e.orderId, [...(m.get(e.orderId) ?? []), e.eventType]);
    return m;
  };
  const seen = new Set<string>();
  const firsts = published.filter((e) => !seen.has(e.eventId) && seen.add(e.eventId));
  const got = sequences(firsts.map((e) => ({ eventType: e.eventType, ...('orderId' in e.payload ? { orderId: e.payload.orderId } : {}) })));
  const want = sequences(model.decisions);
  expect(want.size, 'orders decided').toBeGreaterThan(1000);
  const differ = [...new Set([...got.keys(), ...want.keys()])].filter((id) => got.get(id)?.join() !== want.get(id)?.join());
  expect(differ.slice(0, 5).map((id) => ({ id, published: got.get(id), model: want.get(id) })), `${differ.length} orders`).toEqual([]);
}

async function modelCheck(drill: Drill, ref: Reference): Promise<void> {
  const { box } = drill;
  const t: TestEnv = { name: box.groupId, topics: box.topics, keyPrefix: box.redisPrefix, partitions: drill.partitions, env: drill.env };
  const [holds, snapshots, dlq] = await Promise.all([box.topics.CREDIT_HOLDS, box.topics.EXPOSURE, box.topics.DLQ].map((s) => readAll(box.kafka, s.name)));
  const inputs = ref.expected.applied as ExposureInput[];
  const published = { holds: { messages: holds! }, snapshots: { messages: snapshots! }, dlq: { messages: dlq! } };
  const model = await expectModelOutcome({ redis: drill.redis, serde: box.serde }, t, inputs, policyOf(loadExposureConfig(drill.env)), published);
  const decoded = await Promise.all(holds!.map((m) => box.serde.decode(box.topics.CREDIT_HOLDS, m.value) as Promise<CreditHoldEvent>));
  expectDecisionsPerOrder(decoded, model);
}

// The model takes about 10 s for the long history: it checks the kill and scale drills (the core, which the property
// tests hold to the model, checks all four).
describeGuarantees({
  service: 'exposure',
  partitions: PARTITIONS,
  history: records,
  alsoCheck: { drills: new Set(['kill', 'scale']), check: modelCheck },
});
