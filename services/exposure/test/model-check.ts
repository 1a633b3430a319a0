// Drives a round-based history through the running service and checks what it left against the reference model:
// the exposure components and order statuses in Redis, the decisions on the credit-holds topic (ids, contents,
// no id with two contents), the snapshots on the exposure topic (below) and the rejected inputs in the DLQ.
import { isDeepStrictEqual } from 'node:util';
import type { Redis } from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { expect } from 'vitest';
import type { CreditHoldEvent, ExposureEvent } from '../../../shared/contracts/events.generated.ts';
import type { EventSerde } from '../../../shared/contracts/serde.ts';
import type { TopicSpec } from '../../../shared/contracts/topics.ts';
import { DlqHeaders } from '../../../shared/kafka/dlq.ts';
import { collect, type Collector } from '../../../test/kafka.ts';
import { exposureOf, type CreditPolicy, type ExposureInput } from '../src/domain/index.ts';
import { customerStates, decisionIdOf, endOffsets, specOf, waitApplied, type HistoryProducer, type TestEnv } from './harness.ts';
import { decisionOf, runModel, type ModelResult, type ModelSnapshot } from './model.ts';
import { ROUND_TOPICS, type StreamHistory } from './stream-history.ts';

export interface Drive {
  kafka: Kafka;
  admin: Admin;
  redis: Redis;
  producer: HistoryProducer;
  serde: EventSerde;
}

/**
 * Produces the rounds one by one, each once the service applied the previous one (so it applies the history in
 * `history.inputs` order). `afterProduce(i)` runs right after round i is produced, while the service works on it.
 */
export async function driveRounds(
  d: Drive,
  t: TestEnv,
  history: StreamHistory,
  opts: { afterProduce?: (round: number) => Promise<void>; check?: () => void; timeoutMs?: number } = {},
): Promise<void> {
  for (const [i, round] of history.rounds.entries()) {
    const spec = specOf(t, round.topic);
    await d.producer.send(spec, round.events);
    await opts.afterProduce?.(i);
    await waitApplied(d.redis, t, spec.name, await endOffsets(d.admin, spec.name), {
      ...(opts.check ? { check: opts.check } : {}),
      timeoutMs: opts.timeoutMs ?? 60_000,
    });
  }
}

export interface Outputs {
  holds: Collector;
  snapshots: Collector;
  dlq: Collector;
}

/** Starts reading the credit-holds topic, the exposure topic and the DLQ from the beginning, before the service runs. */
export async function outputCollectors(d: Drive, t: TestEnv): Promise<Outputs> {
  return {
    holds: await collect(d.kafka, t.topics.CREDIT_HOLDS.name),
    snapshots: await collect(d.kafka, t.topics.EXPOSURE.name),
    dlq: await collect(d.kafka, t.topics.DLQ.name),
  };
}

/** What was read of the outputs: the collectors, or the topics read back once the service stopped. */
export type Published = { readonly [K in keyof Outputs]: Pick<Collector, 'messages'> };

export const stopOutputs = (out: Outputs): Promise<unknown> => Promise.all([out.holds.stop(), out.snapshots.stop(), out.dlq.stop()]);

/** A published snapshot reduced as the model's are (a plain payload: a decoded one is an Avro record's instance). */
export const snapshotOf = (e: ExposureEvent): ModelSnapshot =>
  ({ customerId: e.customerId, causationId: e.causationId!, occurredAt: e.occurredAt, snapshot: { ...e.payload } });

/**
 * What is wrong with the snapshots published (in topic order) against those the core or the model emits, none when
 * right. The exposure topic is compacted and a batch publishes only a customer's last snapshot, so per customer:
 * every one published (a republished copy counted once) is one emitted, in emission order, with its content, and
 * the last one published is the last one emitted.
 */
export function snapshotMismatches(published: readonly ModelSnapshot[], emitted: readonly ModelSnapshot[]): string[] {
  const byCustomer = <T extends { customerId: string }>(xs: readonly T[]) => {
    const m = new Map<string, T[]>();
    for (const x of xs) m.set(x.customerId, [...(m.get(x.customerId) ?? []), x]);
    return m;
  };
  const got = byCustomer(published);
  const want = byCustomer(emitted);
  const problems: string[] = [];
  for (const customerId of new Set([...got.keys(), ...want.keys()])) {
    const p = got.get(customerId) ?? [];
    const e = want.get(customerId) ?? [];
    const first = new Map<string | null, ModelSnapshot>();
    for (const s of p) {
      const seen = first.get(s.causationId);
      if (seen && !isDeepStrictEqual(seen, s)) problems.push(`${customerId}: two snapshots caused by ${s.causationId}`);
      if (!seen) first.set(s.causationId, s);
    }
    let j = 0;
    for (const s of first.values()) {
      while (j < e.length && e[j]!.causationId !== s.causationId) j++;
      if (j === e.length) problems.push(`${customerId}: snapshot caused by ${s.causationId} not emitted, or out of order`);
      else if (!isDeepStrictEqual(e[j], s)) problems.push(`${customerId}: snapshot caused by ${s.causationId} differs: ${JSON.stringify(s)} vs ${JSON.stringify(e[j])}`);
      else j++;
    }
    if (!isDeepStrictEqual(p.at(-1), e.at(-1))) {
      problems.push(`${customerId}: last snapshot published ${JSON.stringify(p.at(-1))}, last emitted ${JSON.stringify(e.at(-1))}`);
    }
  }
  return problems;
}

/** The snapshots collected so far, decoded, in each partition's order (a customer's are all on one partition). */
export async function publishedSnapshots(serde: EventSerde, t: TestEnv, c: Pick<Collector, 'messages'>): Promise<ModelSnapshot[]> {
  const out: ModelSnapshot[] = [];
  for (const m of c.messages) out.push(snapshotOf((await serde.decode(t.topics.EXPOSURE, m.value)) as ExposureEvent));
  return out;
}

/** Waits up to a minute for the published snapshots to match, then asserts they do. */
export async function expectSnapshots(serde: EventSerde, t: TestEnv, c: Pick<Collector, 'messages'>, emitted: readonly ModelSnapshot[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const problems = snapshotMismatches(await publishedSnapshots(serde, t, c), emitted);
    if (problems.length === 0 || Date.now() > deadline) {
      expect(problems.slice(0, 20), `${problems.length} snapshot mismatches`).toEqual([]);
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Everything the service produced for the inputs (in the order it applied them) equals what the model says, however
 * often it was restarted.
 */
export async function expectModelOutcome(
  d: Pick<Drive, 'redis' | 'serde'>,
  t: TestEnv,
  inputs: readonly ExposureInput[],
  policy: CreditPolicy,
  out: Published,
): Promise<ModelResult> {
  const model = runModel(inputs, policy);
  const expectedIds = new Map(model.decisions.map((m) => [decisionIdOf(m), m]));
  expect(expectedIds.size, 'the model derives one id per decision').toBe(model.decisions.length);

  // Redis: every customer's components and order statuses.
  const states = await customerStates(d.redis, t);
  const components: Record<string, unknown> = {};
  const statuses: Record<string, unknown> = {};
  for (const id of Object.keys(model.components)) {
    const s = states.get(id);
    const totals = s?.totals ?? { openOrders: 0, heldOrders: 0, heldOrderCount: 0, openReceivables: 0, unappliedCash: 0 };
    components[id] = { ...totals, exposure: exposureOf(totals) };
    statuses[id] = Object.fromEntries(Object.entries(s?.orders ?? {}).map(([orderId, o]) => [orderId, o.status]));
  }
  expect(components).toEqual(model.components);
  expect(statuses).toEqual(model.statuses);

  // Kafka: every decision the model makes, with its id and content; no id with two different contents.
  const letters = await distinctValues(out.holds, expectedIds.size);
  const byId = new Map<string, Buffer>();
  const conflicting: string[] = [];
  const decoded = new Map<string, CreditHoldEvent>();
  for (const m of letters) {
    const event = (await d.serde.decode(t.topics.CREDIT_HOLDS, m.value)) as CreditHoldEvent;
    const seen = byId.get(event.eventId);
    if (seen && !seen.equals(m.value!)) conflicting.push(event.eventId);
    byId.set(event.eventId, m.value!);
    decoded.set(event.eventId, event);
  }
  expect(conflicting).toEqual([]);
  expect([...decoded.keys()].sort()).toEqual([...expectedIds.keys()].sort());
  for (const [id, event] of decoded) expect(decisionOf(event), `decision ${id}`).toEqual(expectedIds.get(id));

  // The DLQ: exactly the inputs the model rejects (by event id; a crash may republish a letter).
  const deadLetters = await distinctValues(out.dlq, new Set(model.rejectedEventIds).size);
  const specs = new Map(ROUND_TOPICS.map((topic) => [specOf(t, topic).name, specOf(t, topic)] as const));
  const rejected = new Set<string>();
  for (const m of deadLetters) {
    const spec = specs.get(m.headers[DlqHeaders.SOURCE_TOPIC]!.toString()) as TopicSpec;
    rejected.add((await d.serde.decode(spec, m.value)).eventId);
  }
  expect([...rejected].sort()).toEqual([...new Set(model.rejectedEventIds)].sort());

  // The exposure topic: per customer, snapshots the model emits, in its order, ending with its last.
  await expectSnapshots(d.serde, t, out.snapshots, model.snapshots);
  return model;
}

/**
 * The collected messages once `n` distinct values arrived (a republished copy does not count), or after a minute:
 * the comparisons that follow then say what is missing.
 */
async function distinctValues(c: Pick<Collector, 'messages'>, n: number) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const distinct = new Set(c.messages.map((m) => m.value?.toString('base64')));
    if (distinct.size >= n || Date.now() > deadline) return [...c.messages];
    await new Promise((r) => setTimeout(r, 50));
  }
}
