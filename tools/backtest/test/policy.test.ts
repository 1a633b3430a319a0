// A backtest policy file: the service's CREDIT_POLICY_FILE content read by the service's parser, the policy
// variables by the services' loaders, the backtest's own fields checked; every problem names the file and field.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUTHORITY } from '../../../services/exposure/src/domain/index.ts';
import { defaultPolicy } from '../../../services/delinquency/src/domain/index.ts';
import { loadPolicyFile, PolicyFileError, DELINQUENCY_POLICY_VARS, EXPOSURE_POLICY_VARS } from '../src/policy.ts';

const dir = mkdtempSync(join(tmpdir(), 'o2c-backtest-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function policyFile(content: unknown, name = `policy-${++n}.json`): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function problemsOf(file: string): readonly string[] {
  try {
    loadPolicyFile(file, 2);
  } catch (e) {
    if (e instanceof PolicyFileError) return e.problems;
    throw e;
  }
  throw new Error('expected a PolicyFileError');
}

describe('backtest policy file', () => {
  it("without a backtest key is the services' defaults, the importer's default limit, named after the file", () => {
    const p = loadPolicyFile(policyFile({}, 'lenient.json'), 2);
    expect(p.name).toBe('lenient');
    expect(p.creditLimit).toEqual({ kind: 'fixed', label: '1000000', limit: 100_000_000 });
    expect(p.serviceDocument).toBeNull();
    expect(p.exposure).toMatchObject({ policyVersion: 'v1', noProfileHold: true, riskHoldClasses: ['E'], overdueHoldLevel: 'DELINQUENT', warningBands: [80, 90, 100] });
    expect(p.exposure.authority).toEqual(DEFAULT_AUTHORITY);
    expect(p.delinquency).toEqual(defaultPolicy);
  });

  it('reads the authority through the service parser and the variables through the services loaders', () => {
    const p = loadPolicyFile(
      policyFile({
        version: 'strict-1',
        authority: { CREDIT_CONTROLLER: { release: true, reject: true, maxOverLimit: 5 } },
        backtest: {
          name: 'strict',
          creditLimit: '2.5x-monthly',
          env: { RISK_HOLD_CLASSES: 'D,E', OVERDUE_HOLD_LEVEL: 'OVERDUE', DELINQUENCY_DELINQUENT_DAYS: '20' },
        },
      }),
      2,
    );
    expect(p.name).toBe('strict');
    expect(p.creditLimit).toMatchObject({ kind: 'monthly-multiple', label: '2.5x-monthly', numerator: 25n, denominator: 10n });
    expect(p.exposure).toMatchObject({ policyVersion: 'strict-1', riskHoldClasses: ['D', 'E'], overdueHoldLevel: 'OVERDUE' });
    // A file replaces the matrix whole: the roles it does not name have no authority.
    expect(p.exposure.authority.CREDIT_CONTROLLER).toEqual({ release: true, reject: true, maxOverLimit: 5 });
    expect(p.exposure.authority.CREDIT_MANAGER).toEqual({ release: false, reject: false, maxOverLimit: 0 });
    expect(p.delinquency.statusThresholds.DELINQUENT).toBe(20);
    expect(p.serviceDocument).toEqual({ version: 'strict-1', authority: { CREDIT_CONTROLLER: { release: true, reject: true, maxOverLimit: 5 } } });
    expect(p.env).toEqual({ RISK_HOLD_CLASSES: 'D,E', OVERDUE_HOLD_LEVEL: 'OVERDUE', DELINQUENCY_DELINQUENT_DAYS: '20' });
  });

  it("takes exactly the services' policy variables, none of their connections", () => {
    expect(EXPOSURE_POLICY_VARS).toEqual(expect.arrayContaining(['NO_PROFILE_HOLD', 'RISK_HOLD_CLASSES', 'OVERDUE_HOLD_LEVEL', 'WARNING_BANDS']));
    expect(DELINQUENCY_POLICY_VARS).toEqual(expect.arrayContaining(['DELINQUENCY_DELINQUENT_DAYS', 'DELINQUENCY_DUNNING_LADDER']));
    for (const v of [...EXPOSURE_POLICY_VARS, ...DELINQUENCY_POLICY_VARS]) expect(v).not.toMatch(/KAFKA|REDIS|SCHEMA|CREDIT_POLICY_FILE|LIVE_CLOCK/);
  });

  it('names the file and every bad field at once', () => {
    const file = policyFile({ backtest: { name: '', creditLimit: 'lots', env: { KAFKA_BROKERS: 'x:1', WARNING_BANDS: 90 }, extra: 1 } });
    expect(problemsOf(file)).toEqual([
      'backtest.extra is not a field (name, creditLimit, env)',
      'backtest.name must be a non-empty string',
      expect.stringMatching(/^backtest\.creditLimit: credit limit "lots" is neither an amount nor <k>x-monthly/),
      expect.stringMatching(/^backtest\.env\.KAFKA_BROKERS is not a policy variable \(/),
      'backtest.env.WARNING_BANDS must be a string, as in the environment',
    ]);
    expect(() => loadPolicyFile(file, 2)).toThrow(`${file}: backtest.extra is not a field`);
  });

  it("gives the services' own messages for bad values, naming this file rather than a temporary one", () => {
    const file = policyFile({ version: 'x', authority: { BOSS: {} }, backtest: { env: { OVERDUE_HOLD_LEVEL: 'LATE' } } });
    const problems = problemsOf(file);
    expect(problems).toEqual([expect.stringMatching(/^OVERDUE_HOLD_LEVEL="LATE" /)]);
    const bad = policyFile({ version: 'x', authority: { BOSS: {} } });
    expect(problemsOf(bad)).toEqual([expect.stringContaining('authority.BOSS is not a role')]);
    expect(problemsOf(bad).join()).not.toContain('o2c-backtest-');
    expect(problemsOf(policyFile({ backtest: { env: { WARNING_BANDS: '90,80' } } }))).toEqual([expect.stringMatching(/^WARNING_BANDS=.* must be ascending/)]);
  });

  it('refuses the scoring risk class source (the backtest runs no scoring core), bad JSON and a non-object', () => {
    expect(problemsOf(policyFile({ backtest: { env: { RISK_CLASS_SOURCE: 'scoring' } } }))).toEqual([expect.stringContaining('RISK_CLASS_SOURCE=scoring is not replayed')]);
    expect(problemsOf(policyFile('{ nope'))).toEqual([expect.stringMatching(/^is not valid JSON/)]);
    expect(problemsOf(policyFile('[1]'))).toEqual(['must hold a JSON object']);
    expect(problemsOf(join(dir, 'missing.json'))).toEqual(['cannot be read (ENOENT)']);
  });
});
