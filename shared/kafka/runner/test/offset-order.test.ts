import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../errors.ts';
import { openBatch, type BatchContext, type HandleBatch } from '../batch.ts';
import { runInOffsetOrder } from '../offset-order.ts';
import type { PartitionRetry } from '../partition-retry.ts';
import { createSettler } from '../settle.ts';
import { fakeDlq, freshMetrics, jsonDecode, messages, offsetsOf, recorder, silentLogger, type TestEvent } from './fakes.ts';

/** `handler` gets the log the fake port and payload write to, so one list shows the order of everything. */
function setup(handler: (calls: string[]) => HandleBatch<TestEvent>) {
  const r = recorder();
  const settler = createSettler<TestEvent>({
    decode: jsonDecode(),
    handleBatch: handler(r.calls),
    dlq: fakeDlq(),
    metrics: freshMetrics(),
    log: silentLogger,
  });
  const retries: string[] = [];
  const retry: Pick<PartitionRetry, 'later'> = { later: (topic, partition, offset, stage) => void retries.push(`${stage} ${topic}:${partition}@${offset}`) };
  const batch = openBatch('orders', 0, r.payload, { port: r.port, log: silentLogger, onCheckpoint: () => void r.calls.push('succeeded') });
  const run = (values: Parameters<typeof messages>[1], from = '0') =>
    runInOffsetOrder(batch, messages(Number(from), values), from, { settler, retry, maxRecords: 2 });
  return { ...r, run, retries };
}

/** A handler logging each call's offsets and fromOffset. */
const recording = (then: () => ReturnType<HandleBatch<TestEvent>> = async () => undefined) =>
  (calls: string[]): HandleBatch<TestEvent> => async (records, ctx: BatchContext) => {
    calls.push(`handle ${offsetsOf(records).join(',')} from ${ctx.fromOffset}`);
    return then();
  };

describe('offset order', () => {
  it('hands chunks over in offset order, each resolved, checkpointed and committed before the next', async () => {
    const { run, calls } = setup(recording());
    expect(await run([1, 2, 'poison', 4, 5])).toBe('5');
    expect(calls).toEqual([
      'handle orders:0,orders:1 from 0', 'resolve 1', 'succeeded', 'commit', 'heartbeat',
      'handle orders:3 from 2', 'resolve 3', 'succeeded', 'commit', 'heartbeat', // the poison record 2 went to the DLQ
      'handle orders:4 from 4', 'resolve 4', 'succeeded', 'commit', 'heartbeat',
    ]);
  });

  it('settles the records decoded before a transient decode failure, then retries from the failed record', async () => {
    const { run, calls, retries } = setup(recording());
    expect(await run([1, 2, 3, 'transient', 5])).toBe('3');
    expect(calls).toEqual([
      'handle orders:0,orders:1 from 0', 'resolve 1', 'succeeded', 'commit', 'heartbeat',
      'handle orders:2 from 2', 'resolve 2', // the record before the failure settled; no checkpoint after the failure
    ]);
    expect(retries).toEqual(['decode orders:0@3']);
  });

  it('a failing handler resolves nothing of its chunk: the partition retries from the chunk', async () => {
    let n = 0;
    const { run, calls, retries } = setup(() => async () => {
      if (++n === 2) throw new TransientError('redis down');
    });
    expect(await run([1, 2, 3, 4, 5])).toBe('2');
    expect(retries).toEqual(['handle orders:0@2']);
    expect(calls.filter((c) => c.startsWith('resolve'))).toEqual(['resolve 1']);
  });

  it('a rewind seeks the partition and ends the batch, resolving nothing', async () => {
    const { run, calls, retries } = setup(recording(async () => ({ seekTo: '0' })));
    expect(await run([1, 2, 3], '10')).toBeUndefined();
    expect(calls).toEqual(['handle orders:10,orders:11 from 10', 'seek orders:0@0']);
    expect(retries).toEqual([]);
  });

  it('a rewind with rewindAlso seeks the other topics of the partition there too', async () => {
    const { run, calls } = setup(recording(async () => ({ seekTo: '0', rewindAlso: { payments: '4', customers: '0' } })));
    expect(await run([1, 2, 3], '10')).toBeUndefined();
    expect(calls).toEqual(['handle orders:10,orders:11 from 10', 'seek orders:0@0', 'seek payments:0@4', 'seek customers:0@0']);
  });

  it.each([
    ['stop() has begun', (f: { running: boolean; stale: boolean }) => void (f.running = false)],
    ['the partition moved (rebalance, seek)', (f: { running: boolean; stale: boolean }) => void (f.stale = true)],
  ])('starts no call once %s, after settling the call in hand', async (_, change) => {
    let during = () => undefined as void;
    const { run, calls, flags } = setup(recording(async () => during()));
    during = () => change(flags);
    expect(await run([1, 2, 3, 4])).toBe('2');
    expect(calls).toEqual(['handle orders:0,orders:1 from 0', 'resolve 1', 'succeeded', 'commit', 'heartbeat']);
  });
});
