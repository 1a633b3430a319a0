// A corporate group on the real stack: the parent and two members on three different partitions, the members ordering
// at the same instant. Their inputs reach the group's partition through o2c.exposure-repartition.v1, so one task
// decides them all: never approved past the group limit, every order exactly one decision, the decisions those of
// the model (test/model.ts with groups) fed the group's inputs in the order the repartition topic holds them, and the
// group's exposure on o2c.group-exposure.v1 and, through the reporting sink's writer, in Postgres equal to the model's.
import { Partitioners } from 'kafkajs';
import { v5 as uuidv5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import type { CreditHoldEvent, ExposureRepartitionEvent, GroupExposureEvent } from '../../../shared/contracts/events.generated.ts';
import { collect } from '../../../test/kafka.ts';
import { reportingDatabase, sink } from '../../reporting/test/support.ts';
import { loadExposureConfig, policyOf } from '../src/config.ts';
import type { ExposureInput } from '../src/domain/index.ts';
import { contractsOf, endOffsets, HistoryProducer, realStackFile, specOf, waitApplied } from './harness.ts';
import { customer, T0 } from './inputs.ts';
import { decisionOf, runModel } from './model.ts';

const ctx = realStackFile('exposure-group-it');
const PARTITIONS = 6;
const id = (label: string) => uuidv5(label, '5d1c6a4e-8f0b-4c7a-9e2d-3b6f1a0c9d84');

/** The partition the Java client's partitioner (every producer's here) gives a key. */
function partitionOf(key: string): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [] }));
  return partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
}

/** Three ids on three different partitions: the parent first. */
function idsOnDistinctPartitions(): [string, string, string] {
  const picked: string[] = [];
  const used = new Set<number>();
  for (let n = 0; picked.length < 3; n++) {
    const candidate = `GRP-${n}`;
    if (used.has(partitionOf(candidate))) continue;
    used.add(partitionOf(candidate));
    picked.push(candidate);
  }
  return picked as [string, string, string];
}

describe('exposure service, a corporate group across partitions', () => {
  it('decides the members\' concurrent orders in the group\'s task, never past the group limit', async () => {
    const t = ctx.env('exposure-group', PARTITIONS);
    const serde = await contractsOf(ctx.kafka, ctx.stack, t);
    const producer = await HistoryProducer.open(ctx.kafka, serde);
    const [parentId, aId, bId] = idsOnDistinctPartitions();
    const parent = customer(parentId);
    const a = customer(aId);
    const b = customer(bId);
    const profiles = [
      parent.profile(id('p'), { creditLimit: 1000 }, T0), // the group limit
      a.profile(id('a'), { creditLimit: 800, parentCustomerId: parentId }, T0),
      b.profile(id('b'), { creditLimit: 800, parentCustomerId: parentId }, T0),
    ];
    // Ten orders of 100 each per member, stamped alike: each member alone fits 8, the group 10 in all.
    const orders: ExposureInput[] = [];
    for (let i = 0; i < 10; i++) {
      orders.push(a.placed(id(`a-o${i}`), `${aId}-${i}`, 100, 'EUR', T0 + 60_000));
      orders.push(b.placed(id(`b-o${i}`), `${bId}-${i}`, 100, 'EUR', T0 + 60_000));
    }
    const holds = await collect(ctx.kafka, t.topics.CREDIT_HOLDS.name);
    const groupSnapshots = await collect(ctx.kafka, t.topics.GROUP_EXPOSURE.name);
    const repartition = await collect(ctx.kafka, t.topics.EXPOSURE_REPARTITION.name);
    const service = await ctx.start(t);

    await producer.send(specOf(t, 'customers'), profiles);
    await waitApplied(ctx.redis, t, t.topics.CUSTOMERS.name, await endOffsets(ctx.admin, t.topics.CUSTOMERS.name));
    await producer.send(specOf(t, 'orders'), orders);
    await producer.close();

    const decode = <E>(spec: Parameters<typeof serde.decode>[0], values: Array<Buffer | null>) =>
      Promise.all(values.map((v) => serde.decode(spec, v))) as Promise<E[]>;
    const decisionTypes = new Set(['OrderCreditApproved', 'OrderCreditHeld']);
    let decided: CreditHoldEvent[] = [];
    for (let waited = 0; waited < 120 && decided.length < orders.length; waited++) {
      decided = (await decode<CreditHoldEvent>(t.topics.CREDIT_HOLDS, holds.messages.map((m) => m.value))).filter((e) => decisionTypes.has(e.eventType));
      await new Promise((r) => setTimeout(r, 500));
    }
    // Exactly one decision per order, and the group never past its limit: 10 approved of 100.
    expect(new Set(decided.map((e) => ('orderId' in e.payload ? e.payload.orderId : '')))).toEqual(new Set(orders.map((o) => (o.payload as { orderId: string }).orderId)));
    expect(decided).toHaveLength(orders.length);
    const approved = decided.filter((e) => e.eventType === 'OrderCreditApproved');
    expect(approved).toHaveLength(10);
    // Held for the group, or for the member's own 800 when it took 8 of the 10.
    const reasons = decided.flatMap((e) => (e.eventType === 'OrderCreditHeld' ? [e.payload.reasons.join()] : []));
    expect(reasons.every((r) => r === 'GROUP_OVER_LIMIT' || r === 'OVER_LIMIT' || r === 'OVER_LIMIT,GROUP_OVER_LIMIT')).toBe(true);
    expect(reasons.some((r) => r.includes('GROUP_OVER_LIMIT'))).toBe(true);

    // The model, fed the profiles and then the members' orders in the order the group's partition holds them.
    const routed = (await decode<ExposureRepartitionEvent>(t.topics.EXPOSURE_REPARTITION, repartition.messages.map((m) => m.value)))
      .filter((e) => e.customerId === parentId);
    expect(new Set(repartition.messages.map((m) => m.partition))).toEqual(new Set([partitionOf(parentId)]));
    const inGroupOrder = routed.flatMap((e) => (e.eventType === 'MemberInputRouted' ? [JSON.parse(e.payload.input) as ExposureInput] : []))
      .filter((e) => e.eventType === 'OrderPlaced');
    expect(inGroupOrder).toHaveLength(orders.length);
    const model = runModel([...profiles, ...inGroupOrder], policyOf(loadExposureConfig(t.env)), { groups: true });
    const modelDecisions = model.decisions.filter((d) => decisionTypes.has(d.eventType));
    // Per customer: the credit-holds topic is keyed by customer, so two members' decisions are on two partitions.
    const perCustomer = <T extends { customerId: string }>(xs: T[]) => [aId, bId].map((c) => xs.filter((x) => x.customerId === c));
    expect(perCustomer(decided.map(decisionOf))).toEqual(perCustomer(modelDecisions));

    const lastModel = model.groupSnapshots.filter((s) => s.groupId === parentId).at(-1)!;
    expect(lastModel.snapshot).toMatchObject({ exposure: 1000, groupLimit: 1000, memberCount: 3, overLimit: false });
    let published: GroupExposureEvent[] = [];
    for (let waited = 0; waited < 60; waited++) {
      published = await decode<GroupExposureEvent>(t.topics.GROUP_EXPOSURE, groupSnapshots.messages.map((m) => m.value));
      if (published.at(-1)?.payload.exposure === 1000) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(published.at(-1)!.payload).toEqual(lastModel.snapshot);
    expect(published.at(-1)!.customerId).toBe(parentId);

    // The hop, counted: the 20 orders routed, each member's join notice and the hand-over of its (empty) state.
    const metrics = await (await fetch(`http://127.0.0.1:${service.httpPort}/metrics`)).text();
    const groupRecords = (kind: string) => Number(new RegExp(`^o2c_exposure_group_records_total\\{kind="${kind}"[^}]*\\} (\\d+)`, 'm').exec(metrics)?.[1]);
    expect([groupRecords('routed'), groupRecords('joining'), groupRecords('handed_over')]).toEqual([20, 2, 2]);

    // Through the reporting sink's writer into a fresh reporting database.
    const rdb = await reportingDatabase();
    try {
      await sink(rdb.pool, [published]);
      const { rows } = await rdb.pool.query(
        'SELECT group_id, exposure_minor::float8 AS exposure, group_limit_minor::float8 AS lim, member_count FROM reporting.group_exposure');
      expect(rows).toEqual([{ group_id: parentId, exposure: 1000, lim: 1000, member_count: 3 }]);
    } finally {
      await rdb.close();
    }
    await Promise.all([holds.stop(), groupSnapshots.stop(), repartition.stop()]);
  }, 180_000);

  it('moves a member with its open orders to another group: the old group releases what now fits, the new one counts it', async () => {
    const t = ctx.env('exposure-group-move', PARTITIONS);
    const serde = await contractsOf(ctx.kafka, ctx.stack, t);
    const producer = await HistoryProducer.open(ctx.kafka, serde);
    const [pId, qId, aId, bId] = [...idsOnDistinctPartitions(), 'GRP-MOVE-B'];
    const p = customer(pId);
    const q = customer(qId);
    const a = customer(aId);
    const b = customer(bId);
    // Each step waits for its decisions, so the order the group tasks applied them is the order sent.
    const steps: Array<{ spec: 'customers' | 'orders'; inputs: ExposureInput[]; decisions: number }> = [
      { spec: 'customers', inputs: [p.profile(id('m-p'), { creditLimit: 1000 }, T0), q.profile(id('m-q'), { creditLimit: 5000 }, T0),
        a.profile(id('m-a'), { creditLimit: 800, parentCustomerId: pId }, T0), b.profile(id('m-b'), { creditLimit: 800, parentCustomerId: pId }, T0)], decisions: 0 },
      { spec: 'orders', inputs: [a.placed(id('m-a1'), 'MA-1', 600, 'EUR', T0 + 60_000)], decisions: 1 }, // approved: group P 600
      { spec: 'orders', inputs: [b.placed(id('m-b1'), 'MB-1', 500, 'EUR', T0 + 120_000)], decisions: 2 }, // held: 600 + 500 > 1000
      // A leaves P for Q with its 600: P releases B's 500, Q's exposure is A's 600.
      { spec: 'customers', inputs: [a.profile(id('m-a2'), { creditLimit: 800, parentCustomerId: qId }, T0 + 180_000)], decisions: 3 },
      { spec: 'orders', inputs: [a.placed(id('m-a3'), 'MA-2', 100, 'EUR', T0 + 240_000)], decisions: 4 }, // in Q: 700 <= 5000
    ];
    const holds = await collect(ctx.kafka, t.topics.CREDIT_HOLDS.name);
    const groupSnapshots = await collect(ctx.kafka, t.topics.GROUP_EXPOSURE.name);
    await ctx.start(t);
    const decisionTypes = new Set(['OrderCreditApproved', 'OrderCreditHeld', 'OrderCreditReleased']);
    const decode = <E>(spec: Parameters<typeof serde.decode>[0], values: Array<Buffer | null>) =>
      Promise.all(values.map((v) => serde.decode(spec, v))) as Promise<E[]>;
    let decided: CreditHoldEvent[] = [];
    for (const step of steps) {
      await producer.send(specOf(t, step.spec), step.inputs);
      const topic = t.topics[step.spec === 'customers' ? 'CUSTOMERS' : 'ORDERS'].name;
      await waitApplied(ctx.redis, t, topic, await endOffsets(ctx.admin, topic));
      for (let waited = 0; waited < 120; waited++) {
        decided = (await decode<CreditHoldEvent>(t.topics.CREDIT_HOLDS, holds.messages.map((m) => m.value))).filter((e) => decisionTypes.has(e.eventType));
        if (decided.length >= step.decisions) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(decided).toHaveLength(step.decisions);
    }
    await producer.close();
    expect(decided.map((e) => [e.customerId, e.eventType])).toEqual([
      [aId, 'OrderCreditApproved'], [bId, 'OrderCreditHeld'], [bId, 'OrderCreditReleased'], [aId, 'OrderCreditApproved'],
    ]);
    expect(decided[2]!.causationId).toBe(id('m-a2')); // released by A's move
    const model = runModel(steps.flatMap((s) => s.inputs), policyOf(loadExposureConfig(t.env)), { groups: true });
    expect(decided.map(decisionOf)).toEqual(model.decisions.filter((d) => decisionTypes.has(d.eventType)));

    const lastOf = (events: GroupExposureEvent[]) => new Map(events.map((e) => [e.customerId, e.payload]));
    const want = new Map(model.groupSnapshots.map((s) => [s.groupId, s.snapshot]));
    expect(want.get(pId)).toMatchObject({ exposure: 500, memberCount: 2 });
    expect(want.get(qId)).toMatchObject({ exposure: 700, memberCount: 2 });
    let got = new Map<string, unknown>();
    for (let waited = 0; waited < 60; waited++) {
      got = lastOf(await decode<GroupExposureEvent>(t.topics.GROUP_EXPOSURE, groupSnapshots.messages.map((m) => m.value)));
      if (JSON.stringify([...got].sort()) === JSON.stringify([...want].sort())) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(got).toEqual(want);
    await Promise.all([holds.stop(), groupSnapshots.stop()]);
  }, 180_000);
});
