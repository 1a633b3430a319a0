// The adapter's cached state JSON must be JSON.stringify's text for every state the core produces: its cache relies
// on the core never changing a document once it is part of a state, nor a collection unless it says it wrote it,
// which this holds it to.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import { WorkingSet } from '../../../shared/stateful/working-set.ts';
import { ExposureDomain, type InputRecord } from '../src/adapters/exposure-domain.ts';
import { stateJson } from '../src/adapters/state-json.ts';
import { applyEvent, creditPolicy, type CustomerState, type ExposureInput } from '../src/domain/index.ts';
import { historyArb, mergeTopics } from './histories.ts';

const record = (event: ExposureInput): InputRecord =>
  ({ topic: 't', partition: 0, offset: '0', timestamp: 0, key: null, value: null, headers: {}, event });

describe('stateJson', () => {
  it('gives JSON.stringify of every state along random histories, old states included', () => {
    fc.assert(
      fc.property(historyArb({ actions: true, foreignCurrency: false }), fc.integer(), (streams, seed) => {
        const policy = creditPolicy({ policyVersion: 'json' });
        const states = new Map<string, CustomerState>();
        const seen: CustomerState[] = [];
        for (const input of mergeTopics(streams, seed)) {
          const result = applyEvent(states.get(input.customerId), input, policy);
          if (!result.changed) continue;
          states.set(input.customerId, result.state);
          seen.push(result.state);
          expect(stateJson(result.state)).toBe(JSON.stringify(result.state));
        }
        // A state serialized earlier still serializes as it was: nothing it holds was changed since.
        for (const s of seen) expect(stateJson(s)).toBe(JSON.stringify(s));
      }),
      { numRuns: 150 },
    );
  });

  it('gives JSON.stringify of every state the adapter commits, the core writing them in place, batch after batch', () => {
    fc.assert(
      fc.property(
        historyArb({ actions: true, foreignCurrency: true }),
        fc.integer(),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 20 }),
        (streams, seed, batchSizes) => {
          const domain = new ExposureDomain({ topics: topicRegistry(''), policy: creditPolicy({ policyVersion: 'json' }) });
          const states = new Map<string, CustomerState>();
          const inputs = mergeTopics(streams, seed);
          for (let at = 0, b = 0; at < inputs.length; b++) {
            const batch = inputs.slice(at, (at += batchSizes[b % batchSizes.length]!));
            const ws = new WorkingSet<CustomerState>(new Map(states));
            for (const input of batch) domain.apply(ws, record(input), { partition: 0 });
            for (const [id, text] of ws.changes(domain.serialize).states) {
              const state = ws.get(id)!;
              expect(text).toBe(JSON.stringify(state));
              states.set(id, state);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
