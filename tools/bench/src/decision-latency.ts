// Order-to-decision latency at a steady rate, the exposure service running and caught up: new OrderPlaced events
// for known customers, paced by the wall clock, each timed from the moment it is handed to the producer (which
// stamps the record then) to the CreateTime of its decision (OrderCreditApproved or OrderCreditHeld, whose
// causationId is the order's eventId), both clocks being this machine's.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { CreditHoldEvent } from '../../../shared/contracts/events.generated.ts';
import type { EventSerde } from '../../../shared/contracts/serde.ts';
import type { TopicRegistry } from '../../../shared/contracts/topics.ts';
import { sleep } from '../../lib/cli.ts';
import type { EventProducer } from '../../lib/event-producer.ts';
import type { OutRecord } from '../../lib/out-record.ts';

export interface LatencyRun {
  readonly orders: number;
  readonly decided: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const AFTER_JOIN_MS = 1000;
const DRAIN_MS = 30_000;
const TICK_MS = 5;

/** The q-quantile of sorted values (nearest rank); NaN for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export async function decisionLatency(o: {
  kafka: Kafka;
  serde: EventSerde;
  topics: TopicRegistry;
  producer: EventProducer;
  groupId: string;
  customers: readonly string[];
  currency: string;
  rate: number;
  seconds: number;
  signal: AbortSignal;
  onProgress: (sent: number, decided: number) => void;
}): Promise<LatencyRun> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const holds = o.kafka.consumer({ groupId: o.groupId, maxWaitTimeInMs: 50 });
  const joined = new Promise<void>((resolve) => holds.on(holds.events.GROUP_JOIN, () => resolve()));
  await holds.connect();
  try {
    await holds.subscribe({ topics: [o.topics.CREDIT_HOLDS.name], fromBeginning: false });
    await holds.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const e = (await o.serde.decode(o.topics.CREDIT_HOLDS, m.value)) as CreditHoldEvent;
          if (e.eventType !== 'OrderCreditApproved' && e.eventType !== 'OrderCreditHeld') continue;
          const at = sentAt.get(e.causationId ?? '');
          if (at !== undefined) latencies.push(Number(m.timestamp) - at);
        }
      },
    });
    await joined;
    await sleep(AFTER_JOIN_MS); // the new group's position (the end of the topic) is set before the first order

    const total = o.rate * o.seconds;
    const start = Date.now();
    let sent = 0;
    let shown = start;
    while (sent < total) {
      o.signal.throwIfAborted();
      const due = Math.min(total, Math.floor(((Date.now() - start) * o.rate) / 1000));
      if (due > sent) {
        const now = Date.now();
        const batch: OutRecord[] = [];
        for (let n = sent; n < due; n++) {
          const customerId = o.customers[n % o.customers.length]!;
          const eventId = randomUUID();
          sentAt.set(eventId, now);
          batch.push({
            topic: 'ORDERS',
            key: customerId,
            event: {
              eventId, eventType: 'OrderPlaced', occurredAt: now, customerId, source: 'bench', causationId: null,
              payload: { orderId: `BENCH-${n}`, amount: 100, currency: o.currency },
            },
          });
        }
        await o.producer.send(batch);
        sent = due;
      }
      if (Date.now() - shown >= 1000) {
        o.onProgress(sent, latencies.length);
        shown = Date.now();
      }
      await sleep(TICK_MS);
    }
    const deadline = Date.now() + DRAIN_MS;
    while (latencies.length < total && Date.now() < deadline) {
      o.signal.throwIfAborted();
      await sleep(50);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    return { orders: total, decided: sorted.length, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), maxMs: sorted.at(-1) ?? Number.NaN };
  } finally {
    await holds.disconnect();
  }
}
