// The adapter's cached state JSON must be JSON.stringify's text for every state the core produces: its cache relies
// on the core never changing a document or collection once it is part of a state, which this holds it to.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stateJson } from '../src/adapters/state-json.ts';
import { applyEvent, creditPolicy, type CustomerState } from '../src/domain/index.ts';
import { historyArb, mergeTopics } from './histories.ts';

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
});
