import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isRetriableKafkaError, retryKafkaStartup } from '../admin.ts';

// What a brand-new broker answers while it creates __consumer_offsets: NOT_COORDINATOR (code 16, retriable).
const notCoordinator = () =>
  new kafkajs.KafkaJSProtocolError({ message: 'This is not the correct coordinator for this group', type: 'NOT_COORDINATOR', code: 16, retriable: true } as never);

describe('start-up retry of Kafka calls', () => {
  it('tells retriable kafkajs errors from the rest', () => {
    expect(isRetriableKafkaError(notCoordinator())).toBe(true);
    expect(isRetriableKafkaError(new kafkajs.KafkaJSNumberOfRetriesExceeded(notCoordinator(), { retryCount: 5, retryTime: 1 }))).toBe(true);
    expect(isRetriableKafkaError(new kafkajs.KafkaJSConnectionError('Connection error: ECONNREFUSED'))).toBe(true);
    expect(isRetriableKafkaError(new kafkajs.KafkaJSNonRetriableError('group authorization failed'))).toBe(false);
    expect(isRetriableKafkaError(new Error('a bug'))).toBe(false);
  });

  it('retries NOT_COORDINATOR until the call succeeds, and throws anything else at once', async () => {
    let calls = 0;
    const value = await retryKafkaStartup('fetching offsets', async () => {
      calls++;
      if (calls < 3) throw notCoordinator();
      return 'ok';
    });
    expect([value, calls]).toEqual(['ok', 3]);

    let bugCalls = 0;
    await expect(retryKafkaStartup('fetching offsets', async () => {
      bugCalls++;
      throw new TypeError('a bug');
    })).rejects.toThrow('a bug');
    expect(bugCalls).toBe(1);
  });

  it('gives up after the deadline with the last error, naming the step', async () => {
    await expect(retryKafkaStartup('fetching offsets', async () => { throw notCoordinator(); }, { withinMs: 600 }))
      .rejects.toThrow(/fetching offsets: This is not the correct coordinator/);
  });
});
