// Order-to-decision latency at a steady rate, the exposure service running and caught up: new OrderPlaced events
// for known customers, paced by the wall clock, each timed from the moment it is handed to the producer (which
// stamps the record then) to the CreateTime of its decision (OrderCreditApproved or OrderCreditHeld, whose
// causationId is the order's eventId), both clocks being this machine's. The orders' event time continues the
// history's clock by default (see orderClock); the wall clock is the other choice.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { CreditHoldEvent } from '../../../shared/contracts/events.generated.ts';
import type { EventSerde } from '../../../shared/contracts/serde.ts';
import type { TopicRegistry } from '../../../shared/contracts/topics.ts';
import { sleep } from '../../lib/cli.ts';
import type { EventProducer } from '../../lib/event-producer.ts';
import type { OutRecord } from '../../lib/out-record.ts';

export const LATENCY_CLOCKS = ['event', 'wall'] as const;
export type LatencyClock = (typeof LATENCY_CLOCKS)[number];

export interface LatencyRun {
  readonly clock: LatencyClock;
  /** Event time of the first order. */
  readonly firstOrderAt: string;
  readonly orders: number;
  readonly decided: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p90Ms: number;
  /** p99 of the orders sent in each second of the step: shows whether slow decisions are a stall or spread out. */
  readonly p99BySecondMs: readonly number[];
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

/**
 * The event time of an order sent at wall time `now`, sending having begun at `start`. The event clock continues the
 * history's: 1 ms after its last event (`historyEnd`, the latest event time pre-loaded), then as the wall clock
 * moves, so every customer's state is taken at the size its history left it. The wall clock stamps `now` itself:
 * after a simulated history that is years ahead, so each customer's first new order moves its clock past the
 * retention horizon and its closed documents are swept, and later orders meet a smaller state than the history's.
 */
export function orderClock(clock: LatencyClock, historyEnd: number, start: number): (now: number) => number {
  if (clock === 'wall') return (now) => now;
  return (now) => historyEnd + 1 + Math.max(0, now - start);
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
  clock: LatencyClock;
  /** The latest event time of the history (for the event clock). */
  historyEnd: number;
  /** Gets the event id of every order sent, so what they caused can be told from what the history did. */
  sent: Set<string>;
  signal: AbortSignal;
  onProgress: (sent: number, decided: number) => void;
}): Promise<LatencyRun> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  /** Per second of the step (by send time), the latencies of its orders. */
  const bySecond: number[][] = [];
  let start = 0;
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
          if (at === undefined) continue;
          const latency = Number(m.timestamp) - at;
          latencies.push(latency);
          (bySecond[Math.floor((at - start) / 1000)] ??= []).push(latency);
        }
      },
    });
    await joined;
    await sleep(AFTER_JOIN_MS); // the new group's position (the end of the topic) is set before the first order

    const total = o.rate * o.seconds;
    start = Date.now();
    const occurredAt = orderClock(o.clock, o.historyEnd, start);
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
          o.sent.add(eventId);
          batch.push({
            topic: 'ORDERS',
            key: customerId,
            event: {
              eventId, eventType: 'OrderPlaced', occurredAt: occurredAt(now), customerId, source: 'bench', causationId: null,
              payload: { orderId: `BENCH-${o.clock}-${n}`, amount: 100, currency: o.currency },
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
    return {
      clock: o.clock,
      firstOrderAt: new Date(occurredAt(start)).toISOString(),
      orders: total,
      decided: sorted.length, p50Ms: quantile(sorted, 0.5), p90Ms: quantile(sorted, 0.9), p99Ms: quantile(sorted, 0.99),
      maxMs: sorted.at(-1) ?? Number.NaN,
      p99BySecondMs: [...bySecond].map((l) => (l === undefined ? Number.NaN : quantile([...l].sort((a, b) => a - b), 0.99))) };
  } finally {
    await holds.disconnect();
  }
}
