// The console's migration on a real Postgres: it needs the reporting schema first (and says so), re-runs harmlessly,
// and leaves o2c_console able to read reporting and its own tables but to write nothing of reporting, to rewrite no
// sent action, and to record no limit decision by its own requester.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../shared/pg/migrate.ts';
import { createPool, urlAs, type Pool } from '../../../shared/pg/pool.ts';
import { createTempDatabase, type TempDatabase } from '../../../shared/pg/testing.ts';
import { DEV_ROLE_SETTINGS, REPORTING_MIGRATIONS } from '../../reporting/test/support.ts';
import { MIGRATIONS_DIR } from '../src/service.ts';

let db: TempDatabase;
let owner: Pool;
let app: Pool;

beforeAll(async () => {
  db = await createTempDatabase();
  owner = createPool(db.url);
});

afterAll(async () => {
  await app?.end();
  await owner?.end();
  await db?.drop();
});

describe('the console migration and the o2c_console role', () => {
  it('refuses to run before the reporting migrations, naming them', async () => {
    await expect(migrate(owner, { component: 'console', dir: MIGRATIONS_DIR, settings: DEV_ROLE_SETTINGS }))
      .rejects.toThrow(/run the reporting migrations first/);
  });

  it('applies after them, and again harmlessly', async () => {
    await migrate(owner, { component: 'reporting', dir: REPORTING_MIGRATIONS, settings: DEV_ROLE_SETTINGS });
    const first = await migrate(owner, { component: 'console', dir: MIGRATIONS_DIR, settings: DEV_ROLE_SETTINGS });
    expect(first.applied.map((m) => m.file)).toEqual(['0001_console.sql']);
    const again = await migrate(owner, { component: 'console', dir: MIGRATIONS_DIR, settings: DEV_ROLE_SETTINGS });
    expect(again).toMatchObject({ applied: [], alreadyApplied: [{ file: '0001_console.sql' }] });
    app = createPool(urlAs(db.url, 'o2c_console', 'o2c_console'));
  });

  it('reads reporting (through grafana_reader) and writes none of it', async () => {
    await owner.query(`INSERT INTO reporting.orders (order_id, customer_id, decision) VALUES ('O-1', 'ACME', 'HELD')`);
    expect((await app.query('SELECT order_id FROM reporting.held_orders')).rows).toEqual([{ order_id: 'O-1' }]);
    expect((await app.query('SELECT count(*)::int AS n FROM reporting.audit_log')).rows).toEqual([{ n: 0 }]);
    await expect(app.query(`UPDATE reporting.orders SET decision = 'RELEASED'`)).rejects.toThrow(/permission denied/);
    await expect(app.query(`INSERT INTO reporting.audit_log (event_id, occurred_at, customer_id, event_type, action, actor)
      VALUES (gen_random_uuid(), now(), 'ACME', 'CreditActionTaken', 'RELEASE', 'eve')`)).rejects.toThrow(/permission denied/);
    await expect(app.query('CREATE TABLE reporting.x (a int)')).rejects.toThrow(/permission denied/);
  });

  it('appends sent actions but never rewrites them, and the table refuses a self-approved limit request', async () => {
    await app.query(`INSERT INTO console.credit_actions (event_id, order_id, customer_id, action, actor, actor_role, reason, taken_at)
      VALUES (gen_random_uuid(), 'O-1', 'ACME', 'RELEASE', 'carl', 'CREDIT_CONTROLLER', 'paid', now())`);
    await expect(app.query(`UPDATE console.credit_actions SET actor = 'eve'`)).rejects.toThrow(/permission denied/);
    await expect(app.query('DELETE FROM console.credit_actions')).rejects.toThrow(/permission denied/);
    await app.query(`INSERT INTO console.limit_requests (customer_id, currency, credit_limit_minor, reason, source, requested_by, requested_role, requested_at)
      VALUES ('ACME', 'EUR', 100, 'why', 'CONSOLE', 'mona', 'CREDIT_MANAGER', now())`);
    await expect(app.query(`UPDATE console.limit_requests SET status = 'APPROVED', decided_by = 'mona'`)).rejects.toThrow(/check constraint/);
  });
});
