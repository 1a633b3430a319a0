// The notifications tests on the real stack: the shared sandbox of the stateful services, the records that give the
// service a history (each input on its topic, ticks on every partition of invoices and payments), waiting until
// the service consumed all its inputs, and reading the notifications and promise-outcomes topics back.
import type { NotificationEvent, PromiseOutcomeEvent } from '../../../shared/contracts/events.generated.ts';
import type { AnyEvent, TopicSpec } from '../../../shared/contracts/topics.ts';
import { deriveEventId } from '../../../shared/ids.ts';
import { waitUntil } from '../../../test/kafka.ts';
import { readAll, type Sandbox } from '../../../test/stateful-sandbox.ts';
import type { StreamEvent } from '../src/domain/index.ts';

export * from '../../../test/stateful-sandbox.ts';

export const inputTopics = (box: Sandbox): TopicSpec[] => {
  const t = box.topics;
  return [t.INVOICES, t.PAYMENTS, t.CUSTOMERS, t.DELINQUENCY, t.CREDIT_SCORES, t.CREDIT_HOLDS, t.COLLECTIONS];
};

export function specOf(box: Sandbox, e: StreamEvent): TopicSpec {
  const t = box.topics;
  switch (e.eventType) {
    case 'CustomerCreditProfile':
      return t.CUSTOMERS;
    case 'PaymentReceived':
    case 'PaymentReversed':
      return t.PAYMENTS;
    case 'CreditScoreUpdated':
      return t.CREDIT_SCORES;
    case 'PromiseToPay':
      return t.COLLECTIONS;
    case 'OrderCreditHeld':
    case 'OrderCreditApproved':
    case 'OrderCreditReleased':
    case 'OrderCreditRejected':
    case 'CustomerCreditHoldPlaced':
    case 'CustomerCreditHoldReleased':
    case 'CreditUtilizationWarning':
      return t.CREDIT_HOLDS;
    case 'InvoiceOverdue':
    case 'InvoiceAgingBucketChanged':
    case 'InvoiceCured':
    case 'CustomerDelinquencyChanged':
    case 'DunningStageReached':
      return t.DELINQUENCY;
    default:
      return t.INVOICES;
  }
}

/** Each event on its topic; a tick on every partition of invoices and payments, with an id per topic and partition. */
export function sandboxRecords(box: Sandbox, events: readonly StreamEvent[], partitions: number): Array<{ spec: TopicSpec; event: AnyEvent; partition?: number }> {
  type Out = { spec: TopicSpec; event: AnyEvent; partition?: number };
  return events.flatMap((e): Out[] => {
    if (e.eventType !== 'BusinessDateTick') return [{ spec: specOf(box, e), event: e }];
    return [box.topics.INVOICES, box.topics.PAYMENTS].flatMap((spec) =>
      Array.from({ length: partitions }, (_, p) => ({ spec, partition: p, event: { ...e, eventId: deriveEventId('notifications-test', spec.name, p, e.payload.businessDate) } })),
    );
  });
}

/** Resolves once the group committed every partition of all its inputs up to its end. */
export async function waitAllConsumed(box: Sandbox, timeoutMs = 180_000): Promise<void> {
  const admin = box.kafka.admin();
  await admin.connect();
  try {
    const names = inputTopics(box).map((t) => t.name);
    const ends = new Map(await Promise.all(names.map(async (t) => [t, new Map((await admin.fetchTopicOffsets(t)).map((o) => [o.partition, o.high]))] as const)));
    await waitUntil(
      async () =>
        (await admin.fetchOffsets({ groupId: box.groupId, topics: names })).every(({ topic, partitions }) =>
          partitions.every((p) => {
            const end = ends.get(topic)!.get(p.partition);
            return end === '0' || p.offset === end;
          }),
        ),
      `group ${box.groupId} to commit all its inputs`,
      timeoutMs,
    );
  } finally {
    await admin.disconnect();
  }
}

export async function readNotifications(box: Sandbox): Promise<NotificationEvent[]> {
  const spec = box.topics.NOTIFICATIONS;
  return Promise.all((await readAll(box.kafka, spec.name)).map((m) => box.serde.decode(spec, m.value!)));
}

export async function readPromiseOutcomes(box: Sandbox): Promise<PromiseOutcomeEvent[]> {
  const spec = box.topics.PROMISE_OUTCOMES;
  return Promise.all((await readAll(box.kafka, spec.name)).map((m) => box.serde.decode(spec, m.value!)));
}

/** The value of the one series of `name` with every label given, from a /metrics text. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  const found = text.split('\n').filter((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return found.length === 1 ? Number(found[0]!.split(' ').at(-1)) : undefined;
}
