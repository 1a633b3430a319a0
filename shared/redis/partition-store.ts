// Per-partition state in Redis with effectively-once commits. A service loads the state of a batch's entities in one
// round trip, computes new state and derived records in its pure core, then commits everything with one script that
// is fenced by the partition's version: a redelivered record is skipped by its offset, and a stale instance (or a
// concurrent batch of the same partition) finds the version moved and recomputes instead of overwriting.
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { partitionKeys, type PartitionKeys } from './keys.ts';
import { loadScripts } from './scripts.ts';

const LUA_DIR = fileURLToPath(new URL('./lua', import.meta.url));
/** Fields of the offsets hash that are not topics: the fence's version and the incomplete-state mark. */
const VERSION_FIELD = 'v';
export const INCOMPLETE_FIELD = 'incomplete';

/** A record to publish once the commit is durable. `partition` is set only when it must be explicit. */
export interface OutboxRecord {
  topic: string;
  partition?: number;
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

export interface LoadedPartition {
  version: number;
  /** Next offset to apply per topic of this partition; absent when nothing was ever applied from it. */
  offsets: Map<string, bigint>;
  /** Serialized state per requested entity; absent when the entity has none. */
  states: Map<string, string>;
  /**
   * Set when the state was rebuilt from a log that had lost records it never applied (what was lost, for people);
   * null when complete. Only an operator clears it (HDEL of the offsets hash's `incomplete` field).
   */
  incomplete: string | null;
}

export interface BatchCommit {
  expectedVersion: number;
  /** Next offset to apply per topic of the partition the batch took records from (last applied + 1). */
  offsets: ReadonlyMap<string, bigint>;
  /** New serialized state per entity; null deletes it. */
  states: Map<string, string | null>;
  /** New index score per entity (e.g. next due day); null removes it. */
  index?: Map<string, number | null>;
  outbox: OutboxRecord[];
  /** Marks the state incomplete (see LoadedPartition); a commit never clears the mark. */
  incomplete?: string;
}

export interface OutboxEntry extends OutboxRecord {
  id: string;
}

export interface Committed {
  version: number;
  /** Outbox entries that were already there before this commit (not yet published and trimmed). */
  backlog: number;
  /** This commit's outbox records with their stream ids, in outbox order. */
  outbox: OutboxEntry[];
}

type CommitBatch = (args: Array<string | Buffer | number>) => Promise<-1 | [number, number, ...string[]]>;

export class PartitionStore {
  constructor(
    private readonly redis: Redis,
    private readonly service: string,
    private readonly prefix = 'o2c',
  ) {
    loadScripts(redis, LUA_DIR);
  }

  keys(partition: number): PartitionKeys {
    return partitionKeys(this.service, partition, this.prefix);
  }

  async load(partition: number, entityIds: readonly string[]): Promise<LoadedPartition> {
    const k = this.keys(partition);
    const pipeline = this.redis.pipeline().hgetall(k.offsets);
    if (entityIds.length > 0) pipeline.hmget(k.state, ...entityIds);
    const results = await pipeline.exec();
    if (!results) throw new Error('redis pipeline was discarded');
    for (const [err] of results) if (err) throw err;
    const offsetHash = (results[0]?.[1] ?? {}) as Record<string, string>;
    const values = (results[1]?.[1] ?? []) as Array<string | null>;

    const offsets = new Map<string, bigint>();
    for (const [field, value] of Object.entries(offsetHash)) {
      if (field !== VERSION_FIELD && field !== INCOMPLETE_FIELD) offsets.set(field, BigInt(value));
    }
    const states = new Map<string, string>();
    entityIds.forEach((id, i) => {
      const v = values[i];
      if (v != null) states.set(id, v);
    });
    return { version: Number(offsetHash.v ?? 0), offsets, states, incomplete: offsetHash[INCOMPLETE_FIELD] ?? null };
  }

  /** Returns what was committed, or 'stale' when another commit got there first (nothing was written). */
  async commit(partition: number, c: BatchCommit): Promise<Committed | 'stale'> {
    const k = this.keys(partition);
    const args: Array<string | Buffer | number> = [k.offsets, k.state, k.outbox, k.index];
    args.push(String(c.expectedVersion), c.offsets.size);
    for (const [topic, next] of c.offsets) args.push(topic, next.toString());
    args.push(c.states.size);
    for (const [id, s] of c.states) args.push(id, s ?? '');
    const index = c.index ?? new Map<string, number | null>();
    args.push(index.size);
    for (const [id, score] of index) args.push(id, score === null ? '' : String(score));
    args.push(c.outbox.length);
    for (const r of c.outbox) {
      args.push(r.topic, r.partition === undefined ? '' : String(r.partition), r.key, r.value, r.headers === undefined ? '{}' : JSON.stringify(r.headers));
    }
    args.push(c.incomplete ?? '');
    // One array (ioredis flattens it), never spread: a large batch has more arguments than a call may take.
    const result = await (this.redis as unknown as { commitBatch: CommitBatch }).commitBatch(args);
    if (result === -1) return 'stale';
    const [version, backlog, ...ids] = result;
    if (ids.length !== c.outbox.length) throw new Error(`commitBatch returned ${ids.length} outbox ids for ${c.outbox.length} records`);
    return { version, backlog, outbox: c.outbox.map((r, i) => ({ ...r, id: ids[i]! })) };
  }

  /** Entities whose index score is at or below `score` (e.g. customers with something due by a day), with scores. */
  async due(partition: number, score: number): Promise<Map<string, number>> {
    const flat = await this.redis.zrangebyscore(this.keys(partition).index, '-inf', score, 'WITHSCORES');
    const due = new Map<string, number>();
    for (let i = 0; i + 1 < flat.length; i += 2) due.set(flat[i]!, Number(flat[i + 1]));
    return due;
  }

  async readOutbox(partition: number, count: number): Promise<OutboxEntry[]> {
    const raw = await this.redis.xrangeBuffer(this.keys(partition).outbox, '-', '+', 'COUNT', count);
    return raw.map(([id, fields]) => {
      const f = new Map<string, Buffer>();
      for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!.toString(), fields[i + 1]!);
      const p = f.get('p')?.toString() ?? '';
      return {
        id: id.toString(),
        topic: f.get('t')!.toString(),
        ...(p === '' ? {} : { partition: Number(p) }),
        key: f.get('k')!.toString(),
        value: f.get('v')!,
        headers: JSON.parse(f.get('h')?.toString() ?? '{}') as Record<string, string>,
      };
    });
  }

  async ackOutbox(partition: number, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.redis.xdel(this.keys(partition).outbox, ...ids);
  }

  async outboxLength(partition: number): Promise<number> {
    return this.redis.xlen(this.keys(partition).outbox);
  }
}
