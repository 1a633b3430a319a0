// The adapter shape every stateful service shares: one batch of one partition (one topic's records, or several
// topics' merged in event-time order) becomes one load, a pure computation, one fenced commit and one outbox flush.
//
//   load     the batch's entities (and, for clock ticks, the entities due by then) and the partition's offsets
//   skip     records below their topic's applied offset (a redelivery changes nothing); seek back over a gap (Redis lost)
//   apply    the pure core, record by record, on an in-memory working set
//   commit   state, index, derived records and rejected records (bound for the DLQ) and the new offset, atomically
//   publish  the outbox with an idempotent producer, from memory unless it held a backlog; trimmed once acknowledged
import type { PoisonClass } from '../errors.ts';
import { TransientError } from '../errors.ts';
import type { AnyEvent, TopicSpec } from '../contracts/topics.ts';
import type { OutboxPublisher } from '../redis/outbox-publisher.ts';
import type { OutboxRecord, PartitionStore } from '../redis/partition-store.ts';
import { WorkingSet } from './working-set.ts';

/** A decoded input record with its original bytes (kept for the DLQ). */
export interface SourceRecord<E> {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  event: E;
}

export interface DerivedRecord {
  spec: TopicSpec;
  event: AnyEvent;
  /** Only when it must not follow the key (e.g. a per-partition tick). */
  partition?: number;
  /** Publish to this topic instead of spec.name, still encoded with spec's schema (e.g. an input re-encoded for the DLQ). */
  topic?: string;
  headers?: Record<string, string>;
}

export interface Rejection {
  errorClass: PoisonClass;
  message: string;
}

export interface Applied {
  out: DerivedRecord[];
  rejected?: Rejection;
}

/** What a service's pure core offers the adapter. */
export interface PartitionDomain<E, S> {
  /** Entities the event reads or writes. */
  entityIds(event: E): string[];
  /** For a clock tick: the highest index score it can make due, so those entities are loaded too. */
  dueUpTo?(event: E): number | undefined;
  apply(ws: WorkingSet<S>, event: E, ctx: { partition: number }): Applied;
  serialize(state: S): string;
  /** `id` is the entity's, so a domain may keep what it last parsed per entity. */
  deserialize(text: string, id: string): S;
}

export interface BatchProcessorOptions<E, S> {
  domain: PartitionDomain<E, S>;
  store: PartitionStore;
  publisher: OutboxPublisher;
  encode: (spec: TopicSpec, event: AnyEvent) => Promise<Buffer>;
  /** Builds the DLQ record for a rejected input (original bytes, headers naming source and reason). */
  toDlq: (record: SourceRecord<E>, rejection: Rejection) => OutboxRecord;
  /** First offset still in the log; a gap below it is retention, not lost state. */
  logStartOffset: (topic: string, partition: number) => Promise<bigint>;
  maxStaleRetries?: number;
}

export type BatchOutcome =
  | { kind: 'done'; applied: number; skipped: number; rejected: number; derived: number; published: number }
  | { kind: 'seek'; topic: string; offset: bigint };

export class BatchProcessor<E, S> {
  constructor(private readonly o: BatchProcessorOptions<E, S>) {}

  /**
   * Records must all come from one partition, each topic's in offset order (several topics may be interleaved, e.g.
   * in event-time order). `fromOffsets` holds, per topic, the consumer's position before its records (the runner's
   * BatchContext.fromOffsets): offsets skipped between it and the topic's first record (poison records, compaction)
   * are not a gap in the applied state. Without it a topic's first record's offset is taken.
   */
  async process(
    records: ReadonlyArray<SourceRecord<E>>,
    fromOffsets: Readonly<Record<string, string>> = {},
  ): Promise<BatchOutcome> {
    const first = records[0];
    if (!first) return { kind: 'done', applied: 0, skipped: 0, rejected: 0, derived: 0, published: 0 };
    const { partition } = first;
    const { domain, store } = this.o;
    const maxStale = this.o.maxStaleRetries ?? 5;
    const firstOffsets = new Map<string, bigint>();
    for (const r of records) if (!firstOffsets.has(r.topic)) firstOffsets.set(r.topic, BigInt(fromOffsets[r.topic] ?? r.offset));

    for (let attempt = 0; ; attempt++) {
      const ids = new Set<string>();
      let dueUpTo: number | undefined;
      for (const r of records) {
        for (const id of domain.entityIds(r.event)) ids.add(id);
        const due = domain.dueUpTo?.(r.event);
        if (due !== undefined) dueUpTo = Math.max(dueUpTo ?? due, due);
      }
      const scores = dueUpTo === undefined ? new Map<string, number>() : await store.due(partition, dueUpTo);
      for (const id of scores.keys()) ids.add(id);
      const loaded = await store.load(partition, [...ids]);

      const applied = (topic: string) => loaded.offsets.get(topic) ?? 0n;
      // The log holds records this partition never applied: its state was lost (e.g. Redis came back empty), unless
      // retention already deleted them. Rewind and rebuild rather than skip.
      for (const [topic, from] of firstOffsets) {
        const next = applied(topic);
        if (from > next && next >= (await this.o.logStartOffset(topic, partition))) return { kind: 'seek', topic, offset: next };
      }
      const fresh = records.filter((r) => BigInt(r.offset) >= applied(r.topic));
      if (fresh.length === 0) {
        const published = await this.o.publisher.flush(partition);
        return { kind: 'done', applied: 0, skipped: records.length, rejected: 0, derived: 0, published };
      }
      const nextOffsets = new Map<string, bigint>();
      for (const r of fresh) nextOffsets.set(r.topic, BigInt(r.offset) + 1n);

      const states = new Map<string, S>();
      for (const [id, text] of loaded.states) states.set(id, domain.deserialize(text, id));
      const ws = new WorkingSet<S>(states, scores);
      const outbox: OutboxRecord[] = [];
      let rejected = 0;
      let derived = 0;
      for (const r of fresh) {
        const result = domain.apply(ws, r.event, { partition });
        if (result.rejected) {
          rejected++;
          outbox.push(this.o.toDlq(r, result.rejected));
        }
        for (const d of result.out) {
          derived++;
          outbox.push({
            topic: d.topic ?? d.spec.name,
            key: d.event.customerId,
            value: await this.o.encode(d.spec, d.event),
            ...(d.partition === undefined ? {} : { partition: d.partition }),
            ...(d.headers === undefined ? {} : { headers: d.headers }),
          });
        }
      }

      const changes = ws.changes(domain.serialize);
      const committed = await store.commit(partition, {
        expectedVersion: loaded.version,
        offsets: nextOffsets,
        states: changes.states,
        index: changes.index,
        outbox,
      });
      if (committed === 'stale') {
        if (attempt >= maxStale) throw new TransientError(`partition ${partition} kept changing under this instance`);
        continue;
      }
      const published = await this.o.publisher.publish(partition, committed);
      return { kind: 'done', applied: fresh.length, skipped: records.length - fresh.length, rejected, derived, published };
    }
  }
}
