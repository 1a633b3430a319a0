// Sessions and CSRF: a random session token in an HttpOnly, SameSite=Strict cookie (the database keeps its sha256),
// and per session a synchronizer token that every form carries and every POST must repeat. The sign-in form, which
// has no session yet, carries a token of its own that must match a short-lived cookie (double submit).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'o2c_console_session';
export const SIGNIN_COOKIE = 'o2c_console_signin';

export const newToken = (): string => randomBytes(32).toString('base64url');
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Constant-time equality of two tokens; false for a missing one. */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string' || a === '' || b === '') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
