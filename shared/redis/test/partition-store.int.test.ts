import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packRecords, PartitionStore, unpackRecords, type EntityChange, type OutboxRecord } from '../partition-store.ts';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
const prefix = `test-${randomUUID()}`;
let store: PartitionStore;

beforeAll(async () => {
  await redis.connect();
  store = new PartitionStore(redis, 'svc', prefix);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const replace = (fields: Record<string, string>): EntityChange => ({ kind: 'replace', fields: new Map(Object.entries(fields)) });
const patch = (fields: Record<string, string | null>): EntityChange => ({ kind: 'patch', fields: new Map(Object.entries(fields)) });
const fieldsOf = (fields: Record<string, string>) => new Map(Object.entries(fields));

describe('PartitionStore', () => {
  it('commits states, index, outbox and offsets atomically and loads them back in one round trip', async () => {
    const empty = await store.load(3, ['c1', 'c2']);
    expect(empty).toEqual({ version: 0, offsets: new Map(), states: new Map(), incomplete: null });

    const value = Buffer.from([0, 0, 0, 0, 7, 0xff, 0x00, 0x10]); // binary-safe: Avro bytes with NULs
    const committed = await store.commit(3, {
      expectedVersion: 0,
      offsets: new Map([['o2c.orders.v1', 42n], ['o2c.invoices.v1', 7n]]), // a batch of two topics, merged
      states: new Map([['c1', replace({ _: '{"a":1}', 'o:x': '{"n":1}' })], ['c2', replace({ s: '{"b":2}' })]]),
      index: new Map([['c1', 15000]]),
      outbox: [{ topic: 'o2c.credit-holds.v1', key: 'c1', value, headers: { h: 'x' } }],
    });
    if (committed === 'stale') throw new Error('unexpected stale commit');
    expect(committed.version).toBe(1);
    expect(committed.backlog).toBe(0);

    const loaded = await store.load(3, ['c1', 'c2', 'c3']);
    expect(loaded.version).toBe(1);
    expect(loaded.offsets).toEqual(new Map([['o2c.orders.v1', 42n], ['o2c.invoices.v1', 7n]]));
    expect(loaded.states).toEqual(new Map([['c1', fieldsOf({ _: '{"a":1}', 'o:x': '{"n":1}' })], ['c2', fieldsOf({ s: '{"b":2}' })]]));
    expect(await store.due(3, 15000)).toEqual(new Map([['c1', 15000]]));
    expect((await store.due(3, 14999)).size).toBe(0);

    const outbox = await store.readOutbox(3, 10);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.id).toBe(committed.entry!.id);
    const [record] = outbox[0]!.records;
    expect(record).toMatchObject({ topic: 'o2c.credit-holds.v1', key: 'c1', headers: { h: 'x' } });
    expect(record!.partition).toBeUndefined();
    expect(Buffer.compare(record!.value, value)).toBe(0);
    await store.ackOutbox(3, outbox.map((e) => e.id));
    expect(await store.outboxLength(3)).toBe(0);
  });

  it('patches the fields named, deletes those given null, and leaves the others as they were', async () => {
    await store.commit(4, { expectedVersion: 0, offsets: new Map([['t', 1n]]), states: new Map([['c', replace({ _: 'r1', 'o:1': 'a', 'o:2': 'b' })]]), outbox: [] });
    await store.commit(4, { expectedVersion: 1, offsets: new Map([['t', 2n]]), states: new Map([['c', patch({ _: 'r2', 'o:1': null, 'o:3': 'c' })]]), outbox: [] });
    expect((await store.load(4, ['c'])).states.get('c')).toEqual(fieldsOf({ _: 'r2', 'o:2': 'b', 'o:3': 'c' }));
    // A replace drops what it does not name.
    await store.commit(4, { expectedVersion: 2, offsets: new Map([['t', 3n]]), states: new Map([['c', replace({ _: 'r3' })]]), outbox: [] });
    expect((await store.load(4, ['c'])).states.get('c')).toEqual(fieldsOf({ _: 'r3' }));
  });

  it('refuses a commit whose expected version is stale and writes nothing', async () => {
    const before = await store.load(5, ['c1']);
    const ok = await store.commit(5, { expectedVersion: before.version, offsets: new Map([['t', 1n]]), states: new Map([['c1', replace({ s: 'v1' })]]), outbox: [] });
    expect(ok).toEqual({ version: before.version + 1, backlog: 0, entry: null });
    const stale = await store.commit(5, {
      expectedVersion: before.version,
      offsets: new Map([['t', 2n]]),
      states: new Map([['c1', replace({ s: 'zombie' })]]),
      index: new Map([['c1', 1]]),
      outbox: [{ topic: 'x', partition: 5, key: 'c1', value: Buffer.from('z') }],
    });
    expect(stale).toBe('stale');
    const after = await store.load(5, ['c1']);
    expect(after.states.get('c1')).toEqual(fieldsOf({ s: 'v1' }));
    expect(after.offsets.get('t')).toBe(1n);
    expect(await store.outboxLength(5)).toBe(0);
    expect((await store.due(5, 10)).size).toBe(0);
  });

  it('deletes states and index entries when told to, and keeps explicit outbox partitions', async () => {
    await store.commit(7, { expectedVersion: 0, offsets: new Map([['t', 1n]]), states: new Map([['c', replace({ s: 's' })]]), index: new Map([['c', 3]]), outbox: [] });
    await store.commit(7, {
      expectedVersion: 1,
      offsets: new Map([['t', 2n]]),
      states: new Map([['c', { kind: 'delete' }]]),
      index: new Map([['c', null]]),
      outbox: [{ topic: 'ticks', partition: 7, key: '', value: Buffer.from('t') }],
    });
    expect((await store.load(7, ['c'])).states.size).toBe(0);
    expect(await redis.exists(store.keys(7).entity('c'))).toBe(0);
    expect((await store.due(7, 100)).size).toBe(0);
    expect((await store.readOutbox(7, 5))[0]?.records[0]?.partition).toBe(7);
  });

  it('returns the entry of the records it appended and the backlog it found before it', async () => {
    const rec = (n: number) => ({ topic: 'out', key: `c${n}`, value: Buffer.from([n]) });
    const first = await store.commit(9, { expectedVersion: 0, offsets: new Map([['t', 1n]]), states: new Map(), outbox: [rec(1), rec(2)] });
    const second = await store.commit(9, { expectedVersion: 1, offsets: new Map([['t', 2n]]), states: new Map(), outbox: [rec(3)] });
    if (first === 'stale' || second === 'stale') throw new Error('unexpected stale commit');
    expect(first.backlog).toBe(0);
    expect(second.backlog).toBe(1);
    const inRedis = await store.readOutbox(9, 10);
    expect(inRedis.map((e) => e.id)).toEqual([first.entry!.id, second.entry!.id]);
    expect(inRedis.map((e) => e.records.map((r) => r.key))).toEqual([['c1', 'c2'], ['c3']]);
    expect(await store.outboxLength(9)).toBe(3); // records, over both entries

    await store.ackOutbox(9, inRedis.map((e) => e.id));
    const third = await store.commit(9, { expectedVersion: 2, offsets: new Map([['t', 3n]]), states: new Map(), outbox: [rec(4)] });
    expect(third).toMatchObject({ version: 3, backlog: 0 });
  });

  it('commits a batch with more records and entities than a Lua stack or a call takes', async () => {
    const outbox = Array.from({ length: 10_000 }, (_, n) => ({ topic: 'out', key: `c${n}`, value: Buffer.from(String(n)) }));
    const states = new Map(Array.from({ length: 3_000 }, (_, n) => [`c${n}`, replace({ s: String(n) })] as const));
    const committed = await store.commit(11, { expectedVersion: 0, offsets: new Map([['t', 1n]]), states, outbox });
    if (committed === 'stale') throw new Error('unexpected stale commit');
    const [entry] = await store.readOutbox(11, 1);
    expect(entry!.records).toHaveLength(10_000);
    expect(entry!.records.at(-1)!.key).toBe('c9999');
    expect((await store.load(11, ['c2999'])).states.get('c2999')).toEqual(fieldsOf({ s: '2999' }));
  });

  it('drops the offsets and states of the earlier layout (one hash of whole states), so the partition is rebuilt', async () => {
    const k = store.keys(13);
    await redis.hset(k.offsets, 'v', '4', 't', '99');
    await redis.hset(k.legacyState, 'c', '{"old":true}');
    const loaded = await store.load(13, ['c']);
    expect(loaded).toEqual({ version: 4, offsets: new Map(), states: new Map(), incomplete: null });
    await store.commit(13, { expectedVersion: 4, offsets: new Map([['u', 1n]]), states: new Map([['c', replace({ s: 'new' })]]), outbox: [] });
    expect(await redis.exists(k.legacyState)).toBe(0);
    expect((await store.load(13, ['c'])).offsets).toEqual(new Map([['u', 1n]])); // the old 't' offset is gone
  });
});

describe('packRecords', () => {
  it('unpacks what it packed: topics, partitions, keys, headers and binary values', () => {
    const records: OutboxRecord[] = [
      { topic: 'a', key: 'k1', value: Buffer.from([0, 1, 2]) },
      { topic: 'b.ü', partition: 3, key: '', value: Buffer.alloc(0), headers: { x: 'y', 'ä': '' } },
      { topic: 'a', key: 'κλειδί', value: Buffer.from('v'.repeat(70_000)) },
    ];
    expect(unpackRecords(packRecords(records))).toEqual(records);
  });
});
