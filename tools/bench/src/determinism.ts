// The determinism check's comparison: what a service published for the pre-loaded history against what its pure core
// derives from the same records. Each side is a map from a key to a digest of the content (equal digests, equal
// contents); what a side lacks, what it has more of and what it has with other contents are counted apart, and a
// key published twice with two contents counts as other contents (consumers de-duplicate by id, so one of the two
// is lost). Pure: the bench reads the topics and replays the core, this only compares.
import { hash } from 'node:crypto';

export interface Differences {
  /** Keys the core derived. */
  readonly expected: number;
  /** Distinct keys the service published. */
  readonly published: number;
  /** Derived by the core, not published. */
  readonly missing: number;
  /** Published, not derived by the core. */
  readonly extra: number;
  /** Published with other contents than the core's, or with two contents. */
  readonly different: number;
  /** A few keys of each kind, to look at. */
  readonly samples: { readonly missing: readonly string[]; readonly extra: readonly string[]; readonly different: readonly string[] };
}

const SAMPLES = 5;

export const differencesOf = (d: Differences): number => d.missing + d.extra + d.different;

/** A short digest of a record's bytes (or of a canonical text). */
export const digestOf = (content: Buffer | string): string => hash('sha1', content, 'base64');

/** JSON with object keys sorted, so two objects with the same fields give the same text whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Compares one for one by key; `published` may repeat a key (a republished record), in the order it was read. */
export function compareByKey(
  expected: ReadonlyMap<string, string>,
  published: Iterable<{ readonly key: string; readonly digest: string }>,
): Differences {
  const seen = new Map<string, string>();
  const conflicting = new Set<string>();
  for (const { key, digest } of published) {
    const before = seen.get(key);
    if (before !== undefined && before !== digest) conflicting.add(key);
    seen.set(key, digest);
  }
  const missing: string[] = [];
  const extra: string[] = [];
  const different: string[] = [];
  for (const [key, digest] of expected) {
    const got = seen.get(key);
    if (got === undefined) missing.push(key);
    else if (got !== digest || conflicting.has(key)) different.push(key);
  }
  for (const key of seen.keys()) if (!expected.has(key)) extra.push(key);
  return {
    expected: expected.size,
    published: seen.size,
    missing: missing.length,
    extra: extra.length,
    different: different.length,
    samples: { missing: missing.slice(0, SAMPLES), extra: extra.slice(0, SAMPLES), different: different.slice(0, SAMPLES) },
  };
}
