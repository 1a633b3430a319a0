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
  it('commits state, index, outbox and offset atomically and loads them back in one round trip', async () => {
    const empty = await store.load(3, ['c1', 'c2']);
    expect(empty).toEqual({ version: 0, offsets: new Map(), states: new Map() });

    const value = Buffer.from([0, 0, 0, 0, 7, 0xff, 0x00, 0x10]); // binary-safe: Avro bytes with NULs
    const version = await store.commit(3, {
      expectedVersion: 0,
      topic: 'o2c.orders.v1',
      nextOffset: 42n,
      states: new Map([['c1', '{"a":1}'], ['c2', '{"b":2}']]),
      index: new Map([['c1', 15000]]),
      outbox: [{ topic: 'o2c.credit-holds.v1', key: 'c1', value, headers: { h: 'x' } }],
    });
    expect(version).toBe(1);

    const loaded = await store.load(3, ['c1', 'c2', 'c3']);
    expect(loaded.version).toBe(1);
    expect(loaded.offsets).toEqual(new Map([['o2c.orders.v1', 42n]]));
    expect(loaded.states).toEqual(new Map([['c1', '{"a":1}'], ['c2', '{"b":2}']]));
    expect(await store.due(3, 15000)).toEqual(new Map([['c1', 15000]]));
    expect((await store.due(3, 14999)).size).toBe(0);

    const outbox = await store.readOutbox(3, 10);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ topic: 'o2c.credit-holds.v1', key: 'c1', headers: { h: 'x' } });
    expect(outbox[0]!.partition).toBeUndefined();
    expect(Buffer.compare(outbox[0]!.value, value)).toBe(0);
    await store.ackOutbox(3, outbox.map((e) => e.id));
    expect(await store.outboxLength(3)).toBe(0);
  });

  it('refuses a commit whose expected version is stale and writes nothing', async () => {
    const before = await store.load(5, ['c1']);
    const ok = await store.commit(5, { expectedVersion: before.version, topic: 't', nextOffset: 1n, states: new Map([['c1', 'v1']]), outbox: [] });
    expect(ok).toBe(before.version + 1);
    const stale = await store.commit(5, {
      expectedVersion: before.version,
      topic: 't',
      nextOffset: 2n,
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
    await store.commit(7, { expectedVersion: 0, topic: 't', nextOffset: 1n, states: new Map([['c', 's']]), index: new Map([['c', 3]]), outbox: [] });
    await store.commit(7, {
      expectedVersion: 1,
      topic: 't',
      nextOffset: 2n,
      states: new Map([['c', null]]),
      index: new Map([['c', null]]),
      outbox: [{ topic: 'ticks', partition: 7, key: '', value: Buffer.from('t') }],
    });
    expect((await store.load(7, ['c'])).states.size).toBe(0);
    expect((await store.due(7, 100)).size).toBe(0);
    expect((await store.readOutbox(7, 5))[0]?.partition).toBe(7);
  });
});
