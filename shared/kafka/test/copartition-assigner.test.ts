import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AssignerProtocol, type Cluster, type Logger } from 'kafkajs';
import { CopartitionAssigner, assignCopartitioned } from '../copartition-assigner.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** topic -> partition -> owning memberIds (an array, so a double assignment would show). */
function owners(assignment: Map<string, Record<string, number[]>>) {
  const out = new Map<string, Map<number, string[]>>();
  for (const [memberId, a] of assignment) {
    for (const [topic, partitions] of Object.entries(a)) {
      const byPartition = out.get(topic) ?? out.set(topic, new Map()).get(topic)!;
      for (const p of partitions) byPartition.set(p, [...(byPartition.get(p) ?? []), memberId]);
    }
  }
  return out;
}

describe('assignCopartitioned', () => {
  it('gives partition p of every topic to the same member, round-robin over members sorted by id', () => {
    const topics = ['orders', 'invoices', 'payments'];
    const members = ['m-c', 'm-a', 'm-b'].map((memberId) => ({ memberId, topics }));
    const result = assignCopartitioned(members, new Map(topics.map((t) => [t, range(7)])));
    expect(result.get('m-a')).toEqual({ orders: [0, 3, 6], invoices: [0, 3, 6], payments: [0, 3, 6] });
    expect(result.get('m-b')).toEqual({ orders: [1, 4], invoices: [1, 4], payments: [1, 4] });
    expect(result.get('m-c')).toEqual({ orders: [2, 5], invoices: [2, 5], payments: [2, 5] });
  });

  it('assigns every partition exactly once, co-partitioned, balanced and independent of member order', () => {
    const group = fc.record({
      memberIds: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
      topics: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1 }),
      partitions: fc.integer({ min: 1, max: 24 }),
    });
    fc.assert(
      fc.property(group, ({ memberIds, topics, partitions }) => {
        const members = memberIds.map((memberId) => ({ memberId, topics }));
        const layout = new Map(topics.map((t) => [t, range(partitions)]));
        const result = assignCopartitioned(members, layout);
        expect(assignCopartitioned([...members].reverse(), layout)).toEqual(result);

        const byTopic = owners(result);
        for (const t of topics) {
          for (const p of range(partitions)) {
            expect(byTopic.get(t)!.get(p)).toHaveLength(1);
            expect(byTopic.get(t)!.get(p)).toEqual(byTopic.get(topics[0]!)!.get(p)); // co-partitioned
          }
        }
        const counts = [...result.values()].map((a) => a[topics[0]!]?.length ?? 0);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 100 },
    );
  });

  it('during a subscription change, spreads a topic over the members that subscribe to it', () => {
    const members = [
      { memberId: 'm1', topics: ['orders', 'payments'] },
      { memberId: 'm2', topics: ['orders'] },
    ];
    const result = assignCopartitioned(members, new Map([['orders', range(4)], ['payments', range(4)]]));
    expect(result.get('m1')).toEqual({ orders: [0, 2], payments: [0, 1, 2, 3] });
    expect(result.get('m2')).toEqual({ orders: [1, 3] });
  });
});

describe('CopartitionAssigner (kafkajs protocol)', () => {
  it('reads subscriptions from member metadata and encodes the assignment for kafkajs', async () => {
    const cluster = {
      findTopicPartitionMetadata: (topic: string) => range(topic === 'orders' ? 4 : 2).map((partitionId) => ({ partitionId })),
    } as unknown as Cluster;
    const assigner = CopartitionAssigner({ cluster, groupId: 'g', logger: {} as Logger });
    const topics = ['orders', 'payments'];
    const members = ['x', 'y'].map((memberId) => ({ memberId, memberMetadata: assigner.protocol({ topics }).metadata }));

    const assigned = await assigner.assign({ members, topics });
    const decoded = Object.fromEntries(
      assigned.map((a) => [a.memberId, AssignerProtocol.MemberAssignment.decode(a.memberAssignment)!.assignment]),
    );
    expect(decoded).toEqual({ x: { orders: [0, 2], payments: [0] }, y: { orders: [1, 3], payments: [1] } });
  });
});
