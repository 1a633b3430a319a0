// Session lifetime: a session ends after an idle time without requests and, whatever the activity, a maximum time
// after sign-in (so a stolen cookie does not live forever).

export interface SessionTimes {
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionLimits {
  idleMs: number;
  maxMs: number;
}

export type SessionState = 'valid' | 'idle' | 'expired';

export function sessionState(s: SessionTimes, now: number, limits: SessionLimits): SessionState {
  if (now - s.createdAt >= limits.maxMs) return 'expired';
  if (now - s.lastSeenAt >= limits.idleMs) return 'idle';
  return 'valid';
}

/**
 * Failed sign-ins per user name in a sliding window; at the limit further attempts are refused until the oldest
 * failure leaves the window (a success clears the name). Kept per process: enough to stop guessing from one console.
 */
export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limits: { maxFailures: number; windowMs: number }) {}

  private recent(name: string, now: number): number[] {
    const kept = (this.failures.get(name) ?? []).filter((at) => now - at < this.limits.windowMs);
    if (kept.length === 0) this.failures.delete(name);
    else this.failures.set(name, kept);
    return kept;
  }

  allowed(name: string, now: number): boolean {
    return this.recent(name, now).length < this.limits.maxFailures;
  }

  failed(name: string, now: number): void {
    this.failures.set(name, [...this.recent(name, now), now]);
  }

  succeeded(name: string): void {
    this.failures.delete(name);
  }
}
