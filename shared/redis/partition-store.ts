// Per-partition state in Redis with effectively-once commits. A service loads the state of a batch's entities in one
// round trip, computes new state and derived records in its pure core, then commits everything with one script that
// is fenced by the partition's version: a redelivered record is skipped by its offset, and a stale instance (or a
// concurrent batch of the same partition) finds the version moved and recomputes instead of overwriting.
//
// An entity's state is a hash of its own, a field per part (exposure: one per document), so a commit writes the
// parts a batch changed, not the whole entity: its cost follows what changed, not the customer's history. A commit's
// derived records are one outbox entry, packed, trimmed with one XDEL once Kafka acknowledged them.
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { partitionKeys, type PartitionKeys } from './keys.ts';
import { loadScripts } from './scripts.ts';

const LUA_DIR = fileURLToPath(new URL('./lua', import.meta.url));
/** Fields of the offsets hash that are not topics: the fence's version, the layout and the incomplete-state mark. */
const VERSION_FIELD = 'v';
const LAYOUT_FIELD = 'f';
/** The layout this store writes: a hash per entity. An offsets hash without it holds an earlier layout's offsets. */
const LAYOUT = '2';
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
  /** The fields of each requested entity's state; absent when the entity has none. */
  states: Map<string, Map<string, string>>;
  /**
   * Set when the state was rebuilt from a log that had lost records it never applied (what was lost, for people);
   * null when complete. Only an operator clears it (HDEL of the offsets hash's `incomplete` field).
   */
  incomplete: string | null;
}

/** How a commit changes one entity's stored state. */
export type EntityChange =
  | { kind: 'delete' }
  /** Every field of the state: the fields stored before and not named here are gone. */
  | { kind: 'replace'; fields: ReadonlyMap<string, string> }
  /** The fields named; null deletes a field. */
  | { kind: 'patch'; fields: ReadonlyMap<string, string | null> };

export interface BatchCommit {
  expectedVersion: number;
  /** Next offset to apply per topic of the partition the batch took records from (last applied + 1). */
  offsets: ReadonlyMap<string, bigint>;
  states: ReadonlyMap<string, EntityChange>;
  /** New index score per entity (e.g. next due day); null removes it. */
  index?: ReadonlyMap<string, number | null>;
  outbox: OutboxRecord[];
  /** Marks the state incomplete (see LoadedPartition); a commit never clears the mark. */
  incomplete?: string;
}

/** One commit's derived records, as the outbox holds them until Kafka acknowledged them. */
export interface OutboxEntry {
  id: string;
  records: OutboxRecord[];
}

export interface Committed {
  version: number;
  /** Outbox entries that were already there before this commit (not yet published and trimmed). */
  backlog: number;
  /** This commit's outbox entry (null without records) with its records, in outbox order. */
  entry: OutboxEntry | null;
}

type CommitBatch = (numKeys: number, args: Array<string | Buffer | number>) => Promise<-1 | [number, number, string]>;

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
    for (const id of entityIds) pipeline.hgetall(k.entity(id));
    const results = await pipeline.exec();
    if (!results) throw new Error('redis pipeline was discarded');
    for (const [err] of results) if (err) throw err;
    const offsetHash = (results[0]?.[1] ?? {}) as Record<string, string>;

    // Offsets of an earlier layout name states this store cannot read: the partition is rebuilt from the log (and
    // the commit that does so drops them).
    const current = offsetHash[LAYOUT_FIELD] === LAYOUT;
    const offsets = new Map<string, bigint>();
    for (const [field, value] of Object.entries(offsetHash)) {
      if (current && field !== VERSION_FIELD && field !== LAYOUT_FIELD && field !== INCOMPLETE_FIELD) offsets.set(field, BigInt(value));
    }
    const states = new Map<string, Map<string, string>>();
    if (current) {
      entityIds.forEach((id, i) => {
        const hash = results[i + 1]?.[1] as Record<string, string> | undefined;
        if (!hash) return;
        const fields = new Map<string, string>();
        for (const field in hash) fields.set(field, hash[field]!);
        if (fields.size > 0) states.set(id, fields);
      });
    }
    return { version: Number(offsetHash.v ?? 0), offsets, states, incomplete: offsetHash[INCOMPLETE_FIELD] ?? null };
  }

  /** Returns what was committed, or 'stale' when another commit got there first (nothing was written). */
  async commit(partition: number, c: BatchCommit): Promise<Committed | 'stale'> {
    const k = this.keys(partition);
    const keys: string[] = [k.offsets, k.outbox, k.index, k.legacyState];
    const args: Array<string | Buffer | number> = [String(c.expectedVersion), c.offsets.size];
    for (const [topic, next] of c.offsets) args.push(topic, next.toString());
    for (const [id, change] of c.states) {
      keys.push(k.entity(id));
      if (change.kind === 'delete') {
        args.push('d', 0);
        continue;
      }
      args.push(change.kind === 'replace' ? 'r' : 'p', change.fields.size);
      for (const [field, text] of change.fields) args.push(field, text ?? '');
    }
    const index = c.index ?? new Map<string, number | null>();
    args.push(index.size);
    for (const [id, score] of index) args.push(id, score === null ? '' : String(score));
    args.push(c.outbox.length, c.outbox.length === 0 ? '' : packRecords(c.outbox));
    args.push(c.incomplete ?? '');
    // ioredis flattens the arrays into the call, never spread: a large batch has more arguments than a call may take.
    const result = await (this.redis as unknown as { commitBatch: CommitBatch }).commitBatch(keys.length, [...keys, ...args]);
    if (result === -1) return 'stale';
    const [version, backlog, id] = result;
    return { version, backlog, entry: id === '' ? null : { id, records: c.outbox } };
  }

  /** The partition's version now (the fence), 0 before its first commit. */
  async version(partition: number): Promise<number> {
    return Number((await this.redis.hget(this.keys(partition).offsets, VERSION_FIELD)) ?? 0);
  }

  /** Entities whose index score is at or below `score` (e.g. customers with something due by a day), with scores. */
  async due(partition: number, score: number): Promise<Map<string, number>> {
    const flat = await this.redis.zrangebyscore(this.keys(partition).index, '-inf', score, 'WITHSCORES');
    const due = new Map<string, number>();
    for (let i = 0; i + 1 < flat.length; i += 2) due.set(flat[i]!, Number(flat[i + 1]));
    return due;
  }

  /** The oldest `count` outbox entries of the partition (each one commit's records). */
  async readOutbox(partition: number, count: number): Promise<OutboxEntry[]> {
    const raw = await this.redis.xrangeBuffer(this.keys(partition).outbox, '-', '+', 'COUNT', count);
    return raw.map(([id, fields]) => {
      let packed: Buffer | undefined;
      for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i]!.toString() === 'b') packed = fields[i + 1]!;
      return { id: id.toString(), records: packed ? unpackRecords(packed) : [] };
    });
  }

  async ackOutbox(partition: number, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.redis.xdel(this.keys(partition).outbox, ...ids);
  }

  /** Records committed and not yet acknowledged by Kafka (of the oldest 1,000 entries: a gauge, not a ledger). */
  async outboxLength(partition: number): Promise<number> {
    const entries = await this.redis.xrange(this.keys(partition).outbox, '-', '+', 'COUNT', 1000);
    let records = 0;
    for (const [, fields] of entries) {
      for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'n') records += Number(fields[i + 1]);
    }
    return records;
  }
}

// A commit's records as one value: per record the topic, the partition (-1: follow the key), the key and the headers
// JSON, each length-prefixed, then the value's length and bytes. Written once per commit, read back only after a
// publish that did not finish.
export function packRecords(records: readonly OutboxRecord[]): Buffer {
  const heads = records.map((r) => [r.topic, r.key, r.headers === undefined ? '' : JSON.stringify(r.headers)] as const);
  let size = 0;
  for (let i = 0; i < records.length; i++) {
    const [topic, key, headers] = heads[i]!;
    size += 16 + Buffer.byteLength(topic) + Buffer.byteLength(key) + Buffer.byteLength(headers) + 4 + records[i]!.value.length;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  const text = (s: string) => {
    const n = out.write(s, at + 4);
    out.writeUInt32BE(n, at);
    at += 4 + n;
  };
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const [topic, key, headers] = heads[i]!;
    text(topic);
    out.writeInt32BE(r.partition ?? -1, at);
    at += 4;
    text(key);
    text(headers);
    out.writeUInt32BE(r.value.length, at);
    r.value.copy(out, at + 4);
    at += 4 + r.value.length;
  }
  return out.subarray(0, at);
}

export function unpackRecords(packed: Buffer): OutboxRecord[] {
  const records: OutboxRecord[] = [];
  let at = 0;
  const bytes = () => {
    const n = packed.readUInt32BE(at);
    const b = packed.subarray(at + 4, at + 4 + n);
    at += 4 + n;
    return b;
  };
  while (at < packed.length) {
    const topic = bytes().toString();
    const partition = packed.readInt32BE(at);
    at += 4;
    const key = bytes().toString();
    const headers = bytes().toString();
    const value = Buffer.from(bytes());
    const record: OutboxRecord = { topic, key, value };
    if (partition >= 0) record.partition = partition;
    if (headers !== '') record.headers = JSON.parse(headers) as Record<string, string>;
    records.push(record);
  }
  return records;
}
