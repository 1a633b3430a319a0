// The Postgres sink: each chunk the runner hands over (one topic-partition) is one Postgres transaction holding its
// rows and the partition's next offset, so a crash, a retry or a redelivery never applies a record twice. Postgres
// is the store of record for positions; Kafka's committed offsets only say where fetching resumes.
//
// Per chunk: lock the partition's stored offset (a zombie instance waits, then sees what the live one wrote), skip
// what is below it, write the rest with writeRowOps, advance the offset, COMMIT. The first chunk of a partition in
// this process also checks where Kafka fetched it from: beyond what Postgres holds (a new or restored database), the
// partition is rewound there. Only the first: afterwards the position moves with what this process settled, and the
// offsets Postgres never saw (dead-lettered records at the end of a chunk) must not look like a gap.
import type { BatchContext, ConsumedRecord, HandleBatch } from '../../../../shared/kafka/runner.ts';
import { TransientError } from '../../../../shared/errors.ts';
import type { Logger } from '../../../../shared/logger.ts';
import { withTransaction, type Pool, type Queryable } from '../../../../shared/pg/pool.ts';
import { toRowOps, type SinkEvent } from '../domain/to-row-ops.ts';
import type { SinkMetrics } from './metrics.ts';
import { commitOffsets, writeRowOps } from './pg-writer.ts';

export interface SinkOptions {
  pool: Pool;
  group: string;
  /** The first offset still in the log of a topic-partition (Kafka's log start offset). */
  logStartOffset(topic: string, partition: number): Promise<bigint>;
  metrics: SinkMetrics;
  logger: Logger;
}

type Outcome =
  | { kind: 'seek'; offset: bigint }
  | { kind: 'skipped' }
  | { kind: 'written'; rows: number; next: bigint };

async function lockStoredOffset(client: Queryable, group: string, topic: string, partition: number): Promise<bigint | null> {
  const { rows } = await client.query<{ next_offset: string }>(
    `SELECT next_offset FROM reporting.applied_offsets
      WHERE consumer_group = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
    [group, topic, partition],
  );
  return rows[0] ? BigInt(rows[0].next_offset) : null;
}

// Connection-level failures and server states that pass: SQLSTATE classes 08 (connection) and 53 (resources),
// shutdown and start-up (57P0x), cancellation by statement_timeout, serialization and lock conflicts.
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '40001', '40P01', '55P03']);
const TRANSIENT_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// What node-postgres throws, without a code, when a socket dies or a timeout fires.
const TRANSIENT_MESSAGE = /Connection terminated|timeout expired|Query read timeout|not queryable|ended unexpectedly/i;

export function isTransientPgError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^(08|53)/.test(code) || TRANSIENT_SQLSTATES.has(code) || TRANSIENT_ERRNOS.has(code)) return true;
  }
  if (error instanceof AggregateError) return error.errors.some(isTransientPgError);
  return TRANSIENT_MESSAGE.test(error.message);
}

/** The runner's batch handler for the reporting topics. */
export function createSink(o: SinkOptions): HandleBatch<SinkEvent> {
  const { pool, group, metrics } = o;
  const log = o.logger.child({ component: 'sink', group });
  const positioned = new Set<string>();

  /** Where this process must start reading a partition, when Kafka's position is beyond Postgres'. */
  async function rewindTarget(topic: string, partition: number, from: bigint, stored: bigint | null): Promise<bigint | null> {
    if (stored !== null && from <= stored) return null;
    const logStart = await o.logStartOffset(topic, partition);
    if (stored !== null && stored < logStart) {
      log.error({ topic, partition, stored: String(stored), logStart: String(logStart) },
        'retention deleted records this database never applied: continuing from the log start');
    }
    const target = stored === null || stored < logStart ? logStart : stored;
    return from > target ? target : null;
  }

  async function apply(records: ReadonlyArray<ConsumedRecord<SinkEvent>>, ctx: BatchContext): Promise<Outcome> {
    const { topic, partition } = ctx;
    const key = `${topic}:${partition}`;
    return withTransaction(pool, async (client) => {
      const stored = await lockStoredOffset(client, group, topic, partition);
      if (!positioned.has(key)) {
        const target = await rewindTarget(topic, partition, BigInt(ctx.fromOffset), stored);
        positioned.add(key);
        if (target !== null) return { kind: 'seek', offset: target };
      }
      const fresh = stored === null ? records : records.filter((r) => BigInt(r.offset) >= stored);
      metrics.recordsSkipped.inc({ topic }, records.length - fresh.length);
      if (fresh.length === 0) return { kind: 'skipped' };
      const rows = await writeRowOps(client, toRowOps(fresh.map((r) => r.event)));
      const next = BigInt(fresh[fresh.length - 1]!.offset) + 1n;
      await commitOffsets(client, group, [{ topic, partition, nextOffset: next.toString() }]);
      return { kind: 'written', rows, next };
    });
  }

  return async (records, ctx) => {
    if (records.length === 0) return undefined;
    const { topic, partition } = ctx;
    const endTimer = metrics.commitDuration.startTimer({ topic });
    let outcome: Outcome;
    try {
      outcome = await apply(records, ctx);
    } catch (error) {
      if (isTransientPgError(error)) throw new TransientError(`Postgres unavailable: ${(error as Error).message}`, { cause: error });
      throw error;
    }
    switch (outcome.kind) {
      case 'seek':
        log.warn({ topic, partition, from: ctx.fromOffset, to: String(outcome.offset) },
          'Kafka resumed beyond the offsets in Postgres: rewinding to rebuild');
        return { seekTo: outcome.offset.toString() };
      case 'skipped':
        return undefined;
      case 'written':
        endTimer();
        metrics.rowsWritten.inc({ topic }, outcome.rows);
        metrics.committedOffset.set({ topic, partition: String(partition) }, Number(outcome.next));
        return undefined;
    }
  };
}
