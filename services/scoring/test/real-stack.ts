// The scoring service's tests on the real stack use the shared sandbox of the stateful services.
import type { AnyEvent, TopicSpec } from '../../../shared/contracts/topics.ts';
import { deriveEventId } from '../../../shared/ids.ts';
import type { StreamEvent } from '../src/domain/index.ts';
import type { Sandbox } from '../../../test/stateful-sandbox.ts';

export * from '../../../test/stateful-sandbox.ts';

/** The input topic of an event of the ledger replay. */
export const specOf = (box: Sandbox, e: StreamEvent): TopicSpec =>
  e.eventType === 'CustomerCreditProfile' ? box.topics.CUSTOMERS
    : e.eventType === 'PaymentReceived' || e.eventType === 'PaymentReversed' ? box.topics.PAYMENTS : box.topics.INVOICES;

const tickId = (day: number, topic: string, p: number) => deriveEventId('scoring-int-test', 'BusinessDateTick', topic, p, day);

/**
 * The records that give the service these events: each event on its topic, keyed by customer; the ledger replay ticks
 * one partition of one topic, the service's inputs tick every partition of the invoices and payments topics (the
 * first tick of each business date only; `ticked` carries the dates ticked over calls for a history sent in parts).
 */
export function sandboxRecords(
  box: Sandbox,
  events: readonly StreamEvent[],
  partitions: number,
  ticked = new Set<number>(),
): Array<{ spec: TopicSpec; event: AnyEvent; partition?: number }> {
  const records: Array<{ spec: TopicSpec; event: AnyEvent; partition?: number }> = [];
  for (const e of events) {
    if (e.eventType !== 'BusinessDateTick') records.push({ spec: specOf(box, e), event: e });
    else if (!ticked.has(e.payload.businessDate)) {
      ticked.add(e.payload.businessDate);
      for (const spec of [box.topics.INVOICES, box.topics.PAYMENTS]) {
        for (let p = 0; p < partitions; p++) records.push({ spec, partition: p, event: { ...e, eventId: tickId(e.payload.businessDate, spec.name, p) } });
      }
    }
  }
  return records;
}
