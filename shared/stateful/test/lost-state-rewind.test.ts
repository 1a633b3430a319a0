import { describe, expect, it } from 'vitest';
import type { LoadedPartition } from '../../redis/partition-store.ts';
import { rewindEveryInput } from '../lost-state-rewind.ts';

const store = (offsets: Record<string, bigint>) => ({
  load: async (): Promise<LoadedPartition> => ({ version: 0, offsets: new Map(Object.entries(offsets)), states: new Map(), incomplete: null }),
});
const logStart = (starts: Record<string, bigint>) => async (topic: string) => starts[topic] ?? 0n;

describe('rewindEveryInput', () => {
  it('rewinds every other input to what Redis says was applied of it: from the start once Redis lost it all', async () => {
    // The orders record revealed the loss; profiles and payments have nothing new to deliver, yet must be replayed.
    expect(await rewindEveryInput(store({}), 3, { topic: 'orders', offset: 0n }, ['customers', 'orders', 'payments'], logStart({}))).toEqual({
      seekTo: '0',
      topic: 'orders',
      rewindAlso: { customers: '0', payments: '0' },
    });
  });

  it('rewinds a topic Redis still has to its applied offset, and never below a log start', async () => {
    const answer = await rewindEveryInput(store({ customers: 40n, payments: 2n }), 0, { topic: 'orders', offset: 5n }, ['orders', 'customers', 'payments', 'actions'], logStart({ payments: 9n, actions: 3n }));
    expect(answer.rewindAlso).toEqual({ customers: '40', payments: '9', actions: '3' });
  });
});
