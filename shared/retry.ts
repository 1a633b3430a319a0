// Start-up steps that talk to the stack (topic creation, schema registration) meet the same transient failures as
// a running service: a registry slow to answer while its JVM warms up, a broker electing a leader. A service retries
// them for a while instead of dying on the first one; anything else, or the last failure past the deadline, is thrown.
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
      const delayMs = Math.min(o.maxMs ?? 5_000, (o.initialMs ?? 250) * 2 ** (attempt - 1));
      if (now() + delayMs > deadline) throw error;
      o.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
