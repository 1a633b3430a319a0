// npm run console:user on a real Postgres: adds a user with a scrypt hash (migrating the console first), refuses a
// second user of the same name, a bad role or a short password, exiting 2 on a bad command line; needs no Kafka.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../shared/pg/migrate.ts';
import { createPool, urlAs, type Pool } from '../../../shared/pg/pool.ts';
import { createTempDatabase, type TempDatabase } from '../../../shared/pg/testing.ts';
import { REPO_ROOT } from '../../../test/service-spawn.ts';
import { DEV_ROLE_SETTINGS, REPORTING_MIGRATIONS } from '../../reporting/test/support.ts';
import { verifyPassword } from '../src/web/passwords.ts';

let db: TempDatabase;
let owner: Pool;

beforeAll(async () => {
  db = await createTempDatabase();
  owner = createPool(db.url);
  await migrate(owner, { component: 'reporting', dir: REPORTING_MIGRATIONS, settings: DEV_ROLE_SETTINGS });
});

afterAll(async () => {
  await owner?.end();
  await db?.drop();
});

async function cli(args: string[], password?: string): Promise<{ code: number; out: string }> {
  const env = {
    PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '',
    DATABASE_URL: urlAs(db.url, 'o2c_console', 'o2c_console'), MIGRATION_DATABASE_URL: db.url, O2C_DEV_ROLE_PASSWORDS: '1',
    ...(password === undefined ? {} : { CONSOLE_USER_PASSWORD: password }),
  };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'services/console/src/cli.ts', ...args], { cwd: REPO_ROOT, env });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

describe('npm run console:user', () => {
  it('adds the first admin with a scrypt hash of the password, and no second user of that name', async () => {
    expect(await cli(['add', '--role', 'ADMIN', 'Alice'], 'first admin password')).toEqual({ code: 0, out: 'added alice (ADMIN)\n' });
    const { rows } = await owner.query<{ role: string; password_hash: string; created_by: string }>(
      `SELECT role, password_hash, created_by FROM console.users WHERE username = 'alice'`);
    expect(rows.map((r) => [r.role, r.created_by])).toEqual([['ADMIN', 'console:user']]);
    expect(await verifyPassword('first admin password', rows[0]!.password_hash)).toBe(true);
    expect((await cli(['add', '--role', 'VIEWER', 'alice'], 'another password')).code).toBe(1);
  });

  it('exits 2 on a bad role, a missing name or a short password', async () => {
    for (const [args, password] of [[['add', '--role', 'ROOT', 'bob'], 'long enough pw'], [['add', '--role', 'VIEWER'], 'long enough pw'], [['add', '--role', 'VIEWER', 'bob'], 'short']] as const) {
      expect((await cli([...args], password)).code).toBe(2);
    }
    const { rows } = await owner.query(`SELECT count(*)::int AS n FROM console.users WHERE username = 'bob'`);
    expect(rows).toEqual([{ n: 0 }]);
  });
});
