// The adapter shape every stateful service shares: one batch of one partition (one topic's records, or several
// topics' merged in event-time order) becomes one load, a pure computation, one fenced commit and one outbox flush.
//
// States stay in memory while this instance owns the partition (PartitionCache), as Kafka Streams keeps a local
// store with Redis as its changelog: a batch loads only the entities it has not seen, and none of the partition's
// offsets once it holds them. The fence keeps that safe: every commit bumps the partition's version, so a cache that
// fell behind Redis (another owner committed, Redis lost its data) fails its next commit as stale, is dropped and
// the batch is recomputed from Redis. A batch that fails or rewinds drops the cache too.
//
//   load     the batch's entities not in memory (and, for clock ticks, the entities due by then) and, without a
//            cache, the partition's version and offsets
//   skip     records below their topic's applied offset (a redelivery changes nothing); seek back over a gap (Redis lost)
//            or, when retention already deleted the gap, mark the partition's state incomplete (ApplyContext.stateIncomplete)
//   apply    the pure core, record by record, on an in-memory working set; of the derived records flagged
//            latestPerKey (a compacted topic) only the last per topic and key is kept
//   commit   the parts of the states the batch changed (StateCodec), index, derived records and rejected records (bound
//            for the DLQ, one outbox entry) and the new offsets, atomically
//   publish  the outbox entry with an idempotent producer, from memory unless it held a backlog; trimmed once
//            acknowledged
//   outcome  what the commit wrote: each derived record with the input that derived it, each rejected input with its
//            rejection, of the attempt that committed only (a stale attempt's are dropped with it), so a service counts
//            its metrics from them and keeps no tally of its own
//
// Why an outbox rather than publishing before the commit (derived records are deterministic, so a crash in between
// would only republish identical records): a stale instance, paused past its session while another took its
// partitions, would publish what it computed from its old cache before its commit is refused. Its inputs, merged in
// event-time order from what it fetched, need not interleave as the live owner's did, so it could publish a decision
// id with other contents. Through the outbox only a commit the fence accepted is ever published.
import type { Rejection } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { TransientError } from '../errors.ts';
import type { AnyEvent, TopicSpec } from '../contracts/topics.ts';
import type { RunnerMetrics } from '../metrics.ts';
import type { OutboxPublisher } from '../redis/outbox-publisher.ts';
import type { OutboxRecord, PartitionStore } from '../redis/partition-store.ts';
import type { StateCodec } from './state-codec.ts';
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
  /**
   * For a compacted topic, where only a key's latest value counts: of a batch's records with this flag, the same
   * topic and the same key, only the last is published (in its place in the outbox).
   */
  latestPerKey?: boolean;
}

export type { Rejection } from '../errors.ts';

export interface Applied {
  out: DerivedRecord[];
  rejected?: Rejection;
}

export interface ApplyContext {
  partition: number;
  /**
   * The partition's state was rebuilt after records it never applied left the log (retention): it is partial until an
   * operator restores it. A domain must not decide as if it knew everything (exposure holds every new order).
   */
  stateIncomplete: boolean;
}

/** What a service's pure core offers the adapter. */
export interface PartitionDomain<E, S> {
  /** Entities the event reads or writes. */
  entityIds(event: E): string[];
  /** For a clock tick: the highest index score it can make due, so those entities are loaded too. */
  dueUpTo?(event: E): number | undefined;
  apply(ws: WorkingSet<S>, event: E, ctx: ApplyContext): Applied;
  /** How a state is stored; a WorkingSet.set naming the parts changed writes only those. */
  readonly codec: StateCodec<S>;
}

export interface BatchProcessorOptions<E, S> {
  domain: PartitionDomain<E, S>;
  store: PartitionStore;
  publisher: OutboxPublisher;
  /** Synchronous when it can be (the schema id is known): a batch then encodes without an await per record. */
  encode: (spec: TopicSpec, event: AnyEvent) => Buffer | Promise<Buffer>;
  /** Builds the DLQ record for a rejected input (original bytes, headers naming source and reason). */
  toDlq: (record: SourceRecord<E>, rejection: Rejection) => OutboxRecord;
  /** First offset still in the log; a gap below it is retention, not lost state. */
  logStartOffset: (topic: string, partition: number) => Promise<bigint>;
  maxStaleRetries?: number;
  /** Every dead letter of a rejected input, once its batch committed (the DLQ count and a warning, no payload). */
  onDeadLetter?: (record: SourceRecord<E>, rejection: Rejection) => void;
  /** Input topics that are compacted: they keep every key's latest record, so a log start above 0 loses nothing. */
  compactedTopics?: ReadonlySet<string>;
  /** Logs, once per partition, the error of a state found incomplete. */
  logger?: Pick<Logger, 'error'>;
  /** Told after every committed batch whether the partition's state is incomplete (o2c_<service>_state_incomplete). */
  onStateIncomplete?: (partition: number, incomplete: boolean) => void;
  /**
   * Observes the fenced commit, the outbox publish and the commits the fence refused (o2c_commit_duration_seconds,
   * o2c_publish_duration_seconds, o2c_stale_commits_total).
   */
  metrics?: Pick<RunnerMetrics, 'commitDuration' | 'publishDuration' | 'staleCommits'>;
}

/** A derived record a batch committed, with the input whose application derived it. */
export interface Derived<E> {
  record: DerivedRecord;
  source: SourceRecord<E>;
}

/** An input the core rejected, dead-lettered by the batch's commit. */
export interface Rejected<E> {
  source: SourceRecord<E>;
  rejection: Rejection;
}

/**
 * 'done': the batch is committed and published. `derived` and `rejected` are what its commit wrote to the outbox, in
 * outbox order (of the records flagged latestPerKey, the ones kept); both are empty when every record was a redelivery.
 */
export type BatchOutcome<E> =
  | {
      kind: 'done';
      applied: number;
      skipped: number;
      derived: ReadonlyArray<Derived<E>>;
      rejected: ReadonlyArray<Rejected<E>>;
      published: number;
    }
  | { kind: 'seek'; topic: string; offset: bigint };

const NONE: readonly never[] = Object.freeze([]);

/** What this instance last committed (or loaded) of one partition: its version, offsets and entity states. */
interface PartitionCache<S> {
  version: number;
  offsets: Map<string, bigint>;
  /** null: known to have no state. */
  states: Map<string, S | null>;
  /** What the partition's state lacks (see PartitionStore's `incomplete`), null when complete. */
  incomplete: string | null;
}

export class BatchProcessor<E, S> {
  private readonly caches = new Map<number, PartitionCache<S>>();

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
  ): Promise<BatchOutcome<E>> {
    const partition = records[0]?.partition;
    if (partition === undefined) return { kind: 'done', applied: 0, skipped: 0, derived: NONE, rejected: NONE, published: 0 };
    try {
      const outcome = await this.processCached(records, fromOffsets);
      if (outcome.kind === 'seek') this.caches.delete(partition);
      return outcome;
    } catch (error) {
      // The batch may have left half-applied states in memory: Redis holds what was committed.
      this.caches.delete(partition);
      throw error;
    }
  }

  private async processCached(
    records: ReadonlyArray<SourceRecord<E>>,
    fromOffsets: Readonly<Record<string, string>>,
  ): Promise<BatchOutcome<E>> {
    const first = records[0];
    if (!first) return { kind: 'done', applied: 0, skipped: 0, derived: NONE, rejected: NONE, published: 0 };
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
      const { cache, read } = await this.cacheOf(partition, ids);

      const applied = (topic: string) => cache.offsets.get(topic) ?? 0n;
      // The log holds records this partition never applied: its state was lost (e.g. Redis came back empty), unless
      // retention already deleted them. Rewind and rebuild rather than skip.
      // Below the log start they are gone: the state can only be rebuilt from what is left, so it is incomplete.
      let behind: { topic: string; offset: bigint } | undefined;
      let lost: string | undefined;
      for (const [topic, from] of firstOffsets) {
        const next = applied(topic);
        if (from <= next) continue;
        const logStart = await this.o.logStartOffset(topic, partition);
        if (next >= logStart) behind = { topic, offset: next };
        else if (cache.incomplete === null && !this.o.compactedTopics?.has(topic)) {
          lost ??= `${topic}[${partition}] applied up to ${next}, log starts at ${logStart}`;
        }
      }
      if ((behind || lost) && !read) {
        this.caches.delete(partition); // behind in memory only, perhaps: another owner applied those records
        continue;
      }
      if (behind) return { kind: 'seek', ...behind };
      const fresh = records.filter((r) => BigInt(r.offset) >= applied(r.topic));
      if (fresh.length === 0) {
        const published = await this.o.publisher.flush(partition);
        return { kind: 'done', applied: 0, skipped: records.length, derived: NONE, rejected: NONE, published };
      }
      const nextOffsets = new Map<string, bigint>();
      for (const r of fresh) nextOffsets.set(r.topic, BigInt(r.offset) + 1n);

      const states = new Map<string, S>();
      for (const id of ids) {
        const state = cache.states.get(id);
        if (state != null) states.set(id, state);
      }
      const ws = new WorkingSet<S>(states, scores);
      const ctx: ApplyContext = { partition, stateIncomplete: cache.incomplete !== null || lost !== undefined };
      // Dead letters and derived records in outbox order; a derived record superseded later in the batch is undefined.
      const pending: Array<OutboxRecord | Derived<E> | undefined> = [];
      const latest = new Map<string, number>();
      const rejected: Array<Rejected<E>> = [];
      for (const r of fresh) {
        const result = domain.apply(ws, r.event, ctx);
        if (result.rejected) {
          rejected.push({ source: r, rejection: result.rejected });
          pending.push(this.o.toDlq(r, result.rejected));
        }
        for (const d of result.out) {
          if (d.latestPerKey) {
            const key = `${d.topic ?? d.spec.name}\u0000${d.event.customerId}`;
            const before = latest.get(key);
            if (before !== undefined) pending[before] = undefined;
            latest.set(key, pending.length);
          }
          pending.push({ record: d, source: r });
        }
      }
      const outbox: OutboxRecord[] = [];
      const derived: Array<Derived<E>> = [];
      for (const p of pending) {
        if (p === undefined) continue;
        if (!isDerived(p)) {
          outbox.push(p);
          continue;
        }
        derived.push(p);
        const record = this.toOutbox(p.record);
        outbox.push(record instanceof Promise ? await record : record);
      }

      const changes = ws.changes(domain.codec);
      const endCommit = this.o.metrics?.commitDuration.startTimer();
      const committed = await store.commit(partition, {
        expectedVersion: cache.version,
        offsets: nextOffsets,
        states: changes.states,
        index: changes.index,
        outbox,
        ...(lost !== undefined && cache.incomplete === null ? { incomplete: lost } : {}),
      });
      endCommit?.();
      if (committed === 'stale') {
        this.o.metrics?.staleCommits.inc();
        this.caches.delete(partition);
        if (attempt >= maxStale) throw new TransientError(`partition ${partition} kept changing under this instance`);
        continue;
      }
      cache.version = committed.version;
      if (cache.incomplete === null && lost !== undefined) {
        cache.incomplete = lost;
        this.o.logger?.error(
          { partition, lost },
          'partition state rebuilt from a log that lost records it never applied: incomplete until an operator restores it (see the service README)',
        );
      }
      this.o.onStateIncomplete?.(partition, cache.incomplete !== null);
      for (const { source, rejection } of rejected) this.o.onDeadLetter?.(source, rejection);
      for (const [topic, next] of nextOffsets) cache.offsets.set(topic, next);
      for (const id of ws.changedIds()) cache.states.set(id, ws.get(id) ?? null);
      const endPublish = this.o.metrics?.publishDuration.startTimer();
      const published = await this.o.publisher.publish(partition, committed);
      endPublish?.();
      return { kind: 'done', applied: fresh.length, skipped: records.length - fresh.length, derived, rejected, published };
    }
  }

  /** Encoded without an await when the encoder returns the buffer itself (the common case: a known schema id). */
  private toOutbox(d: DerivedRecord): OutboxRecord | Promise<OutboxRecord> {
    const value = this.o.encode(d.spec, d.event);
    return Buffer.isBuffer(value) ? outboxRecord(d, value) : value.then((v) => outboxRecord(d, v));
  }

  /**
   * The partition's cache, holding every entity of `ids` (loaded from Redis where it does not yet); `read` tells
   * whether its version and offsets were read from Redis just now.
   */
  private async cacheOf(partition: number, ids: ReadonlySet<string>): Promise<{ cache: PartitionCache<S>; read: boolean }> {
    const cached = this.caches.get(partition);
    const missing = cached ? [...ids].filter((id) => !cached.states.has(id)) : [...ids];
    if (cached && missing.length === 0) return { cache: cached, read: false };
    const loaded = await this.o.store.load(partition, missing);
    if (cached && loaded.version === cached.version) {
      for (const id of missing) cached.states.set(id, this.parse(loaded.states.get(id), id));
      cached.incomplete = loaded.incomplete;
      return { cache: cached, read: true };
    }
    // A cache whose version Redis no longer has is behind: start again from what Redis holds.
    const fresh: PartitionCache<S> = {
      version: loaded.version,
      offsets: loaded.offsets,
      states: new Map(),
      incomplete: loaded.incomplete,
    };
    for (const id of missing) fresh.states.set(id, this.parse(loaded.states.get(id), id));
    this.caches.set(partition, fresh);
    return cached ? this.cacheOf(partition, ids) : { cache: fresh, read: true };
  }

  private parse(fields: ReadonlyMap<string, string> | undefined, id: string): S | null {
    return fields === undefined ? null : this.o.domain.codec.decode(fields, id);
  }
}

const isDerived = <E>(r: OutboxRecord | Derived<E>): r is Derived<E> => 'source' in r;

function outboxRecord(d: DerivedRecord, value: Buffer): OutboxRecord {
  const record: OutboxRecord = { topic: d.topic ?? d.spec.name, key: d.event.customerId, value };
  if (d.partition !== undefined) record.partition = d.partition;
  if (d.headers !== undefined) record.headers = d.headers;
  return record;
}
