import { describe, expect, it } from 'vitest';
import { canonicalJson, compareByKey, differencesOf, digestOf } from '../src/determinism.ts';

const rows = (entries: Array<[string, string]>) => entries.map(([key, digest]) => ({ key, digest }));

describe('compareByKey', () => {
  const expected = new Map([
    ['e1', 'd1'],
    ['e2', 'd2'],
    ['e3', 'd3'],
  ]);

  it('finds no difference when the service published what the core derived, in any order, republished or not', () => {
    const d = compareByKey(expected, rows([['e3', 'd3'], ['e1', 'd1'], ['e2', 'd2'], ['e1', 'd1']]));
    expect(d).toMatchObject({ expected: 3, published: 3, missing: 0, extra: 0, different: 0 });
    expect(differencesOf(d)).toBe(0);
  });

  it('counts an id missing, an id extra and an id with other contents apart, with samples of each', () => {
    const d = compareByKey(expected, rows([['e1', 'd1'], ['e2', 'other'], ['e9', 'd9']]));
    expect(d).toMatchObject({ expected: 3, published: 3, missing: 1, extra: 1, different: 1 });
    expect(d.samples).toEqual({ missing: ['e3'], extra: ['e9'], different: ['e2'] });
    expect(differencesOf(d)).toBe(3);
  });

  it('counts an id published with two contents as other contents, whichever came last', () => {
    for (const order of [[['e1', 'd1'], ['e1', 'x']], [['e1', 'x'], ['e1', 'd1']]] as Array<Array<[string, string]>>) {
      const d = compareByKey(new Map([['e1', 'd1']]), rows(order));
      expect(d).toMatchObject({ missing: 0, extra: 0, different: 1 });
    }
  });

  it('keeps five samples per kind at most', () => {
    const many = new Map(Array.from({ length: 20 }, (_, i) => [`e${i}`, 'd'] as [string, string]));
    const d = compareByKey(many, []);
    expect(d.missing).toBe(20);
    expect(d.samples.missing).toHaveLength(5);
  });
});

describe('canonicalJson', () => {
  it('gives objects with the same fields in another key order the same text, and other fields another', () => {
    const a = { currency: 'EUR', exposure: 5, nested: { b: 1, a: [2, { d: 1, c: 0 }] } };
    const b = { nested: { a: [2, { c: 0, d: 1 }], b: 1 }, exposure: 5, currency: 'EUR' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(digestOf(canonicalJson(a))).toBe(digestOf(canonicalJson(b)));
    expect(canonicalJson({ ...a, exposure: 6 })).not.toBe(canonicalJson(b));
    expect(canonicalJson({ a: [2, 1] })).not.toBe(canonicalJson({ a: [1, 2] }));
  });
});
