import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartitionStore } from '../partition-store.ts';

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

describe('PartitionStore', () => {
  it('commits state, index, outbox and offsets atomically and loads them back in one round trip', async () => {
    const empty = await store.load(3, ['c1', 'c2']);
    expect(empty).toEqual({ version: 0, offsets: new Map(), states: new Map(), incomplete: null });

    const value = Buffer.from([0, 0, 0, 0, 7, 0xff, 0x00, 0x10]); // binary-safe: Avro bytes with NULs
    const committed = await store.commit(3, {
      expectedVersion: 0,
      offsets: new Map([['o2c.orders.v1', 42n], ['o2c.invoices.v1', 7n]]), // a batch of two topics, merged
      states: new Map([['c1', '{"a":1}'], ['c2', '{"b":2}']]),
      index: new Map([['c1', 15000]]),
      outbox: [{ topic: 'o2c.credit-holds.v1', key: 'c1', value, headers: { h: 'x' } }],
    });
    if (committed === 'stale') throw new Error('unexpected stale commit');
    expect(committed.version).toBe(1);
    expect(committed.backlog).toBe(0);

    const loaded = await store.load(3, ['c1', 'c2', 'c3']);
    expect(loaded.version).toBe(1);
    expect(loaded.offsets).toEqual(new Map([['o2c.orders.v1', 42n], ['o2c.invoices.v1', 7n]]));
    expect(loaded.states).toEqual(new Map([['c1', '{"a":1}'], ['c2', '{"b":2}']]));
    expect(await store.due(3, 15000)).toEqual(new Map([['c1', 15000]]));
    expect((await store.due(3, 14999)).size).toBe(0);

    const outbox = await store.readOutbox(3, 10);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ topic: 'o2c.credit-holds.v1', key: 'c1', headers: { h: 'x' } });
    expect(outbox[0]!.partition).toBeUndefined();
    expect(Buffer.compare(outbox[0]!.value, value)).toBe(0);
    expect(committed.outbox.map((e) => e.id)).toEqual([outbox[0]!.id]);
    await store.ackOutbox(3, outbox.map((e) => e.id));
    expect(await store.outboxLength(3)).toBe(0);
  });

  it('refuses a commit whose expected version is stale and writes nothing', async () => {
    const before = await store.load(5, ['c1']);
    const ok = await store.commit(5, { expectedVersion: before.version, offsets: new Map([['t', 1n]]), states: new Map([['c1', 'v1']]), outbox: [] });
    expect(ok).toEqual({ version: before.version + 1, backlog: 0, outbox: [] });
    const stale = await store.commit(5, {
      expectedVersion: before.version,
      offsets: new Map([['t', 2n]]),
      states: new Map([['c1', 'zombie']]),
      index: new Map([['c1', 1]]),
      outbox: [{ topic: 'x', partition: 5, key: 'c1', value: Buffer.from('z') }],
    });
    expect(stale).toBe('stale');
    const after = await store.load(5, ['c1']);
    expect(after.states.get('c1')).toBe('v1');
    expect(after.offsets.get('t')).toBe(1n);
    expect(await store.outboxLength(5)).toBe(0);
    expect((await store.due(5, 10)).size).toBe(0);
  });

  it('deletes state and index entries when told to, and keeps explicit outbox partitions', async () => {
    await store.commit(7, { expectedVersion: 0, offsets: new Map([['t', 1n]]), states: new Map([['c', 's']]), index: new Map([['c', 3]]), outbox: [] });
    await store.commit(7, {
      expectedVersion: 1,
      offsets: new Map([['t', 2n]]),
      states: new Map([['c', null]]),
      index: new Map([['c', null]]),
      outbox: [{ topic: 'ticks', partition: 7, key: '', value: Buffer.from('t') }],
    });
    expect((await store.load(7, ['c'])).states.size).toBe(0);
    expect((await store.due(7, 100)).size).toBe(0);
    expect((await store.readOutbox(7, 5))[0]?.partition).toBe(7);
  });

  it('returns the stream ids of the records it appended, in order, and the backlog it found before them', async () => {
    const rec = (n: number) => ({ topic: 'out', key: `c${n}`, value: Buffer.from([n]) });
    const first = await store.commit(9, { expectedVersion: 0, offsets: new Map([['t', 1n]]), states: new Map(), outbox: [rec(1), rec(2)] });
    const second = await store.commit(9, { expectedVersion: 1, offsets: new Map([['t', 2n]]), states: new Map(), outbox: [rec(3)] });
    if (first === 'stale' || second === 'stale') throw new Error('unexpected stale commit');
    expect(first.backlog).toBe(0);
    expect(second.backlog).toBe(2);
    const inRedis = await store.readOutbox(9, 10);
    expect(inRedis.map((e) => e.id)).toEqual([...first.outbox, ...second.outbox].map((e) => e.id));
    expect(second.outbox[0]).toMatchObject({ topic: 'out', key: 'c3', value: Buffer.from([3]) });

    await store.ackOutbox(9, inRedis.map((e) => e.id));
    const third = await store.commit(9, { expectedVersion: 2, offsets: new Map([['t', 3n]]), states: new Map(), outbox: [rec(4)] });
    expect(third).toMatchObject({ version: 3, backlog: 0 });
  });

  it('returns every id of a commit larger than a Lua stack', async () => {
    const outbox = Array.from({ length: 10_000 }, (_, n) => ({ topic: 'out', key: `c${n}`, value: Buffer.from(String(n)) }));
    const committed = await store.commit(11, { expectedVersion: 0, offsets: new Map([['t', 1n]]), states: new Map(), outbox });
    if (committed === 'stale') throw new Error('unexpected stale commit');
    expect(committed.outbox).toHaveLength(10_000);
    expect(new Set(committed.outbox.map((e) => e.id)).size).toBe(10_000);
    expect(committed.outbox.at(-1)!.key).toBe('c9999');
  });
});
