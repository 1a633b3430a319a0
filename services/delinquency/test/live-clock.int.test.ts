// The live clock on the real broker: today's tick on every partition of the invoices and payments topics at start,
// the next day's at UTC midnight, with ids any other instance would give them too; and inside the service
// (LIVE_CLOCK=true), started and stopped with it, its ticks move every partition's as-of date to today.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopicSpec } from '../../../shared/contracts/topics.ts';
import { deriveEventId } from '../../../shared/ids.ts';
import { createLogger } from '../../../shared/logger.ts';
import { dayFromIso, startOfDay } from '../../../shared/time.ts';
import { collect, waitUntil } from '../../../test/kafka.ts';
import { getStack } from '../../../test/stack.ts';
import { LiveClock } from '../src/adapters/live-clock.ts';
import { loadDelinquencyConfig } from '../src/config.ts';
import { SOURCE } from '../src/domain/index.ts';
import { DelinquencyService } from '../src/service.ts';
import { openSandbox, type Sandbox } from './real-stack.ts';

const PARTITIONS = 2;
const TODAY = dayFromIso('2030-05-01');
let box: Sandbox;

beforeAll(async () => {
  box = await openSandbox(await getStack(), 'dq-clock', PARTITIONS);
});

afterAll(async () => {
  await box?.close();
});

describe('LiveClock', () => {
  it("writes today's tick to every partition at start and the next day's at midnight", async () => {
    // The wall clock reads 200 ms before midnight when the clock starts, so midnight comes during the test.
    let startedAt: number | undefined;
    const now = () => startOfDay(TODAY + 1) - 200 + (Date.now() - (startedAt ??= Date.now()));
    const clock = new LiveClock({
      producer: box.producer,
      serde: box.serde,
      topics: [box.topics.INVOICES, box.topics.PAYMENTS],
      partitions: PARTITIONS,
      now,
      logger: createLogger('clock-test', { level: 'silent' }),
      onError: (e) => {
        throw e;
      },
    });
    const invoices = await collect(box.kafka, box.topics.INVOICES.name);
    const payments = await collect(box.kafka, box.topics.PAYMENTS.name);
    try {
      await clock.start();
      for (const [collector, spec] of [[invoices, box.topics.INVOICES], [payments, box.topics.PAYMENTS]] as const) {
        const seen = await Promise.all(
          (await collector.waitFor(2 * PARTITIONS)).map(async (m) => {
            const e = await box.serde.decode(spec as TopicSpec, m.value);
            return { partition: m.partition, eventId: e.eventId, customerId: e.customerId, payload: e.payload as { businessDate: number } };
          }),
        );
        const expected = [0, 1].flatMap((partition) =>
          [TODAY, TODAY + 1].map((day) => ({
            partition,
            // The same id from every instance that writes it.
            eventId: deriveEventId(SOURCE, 'BusinessDateTick', spec.name, partition, day),
            customerId: '',
            payload: { businessDate: day },
          })),
        );
        expect(seen.sort((a, b) => a.partition - b.partition || a.payload.businessDate - b.payload.businessDate)).toEqual(expected);
      }
    } finally {
      await clock.stop();
      await invoices.stop();
      await payments.stop();
    }
  });

  it('runs in the service with LIVE_CLOCK=true: its ticks move every partition to today', async () => {
    const own = await openSandbox(await getStack(), 'dq-clock-service', PARTITIONS);
    const day = dayFromIso('2030-06-01');
    const service = new DelinquencyService({
      config: loadDelinquencyConfig({ ...own.env, LIVE_CLOCK: 'true' }),
      logger: createLogger('clock-service-test', { level: 'silent' }),
      onFatal: (e) => {
        throw e;
      },
      now: () => startOfDay(day) + 3_600_000,
    });
    try {
      await service.start();
      const asOf = async (): Promise<string[]> => {
        const text = await (await fetch(`http://127.0.0.1:${service.httpPort}/metrics`)).text();
        return text.split('\n').filter((l) => l.startsWith('o2c_delinquency_as_of_timestamp_seconds{')).map((l) => l.split(' ').at(-1)!);
      };
      await waitUntil(async () => (await asOf()).length === PARTITIONS, 'the as-of date of every partition', 120_000);
      expect(await asOf()).toEqual(Array.from({ length: PARTITIONS }, () => String(day * 86_400)));
    } finally {
      await service.stop();
      await own.close();
    }
  });
});
