// CREDIT_POLICY_FILE: version, authority matrix and class rules from a JSON file, every problem named by variable and field.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config.ts';
import { DEFAULT_AUTHORITY, NO_CLASS_POLICY } from '../src/domain/index.ts';
import { parsePolicy, policyFromFile } from '../src/policy-file.ts';
import { loadExposureConfig, policyOf } from '../src/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'o2c-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function policyFile(content: unknown): string {
  const path = join(dir, `policy-${++n}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const ENV = { REDIS_URL: 'redis://127.0.0.1:6379', KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081' };

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('CREDIT_POLICY_FILE', () => {
  it('gives the documented default matrix without the variable', () => {
    const policy = policyOf(loadExposureConfig(ENV));
    expect(policy.authority).toEqual(DEFAULT_AUTHORITY);
    expect(policy.authority.CREDIT_CONTROLLER).toEqual({ release: true, reject: true, maxOverLimit: 1_000_000 });
    expect(policy.authority.CREDIT_MANAGER).toEqual({ release: true, reject: true, maxOverLimit: 10_000_000 });
    expect(policy.authority.VIEWER).toEqual({ release: false, reject: false, maxOverLimit: 0 });
    expect(policy.authority.ADMIN).toEqual({ release: false, reject: false, maxOverLimit: 0 });
  });

  it('reads the shipped example, which states the default matrix and a rule set per class', () => {
    const example = fileURLToPath(new URL('../credit-policy.example.json', import.meta.url));
    const file = policyFromFile(example)!;
    expect(file.authority).toEqual(DEFAULT_AUTHORITY);
    expect(file.version).toBe('example-2026-12');
    expect(file.classes.C).toEqual({ defaultLimit: 1_000_000, maxDocumentValue: 5_000_000, holdAll: false, oldestItemMaxDaysPastDue: 60 });
    expect(file.classes.E).toEqual({ ...NO_CLASS_POLICY, holdAll: true });
    expect(file.defaults).toEqual({ ...NO_CLASS_POLICY, oldestItemMaxDaysPastDue: 90 });
  });

  it('gives the environment policy without the file: CREDIT_POLICY_VERSION, RISK_HOLD_CLASSES, no class rules', () => {
    const policy = policyOf(loadExposureConfig({ ...ENV, CREDIT_POLICY_VERSION: 'env-7', RISK_HOLD_CLASSES: 'D,E' }));
    expect(policy.policyVersion).toBe('env-7');
    expect(policy.riskHoldClasses).toEqual(['D', 'E']);
    expect(policy.classes).toEqual({});
    expect(policy.classDefaults).toEqual(NO_CLASS_POLICY);
  });

  it('lets a file setting win: its version over CREDIT_POLICY_VERSION, its holdAll over RISK_HOLD_CLASSES for the classes it sets', () => {
    const path = policyFile({
      version: 'file-3',
      authority: {},
      classes: { D: { holdAll: false, maxDocumentValue: 900 }, B: { holdAll: true }, C: { oldestItemMaxDaysPastDue: 10 } },
      defaults: { defaultLimit: 5000 },
    });
    const policy = policyOf(loadExposureConfig({ ...ENV, CREDIT_POLICY_FILE: path, CREDIT_POLICY_VERSION: 'env-7', RISK_HOLD_CLASSES: 'C,D,E' }));
    expect(policy.policyVersion).toBe('file-3');
    // D: the file says false, so the env's D no longer holds; C and E: the file does not set holdAll, the env holds them.
    expect(policy.riskHoldClasses).toEqual(['C', 'E']);
    expect(policy.classes.B).toEqual({ ...NO_CLASS_POLICY, holdAll: true });
    expect(policy.classes.D).toEqual({ ...NO_CLASS_POLICY, maxDocumentValue: 900 });
    expect(policy.classes.C).toEqual({ ...NO_CLASS_POLICY, oldestItemMaxDaysPastDue: 10 });
    expect(policy.classDefaults).toEqual({ ...NO_CLASS_POLICY, defaultLimit: 5000 });
  });

  it('replaces the matrix whole: a role the file does not name has no authority', () => {
    const path = policyFile({ version: 'v2', authority: { CREDIT_MANAGER: { release: true, reject: true, maxOverLimit: 500 } } });
    const policy = policyOf(loadExposureConfig({ ...ENV, CREDIT_POLICY_FILE: path }));
    expect(policy.authority).toEqual({
      VIEWER: { release: false, reject: false, maxOverLimit: 0 },
      CREDIT_CONTROLLER: { release: false, reject: false, maxOverLimit: 0 },
      CREDIT_MANAGER: { release: true, reject: true, maxOverLimit: 500 },
      ADMIN: { release: false, reject: false, maxOverLimit: 0 },
    });
  });

  it('names the variable and every bad field, all at once', () => {
    const path = policyFile({
      authority: {
        CREDIT_CONTROLLER: { release: true, reject: 'yes', maxOverLimit: -1 },
        CREDIT_MANAGER: { release: true, reject: true },
        AUDITOR: { release: false },
        ADMIN: { release: false, reject: false, maxOverLimit: 1.5, approve: true },
      },
      limits: {},
      classes: {
        B: { defaultLimit: -5, maxDocumentValue: '100', holdAll: 'no', oldestItemMaxDaysPastDue: 2.5, maxDays: 3 },
        F: { holdAll: true },
        C: 7,
      },
      defaults: { oldestItemMaxDaysPastDue: -1 },
    });
    const at = `CREDIT_POLICY_FILE=${JSON.stringify(path)}: `;
    expect(problemsOf(() => policyOf(loadExposureConfig({ ...ENV, CREDIT_POLICY_FILE: path })))).toEqual([
      `${at}limits is not a field of the policy file (version, authority, classes, defaults)`,
      `${at}version must be a non-empty string (it is stamped on every decision)`,
      `${at}authority.CREDIT_CONTROLLER.reject must be true or false`,
      `${at}authority.CREDIT_CONTROLLER.maxOverLimit must be a non-negative number (an integer, minor units)`,
      `${at}authority.CREDIT_MANAGER.maxOverLimit is required when release is true (0: only releases within the limit)`,
      `${at}authority.AUDITOR is not a role (VIEWER, CREDIT_CONTROLLER, CREDIT_MANAGER, ADMIN)`,
      `${at}authority.ADMIN.approve is not a field (release, reject, maxOverLimit)`,
      `${at}authority.ADMIN.maxOverLimit must be a non-negative number (an integer, minor units)`,
      `${at}classes.B.maxDays is not a field (defaultLimit, maxDocumentValue, holdAll, oldestItemMaxDaysPastDue)`,
      `${at}classes.B.holdAll must be true or false`,
      `${at}classes.B.defaultLimit must be a non-negative integer (minor units) or null`,
      `${at}classes.B.maxDocumentValue must be a non-negative integer (minor units) or null`,
      `${at}classes.B.oldestItemMaxDaysPastDue must be a non-negative integer (days) or null`,
      `${at}classes.F is not a risk class (A, B, C, D, E)`,
      `${at}classes.C must be an object with any of defaultLimit, maxDocumentValue, holdAll, oldestItemMaxDaysPastDue`,
      `${at}defaults.oldestItemMaxDaysPastDue must be a non-negative integer (days) or null`,
    ]);
  });

  it('refuses a file that is not JSON, not an object, or lacks the version or the matrix', () => {
    const notJson = policyFile('{ "authority": ');
    expect(problemsOf(() => policyFromFile(notJson))[0]).toMatch(/^CREDIT_POLICY_FILE=".*": is not valid JSON \(/);
    expect(parsePolicy([])).toEqual({ problems: ['the file must hold a JSON object'] });
    expect(parsePolicy({ version: 'v1' })).toEqual({ problems: ['authority must be an object of roles'] });
    expect(parsePolicy({ authority: {} })).toEqual({ problems: ['version must be a non-empty string (it is stamped on every decision)'] });
    expect(parsePolicy({ version: 'v1', authority: { VIEWER: 3 } })).toEqual({
      problems: ['authority.VIEWER must be an object with release, reject and maxOverLimit'],
    });
  });

  it('stops start-up naming the variable when the file does not exist', () => {
    const problems = problemsOf(() => loadExposureConfig({ ...ENV, CREDIT_POLICY_FILE: join(dir, 'missing.json') }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^CREDIT_POLICY_FILE=.*must be the path of a readable file \(ENOENT\)$/);
  });
});
