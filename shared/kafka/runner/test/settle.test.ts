import { describe, expect, it } from 'vitest';
import { ConsumerApiError, openBatch, type ConsumedRecord } from '../batch.ts';
import { createSettler, type SettlerOptions } from '../settle.ts';
import { fakeDlq, freshMetrics, jsonDecode, messages, offsetsOf, recorder, silentLogger, valuesOf, type TestEvent } from './fakes.ts';

function setup(over: Partial<SettlerOptions<TestEvent>> = {}) {
  const dlq = fakeDlq();
  const metrics = freshMetrics();
  const calls: string[][] = [];
  const handled: Array<ConsumedRecord<TestEvent>> = [];
  const settler = createSettler<TestEvent>({
    decode: jsonDecode(),
    handleBatch: async (records) => {
      calls.push(offsetsOf(records));
      handled.push(...records);
    },
    dlq,
    metrics,
    log: silentLogger,
    ...over,
  });
  const r = recorder();
  const ctx = openBatch('orders', 0, r.payload, { port: r.port, log: silentLogger, onCheckpoint: () => undefined }).context('orders', { orders: '0' });
  return { settler, dlq, metrics, calls, handled, ctx };
}

describe('settle: decode', () => {
  it('decodes good records and marks poison ones as dead letters with their bytes, key and headers', async () => {
    const { settler } = setup({ eventTime: (e) => e.t });
    const { items, failure } = await settler.decodeChunk('orders', 3, messages(10, [5, 'poison', 7]));
    expect(failure).toBeUndefined();
    expect(items.map((i) => [i.offset, i.record?.event, i.time, i.poison?.error.errorClass])).toEqual([
      ['10', { t: 5 }, 5, undefined],
      ['11', undefined, undefined, 'CorruptAvro'],
      ['12', { t: 7 }, 7, undefined],
    ]);
    const letter = items[1]!.poison!;
    expect([letter.topic, letter.partition, letter.offset]).toEqual(['orders', 3, '11']);
    expect(letter.value).toEqual(Buffer.from('poison'));
    expect(letter.key).toEqual(Buffer.from('C-1'));
    expect(letter.headers).toEqual({ trace: 't-11' });
    expect(items[0]!.record).toMatchObject({ topic: 'orders', partition: 3, offset: '10', timestamp: 1_700_000_000_000 });
  });

  it('stops at the first transient failure, keeping what was decoded before it', async () => {
    const { settler } = setup();
    const { items, failure } = await settler.decodeChunk('orders', 0, messages(0, [1, 'poison', 'transient', 4]));
    expect(items.map((i) => i.offset)).toEqual(['0', '1']);
    expect(failure?.stage).toBe('decode');
    expect(items[0]!.time).toBeUndefined(); // no event time unless aligning
  });
});

describe('settle: handle, then DLQ', () => {
  it('hands the good records over, then dead-letters the poison ones, and counts every record of each topic', async () => {
    const { settler, dlq, metrics, calls, ctx } = setup({ eventTime: (e) => e.t });
    const orders = (await settler.decodeChunk('orders', 0, messages(0, [5, 'poison', 9, 7]))).items;
    const payments = (await settler.decodeChunk('payments', 0, messages(40, [6]))).items;
    const outcome = await settler.settle([...orders.slice(0, 2), ...payments, ...orders.slice(2)], ctx);

    expect(calls).toEqual([['orders:0', 'payments:40', 'orders:2', 'orders:3']]);
    expect(dlq.sent.map((letters) => letters.map((l) => l.offset))).toEqual([['1']]);
    expect(outcome).toEqual({
      kind: 'settled',
      progress: [
        { topic: 'orders', count: 4, next: 4n, lastTime: 9 }, // the latest time, not the last record's
        { topic: 'payments', count: 1, next: 41n, lastTime: 6 },
      ],
    });
    expect(await valuesOf(metrics.recordsConsumed)).toEqual([{ topic: 'orders', value: 4 }, { topic: 'payments', value: 1 }]);
    expect(await valuesOf(metrics.dlqRecords)).toEqual([{ topic: 'orders', error_class: 'CorruptAvro', value: 1 }]);
  });

  it('does not call the handler for poison records alone', async () => {
    const { settler, dlq, calls, ctx } = setup();
    const { items } = await settler.decodeChunk('orders', 0, messages(0, ['poison', 'poison']));
    expect((await settler.settle(items, ctx)).kind).toBe('settled');
    expect(calls).toEqual([]);
    expect(dlq.sent.flat()).toHaveLength(2);
  });

  it('a failing handler settles nothing: no dead letter, nothing counted', async () => {
    const boom = new Error('redis down');
    const { settler, dlq, metrics, ctx } = setup({ handleBatch: async () => { throw boom; } });
    const { items } = await settler.decodeChunk('orders', 0, messages(0, [1, 'poison']));
    expect(await settler.settle(items, ctx)).toEqual({ kind: 'failed', failure: { stage: 'handle', error: boom } });
    expect(dlq.sent).toEqual([]);
    expect(await valuesOf(metrics.recordsConsumed)).toEqual([]);
  });

  it('a failing DLQ settles nothing, after the handler ran', async () => {
    const { settler, dlq, metrics, calls, ctx } = setup();
    dlq.failing = new Error('broker unreachable');
    const { items } = await settler.decodeChunk('orders', 0, messages(0, [1, 'poison']));
    expect(await settler.settle(items, ctx)).toEqual({ kind: 'failed', failure: { stage: 'dlq', error: dlq.failing } });
    expect(calls).toEqual([['orders:0']]);
    expect(await valuesOf(metrics.dlqRecords)).toEqual([]);
  });

  it('passes a rewind on, defaulting to the context topic, without dead-lettering', async () => {
    const { settler, dlq, ctx } = setup({ handleBatch: async () => ({ seekTo: '0' }) });
    const { items } = await settler.decodeChunk('orders', 0, messages(3, [1, 'poison']));
    expect(await settler.settle(items, ctx)).toEqual({ kind: 'rewind', seekTo: { topic: 'orders', offset: '0' } });
    const named = setup({ handleBatch: async () => ({ seekTo: '7', topic: 'payments' }) });
    expect(await named.settler.settle(items, named.ctx)).toEqual({ kind: 'rewind', seekTo: { topic: 'payments', offset: '7' } });
    // Other topics to rewind too; the rewound topic itself is not repeated.
    const also = setup({ handleBatch: async () => ({ seekTo: '7', topic: 'payments', rewindAlso: { payments: '7', orders: '2' } }) });
    expect(await also.settler.settle(items, also.ctx)).toEqual({ kind: 'rewind', seekTo: { topic: 'payments', offset: '7' }, also: [{ topic: 'orders', offset: '2' }] });
    expect(dlq.sent).toEqual([]);
  });

  it('rethrows a failure of the consumer itself (a heartbeat in the handler) for kafkajs to see', async () => {
    const { settler, ctx } = setup({ handleBatch: async () => { throw new ConsumerApiError(new Error('rebalancing')); } });
    const { items } = await settler.decodeChunk('orders', 0, messages(0, [1]));
    await expect(settler.settle(items, ctx)).rejects.toBeInstanceOf(ConsumerApiError);
  });
});
