// Reaching the stack at start-up. Under compose or Kubernetes a service often starts before its broker, registry,
// Redis or Postgres answers, and a brand-new broker answers "not the coordinator" for a while: so every first call
// to each of them retries what may pass (a refused connection, a retriable Kafka error, a registry warming up) with
// backoff, for up to STARTUP_TIMEOUT_MS. Past that, start-up fails with an UnreachableError whose message names the
// variable to look at and the address it holds (passwords masked), which lifecycle.ts logs as the one fatal line.
//
//   reach(step, fn)   runs fn until it resolves, a non-retriable error (thrown as it is), or the deadline
import { maskSecrets } from './config.ts';
import { TransientError } from './errors.ts';
import type { Logger } from './logger.ts';
import { backoffMs } from './retry.ts';

/** What every service's config has for start-up (commonSpec). */
export interface StartupConfig {
  STARTUP_TIMEOUT_MS: number;
}

export interface Step {
  /** The variable an operator fixes, e.g. REDIS_URL. */
  variable: string;
  /** What it holds, e.g. redis://127.0.0.1:6379 (masked before it is shown). */
  address: string;
  timeoutMs: number;
  /** Whether a failure may pass when tried again; anything else is thrown at once. Default: isTransient. */
  retriable?: (error: unknown) => boolean;
  /** Where each retry is logged (warn). */
  logger?: Logger | undefined;
  initialMs?: number;
  maxMs?: number;
}

/** A dependency that did not answer within STARTUP_TIMEOUT_MS. */
export class UnreachableError extends Error {
  readonly variable: string;
  readonly address: string;
  readonly reason: string;
  constructor(step: Pick<Step, 'variable' | 'address' | 'timeoutMs'>, reason: string, options?: { cause?: unknown }) {
    const address = maskSecrets(step.address);
    super(`${step.variable} ${address} unreachable after ${seconds(step.timeoutMs)} s: ${reason}`, options);
    this.name = 'UnreachableError';
    this.variable = step.variable;
    this.address = address;
    this.reason = reason;
  }
}

const seconds = (ms: number): string => String(Math.round(ms / 100) / 10);

// Node's codes for a peer that is not there (yet): refused, reset, unreachable, or a name not resolvable yet.
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE',
]);

/** The errors an error wraps: its cause, and an AggregateError's errors (localhost tried as ::1 and 127.0.0.1). */
function* chain(error: unknown, depth = 0): Generator<unknown> {
  if (depth > 8 || error === null || error === undefined) return;
  yield error;
  if (typeof error !== 'object') return;
  const e = error as { cause?: unknown; errors?: unknown; originalError?: unknown };
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* chain(inner, depth + 1);
  yield* chain(e.cause ?? e.originalError, depth + 1);
}

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** A refused or lost connection anywhere in the error's chain, or a TransientError. */
export function isTransient(error: unknown): boolean {
  for (const e of chain(error)) {
    if (e instanceof TransientError) return true;
    const code = codeOf(e);
    if (code !== undefined && NETWORK_CODES.has(code)) return true;
  }
  return false;
}

/** The shortest useful why: the network code when there is one (ECONNREFUSED), else the message. */
export function reasonOf(error: unknown): string {
  for (const e of chain(error)) {
    const code = codeOf(e);
    if (code !== undefined && NETWORK_CODES.has(code)) return code;
  }
  return maskSecrets(error instanceof Error ? error.message : String(error));
}

/**
 * Runs `fn` until it resolves, retrying what `step.retriable` accepts with capped doubling delays; past
 * `step.timeoutMs` (an attempt still running then is abandoned) throws an UnreachableError with the last reason.
 */
export async function reach<T>(step: Step, fn: () => Promise<T>): Promise<T> {
  const retriable = step.retriable ?? isTransient;
  const deadline = Date.now() + step.timeoutMs;
  let lastError: unknown;
  for (let attempt = 1; ; attempt++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw unreachable(step, lastError);
    const attemptDone = fn();
    // An abandoned attempt may still fail later; nobody waits for it any more.
    attemptDone.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), remaining);
    });
    try {
      const outcome = await Promise.race([attemptDone.then((value) => ({ value })), timedOut]);
      if (outcome !== 'timeout') return outcome.value;
      throw unreachable(step, lastError);
    } catch (error) {
      if (error instanceof UnreachableError || !retriable(error)) throw error;
      lastError = error;
    } finally {
      clearTimeout(timer);
    }
    const delayMs = Math.min(backoffMs(attempt, step.initialMs ?? 250, step.maxMs ?? 5_000), Math.max(0, deadline - Date.now()));
    step.logger?.warn(
      { variable: step.variable, address: maskSecrets(step.address), attempt, delayMs, reason: reasonOf(lastError) },
      `${step.variable} not reachable yet, retrying`,
    );
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

function unreachable(step: Step, lastError: unknown): UnreachableError {
  return new UnreachableError(step, lastError === undefined ? 'no answer' : reasonOf(lastError), { cause: lastError });
}
