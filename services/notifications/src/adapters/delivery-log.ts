// The delivery log: one Redis hash per notice, what the SMTP delivery knows of it. Redis rather than Postgres: the
// service already keeps its state there (no second store to run or fence), a notice's entry is one key written with
// one HSET (atomic, no transaction needed), and the key carries the notice partition's hash tag like every other key
// (partitionKeys), so the layout runs on Redis Cluster. Entries expire 30 days after the maximum notice age (see
// DeliveryLog), so the log holds weeks of notices, not the history. Run Redis with AOF (appendfsync everysec or always): an entry
// lost with Redis would make that notice's e-mail go out again.
//
//   sending      an attempt is under way: its outcome is unknown until the next write (a crash here is the window:
//                that one notice is sent again, with the same Message-ID)
//   retrying     an attempt failed for sure (the server answered 4xx, or could not be reached): not sent
//   sent         the server accepted it (250 after DATA); `reported` says whether its NoticeDelivered is on the topic
//                (written sent first, so a crash or a broker down after the 250 never mails it again: the next
//                delivery that finds it unreported publishes the record, identical, and marks it)
//   dead         given up: 5xx, or SMTP_MAX_ATTEMPTS answers of 4xx; a NoticeDeliveryFailed was published
//   unaddressed  the customer has no contactEmail: nothing to send
//   stale        the notice's event time is older than SMTP_MAX_NOTICE_AGE_DAYS: a replay of history, not mailed
import type { Redis } from 'ioredis';
import { partitionKeys } from '../../../../shared/redis/keys.ts';

export const DELIVERY_STATES = ['sending', 'retrying', 'sent', 'dead', 'unaddressed', 'stale'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
/** States after which a notice is never sent again. */
export const FINAL_STATES: ReadonlySet<DeliveryState> = new Set(['sent', 'dead', 'unaddressed', 'stale']);

export interface DeliveryEntry {
  state: DeliveryState;
  attempts: number;
  /** Wall clock, epoch ms, of the last write. */
  updatedAt: number;
  error: string | null;
  /** sent only: NoticeDelivered published. Entries written before the field existed count as reported. */
  reported?: boolean;
}

/**
 * Entries expire `ttlMs` after their last write. Safe once ttlMs exceeds the delivery's maximum notice age: a notice
 * redelivered after its entry expired is older than that age by then, so it is stale and not mailed again.
 */
export class DeliveryLog {
  constructor(
    private readonly redis: Redis,
    /** The key space: `<prefix>:<service>:{p<partition>}:e:<noticeId>`. */
    private readonly service: string,
    private readonly prefix: string,
    private readonly ttlMs: number,
  ) {}

  key(partition: number, noticeId: string): string {
    return partitionKeys(this.service, partition, this.prefix).entity(noticeId);
  }

  async get(partition: number, noticeId: string): Promise<DeliveryEntry | undefined> {
    const h = await this.redis.hgetall(this.key(partition, noticeId));
    if (h.state === undefined) return undefined;
    return {
      state: h.state as DeliveryState, attempts: Number(h.attempts ?? 0), updatedAt: Number(h.updatedAt ?? 0), error: h.error ?? null,
      reported: h.reported !== '0',
    };
  }

  async set(partition: number, noticeId: string, e: DeliveryEntry): Promise<void> {
    const fields: Record<string, string> = { state: e.state, attempts: String(e.attempts), updatedAt: String(e.updatedAt) };
    if (e.error !== null) fields.error = e.error;
    if (e.reported !== undefined) fields.reported = e.reported ? '1' : '0';
    const key = this.key(partition, noticeId);
    // One MULTI: the entry and its expiry together (a crash cannot leave an entry that never expires).
    await this.redis.multi().hset(key, fields).pexpire(key, this.ttlMs).exec();
  }
}
