// Partition retry. A failure that is not a poison record (a TransientError, or anything unexpected, which we refuse to
// guess about) pauses only its topic-partition, rewinds it to the first unsettled record and resumes it after a capped
// exponential backoff, so other partitions go on meanwhile. Attempts count per topic-partition until a call of it
// settles; the timers live here so that stop() leaves none behind.
import { TransientError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { RunnerMetrics } from '../../metrics.ts';
import { backoffMs } from '../../retry.ts';
import type { PartitionPort } from './batch.ts';
import type { Stage } from './settle.ts';

export interface PartitionRetry {
  /** Pause the topic-partition, rewind it to `offset` and resume it after the backoff. */
  later(topic: string, partition: number, offset: string, stage: Stage, error: unknown): void;
  /** A call of the topic-partition settled: its next failure waits the initial backoff again. */
  succeeded(topic: string, partition: number): void;
  /** Cancels every pending resume. */
  stop(): void;
}

export interface PartitionRetryOptions {
  port: PartitionPort;
  /** Backoff: initialMs doubling per consecutive failure, capped at maxMs. */
  initialMs: number;
  maxMs: number;
  metrics: Pick<RunnerMetrics, 'transientErrors'>;
  log: Logger;
}

export function createPartitionRetry(o: PartitionRetryOptions): PartitionRetry {
  const { port, metrics, log } = o;
  const attempts = new Map<string, number>();
  const resumeTimers = new Map<string, NodeJS.Timeout>();
  return {
    later(topic, partition, offset, stage, error) {
      const key = `${topic}:${partition}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const delayMs = backoffMs(attempt, o.initialMs, o.maxMs);
      metrics.transientErrors.inc({ topic, stage });
      const fields = { topic, partition, offset, stage, attempt, delayMs, err: error };
      if (error instanceof TransientError) log.warn(fields, 'transient failure, partition paused for a retry');
      else log.error(fields, 'unexpected failure, treated as transient: partition paused for a retry');

      port.pause(topic, partition);
      port.seek(topic, partition, offset);
      clearTimeout(resumeTimers.get(key));
      const resumeLater = () =>
        resumeTimers.set(
          key,
          setTimeout(() => {
            resumeTimers.delete(key);
            try {
              port.resume(topic, partition);
            } catch (err) {
              // The consumer is between a crash and its restart (kafkajs: "consumer#run must be called first"): an
              // error thrown from a timer would kill the process, and the partition would stay paused; try again.
              log.warn({ topic, partition, err }, 'resume after a retry failed, trying again after the backoff');
              resumeLater();
            }
          }, delayMs),
        );
      resumeLater();
    },
    succeeded(topic, partition) {
      attempts.delete(`${topic}:${partition}`);
    },
    stop() {
      for (const timer of resumeTimers.values()) clearTimeout(timer);
      resumeTimers.clear();
    },
  };
}
