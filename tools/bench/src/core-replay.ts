// The pure cores replayed in memory over the pre-loaded records, as the determinism check's reference: partition p
// of the service's input topics merged in event-time order by the service's own aligner (shared/kafka/
// event-time-aligner.ts: the earliest head first, ties to the topic listed first, as the service does whatever the
// fetch timing), each record applied in that order under the policy the service runs with.
//
// Both services: the service's PartitionDomain (the core plus what the service adds around it: exposure's due index
// that hands a business-date tick to the customers whose temporary limit it expires, delinquency's partition clock)
// over one in-memory working set per partition, as the service keeps a partition's states between batches.
import type { CreditHoldEvent, DelinquencyEvent, ExposureEvent } from '../../../shared/contracts/events.generated.ts';
import type { AnyEvent } from '../../../shared/contracts/topics.ts';
import { DlqHeaders } from '../../../shared/kafka/dlq.ts';
import { EventTimeAligner } from '../../../shared/kafka/event-time-aligner.ts';
import type { ConsumedRecord } from '../../../shared/kafka/runner.ts';
import { WorkingSet } from '../../../shared/stateful/working-set.ts';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import type { CreditPolicy, CustomerState, ExposureInput } from '../../../services/exposure/src/domain/index.ts';
import { ExposureDomain } from '../../../services/exposure/src/adapters/exposure-domain.ts';
import { DelinquencyDomain, type Entity, type InputEvent, type InputRecord } from '../../../services/delinquency/src/adapters/partition-domain.ts';
import { HeldInputHeaders } from '../../../services/delinquency/src/adapters/dead-letters.ts';

export interface LoggedRecord<E extends AnyEvent = AnyEvent> {
  readonly offset: string;
  readonly event: E;
}

/** The records of the input topics as read back: partition -> topic -> records in offset order. */
export type InputLog<E extends AnyEvent = AnyEvent> = Map<number, Map<string, Array<LoggedRecord<E>>>>;

export function addToLog<E extends AnyEvent>(log: InputLog<E>, topic: string, partition: number, record: LoggedRecord<E>): void {
  let byTopic = log.get(partition);
  if (!byTopic) log.set(partition, (byTopic = new Map()));
  let records = byTopic.get(topic);
  if (!records) byTopic.set(topic, (records = []));
  records.push(record);
}

/** Where an input sits: the key of a rejected input on both sides (the DLQ's headers name it the same way). */
export const inputAt = (topic: string, partition: number, offset: string): string => `${topic}/${partition}@${offset}`;

/**
 * The input a dead letter stands for, by its headers: where it was read, or (an input the delinquency core held and
 * rejected later, whose offset may be unknown) its event id.
 */
export function deadLetterKey(headers: Readonly<Record<string, string | undefined>>): string {
  const topic = headers[DlqHeaders.SOURCE_TOPIC] ?? '?';
  const partition = Number(headers[DlqHeaders.SOURCE_PARTITION]);
  const offset = headers[DlqHeaders.SOURCE_OFFSET];
  return offset === undefined ? `${topic}/${partition}#${headers[HeldInputHeaders.EVENT_ID] ?? '?'}` : inputAt(topic, partition, offset);
}

/** Partition by partition (ascending), its records in the service's event-time merge order of `topics`. */
export function* eventTimeOrder<E extends AnyEvent>(
  log: InputLog<E>,
  topics: readonly string[],
): Generator<{ topic: string; partition: number; record: LoggedRecord<E> }> {
  for (const partition of [...log.keys()].sort((a, b) => a - b)) {
    const byTopic = log.get(partition)!;
    const present = topics.filter((t) => (byTopic.get(t)?.length ?? 0) > 0);
    const sequences = present.map((topic) => ({ topic, times: byTopic.get(topic)!.map((r) => r.event.occurredAt), more: false }));
    const { order } = new EventTimeAligner(topics).merge(partition, sequences);
    for (const { sequence, index } of order) {
      const topic = present[sequence]!;
      yield { topic, partition, record: byTopic.get(topic)![index]! };
    }
  }
}

/** What the core derives, each reduced to the digest it is compared by. */
export interface Expected {
  /** eventId -> digest of each event compared one for one. */
  readonly events: Map<string, string>;
  /** customerId -> digest of its final snapshot (exposure only). */
  readonly snapshots: Map<string, string>;
  /** Inputs (inputAt) the core rejects, to the DLQ. */
  readonly rejected: Set<string>;
  /** The events and snapshots asked for in `keep`, whole, to show what differs. */
  readonly kept: Map<string, AnyEvent>;
  /** Partition -> entity id -> the entity's state once every input was applied (undefined: it has none). */
  readonly states: Map<number, Map<string, unknown>>;
  /** The input events in the order the core applied them (ticks included). */
  readonly applied: AnyEvent[];
}

const emptyExpected = (): Expected => ({ events: new Map(), snapshots: new Map(), rejected: new Set(), kept: new Map(), states: new Map(), applied: [] });

/** Records the states of the entities each input named, as they are at the end of the replay. */
function keepStates<S>(expected: Expected, sets: ReadonlyMap<number, WorkingSet<S>>, ids: ReadonlyMap<number, ReadonlySet<string>>): void {
  for (const [partition, ws] of sets) {
    expected.states.set(partition, new Map([...(ids.get(partition) ?? [])].map((id) => [id, ws.get(id)])));
  }
}

function touch(ids: Map<number, Set<string>>, partition: number, entities: readonly string[]): void {
  let set = ids.get(partition);
  if (!set) ids.set(partition, (set = new Set()));
  for (const id of entities) set.add(id);
}

export interface ExposureContent {
  hold(event: CreditHoldEvent): Promise<string>;
  snapshot(event: ExposureEvent): Promise<string>;
}

export async function replayExposure(
  log: InputLog<ExposureInput>,
  topics: readonly string[],
  policy: CreditPolicy,
  content: ExposureContent,
  keep: ReadonlySet<string> = new Set(),
): Promise<Expected> {
  const domain = new ExposureDomain({ topics: topicRegistry(''), policy });
  const sets = new Map<number, WorkingSet<CustomerState>>();
  const last = new Map<string, ExposureEvent>();
  const expected = emptyExpected();
  const ids = new Map<number, Set<string>>();
  for (const { topic, partition, record } of eventTimeOrder(log, topics)) {
    let ws = sets.get(partition);
    if (!ws) sets.set(partition, (ws = new WorkingSet<CustomerState>(new Map())));
    const consumed: ConsumedRecord<ExposureInput> = { topic, partition, offset: record.offset, timestamp: 0, key: null, value: null, headers: {}, event: record.event };
    touch(ids, partition, domain.entityIds(consumed));
    expected.applied.push(record.event);
    const applied = domain.apply(ws, consumed, { partition });
    if (applied.rejected) expected.rejected.add(inputAt(topic, partition, record.offset));
    for (const out of applied.out) {
      // Corporate groups' records (the repartition hop, group snapshots, a waited input's dead letter) are not replayed
      // here: a group task's order depends on when the repartition records arrive (services/exposure/README.md).
      if (out.topic !== undefined || out.event.eventType === 'GroupExposureSnapshot' || out.spec.name.endsWith('o2c.exposure-repartition.v1')) continue;
      const e = out.event as CreditHoldEvent | ExposureEvent;
      if (e.eventType === 'ExposureSnapshot') {
        last.set(e.customerId, e);
        continue;
      }
      expected.events.set(e.eventId, await content.hold(e));
      if (keep.has(e.eventId)) expected.kept.set(e.eventId, e);
    }
  }
  for (const [customerId, e] of last) {
    expected.snapshots.set(customerId, await content.snapshot(e));
    if (keep.has(customerId)) expected.kept.set(customerId, e);
  }
  keepStates(expected, sets, ids);
  return expected;
}

/** The delinquency service's input topics, by the name its domain gives them. */
export type DelinquencyTopics = Readonly<Record<InputRecord['from'], string>>;

export async function replayDelinquency(
  log: InputLog<InputEvent>,
  topics: DelinquencyTopics,
  domain: DelinquencyDomain,
  content: (event: DelinquencyEvent) => Promise<string>,
  keep: ReadonlySet<string> = new Set(),
): Promise<Expected> {
  const from = new Map(Object.entries(topics).map(([name, topic]) => [topic, name as InputRecord['from']]));
  const order = [topics.invoices, topics.payments, topics.customers];
  const sets = new Map<number, WorkingSet<Entity>>();
  const expected = emptyExpected();
  const ids = new Map<number, Set<string>>();
  for (const { topic, partition, record } of eventTimeOrder(log, order)) {
    let ws = sets.get(partition);
    if (!ws) sets.set(partition, (ws = new WorkingSet<Entity>(new Map())));
    // The domain reads the record's topic, offset and event; bytes and headers are the DLQ writer's, not the core's.
    const consumed: ConsumedRecord<InputEvent> = { topic, partition, offset: record.offset, timestamp: 0, key: null, value: null, headers: {}, event: record.event };
    const input = { from: from.get(topic)!, record: consumed };
    touch(ids, partition, domain.entityIds(input));
    expected.applied.push(record.event);
    const applied = domain.apply(ws, input, { partition });
    if (applied.rejected) expected.rejected.add(inputAt(topic, partition, record.offset));
    for (const out of applied.out) {
      if (out.topic !== undefined) {
        expected.rejected.add(deadLetterKey(out.headers ?? {})); // a held input rejected on release, re-encoded
        continue;
      }
      const e = out.event as DelinquencyEvent;
      expected.events.set(e.eventId, await content(e));
      if (keep.has(e.eventId)) expected.kept.set(e.eventId, e);
    }
  }
  keepStates(expected, sets, ids);
  return expected;
}
