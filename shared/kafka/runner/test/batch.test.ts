import { describe, expect, it } from 'vitest';
import { ConsumerApiError, consumerPort, openBatch, partitionLanes } from '../batch.ts';
import { recorder, silentLogger } from './fakes.ts';

function setup() {
  const r = recorder();
  const checkpoints: number[] = [];
  const batch = openBatch('orders', 4, r.payload, { port: r.port, log: silentLogger, onCheckpoint: () => void checkpoints.push(1) });
  return { ...r, batch, checkpoints };
}

describe('batch contract', () => {
  it('a checkpoint starts the retries over, then commits if due, then heartbeats', async () => {
    const { batch, calls, checkpoints } = setup();
    batch.resolve('41');
    await batch.checkpoint();
    expect(calls).toEqual(['resolve 41', 'commit', 'heartbeat']);
    expect(checkpoints).toHaveLength(1);
  });

  it('hands a failing commit or heartbeat to kafkajs as a consumer error, not to the retry loop', async () => {
    const { batch, payload } = setup();
    const rebalancing = new Error('rebalancing');
    payload.commitOffsetsIfNecessary = async () => { throw rebalancing; };
    const failure = await batch.checkpoint().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConsumerApiError);
    expect((failure as ConsumerApiError).original).toBe(rebalancing);

    const second = setup();
    second.payload.heartbeat = async () => { throw rebalancing; };
    const ctx = second.batch.context('orders', { orders: '0' });
    await expect(ctx.heartbeat()).rejects.toBeInstanceOf(ConsumerApiError);
  });

  it("gives the handler the call's topic, partition and per-topic start positions", () => {
    const { batch } = setup();
    const ctx = batch.context('payments', { orders: '10', payments: '3' });
    expect([ctx.topic, ctx.partition, ctx.fromOffset, ctx.fromOffsets]).toEqual(['payments', 4, '3', { orders: '10', payments: '3' }]);
  });

  it('is live while running and not stale', () => {
    const { batch, flags } = setup();
    const ctx = batch.context('orders', { orders: '0' });
    expect(batch.live()).toBe(true);
    flags.stale = true;
    expect([batch.live(), ctx.isStale()]).toEqual([false, true]);
    flags.stale = false;
    flags.running = false;
    expect([batch.live(), ctx.isRunning()]).toEqual([false, false]);
  });

  it('a rewind seeks the named topic of the partition', () => {
    const { batch, calls } = setup();
    batch.rewind('payments', '7');
    expect(calls).toEqual(['seek payments:4@7']);
  });

  it('the consumer port speaks kafkajs: one topic-partition per call', () => {
    const seen: unknown[] = [];
    const port = consumerPort({
      pause: (t) => void seen.push(['pause', t]),
      seek: (t) => void seen.push(['seek', t]),
      resume: (t) => void seen.push(['resume', t]),
    });
    port.pause('orders', 1);
    port.seek('orders', 1, '9');
    port.resume('orders', 1);
    expect(seen).toEqual([
      ['pause', [{ topic: 'orders', partitions: [1] }]],
      ['seek', { topic: 'orders', partition: 1, offset: '9' }],
      ['resume', [{ topic: 'orders', partitions: [1] }]],
    ]);
  });
});

describe('partition lanes', () => {
  /** A piece of work that logs its start and end and finishes when told. */
  function work(log: string[], name: string) {
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    return {
      finish: () => finish(),
      run: async () => {
        log.push(`start ${name}`);
        await done;
        log.push(`end ${name}`);
        return name;
      },
    };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('runs work of one partition number one at a time, in order, and other partitions meanwhile', async () => {
    const inLane = partitionLanes();
    const log: string[] = [];
    const [a, b, c] = [work(log, 'a@0'), work(log, 'b@0'), work(log, 'c@1')];
    const results = [inLane(0, a.run), inLane(0, b.run), inLane(1, c.run)];
    await settle();
    expect(log).toEqual(['start a@0', 'start c@1']);
    b.finish(); // b cannot end before it started, which waits for a
    c.finish();
    await settle();
    expect(log).toEqual(['start a@0', 'start c@1', 'end c@1']);
    a.finish();
    expect(await Promise.all(results)).toEqual(['a@0', 'b@0', 'c@1']);
    expect(log).toEqual(['start a@0', 'start c@1', 'end c@1', 'end a@0', 'start b@0', 'end b@0']);
  });

  it('a failed piece of work does not block its lane, and its caller sees the failure', async () => {
    const inLane = partitionLanes();
    const failed = inLane(0, async () => { throw new Error('boom'); });
    const next = inLane(0, async () => 'next');
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('next');
  });
});
