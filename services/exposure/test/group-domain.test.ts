// The exposure PartitionDomain with corporate groups, in memory: one working set per partition, the repartition
// records it derives delivered to the partition of their key, republished (an outbox entry sent twice after a crash
// between its publish and its trim) at random. The group task must end as if each had come once, and as the group
// core fed synchronously (test/group-drivers.ts) ends.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import type { DerivedRecord } from '../../../shared/stateful/batch-processor.ts';
import { WorkingSet } from '../../../shared/stateful/working-set.ts';
import { groupEntityId, type ExposureEntity, type GroupEntity } from '../src/adapters/account-entities.ts';
import { ExposureDomain, type InputRecord } from '../src/adapters/exposure-domain.ts';
import { creditPolicy, exposureOf, type ExposureInput } from '../src/domain/index.ts';
import { chooser, groupHistoryArb, runGroups, stamp } from './group-drivers.ts';
import { interleave } from './histories.ts';

const topics = topicRegistry('');
const POLICY = creditPolicy({ policyVersion: 'v1', riskHoldClasses: [], warningBands: [] });
const PARTITIONS = 3;
// Customers spread over the partitions as a partitioner would, the parents P and Q apart.
const PARTITION: Record<string, number> = { P: 0, Q: 1, A: 2, B: 1, C: 0 };

interface Pending {
  partition: number;
  record: InputRecord;
}

function runDomain(inputs: readonly ExposureInput[], duplicate: (n: number) => number) {
  const domain = new ExposureDomain({ topics, policy: POLICY });
  const sets = Array.from({ length: PARTITIONS }, () => new WorkingSet<ExposureEntity>(new Map()));
  const offsets = new Map<string, number>();
  const at = (topic: string, partition: number) => {
    const key = `${topic}/${partition}`;
    const offset = offsets.get(key) ?? 0;
    offsets.set(key, offset + 1);
    return String(offset);
  };
  const consumed = (topic: string, partition: number, event: InputRecord['event']): InputRecord =>
    ({ topic, partition, offset: at(topic, partition), timestamp: 0, key: null, value: null, headers: {}, event });
  const queue: Pending[] = [];
  const holds: string[] = [];
  const publish = (out: DerivedRecord[]) => {
    for (const d of out) {
      if (d.spec.name === topics.EXPOSURE_REPARTITION.name && d.topic === undefined) {
        const partition = PARTITION[d.event.customerId]!;
        const copies = duplicate(3) === 0 ? 2 : 1;
        for (let i = 0; i < copies; i++) queue.push({ partition, record: consumed(topics.EXPOSURE_REPARTITION.name, partition, d.event as InputRecord['event']) });
      } else if (d.spec.name === topics.CREDIT_HOLDS.name) holds.push(d.event.eventId);
    }
  };
  const drain = () => {
    while (queue.length > 0) {
      const { partition, record } = queue.shift()!;
      publish(domain.apply(sets[partition]!, record, { partition }).out);
    }
  };
  for (const e of inputs) {
    const partition = PARTITION[e.customerId]!;
    const topic = e.eventType === 'CustomerCreditProfile' ? topics.CUSTOMERS.name : e.eventType.startsWith('Order') ? topics.ORDERS.name : topics.PAYMENTS.name;
    publish(domain.apply(sets[partition]!, consumed(topic, partition, e), { partition }).out);
    drain();
  }
  return { sets, holds };
}

describe('the exposure domain with groups, across partitions', () => {
  it('ends with every customer\'s exposure as the group core fed synchronously, republished repartition records ignored', () => {
    fc.assert(
      fc.property(groupHistoryArb({ ample: false, withActions: false }), fc.integer(), fc.integer(), (h, seed, dup) => {
        const inputs = stamp(interleave(h.perCustomer, seed));
        const want = runGroups(inputs, POLICY);
        const { sets, holds } = runDomain(inputs, chooser(dup));
        // Every decision once, those of the core.
        const wantHolds = want.events.filter((e) => e.eventType !== 'ExposureSnapshot' && e.eventType !== 'GroupExposureSnapshot').map((e) => e.eventId);
        expect(new Set(holds).size).toBe(holds.length);
        expect(new Set(holds)).toEqual(new Set(wantHolds));
        // Every customer's state in exactly one place, with the core's totals.
        const got = new Map<string, number>();
        for (const ws of sets) {
          for (const id of ['P', 'Q', 'A', 'B', 'C']) {
            const lone = ws.get(id);
            if (lone && !('kind' in lone)) {
              expect(got.has(id)).toBe(false);
              got.set(id, exposureOf(lone.totals));
            }
            const group = ws.get(groupEntityId(id)) as GroupEntity | undefined;
            for (const [m, s] of Object.entries(group?.group.members ?? {})) {
              expect(got.has(m)).toBe(false);
              got.set(m, exposureOf(s.totals));
            }
          }
        }
        const wantStates = new Map<string, number>();
        for (const g of want.groups.values()) for (const [m, s] of Object.entries(g.members)) wantStates.set(m, exposureOf(s.totals));
        expect(got).toEqual(wantStates);
      }),
      { numRuns: 200 },
    );
  });
});
