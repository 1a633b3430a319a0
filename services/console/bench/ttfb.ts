// npm run bench:console: time to first byte of the held-orders worklist with 10,000 held orders (HELD_ORDERS), first
// page and a page deep in the list reached through the next-page links (keyset pagination: it should cost the same).
// A throwaway database on the local Postgres (DATABASE_URL as its owner), the reporting and console migrations, held
// orders with their hold events written as the sink writes them, and the console's app on a loopback port, signed in
// as a controller. Kafka is not involved: the worklist reads Postgres only.
import { performance } from 'node:perf_hooks';
import { createLogger } from '../../../shared/logger.ts';
import { createRegistry } from '../../../shared/metrics.ts';
import { migrate } from '../../../shared/pg/migrate.ts';
import { createPool, urlAs } from '../../../shared/pg/pool.ts';
import { createTempDatabase } from '../../../shared/pg/testing.ts';
import { ConsoleStore } from '../src/adapters/console-store.ts';
import { MIGRATIONS_DIR } from '../src/service.ts';
import { buildApp } from '../src/web/app.ts';
import { hashPassword } from '../src/web/passwords.ts';
import { DEV_ROLE_SETTINGS, REPORTING_MIGRATIONS } from '../../reporting/test/support.ts';

const HELD = Number(process.env.HELD_ORDERS ?? 10_000);
const RUNS = Number(process.env.RUNS ?? 30);
const DEEP_PAGE = Number(process.env.DEEP_PAGE ?? 100);
const PASSWORD = 'bench password 1';

const db = await createTempDatabase();
const owner = createPool(db.url);
const pool = createPool(urlAs(db.url, 'o2c_console', 'o2c_console'), { max: 8 });
try {
  await migrate(owner, { component: 'reporting', dir: REPORTING_MIGRATIONS, settings: DEV_ROLE_SETTINGS });
  await migrate(owner, { component: 'console', dir: MIGRATIONS_DIR, settings: DEV_ROLE_SETTINGS });
  // 500 customers, HELD orders one minute apart, each with the OrderCreditHeld event that explains it.
  await owner.query(`
    INSERT INTO reporting.customers (customer_id, currency, credit_limit_minor, risk_class, profile_at)
    SELECT 'C' || lpad(c::text, 4, '0'), 'EUR', 1000000, (ARRAY['A','B','C','D'])[1 + c % 4], now() FROM generate_series(0, 499) c;
    INSERT INTO reporting.orders (order_id, customer_id, currency, amount_minor, amount_at, placed_at, decision, reasons, decided_at, decision_at)
    SELECT 'O' || lpad(i::text, 6, '0'), 'C' || lpad((i % 500)::text, 4, '0'), 'EUR', 10000 + i, t, t, 'HELD',
           CASE WHEN i % 7 = 0 THEN ARRAY['OVER_LIMIT','OVERDUE'] ELSE ARRAY['OVER_LIMIT'] END, t, t
      FROM generate_series(1, ${HELD}) i, LATERAL (SELECT now() - make_interval(mins => ${HELD} - i + 60) AS t) x;
    INSERT INTO reporting.credit_events (event_id, customer_id, event_type, occurred_at, order_id, amount_minor, currency, reasons,
                                         exposure_minor, effective_limit_minor, shortfall_minor, held_orders_minor)
    SELECT gen_random_uuid(), customer_id, 'OrderCreditHeld', decided_at, order_id, amount_minor, currency, reasons, 990000, 1000000, amount_minor - 10000, 0
      FROM reporting.orders;
    ANALYZE;`);
  await new ConsoleStore(owner).createUser({ username: 'bench', role: 'CREDIT_CONTROLLER', passwordHash: await hashPassword(PASSWORD), createdBy: 'bench' });

  const app = await buildApp({
    pool, registry: createRegistry('console'), logger: createLogger('console-bench', { level: 'warn' }),
    publisher: { creditAction: () => Promise.reject(new Error('the bench sends no action')), profileChange: () => Promise.reject(new Error('the bench changes no profile')),
      promiseToPay: () => Promise.reject(new Error('the bench records no promise')) },
    profiles: { ready: true, get: () => undefined },
    sessions: { idleMs: 3_600_000, maxMs: 3_600_000 }, signIn: { maxFailures: 5, windowMs: 60_000 }, secureCookies: false, pageSize: 50, ready: () => true,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  // Sign in as a browser does: the sign-in form's token and cookie, then the session cookie.
  const form = await fetch(`${base}/signin`);
  const signinCookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const signedIn = await fetch(`${base}/signin`, {
    method: 'POST', redirect: 'manual', headers: { cookie: signinCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, username: 'bench', password: PASSWORD, next: '/worklist' }),
  });
  const cookie = signedIn.headers.getSetCookie().map((c) => c.split(';')[0]).filter((c) => c?.startsWith('o2c_console_session=')).join('; ');
  if (!cookie) throw new Error('the bench could not sign in');

  const get = async (path: string) => {
    const started = performance.now();
    const res = await fetch(`${base}${path}`, { headers: { cookie } });
    const ttfb = performance.now() - started;
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    return { ttfb, total: performance.now() - started, body };
  };
  // The deep page's link, followed from the first page as a user would.
  let deep = '/worklist';
  for (let i = 1; i < DEEP_PAGE; i++) {
    const next = /id="next" href="([^"]+)"/.exec((await get(deep)).body);
    if (!next) throw new Error(`no page ${i + 1}`);
    deep = next[1]!.replaceAll('&amp;', '&');
  }
  const measure = async (path: string) => {
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) samples.push((await get(path)).ttfb);
    samples.sort((a, b) => a - b);
    return { p50: samples[Math.floor(RUNS / 2)]!, p95: samples[Math.min(RUNS - 1, Math.floor(RUNS * 0.95))]!, max: samples.at(-1)! };
  };
  await measure('/worklist'); // warm-up: JIT, plans, pool
  const first = await measure('/worklist');
  const deepStats = await measure(deep);
  const filtered = await measure('/worklist?reason=OVERDUE&riskClass=C');
  const fmt = (s: { p50: number; p95: number; max: number }) => `p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`;
  console.log(`console worklist TTFB with ${HELD.toLocaleString('en-US')} held orders, 50 per page, ${RUNS} runs each:`);
  console.log(`  first page               ${fmt(first)}`);
  console.log(`  page ${DEEP_PAGE} (keyset cursor)   ${fmt(deepStats)}`);
  console.log(`  filtered (OVERDUE, C)    ${fmt(filtered)}`);
  await app.close();
} finally {
  await pool.end();
  await owner.end();
  await db.drop();
}
