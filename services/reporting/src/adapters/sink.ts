// The Postgres sink: each chunk the runner hands over (one topic-partition) is one Postgres transaction holding its
// rows and the partition's next offset, so a crash, a retry or a redelivery never applies a record twice. Postgres
// is the store of record for positions; Kafka's committed offsets only say where fetching resumes.
//
// Per chunk: lock the partition's stored offset (a zombie instance waits, then sees what the live one wrote), skip
// what is below it, write the rest with writeRowOps, advance the offset past every record of the chunk, dead-letter
// its undecodable records, COMMIT. Every chunk also compares where Kafka fetched it from with the stored offset:
// beyond it (a new, truncated or restored database, or a partition assigned with group offsets ahead of Postgres)
// the partition is rewound there. The comparison uses the row the transaction locks anyway. Dead-lettered records
// advance the offset too, so a position past it means rows are missing (at worst, a retry that resumed after records
// compacted away costs one needless re-fetch).
import type { Counter } from 'prom-client';
import { TransientError } from '../../../../shared/errors.ts';
import type { DeadLetter, DlqPublisher } from '../../../../shared/kafka/dlq.ts';
import type { BatchContext, ConsumedRecord, HandleBatch } from '../../../../shared/kafka/runner.ts';
import type { Logger } from '../../../../shared/logger.ts';
import { withTransaction, type Pool, type Queryable } from '../../../../shared/pg/pool.ts';
import { toRowOps, type SinkEvent } from '../domain/to-row-ops.ts';
import { deadLetterOf, Undecodable, type SinkInput } from './dead-letters.ts';
import type { SinkMetrics } from './metrics.ts';
import { commitOffsets, writeRowOps } from './pg-writer.ts';

export interface SinkOptions {
  pool: Pool;
  group: string;
  /** The first offset still in the log of a topic-partition (Kafka's log start offset). */
  logStartOffset(topic: string, partition: number): Promise<bigint>;
  metrics: SinkMetrics;
  /** Where undecodable records go; started and stopped by the runner. */
  dlq: Pick<DlqPublisher, 'publish'>;
  /** The runner's o2c_dlq_records_total: the runner sees no poison records here, the sink counts them. */
  dlqRecords: Counter<'topic' | 'error_class'>;
  logger: Logger;
}

type Outcome =
  | { kind: 'seek'; offset: bigint }
  | { kind: 'skipped' }
  | { kind: 'written'; rows: number; next: bigint; letters: DeadLetter[] };

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
export function createSink(o: SinkOptions): HandleBatch<SinkInput> {
  const { pool, group, metrics } = o;
  const log = o.logger.child({ component: 'sink', group });

  /** Where this partition must be read from, when Kafka's position is beyond Postgres'. */
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

  async function apply(records: ReadonlyArray<ConsumedRecord<SinkInput>>, ctx: BatchContext): Promise<Outcome> {
    const { topic, partition } = ctx;
    return withTransaction(pool, async (client) => {
      const stored = await lockStoredOffset(client, group, topic, partition);
      const target = await rewindTarget(topic, partition, BigInt(ctx.fromOffset), stored);
      if (target !== null) return { kind: 'seek', offset: target };
      const fresh = stored === null ? records : records.filter((r) => BigInt(r.offset) >= stored);
      metrics.recordsSkipped.inc({ topic }, records.length - fresh.length);
      if (fresh.length === 0) return { kind: 'skipped' };
      const events: SinkEvent[] = [];
      const letters: DeadLetter[] = [];
      for (const r of fresh) {
        if (r.event instanceof Undecodable) letters.push(deadLetterOf({ ...r, event: r.event }));
        else events.push(r.event);
      }
      const rows = events.length > 0 ? await writeRowOps(client, toRowOps(events)) : 0;
      const next = BigInt(fresh[fresh.length - 1]!.offset) + 1n;
      await commitOffsets(client, group, [{ topic, partition, nextOffset: next.toString() }]);
      // Last before COMMIT: a letter is sent again only if the process dies between the DLQ's ack and the COMMIT.
      await o.dlq.publish(letters).catch((error: unknown) => {
        throw new TransientError(`DLQ unavailable: ${(error as Error).message}`, { cause: error });
      });
      return { kind: 'written', rows, next, letters };
    });
  }

  return async (records, ctx) => {
    if (records.length === 0) return undefined;
    const { topic, partition } = ctx;
    const endTimer = metrics.commitDuration.startTimer();
    let outcome: Outcome;
    try {
      outcome = await apply(records, ctx);
    } catch (error) {
      if (error instanceof TransientError) throw error;
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
        for (const l of outcome.letters) {
          o.dlqRecords.inc({ topic, error_class: l.error.errorClass });
          log.warn({ topic, partition, offset: l.offset, errorClass: l.error.errorClass, error: l.error.message },
            'poison record sent to the DLQ');
        }
        return undefined;
    }
  };
}
