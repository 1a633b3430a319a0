// CREDIT_POLICY_FILE: the authority matrix from a JSON file, every problem named by variable and field.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config.ts';
import { DEFAULT_AUTHORITY } from '../src/domain/index.ts';
import { authorityFromFile, parseAuthority } from '../src/policy-file.ts';
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

  it('reads the shipped example, which states the default matrix', () => {
    const example = fileURLToPath(new URL('../credit-policy.example.json', import.meta.url));
    expect(authorityFromFile(example)).toEqual(DEFAULT_AUTHORITY);
  });

  it('replaces the matrix whole: a role the file does not name has no authority', () => {
    const path = policyFile({ authority: { CREDIT_MANAGER: { release: true, reject: true, maxOverLimit: 500 } } });
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
    });
    const at = `CREDIT_POLICY_FILE=${JSON.stringify(path)}: `;
    expect(problemsOf(() => policyOf(loadExposureConfig({ ...ENV, CREDIT_POLICY_FILE: path })))).toEqual([
      `${at}limits is not a field of the policy file (authority)`,
      `${at}authority.CREDIT_CONTROLLER.reject must be true or false`,
      `${at}authority.CREDIT_CONTROLLER.maxOverLimit must be a non-negative number (an integer, minor units)`,
      `${at}authority.CREDIT_MANAGER.maxOverLimit is required when release is true (0: only releases within the limit)`,
      `${at}authority.AUDITOR is not a role (VIEWER, CREDIT_CONTROLLER, CREDIT_MANAGER, ADMIN)`,
      `${at}authority.ADMIN.approve is not a field (release, reject, maxOverLimit)`,
      `${at}authority.ADMIN.maxOverLimit must be a non-negative number (an integer, minor units)`,
    ]);
  });

  it('refuses a file that is not JSON, not an object, or lacks the matrix', () => {
    const notJson = policyFile('{ "authority": ');
    expect(problemsOf(() => authorityFromFile(notJson))[0]).toMatch(/^CREDIT_POLICY_FILE=".*": is not valid JSON \(/);
    expect(parseAuthority([])).toEqual({ problems: ['the file must hold a JSON object'] });
    expect(parseAuthority({})).toEqual({ problems: ['authority must be an object of roles'] });
    expect(parseAuthority({ authority: { VIEWER: 3 } })).toEqual({
      problems: ['authority.VIEWER must be an object with release, reject and maxOverLimit'],
    });
  });

  it('stops start-up naming the variable when the file does not exist', () => {
    const problems = problemsOf(() => loadExposureConfig({ ...ENV, CREDIT_POLICY_FILE: join(dir, 'missing.json') }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^CREDIT_POLICY_FILE=.*must be the path of a readable file \(ENOENT\)$/);
  });
});
