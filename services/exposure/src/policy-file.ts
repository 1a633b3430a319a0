// CREDIT_POLICY_FILE: the authority matrix as a JSON file, read and validated once at start-up. Every problem is
// reported at once, each naming the variable and the field (`authority.CREDIT_CONTROLLER.maxOverLimit must be ...`),
// as configuration errors do. Without the variable the core's DEFAULT_AUTHORITY applies. A file replaces that matrix
// whole: a role the file does not name has no authority, so a missing line never grants anything.
//
//   { "authority": { "CREDIT_CONTROLLER": { "release": true, "reject": true, "maxOverLimit": 1000000 }, ... } }
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../../shared/config.ts';
import type { ActorRole } from '../../../shared/contracts/events.generated.ts';
import { ACTOR_ROLES, DEFAULT_AUTHORITY, type AuthorityMatrix, type RoleAuthority } from './domain/index.ts';

export const POLICY_FILE_VAR = 'CREDIT_POLICY_FILE';

const NONE: RoleAuthority = { release: false, reject: false, maxOverLimit: 0 };
const ROLE_FIELDS = ['release', 'reject', 'maxOverLimit'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The authority matrix a parsed policy document gives, or the problems with it (each naming its field). */
export function parseAuthority(doc: unknown): { authority: AuthorityMatrix } | { problems: string[] } {
  const problems: string[] = [];
  if (!isObject(doc)) return { problems: ['the file must hold a JSON object'] };
  for (const key of Object.keys(doc)) if (key !== 'authority') problems.push(`${key} is not a field of the policy file (authority)`);
  const matrix = doc.authority;
  if (!isObject(matrix)) return { problems: [...problems, 'authority must be an object of roles'] };
  const authority: Record<string, RoleAuthority> = Object.fromEntries(ACTOR_ROLES.map((r) => [r, NONE]));
  for (const [role, entry] of Object.entries(matrix)) {
    const at = `authority.${role}`;
    if (!(ACTOR_ROLES as readonly string[]).includes(role)) {
      problems.push(`${at} is not a role (${ACTOR_ROLES.join(', ')})`);
      continue;
    }
    if (!isObject(entry)) {
      problems.push(`${at} must be an object with release, reject and maxOverLimit`);
      continue;
    }
    for (const key of Object.keys(entry)) {
      if (!(ROLE_FIELDS as readonly string[]).includes(key)) problems.push(`${at}.${key} is not a field (${ROLE_FIELDS.join(', ')})`);
    }
    const { release = false, reject = false, maxOverLimit = 0 } = entry;
    if (typeof release !== 'boolean') problems.push(`${at}.release must be true or false`);
    if (typeof reject !== 'boolean') problems.push(`${at}.reject must be true or false`);
    if (typeof maxOverLimit !== 'number' || !Number.isSafeInteger(maxOverLimit) || maxOverLimit < 0) {
      problems.push(`${at}.maxOverLimit must be a non-negative number (an integer, minor units)`);
    }
    if (release === true && !('maxOverLimit' in entry)) {
      problems.push(`${at}.maxOverLimit is required when release is true (0: only releases within the limit)`);
    }
    authority[role as ActorRole] = { release: release === true, reject: reject === true, maxOverLimit: Number(maxOverLimit) };
  }
  return problems.length > 0 ? { problems } : { authority: authority as AuthorityMatrix };
}

/** The matrix of CREDIT_POLICY_FILE, DEFAULT_AUTHORITY without it; a ConfigError naming the variable and each field. */
export function authorityFromFile(path: string | undefined): AuthorityMatrix {
  if (path === undefined) return DEFAULT_AUTHORITY;
  const named = (problem: string) => `${POLICY_FILE_VAR}=${JSON.stringify(path)}: ${problem}`;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const why = e instanceof SyntaxError ? `is not valid JSON (${e.message})` : `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
    throw new ConfigError([named(why)]);
  }
  const parsed = parseAuthority(doc);
  if ('problems' in parsed) throw new ConfigError(parsed.problems.map(named));
  return parsed.authority;
}
