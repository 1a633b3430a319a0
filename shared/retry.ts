// Retrying what fails transiently: the one backoff every retry uses (the runner's paused partitions too), and a loop
// for start-up steps that talk to the stack (schema registration). Those meet the same transient failures as a running
// service, a registry slow to answer while its JVM warms up, so a service retries them for a while instead of dying on
// the first one; anything else, or the last failure past the deadline, is thrown.
import { TransientError } from './errors.ts';

export interface RetryOptions {
  /** Give up once this long has passed since the first attempt. */
  withinMs: number;
  initialMs?: number;
  maxMs?: number;
  onRetry?: (error: TransientError, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The wait before retry number `attempt` (1, 2, ...): initialMs doubling per attempt, capped at maxMs. */
export const backoffMs = (attempt: number, initialMs: number, maxMs: number): number =>
  Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));

/** Runs `fn` until it resolves, retrying a TransientError with doubling, capped delays for up to `withinMs`. */
export async function retryTransient<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + o.withinMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      const delayMs = backoffMs(attempt, o.initialMs ?? 250, o.maxMs ?? 5_000);
      if (now() + delayMs > deadline) throw error;
      o.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
