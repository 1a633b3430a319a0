// CREDIT_POLICY_FILE: the credit policy as a JSON file, read and validated once at start-up. Every problem is reported
// at once, each naming the variable and the field (`classes.B.maxDocumentValue must be ...`), as configuration errors
// do. Without the variable the environment's policy and the core's DEFAULT_AUTHORITY apply.
//
//   { "version": "2026-12-a",
//     "authority": { "CREDIT_CONTROLLER": { "release": true, "reject": true, "maxOverLimit": 1000000 }, ... },
//     "defaults": { "defaultLimit": 500000 },
//     "classes": { "C": { "maxDocumentValue": 2000000, "oldestItemMaxDaysPastDue": 60 }, "E": { "holdAll": true } } }
//
// `version` is stamped on every decision (it wins over CREDIT_POLICY_VERSION). `authority` replaces the default matrix
// whole: a role the file does not name has no authority, so a missing line never grants anything. `classes` (A..E)
// and `defaults` (customers without a class, or of a class not listed) give each class's rules; a field left out is
// off, except `holdAll`, where RISK_HOLD_CLASSES decides for a class the file does not set it for.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../../shared/config.ts';
import type { ActorRole } from '../../../shared/contracts/events.generated.ts';
import {
  ACTOR_ROLES,
  NO_CLASS_POLICY,
  RISK_CLASSES,
  type AuthorityMatrix,
  type ClassPolicy,
  type RoleAuthority,
} from './domain/index.ts';

export const POLICY_FILE_VAR = 'CREDIT_POLICY_FILE';

/** What a policy file says; the environment gives the rest (config.ts policyOf). */
export interface PolicyFile {
  readonly version: string;
  readonly authority: AuthorityMatrix;
  readonly classes: Readonly<Record<string, ClassPolicy>>;
  readonly defaults: ClassPolicy;
  /** The classes whose `holdAll` the file sets, true or false: for those it wins over RISK_HOLD_CLASSES. */
  readonly holdAllSet: readonly string[];
}

const NONE: RoleAuthority = { release: false, reject: false, maxOverLimit: 0 };
const ROLE_FIELDS = ['release', 'reject', 'maxOverLimit'] as const;
const TOP_FIELDS = ['version', 'authority', 'classes', 'defaults'] as const;
const CLASS_FIELDS = ['defaultLimit', 'maxDocumentValue', 'holdAll', 'oldestItemMaxDaysPastDue'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseAuthorityField(matrix: unknown, problems: string[]): AuthorityMatrix {
  const authority: Record<string, RoleAuthority> = Object.fromEntries(ACTOR_ROLES.map((r) => [r, NONE]));
  if (!isObject(matrix)) {
    problems.push('authority must be an object of roles');
    return authority as AuthorityMatrix;
  }
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
  return authority as AuthorityMatrix;
}

/** One class's rules (`at`: classes.X or defaults); fields left out are off. */
function parseClass(at: string, entry: unknown, problems: string[]): { rules: ClassPolicy; setsHoldAll: boolean } {
  if (!isObject(entry)) {
    problems.push(`${at} must be an object with any of ${CLASS_FIELDS.join(', ')}`);
    return { rules: NO_CLASS_POLICY, setsHoldAll: false };
  }
  for (const key of Object.keys(entry)) {
    if (!(CLASS_FIELDS as readonly string[]).includes(key)) problems.push(`${at}.${key} is not a field (${CLASS_FIELDS.join(', ')})`);
  }
  const amount = (field: 'defaultLimit' | 'maxDocumentValue' | 'oldestItemMaxDaysPastDue', unit: string): number | null => {
    const v = entry[field];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      problems.push(`${at}.${field} must be a non-negative integer (${unit}) or null`);
      return null;
    }
    return v;
  };
  const holdAll = entry.holdAll;
  if (holdAll !== undefined && typeof holdAll !== 'boolean') problems.push(`${at}.holdAll must be true or false`);
  return {
    rules: {
      defaultLimit: amount('defaultLimit', 'minor units'),
      maxDocumentValue: amount('maxDocumentValue', 'minor units'),
      holdAll: holdAll === true,
      oldestItemMaxDaysPastDue: amount('oldestItemMaxDaysPastDue', 'days'),
    },
    setsHoldAll: typeof holdAll === 'boolean',
  };
}

/** The policy a parsed file gives, or the problems with it (each naming its field). */
export function parsePolicy(doc: unknown): { policy: PolicyFile } | { problems: string[] } {
  if (!isObject(doc)) return { problems: ['the file must hold a JSON object'] };
  const problems: string[] = [];
  for (const key of Object.keys(doc)) {
    if (!(TOP_FIELDS as readonly string[]).includes(key)) problems.push(`${key} is not a field of the policy file (${TOP_FIELDS.join(', ')})`);
  }
  const { version } = doc;
  if (typeof version !== 'string' || version.trim() === '') {
    problems.push('version must be a non-empty string (it is stamped on every decision)');
  }
  const authority = parseAuthorityField(doc.authority, problems);
  const classes: Record<string, ClassPolicy> = {};
  const holdAllSet: string[] = [];
  if (doc.classes !== undefined) {
    if (!isObject(doc.classes)) problems.push(`classes must be an object of risk classes (${RISK_CLASSES.join(', ')})`);
    else {
      for (const [name, entry] of Object.entries(doc.classes)) {
        if (!(RISK_CLASSES as readonly string[]).includes(name)) {
          problems.push(`classes.${name} is not a risk class (${RISK_CLASSES.join(', ')})`);
          continue;
        }
        const { rules, setsHoldAll } = parseClass(`classes.${name}`, entry, problems);
        classes[name] = rules;
        if (setsHoldAll) holdAllSet.push(name);
      }
    }
  }
  const defaults = doc.defaults === undefined ? NO_CLASS_POLICY : parseClass('defaults', doc.defaults, problems).rules;
  if (problems.length > 0) return { problems };
  return { policy: { version: (version as string).trim(), authority, classes, defaults, holdAllSet } };
}

/** The policy of CREDIT_POLICY_FILE, null without it; a ConfigError naming the variable and each field. */
export function policyFromFile(path: string | undefined): PolicyFile | null {
  if (path === undefined) return null;
  const named = (problem: string) => `${POLICY_FILE_VAR}=${JSON.stringify(path)}: ${problem}`;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const why = e instanceof SyntaxError ? `is not valid JSON (${e.message})` : `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
    throw new ConfigError([named(why)]);
  }
  const parsed = parsePolicy(doc);
  if ('problems' in parsed) throw new ConfigError(parsed.problems.map(named));
  return parsed.policy;
}
