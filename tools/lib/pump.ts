// Moves records from a generator to a sink in batches, at most `rate` records per second and never before a
// record's release time (the simulator's business clock), reporting progress as it goes. Clock and sleep are
// passed in, so the pacing is tested without Kafka and without waiting.
import type { OutRecord } from './out-record.ts';
import { TokenBucket } from './token-bucket.ts';

export interface PumpProgress {
  readonly sent: number;
  readonly elapsedMs: number;
  /** Event time of the last record sent; 0 before the first. */
  readonly lastOccurredAt: number;
}

export interface PumpOptions {
  /** Records per send at most. */
  readonly batchSize: number;
  /** Records per second at most; Infinity for as fast as the sink acknowledges. */
  readonly rate: number;
  /** Wall time (ms) before which a record may not be sent; default: at once. */
  readonly releaseAt?: (record: OutRecord) => number;
  readonly clock: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Stops pulling records; what was pulled is still sent. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: PumpProgress) => void;
  readonly progressEveryMs?: number;
}

/** Sends every record (until aborted) and resolves with the final progress once the last batch is acknowledged. */
export async function pump(
  records: Iterable<OutRecord>,
  send: (batch: OutRecord[]) => Promise<void>,
  o: PumpOptions,
): Promise<PumpProgress> {
  const start = o.clock();
  const bucket = Number.isFinite(o.rate) ? new TokenBucket(o.rate, Math.max(1, Math.min(o.batchSize, o.rate / 10)), start) : null;
  const every = o.progressEveryMs ?? 1000;
  let lastReport = start;
  let sent = 0;
  let lastOccurredAt = 0;
  let batch: OutRecord[] = [];

  const progress = (): PumpProgress => ({ sent, elapsedMs: o.clock() - start, lastOccurredAt });
  const flush = async () => {
    if (batch.length === 0) return;
    const out = batch;
    batch = [];
    await send(out);
    sent += out.length;
    lastOccurredAt = out[out.length - 1]!.event.occurredAt;
    if (o.onProgress && o.clock() - lastReport >= every) {
      lastReport = o.clock();
      o.onProgress(progress());
    }
  };

  for (const record of records) {
    if (o.signal?.aborted) break;
    // Whatever waits, the batch gathered so far goes out first: a paced record must not hold back earlier ones.
    for (;;) {
      const now = o.clock();
      const release = (o.releaseAt?.(record) ?? now) - now;
      const wait = release > 0 ? release : (bucket?.take(now) ?? 0);
      if (wait <= 0) break;
      await flush();
      await o.sleep(wait);
    }
    batch.push(record);
    if (batch.length >= o.batchSize) await flush();
  }
  await flush();
  return progress();
}
