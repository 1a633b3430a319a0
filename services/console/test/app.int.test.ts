// Sessions and sign-in on the console's app with a real Postgres (the reporting and console migrations) and a clock
// the test moves: idle and absolute expiry end a session, failed sign-ins throttle a name, a disabled user is out at
// once, and every page carries the security headers. Kafka plays no part: a publisher that never answers stands in
// for a broker that is away.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../../shared/logger.ts';
import { createRegistry } from '../../../shared/metrics.ts';
import { migrate } from '../../../shared/pg/migrate.ts';
import { createPool, urlAs, type Pool } from '../../../shared/pg/pool.ts';
import { createTempDatabase, type TempDatabase } from '../../../shared/pg/testing.ts';
import { DEV_ROLE_SETTINGS, REPORTING_MIGRATIONS } from '../../reporting/test/support.ts';
import { ConsoleStore } from '../src/adapters/console-store.ts';
import { MIGRATIONS_DIR } from '../src/service.ts';
import { buildApp } from '../src/web/app.ts';
import { hashPassword } from '../src/web/passwords.ts';

const PASSWORD = 'a long test password';
const MINUTE = 60_000;
let db: TempDatabase;
let owner: Pool;
let pool: Pool;
let app: FastifyInstance;
let clock = Date.UTC(2026, 5, 1, 8, 0);

beforeAll(async () => {
  db = await createTempDatabase();
  owner = createPool(db.url);
  await migrate(owner, { component: 'reporting', dir: REPORTING_MIGRATIONS, settings: DEV_ROLE_SETTINGS });
  await migrate(owner, { component: 'console', dir: MIGRATIONS_DIR, settings: DEV_ROLE_SETTINGS });
  const store = new ConsoleStore(owner);
  const hash = await hashPassword(PASSWORD);
  for (const username of ['carl', 'eve', 'dora']) await store.createUser({ username, role: 'CREDIT_CONTROLLER', passwordHash: hash, createdBy: 'test' });
  pool = createPool(urlAs(db.url, 'o2c_console', 'o2c_console'));
  app = await buildApp({
    pool, registry: createRegistry('console'), logger: createLogger('console-test', { level: 'silent' }),
    // A broker that never acknowledges: what a page does when Kafka is away.
    publisher: { creditAction: () => new Promise(() => undefined), promiseToPay: () => new Promise(() => undefined), profileChange: () => new Promise(() => undefined) },
    profiles: { ready: true, get: () => undefined },
    sessions: { idleMs: 30 * MINUTE, maxMs: 12 * 60 * MINUTE }, signIn: { maxFailures: 3, windowMs: 15 * MINUTE },
    secureCookies: true, pageSize: 50, ready: () => true, now: () => clock, publishTimeoutMs: 300,
  });
});

afterAll(async () => {
  await app?.close();
  await pool?.end();
  await owner?.end();
  await db?.drop();
});

const cookieOf = (setCookie: string | string[] | undefined, name: string): string | undefined =>
  ([setCookie ?? []].flat()).map((c) => c.split(';')[0]!).find((c) => c.startsWith(`${name}=`));

async function signIn(username: string, password = PASSWORD) {
  const form = await app.inject({ method: 'GET', url: '/signin' });
  const signinCookie = cookieOf(form.headers['set-cookie'], 'o2c_console_signin')!;
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
  const res = await app.inject({
    method: 'POST', url: '/signin', headers: { cookie: signinCookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: token, username, password, next: '/worklist' }).toString(),
  });
  return { res, session: cookieOf(res.headers['set-cookie'], 'o2c_console_session') };
}

const worklist = (session: string) => app.inject({ method: 'GET', url: '/worklist', headers: { cookie: session } });

describe('console sessions', () => {
  it('sets a Secure, HttpOnly, SameSite=Strict cookie and the security headers', async () => {
    const { res, session } = await signIn('carl');
    expect(res.statusCode).toBe(303);
    const raw = [res.headers['set-cookie']].flat().find((c) => c?.startsWith('o2c_console_session='))!;
    expect(raw).toMatch(/HttpOnly/);
    expect(raw).toMatch(/SameSite=Strict/);
    expect(raw).toMatch(/Secure/);
    const page = await worklist(session!);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    // The table keeps the token's hash only.
    const { rows } = await owner.query<{ token_hash: string }>(`SELECT token_hash FROM console.sessions WHERE username = 'carl'`);
    expect(rows.map((r) => r.token_hash)).not.toContain(session!.split('=')[1]);
  });

  it('ends a session after 30 idle minutes, and after 12 hours however active', async () => {
    const { session } = await signIn('carl');
    clock += 29 * MINUTE;
    expect((await worklist(session!)).statusCode).toBe(200);
    clock += 30 * MINUTE;
    const idle = await worklist(session!);
    expect(idle.statusCode).toBe(302);
    expect(idle.headers.location).toBe('/signin?next=%2Fworklist');

    const again = (await signIn('carl')).session!;
    for (let i = 0; i < 35; i++) {
      clock += 20 * MINUTE; // 11 h 40 min of activity
      expect((await worklist(again)).statusCode).toBe(200);
    }
    clock += 20 * MINUTE;
    expect((await worklist(again)).statusCode).toBe(302);
    const { rows } = await owner.query(`SELECT count(*)::int AS n FROM console.sessions WHERE username = 'carl'`);
    expect(rows).toEqual([{ n: 1 }]); // the first sign-in's session (the one from the first test), not yet looked at
  });

  it('refuses a name after three failed sign-ins, even with the right password, until the window passes', async () => {
    for (let i = 0; i < 3; i++) expect((await signIn('eve', 'wrong password!')).res.statusCode).toBe(401);
    const throttled = await signIn('eve');
    expect(throttled.res.statusCode).toBe(429);
    expect(throttled.session).toBeUndefined();
    expect((await signIn('dora')).res.statusCode).toBe(303);
    clock += 16 * MINUTE;
    expect((await signIn('eve')).res.statusCode).toBe(303);
  });

  it('signs a disabled user out at once', async () => {
    const { session } = await signIn('dora');
    expect((await worklist(session!)).statusCode).toBe(200);
    await new ConsoleStore(owner).updateUser('dora', { disabled: true });
    expect((await worklist(session!)).statusCode).toBe(302);
    expect((await signIn('dora')).res.statusCode).toBe(401);
  });

  it('tells the user when Kafka does not confirm an action, and records no action that was not confirmed', async () => {
    await owner.query(`INSERT INTO reporting.orders (order_id, customer_id, decision, decided_at) VALUES ('O-9', 'ACME', 'HELD', now())`);
    const { session } = await signIn('carl');
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await worklist(session!)).body)![1]!;
    const res = await app.inject({
      method: 'POST', url: '/orders/O-9/actions', headers: { cookie: session!, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, action: 'RELEASE', reason: 'paid' }).toString(),
    });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('Kafka did not confirm');
    const { rows } = await owner.query(`SELECT count(*)::int AS n FROM console.credit_actions`);
    expect(rows).toEqual([{ n: 0 }]);
  });
});
