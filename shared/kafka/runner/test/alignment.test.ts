import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import { createAlignment, readPositions, type OffsetsPort, type Seed } from '../alignment.ts';
import { openBatch, partitionLanes, type HandleBatch } from '../batch.ts';
import type { PartitionRetry } from '../partition-retry.ts';
import { createSettler } from '../settle.ts';
import { fakeDlq, freshMetrics, jsonDecode, messages, offsetsOf, recorder, silentLogger, valuesOf, type TestEvent } from './fakes.ts';

afterEach(() => void vi.useRealTimers());

const TOPICS = ['orders', 'payments'];
/** Partition 0 of both topics holds records from offset 0 on: neither is caught up until it is fetched. */
const BOTH_BEHIND: Seed[] = [
  { topic: 'orders', partition: 0, next: 0n, end: 3n },
  { topic: 'payments', partition: 0, next: 0n, end: 2n },
];

interface Setup {
  mixedTopics?: boolean;
  seeds?: () => Promise<Seed[]>;
  /** What the handler answers (default: nothing, the call settles). */
  answer?: (records: string[]) => ReturnType<HandleBatch<TestEvent>>;
}

/** An alignment over a fake port and fake payloads, whose handler and retries write to the same log. */
async function setup(o: Setup = {}) {
  const r = recorder();
  const metrics = freshMetrics();
  const settler = createSettler<TestEvent>({
    decode: jsonDecode(),
    handleBatch: async (records, ctx) => {
      const offsets = offsetsOf(records);
      r.calls.push(`handle ${offsets.join(',')} from ${JSON.stringify(ctx.fromOffsets)}`);
      return o.answer?.(offsets);
    },
    dlq: fakeDlq(),
    metrics,
    log: silentLogger,
    eventTime: (e) => e.t,
  });
  const retry: Pick<PartitionRetry, 'later'> = {
    later: (topic, partition, offset, stage) => void r.calls.push(`retry ${stage} ${topic}:${partition}@${offset}`),
  };
  const alignment = createAlignment<TestEvent>({
    topics: TOPICS,
    maxIdleMs: 1_000,
    mixedTopics: o.mixedTopics ?? false,
    maxRecords: 100,
    port: r.port,
    settler,
    retry,
    metrics,
    log: silentLogger,
    positions: o.seeds ?? (async () => BOTH_BEHIND),
    inLane: partitionLanes(),
  });
  alignment.assigned({ orders: [0], payments: [0] });
  /** A fetched batch of partition 0 of `topic`, from the offset of its first message up to `highWatermark`. */
  const fetch = (topic: string, msgs: KafkaMessage[], highWatermark: string) =>
    alignment.run(
      openBatch(topic, 0, r.payloadFor(topic), { port: r.port, log: silentLogger, onCheckpoint: () => undefined }),
      { messages: msgs, from: msgs[0]!.offset, lastOffset: msgs.at(-1)!.offset, highWatermark },
    );
  return { ...r, alignment, metrics, fetch };
}

const checkpoint = ['commit', 'heartbeat'];

describe('alignment: parking and merging', () => {
  it('parks a batch while another topic of its partition is known to lag, then merges both in event-time order', async () => {
    const { fetch, calls, alignment, metrics } = await setup();
    expect(await fetch('orders', messages(0, [10, 30, 50]), '3')).toBe('0'); // nothing handled: still at 0
    expect(calls).toEqual(['pause orders:0', 'seek orders:0@0']);
    expect(alignment.isParked('orders', 0)).toBe(true);
    expect(await valuesOf(metrics.alignmentWaits)).toEqual([{ topic: 'orders', outcome: 'waiting', value: 1 }]);

    calls.length = 0;
    expect(await fetch('payments', messages(0, [20, 40]), '2')).toBe('2');
    expect(calls).toEqual([
      'handle orders:0 from {"orders":"0"}', 'seek orders:0@1', ...checkpoint, // a parked topic's position moves by seek
      'handle payments:0 from {"payments":"0"}', 'resolve payments@0', ...checkpoint,
      'handle orders:1 from {"orders":"1"}', 'seek orders:0@2', ...checkpoint,
      'handle payments:1 from {"payments":"1"}', 'resolve payments@1', ...checkpoint,
      'handle orders:2 from {"orders":"2"}', 'seek orders:0@3', 'resume orders:0', ...checkpoint, // all of it handled
    ]);
    expect(alignment.isParked('orders', 0)).toBe(false);
  });

  it('with mixedTopics hands the merged records of both topics over in one call, naming where each topic starts', async () => {
    const { fetch, calls } = await setup({ mixedTopics: true });
    await fetch('orders', messages(5, [10, 30, 50]), '8');
    calls.length = 0;
    expect(await fetch('payments', messages(0, [20, 40]), '2')).toBe('2');
    expect(calls).toEqual([
      'handle orders:5,payments:0,orders:6,payments:1,orders:7 from {"orders":"5","payments":"0"}',
      'seek orders:0@8', 'resume orders:0', 'resolve payments@1', ...checkpoint,
    ]);
  });

  it('keeps what is not due yet parked, at the first record it has not handled', async () => {
    const { fetch, calls, alignment } = await setup({
      seeds: async () => [...BOTH_BEHIND, { topic: 'payments', partition: 0, next: 0n, end: 5n }],
    });
    await fetch('orders', [...messages(0, [10, 30]), ...messages(7, [50])], '8'); // offsets 2-6 compacted away
    calls.length = 0;
    // payments holds more records after these two: orders past 40 must wait for them
    expect(await fetch('payments', messages(0, [20, 40]), '5')).toBe('2');
    expect(calls.filter((c) => c.startsWith('handle'))).toEqual([
      'handle orders:0 from {"orders":"0"}', 'handle payments:0 from {"payments":"0"}',
      'handle orders:1 from {"orders":"1"}', 'handle payments:1 from {"payments":"1"}',
    ]);
    expect(calls.filter((c) => c.startsWith('seek')).at(-1)).toBe('seek orders:0@7'); // where its next record is
    expect(calls).not.toContain('resume orders:0');
    expect(alignment.isParked('orders', 0)).toBe(true);
  });

  it('drops parked records after maxIdleMs so they are fetched again, and only then', async () => {
    vi.useFakeTimers();
    const { fetch, calls, alignment } = await setup();
    await fetch('orders', messages(0, [10]), '1');
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).not.toContain('resume orders:0');
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.at(-1)).toBe('resume orders:0');
    expect(alignment.isParked('orders', 0)).toBe(false);
  });

  it('a new assignment, or stop(), drops what is parked', async () => {
    vi.useFakeTimers();
    const { fetch, calls, alignment } = await setup();
    await fetch('orders', messages(0, [10]), '1');
    alignment.assigned({ orders: [0], payments: [0] });
    expect(calls.at(-1)).toBe('resume orders:0'); // fetched again from the committed position
    expect(alignment.isParked('orders', 0)).toBe(false);

    await fetch('orders', messages(0, [10]), '1');
    expect(alignment.isParked('orders', 0)).toBe(true);
    alignment.stop();
    expect(alignment.isParked('orders', 0)).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('aligns by what is fetched only when the assignment cannot be seeded', async () => {
    const { fetch, calls } = await setup({ seeds: async () => { throw new Error('broker unreachable'); } });
    expect(await fetch('orders', messages(0, [10, 30]), '2')).toBe('2');
    expect(calls).toEqual(['handle orders:0,orders:1 from {"orders":"0"}', 'resolve orders@1', ...checkpoint]);
  });
});

describe('alignment: failures and rewinds', () => {
  it('a failed call retries every topic in it from its first record, unparking the parked one', async () => {
    const { fetch, calls, alignment } = await setup({ mixedTopics: true, answer: async () => { throw new Error('redis down'); } });
    await fetch('orders', messages(0, [10, 30, 50]), '3');
    calls.length = 0;
    expect(await fetch('payments', messages(0, [20, 40]), '2')).toBeUndefined();
    expect(calls.slice(1)).toEqual(['resume orders:0', 'retry handle orders:0@0', 'retry handle payments:0@0']);
    expect(alignment.isParked('orders', 0)).toBe(false);
  });

  it('a rewind seeks the named topic there and puts the other topics of the call back at their first record', async () => {
    const { fetch, calls } = await setup({ mixedTopics: true, answer: async () => ({ seekTo: '0', topic: 'orders' }) });
    await fetch('orders', messages(3, [10, 30, 50]), '6');
    calls.length = 0;
    expect(await fetch('payments', messages(4, [20, 40]), '6')).toBeUndefined();
    expect(calls.slice(1)).toEqual(['resume orders:0', 'seek payments:0@4', 'seek orders:0@0']);
  });

  it('a rewind with rewindAlso seeks those topics too, dropping what the fetched one holds in memory', async () => {
    // Orders waits parked for payments; the call of orders asks to replay payments from 1 as well (a lost state).
    const { fetch, calls, alignment } = await setup({ answer: async () => ({ seekTo: '0', topic: 'orders', rewindAlso: { payments: '1' } }) });
    await fetch('orders', messages(3, [10, 30, 50]), '6');
    calls.length = 0;
    expect(await fetch('payments', messages(4, [20, 40]), '6')).toBeUndefined();
    expect(calls).toEqual(['handle orders:3 from {"orders":"3"}', 'resume orders:0', 'seek orders:0@0', 'seek payments:0@1']);
    expect(alignment.isParked('orders', 0)).toBe(false);
  });

  it('settles what decoded before a transient decode failure, then retries the batch from the failed record', async () => {
    const { fetch, calls } = await setup({ seeds: async () => [] });
    expect(await fetch('orders', messages(0, [10, 'transient', 30]), '3')).toBe('1');
    expect(calls).toEqual(['handle orders:0 from {"orders":"0"}', 'resolve orders@0', ...checkpoint, 'retry decode orders:0@1']);
  });

  it('starts no call once stop() has begun', async () => {
    const { fetch, calls, flags } = await setup({ seeds: async () => [] });
    flags.running = false;
    expect(await fetch('orders', messages(0, [10]), '1')).toBeUndefined();
    expect(calls).toEqual([]);
  });
});

describe('alignment: seeding positions', () => {
  function fakeAdmin(committed: Record<string, Record<number, string>>, ends: Record<string, Array<[number, string, string]>>) {
    const log: string[] = [];
    const admin: OffsetsPort = {
      connect: async () => void log.push('connect'),
      disconnect: async () => void log.push('disconnect'),
      fetchOffsets: async ({ topics }) =>
        topics.map((topic) => ({ topic, partitions: Object.entries(committed[topic] ?? {}).map(([p, offset]) => ({ partition: Number(p), offset })) })),
      fetchTopicOffsets: async (topic) => {
        if (!ends[topic]) throw new Error(`no topic ${topic}`);
        return ends[topic].map(([partition, low, high]) => ({ partition, low, high }));
      },
    };
    return { admin, log };
  }

  it('resumes at the committed offset, else at the log start or end, never below the log start', async () => {
    const { admin, log } = fakeAdmin(
      { orders: { 0: '7', 1: '-1', 2: '2' } },
      { orders: [[0, '0', '10'], [1, '3', '9'], [2, '4', '6']], payments: [[0, '1', '5']] },
    );
    const assignment = { orders: [0, 1, 2, 3], payments: [0] }; // orders 3 is not in the metadata: skipped
    expect(await readPositions(admin, 'g', assignment, true)).toEqual([
      { topic: 'orders', partition: 0, next: 7n, end: 10n },
      { topic: 'orders', partition: 1, next: 3n, end: 9n },
      { topic: 'orders', partition: 2, next: 4n, end: 6n },
      { topic: 'payments', partition: 0, next: 1n, end: 5n },
    ]);
    expect((await readPositions(admin, 'g', { orders: [1] }, false))[0]!.next).toBe(9n); // no commit, not from the beginning
    expect(log).toEqual(['connect', 'disconnect', 'connect', 'disconnect']);
  });

  it('disconnects when a lookup fails', async () => {
    const { admin, log } = fakeAdmin({}, {});
    await expect(readPositions(admin, 'g', { orders: [0] }, true)).rejects.toThrow('no topic orders');
    expect(log).toEqual(['connect', 'disconnect']);
  });
});
