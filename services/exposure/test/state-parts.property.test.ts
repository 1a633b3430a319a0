// A commit writes only the parts of a customer state its batch's inputs say they wrote (ApplyResult.writtenDocs):
// if an input wrote a document without saying so, Redis would keep a stale one. Along random histories, batch after
// batch, the fields a store holds after applying every commit's patch are exactly the fields of the whole state, and
// decode back to it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import { WorkingSet } from '../../../shared/stateful/working-set.ts';
import { applyEntityChange } from '../../../test/entity-change.ts';
import { ExposureDomain, type InputRecord } from '../src/adapters/exposure-domain.ts';
import { customerStateCodec } from '../src/adapters/state-parts.ts';
import type { ExposureEntity } from '../src/adapters/account-entities.ts';
import { applyEvent, creditPolicy, type CustomerState, type ExposureInput } from '../src/domain/index.ts';
import { historyArb, mergeTopics } from './histories.ts';
import { customer, T0 } from './inputs.ts';

const record = (event: ExposureInput): InputRecord =>
  ({ topic: 't', partition: 0, offset: '0', timestamp: 0, key: null, value: null, headers: {}, event });

const DAY = 86_400_000;

describe('the customer state codec', () => {
  it('decodes every state the core produces from its fields', () => {
    fc.assert(
      fc.property(historyArb({ actions: true, foreignCurrency: true }), fc.integer(), (streams, seed) => {
        const policy = creditPolicy({ policyVersion: 'parts' });
        const states = new Map<string, CustomerState>();
        for (const input of mergeTopics(streams, seed)) {
          const result = applyEvent(states.get(input.customerId), input, policy);
          if (!result.changed) continue;
          states.set(input.customerId, result.state);
          const fields = customerStateCodec.encode(result.state);
          expect(customerStateCodec.decode(fields, input.customerId)).toEqual(JSON.parse(JSON.stringify(result.state)));
        }
      }),
      { numRuns: 150 },
    );
  });

  // The partition's FX rate table (its waiting count: the foreign orders wait, no rate comes) is an entity too.
  it('keeps in Redis exactly the whole state\'s fields, patching only what each batch wrote, the core in place', () => {
    fc.assert(
      fc.property(
        historyArb({ actions: true, foreignCurrency: true }),
        fc.integer(),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 20 }),
        (streams, seed, batchSizes) => {
          const policy = creditPolicy({ policyVersion: 'parts' });
          const domain = new ExposureDomain({ topics: topicRegistry(''), policy });
          const states = new Map<string, ExposureEntity>();
          const stored = new Map<string, Map<string, string>>();
          const inputs = mergeTopics(streams, seed);
          for (let at = 0, b = 0; at < inputs.length; b++) {
            const batch = inputs.slice(at, (at += batchSizes[b % batchSizes.length]!));
            const ws = new WorkingSet<ExposureEntity>(new Map(states));
            for (const input of batch) domain.apply(ws, record(input), { partition: 0 });
            for (const [id, change] of ws.changes(domain.codec).states) {
              applyEntityChange(stored, id, change);
              const state = ws.get(id)!;
              states.set(id, state);
              expect(stored.get(id)).toEqual(domain.codec.encode(state));
              expect(domain.codec.decode(stored.get(id)!, id)).toEqual(JSON.parse(JSON.stringify(state)));
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('a commit after the retention sweep', () => {
  it('deletes the fields of the documents the sweep dropped and adds the retired invoice ids', () => {
    const c = customer('c1');
    const domain = new ExposureDomain({ topics: topicRegistry(''), policy: creditPolicy({ policyVersion: 'parts', retentionMs: 90 * DAY }) });
    const stored = new Map<string, Map<string, string>>();
    const commit = (ws: WorkingSet<CustomerState>) => {
      for (const [id, change] of ws.changes(customerStateCodec).states) applyEntityChange(stored, id, change);
    };
    const first = new WorkingSet<CustomerState>(new Map());
    for (const input of [c.profile('e1', { creditLimit: 1000 }), c.issued('e2', 'i1', 100), c.voided('e3', 'i1'), c.issued('e4', 'i2', 100)]) {
      domain.apply(first, record(input), { partition: 0 });
    }
    commit(first);
    expect([...stored.get('c1')!.keys()].sort()).toEqual(['_', 'i:i1', 'i:i2']);

    const later = new WorkingSet<CustomerState>(new Map([['c1', first.get('c1')!]]));
    domain.apply(later, record(c.placed('e5', 'o1', 0, 'EUR', T0 + 100 * DAY)), { partition: 0 });
    const change = later.changes(customerStateCodec).states.get('c1')!;
    expect(change.kind).toBe('patch'); // two small fields and a delete, not the whole customer
    commit(later);
    expect([...stored.get('c1')!.keys()].sort()).toEqual(['_', 'i:i2', 'o:o1', 'r:i1']);
    expect(stored.get('c1')).toEqual(customerStateCodec.encode(later.get('c1')!));
  });
});
