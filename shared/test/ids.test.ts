import fc from 'fast-check';
import { v5 as uuidv5, validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { deriveEventId } from '../ids.ts';

const O2C_NAMESPACE = '6f1b0f3e-3c2a-5b7e-9d41-0c2e8a51d7a4';

describe('deriveEventId', () => {
  it('is bit for bit the uuid package v5 of the joined parts in the O2C namespace', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string(), fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.integer())), (input, rule, parts) => {
        const id = deriveEventId(input, rule, ...parts);
        expect(id).toBe(uuidv5([input, rule, ...parts].join('|'), O2C_NAMESPACE));
        expect(validate(id) && version(id)).toBe(5);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the ids already derived', () => {
    expect(deriveEventId('e1', 'decision')).toBe(uuidv5('e1|decision', O2C_NAMESPACE));
    expect(deriveEventId('7c0c2b1e-0000-4000-8000-000000000001', 'release', 'O-1', 3)).toBe(
      uuidv5('7c0c2b1e-0000-4000-8000-000000000001|release|O-1|3', O2C_NAMESPACE),
    );
  });
});
