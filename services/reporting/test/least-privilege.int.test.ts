// The sink's least privilege on a real Postgres: it logs in as o2c_writer, which appends to the audit log but never
// changes or deletes an entry; start-up refuses a superuser or owner DATABASE_URL; and the role passwords of migration 0012
// (no default password without O2C_DEV_ROLE_PASSWORDS), run on roles of this test's own, since roles are
// cluster-wide and other databases' sinks use o2c_writer meanwhile.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config.ts';
import { createLogger } from '../../../shared/logger.ts';
import { urlAs, withTransaction } from '../../../shared/pg/pool.ts';
import { getStack } from '../../../test/stack.ts';
import { loadReportingConfig } from '../src/config.ts';
import { ReportingService } from '../src/service.ts';
import { reportingDatabase, type ReportingDb } from './support.ts';

let rdb: ReportingDb;
beforeAll(async () => {
  rdb = await reportingDatabase();
});
afterAll(() => rdb.close());

describe('the sink as o2c_writer', () => {
  it('logs in as o2c_writer, no superuser', async () => {
    const { rows } = await rdb.pool.query('SELECT current_user AS user, rolsuper FROM pg_roles WHERE rolname = current_user');
    expect(rows).toEqual([{ user: 'o2c_writer', rolsuper: false }]);
  });

  it('appends to the audit log but never updates or deletes an entry', async () => {
    const id = '7d3c1f0e-4b2a-4c9d-8e6f-1a2b3c4d5e6f';
    await rdb.pool.query(
      `INSERT INTO reporting.audit_log (event_id, occurred_at, customer_id, event_type, action, actor)
       VALUES ($1, now(), 'C9', 'CreditActionTaken', 'RELEASE', 'eve')`,
      [id],
    );
    await expect(rdb.pool.query("UPDATE reporting.audit_log SET actor = 'mallory'")).rejects.toThrow(/permission denied/);
    await expect(rdb.pool.query('DELETE FROM reporting.audit_log')).rejects.toThrow(/permission denied/);
    await expect(rdb.pool.query('TRUNCATE reporting.audit_log')).rejects.toThrow(/permission denied/);
    const { rows } = await rdb.owner.query('SELECT actor FROM reporting.audit_log WHERE event_id = $1', [id]);
    expect(rows).toEqual([{ actor: 'eve' }]);
  });

  it('may not change roles or call the role-password rule', async () => {
    await expect(rdb.pool.query("ALTER ROLE grafana_reader PASSWORD 'x'")).rejects.toThrow(/permission denied|must have/);
    await expect(rdb.pool.query("SELECT o2c_meta.apply_role_passwords(ARRAY['o2c_writer'])")).rejects.toThrow(/permission denied/);
  });

  /** What start-up says with DATABASE_URL as `databaseUrl` (and the test database's owner migrating). */
  async function startUpError(databaseUrl: string): Promise<unknown> {
    const stack = await getStack();
    const config = loadReportingConfig({ ...stack.env, DATABASE_URL: databaseUrl, MIGRATION_DATABASE_URL: rdb.db.url, HTTP_PORT: '0' });
    const service = new ReportingService({ config, logger: createLogger('least-privilege', { level: 'silent' }), onFatal: () => undefined });
    try {
      return await service.start().then(() => undefined, (e: unknown) => e);
    } finally {
      await service.stop();
    }
  }

  it('start-up refuses a DATABASE_URL that connects as a superuser, naming it', async () => {
    const error = await startUpError(rdb.db.url);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('DATABASE_URL=');
    expect((error as Error).message).toContain('connects as the superuser');
  });

  it('start-up refuses a DATABASE_URL that connects as the owner of the audit log', async () => {
    const owner = `o2c_own_${randomBytes(4).toString('hex')}`;
    await rdb.owner.query(`CREATE ROLE ${owner} LOGIN`);
    try {
      await rdb.owner.query(`ALTER TABLE reporting.audit_log OWNER TO ${owner}`);
      const error = await startUpError(urlAs(rdb.db.url, owner));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(`connects as the owner of reporting.audit_log ${owner}`);
    } finally {
      await rdb.owner.query('ALTER TABLE reporting.audit_log OWNER TO CURRENT_USER');
      await rdb.owner.query(`DROP OWNED BY ${owner}`);
      await rdb.owner.query(`DROP ROLE ${owner}`);
    }
  });
});

describe('role passwords (0012)', () => {
  const role = `o2c_pw_${randomBytes(4).toString('hex')}`;
  /** The rule with these settings, as the migrator runs it; then the role's password verifier (null: none). */
  const apply = (settings: Record<string, string>) =>
    withTransaction(rdb.owner, async (c) => {
      for (const [name, value] of Object.entries(settings)) await c.query('SELECT set_config($1, $2, true)', [name, value]);
      await c.query('SELECT o2c_meta.apply_role_passwords(ARRAY[$1])', [role]);
      return (await c.query<{ p: string | null }>('SELECT rolpassword AS p FROM pg_authid WHERE rolname = $1', [role])).rows[0]!.p;
    });

  beforeAll(async () => {
    // As 0003 left a role: its name as password.
    await rdb.owner.query(`CREATE ROLE ${role} LOGIN PASSWORD '${role}'`);
  });
  afterAll(async () => {
    await rdb.owner.query(`DROP ROLE IF EXISTS ${role}`);
  });

  it('removes a password nobody gave, outside the development flag', async () => {
    expect(await apply({})).toBeNull();
  });

  it('gives the development default only under o2c.dev_role_passwords, and rewrites nothing already set', async () => {
    const dev = await apply({ 'o2c.dev_role_passwords': 'on' });
    expect(dev).toMatch(/^SCRAM-SHA-256\$/);
    expect(await apply({ 'o2c.dev_role_passwords': 'on' })).toBe(dev);
    expect(await apply({ 'o2c.dev_role_passwords': 'off' })).toBeNull();
  });

  it('sets a given password, flag or not', async () => {
    const given = await apply({ [`o2c.${role}_password`]: 'a-given-Pa55' });
    expect(given).toMatch(/^SCRAM-SHA-256\$/);
    const again = await apply({ [`o2c.${role}_password`]: 'another-Pa55', 'o2c.dev_role_passwords': 'on' });
    expect(again).toMatch(/^SCRAM-SHA-256\$/);
    expect(again).not.toBe(given);
  });

  it('left o2c_writer with a password in this development migration', async () => {
    const { rows } = await rdb.owner.query("SELECT rolpassword IS NOT NULL AS has FROM pg_authid WHERE rolname = 'o2c_writer'");
    expect(rows).toEqual([{ has: true }]);
  });
});
