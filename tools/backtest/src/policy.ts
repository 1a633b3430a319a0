// A backtest policy file: one JSON document that fully describes a credit policy for the backtest. Everything but
// its "backtest" key is what the exposure service's CREDIT_POLICY_FILE takes (the authority matrix, and whatever
// that file grows), read by the service's own parser; "backtest" holds what the service takes from elsewhere:
//
//   "backtest": {
//     "name": "strict",            column label (default: the file's name without .json)
//     "creditLimit": "3x-monthly", every customer's limit, as import-ledger --credit-limit (default 1000000)
//     "env": { "RISK_HOLD_CLASSES": "D,E", "OVERDUE_HOLD_LEVEL": "OVERDUE", "DELINQUENCY_DELINQUENT_DAYS": "20" }
//   }
//
// "env" takes the policy variables of the exposure and delinquency services, exactly as their environment does
// (strings), parsed by their own loadExposureConfig/policyOf and loadDelinquencyConfig: no second parser. A name
// that is not one of their policy variables (a broker address, a Redis URL) is refused.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { commonSpec, ConfigError, statefulSpec } from '../../../shared/config.ts';
import { delinquencySpec, loadDelinquencyConfig } from '../../../services/delinquency/src/config.ts';
import type { DelinquencyPolicy } from '../../../services/delinquency/src/domain/index.ts';
import { exposureSpec, loadExposureConfig, policyOf } from '../../../services/exposure/src/config.ts';
import type { CreditPolicy } from '../../../services/exposure/src/domain/index.ts';
import { POLICY_FILE_VAR } from '../../../services/exposure/src/policy-file.ts';
import { DEFAULT_CREDIT_LIMIT, parseCreditLimit, type CreditLimitPolicy } from '../../import-ledger/src/credit-policy.ts';

export const BACKTEST_KEY = 'backtest';
const BACKTEST_FIELDS = ['name', 'creditLimit', 'env'] as const;

/** Variables every service has (brokers, Redis, tuning): not policy. */
const INFRASTRUCTURE = new Set([...Object.keys(commonSpec('any', { httpPort: 0 })), ...Object.keys(statefulSpec)]);
/** The exposure service's policy variables: its own, bar the policy file (that is the rest of the document). */
export const EXPOSURE_POLICY_VARS: readonly string[] = Object.keys(exposureSpec()).filter((k) => !INFRASTRUCTURE.has(k) && k !== POLICY_FILE_VAR);
/** The delinquency service's: its own bar the live clock (a replay runs on the ledger's business dates). */
export const DELINQUENCY_POLICY_VARS: readonly string[] = Object.keys(delinquencySpec).filter((k) => !INFRASTRUCTURE.has(k) && k !== 'LIVE_CLOCK');

/** The services' required connection variables: their loaders want them, the backtest connects to nothing. */
const OFFLINE = { KAFKA_BROKERS: 'localhost:9092', SCHEMA_REGISTRY_URL: 'http://localhost:8081', REDIS_URL: 'redis://localhost:6379' };

export interface BacktestPolicy {
  readonly name: string;
  readonly file: string;
  readonly creditLimit: CreditLimitPolicy;
  /** The policy variables as given (both services'), for a pipeline run under the same policy. */
  readonly env: Readonly<Record<string, string>>;
  /** The document without its "backtest" key (CREDIT_POLICY_FILE's content); null when nothing else is in it. */
  readonly serviceDocument: Readonly<Record<string, unknown>> | null;
  readonly exposure: CreditPolicy;
  readonly delinquency: DelinquencyPolicy;
  readonly delinquencySameDayOrder: boolean;
}

/** A policy file that cannot be used: every problem at once, each naming the file and the field. */
export class PolicyFileError extends Error {
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(problems.map((p) => `${file}: ${p}`).join('\n'));
    this.name = 'PolicyFileError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads and validates a policy file; `amountScale` as in the ledger mapping (for a fixed creditLimit). */
export function loadPolicyFile(file: string, amountScale: number): BacktestPolicy {
  const fail = (...problems: string[]): never => {
    throw new PolicyFileError(file, problems);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    fail(e instanceof SyntaxError ? `is not valid JSON (${e.message})` : `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!isObject(doc)) return fail('must hold a JSON object');
  const { [BACKTEST_KEY]: section = {}, ...rest } = doc;
  if (!isObject(section)) return fail(`${BACKTEST_KEY} must be an object (${BACKTEST_FIELDS.join(', ')})`);

  const problems: string[] = [];
  for (const key of Object.keys(section)) {
    if (!(BACKTEST_FIELDS as readonly string[]).includes(key)) problems.push(`${BACKTEST_KEY}.${key} is not a field (${BACKTEST_FIELDS.join(', ')})`);
  }
  const name = section.name ?? basename(file).replace(/\.json$/i, '');
  if (typeof name !== 'string' || name.trim() === '') problems.push(`${BACKTEST_KEY}.name must be a non-empty string`);
  let creditLimit: CreditLimitPolicy | undefined;
  const limitText = section.creditLimit ?? DEFAULT_CREDIT_LIMIT;
  if (typeof limitText !== 'string') problems.push(`${BACKTEST_KEY}.creditLimit must be a string, e.g. "50000" or "3x-monthly"`);
  else {
    try {
      creditLimit = parseCreditLimit(limitText, amountScale);
    } catch (e) {
      problems.push(`${BACKTEST_KEY}.creditLimit: ${(e as Error).message}`);
    }
  }
  const env: Record<string, string> = {};
  const given = section.env ?? {};
  if (!isObject(given)) problems.push(`${BACKTEST_KEY}.env must be an object of variables`);
  else {
    const allowed = [...EXPOSURE_POLICY_VARS, ...DELINQUENCY_POLICY_VARS];
    for (const [k, v] of Object.entries(given)) {
      if (!allowed.includes(k)) problems.push(`${BACKTEST_KEY}.env.${k} is not a policy variable (${allowed.join(', ')})`);
      else if (typeof v !== 'string') problems.push(`${BACKTEST_KEY}.env.${k} must be a string, as in the environment`);
      else env[k] = v;
    }
  }
  if (problems.length > 0) fail(...problems);

  const serviceDocument = Object.keys(rest).length > 0 ? Object.freeze(rest) : null;
  const { exposure, delinquency, sameDayOrder } = servicePolicies(file, env, serviceDocument);
  return Object.freeze({
    name: (name as string).trim(),
    file,
    creditLimit: creditLimit!,
    env: Object.freeze(env),
    serviceDocument,
    exposure,
    delinquency,
    delinquencySameDayOrder: sameDayOrder,
  });
}

/** The services' policies from their own parsers; the rest of the document goes through CREDIT_POLICY_FILE. */
function servicePolicies(file: string, env: Record<string, string>, serviceDocument: object | null) {
  const dir = serviceDocument === null ? null : mkdtempSync(join(tmpdir(), 'o2c-backtest-'));
  const policyFile = dir === null ? undefined : join(dir, 'credit-policy.json');
  try {
    if (policyFile !== undefined) writeFileSync(policyFile, JSON.stringify(serviceDocument));
    const exposureConfig = loadExposureConfig({ ...OFFLINE, ...env, ...(policyFile ? { [POLICY_FILE_VAR]: policyFile } : {}) });
    if (exposureConfig.RISK_CLASS_SOURCE !== 'profile') {
      throw new ConfigError(['RISK_CLASS_SOURCE=scoring is not replayed by the backtest (it runs no scoring core): use profile']);
    }
    const delinquencyConfig = loadDelinquencyConfig({ ...OFFLINE, ...env });
    return {
      exposure: policyOf(exposureConfig),
      delinquency: delinquencyConfig.policy,
      sameDayOrder: delinquencyConfig.DELINQUENCY_SAME_DAY_ORDER,
    };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // The service's messages name its variable and the temporary file; the user wrote this file.
    const own = (p: string) =>
      policyFile === undefined ? p : p.split(`${POLICY_FILE_VAR}=${JSON.stringify(policyFile)}: `).join('').split(policyFile).join(file);
    throw new PolicyFileError(file, e.problems.map(own));
  } finally {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  }
}
