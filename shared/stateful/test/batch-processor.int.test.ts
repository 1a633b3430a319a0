// The batch processor's in-memory states against a real Redis: a batch of cached entities reads nothing, and the
// partition version fences a cache that fell behind (another owner committed, Redis lost its keys). Of the derived
// records for a compacted topic, a batch publishes the last per key. A state rebuilt from a log that lost records it
// never applied is marked incomplete, in Redis with the state. A batch's outcome lists the derived and rejected records
// its commit wrote, of the attempt that committed only.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Producer, ProducerBatch } from 'kafkajs';
import type { AnyEvent, TopicSpec } from '../../contracts/topics.ts';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunnerMetrics, type RunnerMetrics } from '../../metrics.ts';
import { OutboxPublisher } from '../../redis/outbox-publisher.ts';
import { INCOMPLETE_FIELD, PartitionStore } from '../../redis/partition-store.ts';
import { BatchProcessor, type BatchOutcome, type PartitionDomain, type SourceRecord } from '../batch-processor.ts';
import { wholeStateCodec } from '../state-codec.ts';

const TOPIC = 'orders';
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
const prefix = `test-${randomUUID()}`;
let store: PartitionStore;
let loads = 0;

/** Counts inputs per customer: the state is the count. */
const counting: PartitionDomain<{ customerId: string }, number> = {
  entityIds: (e) => [e.customerId],
  apply: (ws, e) => {
    ws.set(e.customerId, (ws.get(e.customerId) ?? 0) + 1);
    return { out: [] };
  },
  codec: wholeStateCodec(String, Number),
};

const processor = (metrics?: RunnerMetrics) =>
  new BatchProcessor({
    ...(metrics ? { metrics } : {}),
    domain: counting,
    store,
    // Nothing here derives a record, so no producer is ever called.
    publisher: new OutboxPublisher(store, {} as Producer),
    encode: () => Promise.reject(new Error('nothing is encoded')),
    toDlq: () => {
      throw new Error('nothing is rejected');
    },
    logStartOffset: async () => 0n,
  });

const records = (from: number, customers: string[]): Array<SourceRecord<{ customerId: string }>> =>
  customers.map((customerId, i) => ({ topic: TOPIC, partition: 0, offset: String(from + i), key: null, value: null, event: { customerId } }));

const stored = async () => ({
  c1: await redis.hget(store.keys(0).entity('c1'), 's'),
  offset: await redis.hget(store.keys(0).offsets, TOPIC),
});

beforeAll(async () => {
  await redis.connect();
  store = new PartitionStore(redis, 'svc', prefix);
  const load = store.load.bind(store);
  store.load = (partition, ids) => {
    loads++;
    return load(partition, ids);
  };
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('BatchProcessor', () => {
  it('keeps states in memory, and recomputes from Redis when another owner or an emptied Redis moved the version', async () => {
    const metrics = createRunnerMetrics(new Registry(), 'svc');
    const staleCommits = async () => (await metrics.staleCommits.get()).values[0]?.value ?? 0;
    const a = processor(metrics);
    const b = processor();
    await a.process(records(0, ['c1', 'c2']));
    const loadsBefore = loads;
    await a.process(records(2, ['c1']));
    expect(loads - loadsBefore).toBe(0); // c1 is in memory, and so are the offsets
    expect(await stored()).toEqual({ c1: '2', offset: '3' });

    // Another instance takes the partition over for a batch; a's cache is now behind.
    await b.process(records(3, ['c1']));
    expect(await stored()).toEqual({ c1: '3', offset: '4' });
    // a, stale, still holds the batch b applied: its commit from memory is refused, and from Redis it is a redelivery.
    await a.process(records(3, ['c1']));
    expect(await staleCommits()).toBe(1);
    expect(await stored()).toEqual({ c1: '3', offset: '4' });
    await a.process(records(4, ['c1']));
    expect(await stored()).toEqual({ c1: '4', offset: '5' }); // b's batch counted, nothing lost or doubled
    // a redelivery changes nothing, from memory or from Redis
    await a.process(records(4, ['c1']));
    await processor().process(records(4, ['c1']));
    expect(await stored()).toEqual({ c1: '4', offset: '5' });

    // Redis lost the partition while a holds it: the commit is fenced and the partition rewound to be rebuilt.
    await redis.del(store.keys(0).offsets, store.keys(0).entity('c1'), store.keys(0).entity('c2'));
    expect(await a.process(records(5, ['c1']))).toEqual({ kind: 'seek', topic: TOPIC, offset: 0n });
    await a.process(records(0, ['c1', 'c2', 'c1', 'c1', 'c1', 'c1']));
    expect(await stored()).toEqual({ c1: '5', offset: '6' });
  });
});

describe('BatchProcessor, derived records', () => {
  it('publishes every record, but of those flagged latestPerKey only the last per topic and key, in its place', async () => {
    const events = { name: 'events' } as TopicSpec;
    const counts = { name: 'counts' } as TopicSpec;
    // Per input: an event, then the customer's count so far (a compacted topic: the last count is what counts).
    const deriving: PartitionDomain<{ customerId: string }, number> = {
      ...counting,
      apply: (ws, e) => {
        const n = (ws.get(e.customerId) ?? 0) + 1;
        ws.set(e.customerId, n);
        const event = (kind: string) => ({ customerId: e.customerId, eventId: `${e.customerId}-${kind}-${n}` }) as unknown as AnyEvent;
        return { out: [{ spec: events, event: event('event') }, { spec: counts, event: event('count'), latestPerKey: true }] };
      },
    };
    const sent: string[] = [];
    const producer = {
      sendBatch: async (batch: ProducerBatch) => {
        for (const tm of batch.topicMessages ?? []) for (const m of tm.messages) sent.push(`${tm.topic} ${String(m.value)}`);
      },
    } as unknown as Producer;
    const p = new BatchProcessor({
      domain: deriving,
      store: new PartitionStore(redis, 'derive', prefix),
      publisher: new OutboxPublisher(new PartitionStore(redis, 'derive', prefix), producer),
      encode: (_spec, event) => Buffer.from(event.eventId), // synchronous, as with a known schema id
      toDlq: () => {
        throw new Error('nothing is rejected');
      },
      logStartOffset: async () => 0n,
    });
    const outcome = await p.process(records(0, ['c1', 'c2', 'c1', 'c1']));
    expect(outcome).toMatchObject({ kind: 'done', applied: 4, published: 6 });
    // The outcome lists what was committed, in outbox order, each with the input that derived it: of the counts, the
    // kept ones in their place.
    expect(outcome.kind === 'done' && outcome.derived.map((d) => `${d.record.event.eventId}@${d.source.offset}`)).toEqual([
      'c1-event-1@0',
      'c2-event-1@1',
      'c2-count-1@1',
      'c1-event-2@2',
      'c1-event-3@3',
      'c1-count-3@3',
    ]);
    expect(sent).toEqual([
      'events c1-event-1',
      'events c2-event-1',
      'events c1-event-2',
      'events c1-event-3',
      'counts c2-count-1',
      'counts c1-count-3',
    ]);
  });

  it('lists in its outcome the derived and rejected records of the attempt that committed, none for a redelivery', async () => {
    const events = { name: 'events' } as TopicSpec;
    let applies = 0;
    // Counts inputs per customer; the input that makes the count even is rejected (and still counted), the one that
    // makes it odd derives an event: what an attempt derives and rejects depends on the state it started from.
    const parity: PartitionDomain<{ customerId: string }, number> = {
      ...counting,
      apply: (ws, e) => {
        applies++;
        const n = (ws.get(e.customerId) ?? 0) + 1;
        ws.set(e.customerId, n);
        if (n % 2 === 0) return { out: [], rejected: { errorClass: 'InvalidEvent', message: `count ${n}` } };
        return { out: [{ spec: events, event: { customerId: e.customerId, eventId: `${e.customerId}-${n}` } as unknown as AnyEvent }] };
      },
    };
    const sent: string[] = [];
    const producer = {
      sendBatch: async (batch: ProducerBatch) => {
        for (const tm of batch.topicMessages ?? []) for (const m of tm.messages) sent.push(`${tm.topic} ${String(m.value)}`);
      },
    } as unknown as Producer;
    const outcomeStore = new PartitionStore(redis, 'outcome', prefix);
    const lettered: string[] = [];
    const make = () =>
      new BatchProcessor({
        domain: parity,
        store: outcomeStore,
        publisher: new OutboxPublisher(outcomeStore, producer),
        encode: (_spec, event) => Buffer.from(event.eventId),
        toDlq: (r) => ({ topic: 'dlq', key: r.event.customerId, value: Buffer.from(`${r.topic}@${r.offset}`) }),
        logStartOffset: async () => 0n,
        onDeadLetter: (r, rejection) => lettered.push(`${r.topic}@${r.offset} ${rejection.message}`),
      });
    const at = (topic: string, offset: number): SourceRecord<{ customerId: string }> =>
      ({ topic, partition: 0, offset: String(offset), key: null, value: null, event: { customerId: 'c1' } });
    const listed = (outcome: BatchOutcome<{ customerId: string }>) => {
      if (outcome.kind !== 'done') throw new Error(`unexpected ${outcome.kind}`);
      return {
        derived: outcome.derived.map(({ record, source }) => `${record.event.eventId} from ${source.topic}@${source.offset}`),
        rejected: outcome.rejected.map(({ source, rejection }) => `${source.topic}@${source.offset} ${rejection.message}`),
      };
    };
    const a = make();
    expect(listed(await a.process([at(TOPIC, 0)]))).toEqual({ derived: ['c1-1 from orders@0'], rejected: [] });
    // Another instance commits a record of another topic of the partition: a's cache is behind, but nothing in a's next
    // batch's offsets shows it, so a computes that batch from its cache and its commit is refused as stale.
    expect(listed(await make().process([at('profiles', 0)]))).toEqual({ derived: [], rejected: ['profiles@0 count 2'] });
    applies = 0;
    lettered.length = 0;
    const outcome = await a.process([at(TOPIC, 1), at(TOPIC, 2)]);
    expect(applies).toBe(4); // the stale attempt (from count 1: rejects orders@1, derives c1-3 from orders@2), then this one
    expect(outcome).toMatchObject({ kind: 'done', applied: 2, skipped: 0, published: 2 });
    expect(listed(outcome)).toEqual({ derived: ['c1-3 from orders@1'], rejected: ['orders@2 count 4'] });
    expect(lettered).toEqual(['orders@2 count 4']);
    expect(sent).toEqual(['events c1-1', 'dlq profiles@0', 'events c1-3', 'dlq orders@2']);

    // Delivered again, from memory or from Redis: nothing is committed, so nothing is listed.
    for (const p of [a, make()]) {
      const again = await p.process([at(TOPIC, 1), at(TOPIC, 2)]);
      expect(again).toMatchObject({ kind: 'done', applied: 0, skipped: 2 });
      expect(listed(again)).toEqual({ derived: [], rejected: [] });
    }
    expect(lettered).toEqual(['orders@2 count 4']);
  });

  it('marks a partition incomplete when its lost state is older than the log start, unless the topic is compacted', async () => {
    const seen: boolean[] = [];
    const told: Array<[number, boolean]> = [];
    const errors: unknown[] = [];
    const flagging: PartitionDomain<{ customerId: string }, number> = {
      ...counting,
      apply: (ws, e, ctx) => {
        seen.push(ctx.stateIncomplete);
        return counting.apply(ws, e, ctx);
      },
    };
    const p = new BatchProcessor({
      domain: flagging,
      store,
      publisher: new OutboxPublisher(store, {} as Producer),
      encode: () => Promise.reject(new Error('nothing is encoded')),
      toDlq: () => {
        throw new Error('nothing is rejected');
      },
      logStartOffset: async (topic) => (topic === TOPIC ? 5n : 7n),
      compactedTopics: new Set(['profiles']),
      logger: { error: (obj: unknown) => errors.push(obj) } as never,
      onStateIncomplete: (partition, incomplete) => told.push([partition, incomplete]),
    });
    const at = (topic: string, offset: number): SourceRecord<{ customerId: string }> =>
      ({ topic, partition: 3, offset: String(offset), key: null, value: null, event: { customerId: 'c1' } });

    await p.process([at('profiles', 7)]); // compacted: its log start above 0 loses nothing
    expect(await redis.hget(store.keys(3).offsets, INCOMPLETE_FIELD)).toBeNull();
    expect(await p.process([at(TOPIC, 5), at(TOPIC, 6)])).toMatchObject({ kind: 'done', applied: 2 }); // 0-4 are gone
    expect(await redis.hget(store.keys(3).offsets, INCOMPLETE_FIELD)).toBe(`${TOPIC}[3] applied up to 0, log starts at 5`);
    await processor().process([at(TOPIC, 7)]); // another instance reads the mark from Redis
    await p.process([at(TOPIC, 8)]);
    expect(seen).toEqual([false, true, true, true]);
    expect(told).toEqual([[3, false], [3, true], [3, true]]);
    expect(errors).toEqual([{ partition: 3, lost: `${TOPIC}[3] applied up to 0, log starts at 5` }]);
  });
});
