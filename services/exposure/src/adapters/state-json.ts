// A customer state as JSON, the same text JSON.stringify gives, built from cached pieces. A state is one Redis value
// of ~10 KB, written after every batch that changes the customer; at a steady rate of orders a batch is often a single
// order, so stringifying the whole state per batch was the service's largest cost. The core replaces documents instead
// of mutating them, so a document object, once part of a state, never changes: its `"id":json` is cached by object
// identity. A collection's text is cached by identity too; the core copies a collection before writing it, except in
// place (the adapter's mode), where the collections an input wrote are the same objects changed: their text is
// dropped (forgetWritten) before the state is next serialized, and rebuilt from its documents' cached entries.
import type { Collection, CustomerState } from '../domain/index.ts';

/** The collections of documents keyed by id, built entry by entry from the documents' cached JSON. */
const KEYED = new Set(['orders', 'invoices', 'payments', 'invoicedAhead', 'parkedActions']);

/** JSON of a keyed collection, while it is part of a state. */
const collections = new WeakMap<object, string>();
/** `"id":json` of a document: a document object is only ever stored under its own id. */
const entries = new WeakMap<object, string>();

function keyedJson(collection: Record<string, unknown>): string {
  let text = collections.get(collection);
  if (text !== undefined) return text;
  const parts: string[] = [];
  for (const id of Object.keys(collection)) {
    const doc = collection[id];
    let entry = typeof doc === 'object' && doc !== null ? entries.get(doc) : undefined;
    if (entry === undefined) {
      const json = JSON.stringify(doc);
      if (json === undefined) continue;
      entry = `${JSON.stringify(id)}:${json}`;
      if (typeof doc === 'object' && doc !== null) entries.set(doc, entry);
    }
    parts.push(entry);
  }
  text = `{${parts.join(',')}}`;
  collections.set(collection, text);
  return text;
}

/**
 * JSON.stringify(state), byte for byte. The other fields (totals, profile, snapshot, the held queue) are small and
 * mostly new objects after an input: stringified as they are, not cached (a WeakMap entry costs the GC more).
 */
export function stateJson(state: CustomerState): string {
  const parts: string[] = [];
  const fields = state as unknown as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    const text = KEYED.has(key) && typeof value === 'object' && value !== null && !Array.isArray(value)
      ? keyedJson(value as Record<string, unknown>)
      : JSON.stringify(value);
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/** Drops the cached text of the collections an input wrote in place (applyEvent's `written`). */
export function forgetWritten(state: CustomerState, written: ReadonlySet<Collection>): void {
  for (const name of written) if (KEYED.has(name)) collections.delete(state[name]);
}
