// What the commit script (shared/redis/lua/commitBatch-n.lua) does with an entity's change, in memory: the oracle the
// state codecs' property tests hold every patch to.
import type { EntityChange } from '../shared/redis/partition-store.ts';

export function applyEntityChange(stored: Map<string, Map<string, string>>, id: string, change: EntityChange): void {
  if (change.kind === 'delete') {
    stored.delete(id);
    return;
  }
  const fields = change.kind === 'replace' ? new Map<string, string>() : (stored.get(id) ?? new Map<string, string>());
  for (const [field, text] of change.fields) if (text === null) fields.delete(field); else fields.set(field, text);
  stored.set(id, fields);
}
