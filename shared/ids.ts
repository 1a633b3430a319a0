import { v5 as uuidv5 } from 'uuid';

// Fixed namespace for every id this project derives; changing it would change every derived event id.
const O2C_NAMESPACE = '6f1b0f3e-3c2a-5b7e-9d41-0c2e8a51d7a4';

/**
 * The id of a derived event: a UUID v5 of the input event id, the rule that fired and any distinguishing parts,
 * so a replay or a retry produces the same id and consumers can de-duplicate.
 */
export function deriveEventId(inputEventId: string, rule: string, ...parts: Array<string | number>): string {
  return uuidv5([inputEventId, rule, ...parts].join('|'), O2C_NAMESPACE);
}
