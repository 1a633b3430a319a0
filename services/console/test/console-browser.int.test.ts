// The console in a real browser (Debian's Chromium driven by playwright-core) on the real stack, with the real
// exposure service deciding and the reporting sink filling Postgres, which the console reads. A literal history:
//   ACME  limit 1,000.00; invoice I-1 200.00; order O-1 805.00 -> held OVER_LIMIT, 5.00 over the limit
//         order O-2 500.00 (after O-1's release) -> held OVER_LIMIT, 505.00 over
//   BETA  manual hold; order B-1 -> held MANUAL; a credit score proposing a limit of 8,000.00
// The exposure service's authority matrix lets a controller release up to 10.00 over the limit. Each step saves a
// screenshot to docs/console/ (the README shows them).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import type { Browser, Page } from 'playwright-core';
import { v5 as uuidv5 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventSerde } from '../../../shared/contracts/serde.ts';
import { createKafka } from '../../../shared/kafka/client.ts';
import { createLogger } from '../../../shared/logger.ts';
import { createPool, type Pool } from '../../../shared/pg/pool.ts';
import { createTempDatabase, type TempDatabase } from '../../../shared/pg/testing.ts';
import type { ExposureService } from '../../exposure/src/service.ts';
import { contractsOf, dropKeys, endOffsets, HistoryProducer, startInProcess, testEnv, waitApplied, type TestEnv } from '../../exposure/test/harness.ts';
import { customer, T0 } from '../../exposure/test/inputs.ts';
import type { ReportingService } from '../../reporting/src/service.ts';
import { deleteTopics, waitUntil } from '../../../test/kafka.ts';
import { getStack, type Stack } from '../../../test/stack.ts';
import type { ConsoleService } from '../src/service.ts';
import { addUsers, launchChromium, startReporting, PASSWORD, SHOTS, signIn as signInAs, startConsole } from './browser.ts';

const WITHIN_MS = 120_000;
const id = (label: string) => uuidv5(label, '8c1d7e52-3f0a-4b6e-9d21-7a5c4e3b2f10');

let stack: Stack;
let kafka: Kafka;
let admin: Admin;
let redis: Redis;
let t: TestEnv;
let serde: EventSerde;
let db: TempDatabase;
let owner: Pool;
let policyDir: string;
let exposure: ExposureService | undefined;
let reporting: ReportingService | undefined;
let consoleService: ConsoleService | undefined;
let browser: Browser;
let base: string;

async function applied(spec: { name: string }): Promise<void> {
  await waitApplied(redis, t, spec.name, await endOffsets(admin, spec.name), { timeoutMs: WITHIN_MS });
}

beforeAll(async () => {
  stack = await getStack();
  kafka = createKafka({ KAFKA_BROKERS: stack.kafkaBrokers, KAFKA_CLIENT_ID: 'console-it' }, createLogger('console-it'));
  admin = kafka.admin();
  await admin.connect();
  redis = new Redis(stack.redisUrl);
  db = await createTempDatabase(stack.databaseUrl);
  owner = createPool(db.url);
  policyDir = mkdtempSync(join(tmpdir(), 'o2c-console-'));
  const policyFile = join(policyDir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify({
    version: 'console-browser-test',
    authority: {
      CREDIT_CONTROLLER: { release: true, reject: true, maxOverLimit: 1000 },
      CREDIT_MANAGER: { release: true, reject: true, maxOverLimit: 100_000 },
    },
  }));
  // Three partitions: the console's records must land on their customer's partition, as every producer's.
  t = testEnv(stack, 'console', 3, { CREDIT_POLICY_FILE: policyFile });
  serde = await contractsOf(kafka, stack, t);
  exposure = await startInProcess(t);
  // The sink migrates reporting first: the console's migration reads its schema and roles.
  reporting = await startReporting(stack, t, db);

  const acme = customer('ACME');
  const beta = customer('BETA');
  const producer = await HistoryProducer.open(kafka, serde);
  try {
    await producer.send(t.topics.CUSTOMERS, [
      acme.profile(id('acme-profile'), { creditLimit: 100_000, changedBy: 'onboarding', changeReason: 'new customer' }, T0),
      beta.profile(id('beta-profile'), { creditLimit: 500_000, manualHold: true, changedBy: 'collections', changeReason: 'collections escalation' }, T0),
    ]);
    await applied(t.topics.CUSTOMERS);
    await producer.send(t.topics.INVOICES, [acme.issued(id('i1'), 'I-1', 20_000, null, T0 + 60_000)]);
    await applied(t.topics.INVOICES);
    await producer.send(t.topics.ORDERS, [
      acme.placed(id('o1'), 'O-1', 80_500, 'EUR', T0 + 120_000),
      beta.placed(id('b1'), 'B-1', 12_000, 'EUR', T0 + 150_000),
    ]);
    await applied(t.topics.ORDERS);
    // The scoring service's view of BETA, with a proposed limit for a person to take up (the sink stores it).
    await producer.sendRaw(t.topics.CREDIT_SCORES.name, [{ key: 'BETA', value: await serde.encode(t.topics.CREDIT_SCORES, {
      eventId: id('beta-score'), eventType: 'CreditScoreUpdated', occurredAt: T0 + 200_000, customerId: 'BETA', source: 'scoring', causationId: null,
      payload: {
        asOfDate: 20_458, score: 78, probabilityBp: 1200, riskClass: 'B', factors: [], proposedLimit: 800_000,
        limitReason: 'steady payer, sales grew', currentLimit: 500_000, currency: 'EUR', utilisationBp: 0, segment: 'PROMPT',
        sizeBand: 'MEDIUM', annualSales: 9_000_000, modelVersion: 'it', issuedInvoice: null,
      },
    }) }]);
  } finally {
    await producer.close();
  }

  consoleService = await startConsole(stack, t, db, { CONSOLE_ADMIN_USER: 'ada', CONSOLE_ADMIN_PASSWORD: PASSWORD });
  base = `http://127.0.0.1:${consoleService.httpPort}`;
  await addUsers(owner, [['vera', 'VIEWER'], ['carl', 'CREDIT_CONTROLLER'], ['mona', 'CREDIT_MANAGER'], ['max', 'CREDIT_MANAGER']]);
  browser = await launchChromium();
  // The held orders reach Postgres through the sink.
  await waitUntil(async () => (await owner.query(`SELECT 1 FROM reporting.held_orders`)).rowCount === 2, 'two held orders in reporting', WITHIN_MS);
});

afterAll(async () => {
  await browser?.close();
  await consoleService?.stop();
  await exposure?.stop();
  await reporting?.stop();
  if (t) {
    await deleteTopics(kafka, Object.values(t.topics).map((s) => s.name)).catch(() => undefined);
    await dropKeys(redis, t);
  }
  await owner?.end();
  await db?.drop();
  await admin?.disconnect();
  redis?.disconnect();
  rmSync(policyDir, { recursive: true, force: true });
});

const signIn = (username: string): Promise<Page> => signInAs(browser, base, username, '/worklist');

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/** Reloads `path` until `selector`'s text matches: the outcome comes from the exposure service through the sink. */
async function untilText(page: Page, path: string, selector: string, pattern: RegExp): Promise<string> {
  let text = '';
  await waitUntil(async () => {
    await page.goto(`${base}${path}`);
    text = (await page.locator(selector).allInnerTexts()).join(' | ');
    return pattern.test(text);
  }, `${selector} on ${path} to match ${pattern}`, WITHIN_MS);
  return text;
}

async function act(page: Page, orderId: string, action: 'Release' | 'Reject', reason: string): Promise<void> {
  await page.goto(`${base}/orders/${orderId}`);
  const form = page.locator(`form.action:has(button:has-text("${action}"))`);
  await form.locator('input[name=reason]').fill(reason);
  await form.locator('button').click();
  await page.waitForURL(/sent=1/);
}

describe('the credit console in a browser, on the real stack with the exposure service', () => {
  it('signs in, lists the held orders with their reasons, and a controller releases one within authority', async () => {
    const signin = await (await browser.newContext()).newPage();
    await signin.goto(`${base}/signin`);
    await shot(signin, 'signin');
    await signin.fill('input[name=username]', 'carl');
    await signin.fill('input[name=password]', 'wrong password!');
    await signin.click('button:has-text("Sign in")');
    expect(await signin.locator('.error').innerText()).toBe('Wrong user name or password.');

    const carl = await signIn('carl');
    const rows = carl.locator('#worklist tbody tr');
    expect(await rows.count()).toBe(2);
    // Oldest first, each with its reasons and the exposure, limit and shortfall of its hold.
    expect(await rows.nth(0).getAttribute('data-order')).toBe('O-1');
    expect(await rows.nth(0).innerText()).toMatch(/ACME[\s\S]*805\.00 EUR[\s\S]*OVER_LIMIT[\s\S]*200\.00[\s\S]*1,000\.00[\s\S]*5\.00/);
    expect(await rows.nth(1).innerText()).toMatch(/BETA[\s\S]*MANUAL/);
    await carl.goto(`${base}/worklist?reason=MANUAL`);
    expect(await carl.locator('#worklist tbody tr').count()).toBe(1);
    await carl.goto(`${base}/worklist`);
    await shot(carl, 'worklist');

    await act(carl, 'O-1', 'Release', 'customer paid by wire, confirmed by phone');
    const outcome = await untilText(carl, '/orders/O-1', '#actions .outcome', /released/);
    expect(outcome).toBe('released');
    expect(await carl.locator('#decision').innerText()).toBe('RELEASED');
    await shot(carl, 'order-released');
    await carl.goto(`${base}/worklist`);
    expect(await carl.locator('#worklist tbody tr').count()).toBe(1);
    expect(await carl.locator('#recent tbody tr').first().innerText()).toMatch(/O-1[\s\S]*RELEASE[\s\S]*carl[\s\S]*released/);
    // What the exposure service published is what the audit log says.
    // The request (from o2c.credit-actions.v1) and its outcome (from o2c.credit-holds.v1) reach the sink apart.
    const auditOf = async () => (await owner.query(`SELECT actor, actor_role, outcome FROM reporting.audit_log WHERE order_id = 'O-1' ORDER BY outcome`)).rows;
    await waitUntil(async () => (await auditOf()).length === 2, 'the request and its outcome in the audit log', WITHIN_MS);
    expect(await auditOf()).toEqual([
      { actor: 'carl', actor_role: 'CREDIT_CONTROLLER', outcome: 'ACCEPTED' },
      { actor: 'carl', actor_role: 'CREDIT_CONTROLLER', outcome: 'REQUESTED' },
    ]);
  });

  it('a viewer sees the worklist but cannot act, not even by posting the form', async () => {
    const vera = await signIn('vera');
    await vera.goto(`${base}/orders/B-1`);
    expect(await vera.locator('form.action').count()).toBe(0);
    expect(await vera.locator('main').innerText()).toContain('A viewer may not release or reject orders.');
    await shot(vera, 'viewer-order');
    // A hand-made post with the viewer's own valid CSRF token: refused by the console.
    const csrf = await vera.locator('form[action="/signout"] input[name=_csrf]').inputValue();
    const res = await vera.request.post(`${base}/orders/B-1/actions`, { form: { _csrf: csrf, action: 'RELEASE', reason: 'let me' } });
    expect(res.status()).toBe(403);
    expect(await res.text()).toContain('a viewer may not do this');
    const { rows } = await owner.query(`SELECT count(*)::int AS n FROM console.credit_actions WHERE order_id = 'B-1'`);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('a form post without its CSRF token is refused', async () => {
    const carl = await signIn('carl');
    const forms: Array<Record<string, string>> = [{ action: 'REJECT', reason: 'no token' }, { _csrf: 'forged', action: 'REJECT', reason: 'wrong token' }];
    for (const form of forms) {
      const res = await carl.request.post(`${base}/orders/B-1/actions`, { form });
      expect(res.status()).toBe(403);
      expect(await res.text()).toContain('no valid CSRF token');
    }
    const signin = await carl.request.post(`${base}/signin`, { form: { username: 'carl', password: PASSWORD } });
    expect(signin.status()).toBe(403);
    const { rows } = await owner.query(`SELECT count(*)::int AS n FROM console.credit_actions WHERE order_id = 'B-1'`);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it("a controller's release beyond authority is refused by the exposure service and shown so", async () => {
    const producer = await HistoryProducer.open(kafka, serde);
    try {
      await producer.send(t.topics.ORDERS, [customer('ACME').placed(id('o2'), 'O-2', 50_000, 'EUR', T0 + 600_000)]);
      await applied(t.topics.ORDERS);
    } finally {
      await producer.close();
    }
    const carl = await signIn('carl');
    await untilText(carl, '/worklist', '#worklist tbody', /O-2/);
    await act(carl, 'O-2', 'Release', 'good customer, big order');
    const outcome = await untilText(carl, '/orders/O-2', '#actions .outcome', /refused/);
    // 505.00 over the limit, the controller may 10.00: 495.00 short.
    expect(outcome).toBe('refused (beyond authority: may release 10.00 over the limit, 495.00 short)');
    expect(await carl.locator('#decision').innerText()).toBe('HELD');
    await shot(carl, 'order-refused');
  });

  it('a limit raise requested by one user and approved by another reaches the exposure service and releases what now fits; self-approval is refused', async () => {
    const carl = await signIn('carl');
    await carl.goto(`${base}/customers/ACME`);
    await carl.fill('input[name=creditLimit]', '2000');
    await carl.fill('form[action$="/limit-requests"] input[name=reason]', 'annual review: orders doubled');
    await carl.click('button:has-text("Request")');
    await carl.waitForURL(/\/limit-requests/);
    expect(await carl.locator('.requests tbody tr').first().innerText()).toMatch(/ACME[\s\S]*2,000\.00 EUR[\s\S]*carl[\s\S]*PENDING/);
    // A controller has no approve button; a hand-made decision is refused.
    expect(await carl.locator('form.decide').count()).toBe(0);

    // A manager's own request: no decision form, and a hand-made approval (with her valid CSRF token) is refused.
    const mona = await signIn('mona');
    await mona.goto(`${base}/customers/BETA`);
    await mona.fill('input[name=creditLimit]', '9000');
    await mona.fill('form[action$="/limit-requests"] input[name=reason]', 'my own idea');
    await mona.click('button:has-text("Request")');
    await mona.waitForURL(/\/limit-requests/);
    const own = mona.locator('.requests tbody tr', { hasText: 'my own idea' });
    expect(await own.locator('form.decide').count()).toBe(0);
    expect(await own.innerText()).toContain('yours: another manager decides');
    const ownId = (await own.getAttribute('id'))!.replace('request-', '');
    const csrf = await mona.locator('form[action="/signout"] input[name=_csrf]').inputValue();
    const self = await mona.request.post(`${base}/limit-requests/${ownId}/decision`, { form: { _csrf: csrf, decision: 'APPROVE', reason: 'looks fine to me' } });
    expect(self.status()).toBe(403);
    expect(await self.text()).toContain('Refused: four eyes: the requester may not decide their own request.');
    const { rows: still } = await owner.query(`SELECT status, decided_by FROM console.limit_requests WHERE customer_id = 'BETA'`);
    expect(still).toEqual([{ status: 'PENDING', decided_by: null }]);

    // Mona approves Carl's request: the profile goes to Kafka, the exposure service re-checks O-2, which now fits.
    await mona.goto(`${base}/limit-requests`);
    await shot(mona, 'limit-requests');
    const carls = mona.locator('.requests tbody tr', { hasText: 'orders doubled' });
    await carls.locator('input[name=reason]').fill('payment record is clean');
    await carls.locator('button:has-text("Approve")').click();
    await mona.waitForURL(/\/limit-requests$/);
    expect(await mona.locator('.requests tbody tr', { hasText: 'orders doubled' }).innerText()).toMatch(/APPROVED by mona: payment record is clean/);
    expect(await untilText(mona, '/orders/O-2', '#decision', /RELEASED/)).toBe('RELEASED');
    expect(await untilText(mona, '/customers/ACME', '#credit-limit', /2,000\.00/)).toBe('2,000.00 EUR');
    await shot(mona, 'customer');
    // The change history travels on o2c.customer-changes.v1, which the sink reads apart from the profiles.
    const changesOf = async () => (await owner.query(
      `SELECT actor, previous_credit_limit_minor, credit_limit_minor, reason FROM reporting.audit_log WHERE event_type = 'CustomerProfileChanged' AND customer_id = 'ACME'`)).rows;
    await waitUntil(async () => (await changesOf()).length > 0, 'the limit change in the audit log', WITHIN_MS);
    expect(await changesOf()).toEqual([{ actor: 'mona', previous_credit_limit_minor: '100000', credit_limit_minor: '200000',
      reason: 'limit request 1 by carl: annual review: orders doubled; approved by mona' }]);
    const { rows: released } = await owner.query(`SELECT release_type FROM reporting.credit_events WHERE order_id = 'O-2' AND event_type = 'OrderCreditReleased'`);
    expect(released).toEqual([{ release_type: 'AUTOMATIC' }]);

    await mona.goto(`${base}/audit?customer=ACME`);
    expect(await mona.locator('#audit tbody').innerText()).toMatch(/LIMIT_CHANGE[\s\S]*mona/);
    await shot(mona, 'audit');
  });

  it("the scoring service's proposed limit appears as a pre-filled request", async () => {
    const carl = await signIn('carl');
    await untilText(carl, '/customers/BETA', '.card', /proposed limit 8,000\.00 EUR/);
    await carl.click('a:has-text("request the proposed limit")');
    expect(await carl.locator('input[name=creditLimit]').inputValue()).toBe('8000.00');
    expect(await carl.locator('form[action$="/limit-requests"] input[name=reason]').inputValue()).toBe('scoring proposal: steady payer, sales grew');
    await carl.click('button:has-text("Request")');
    await carl.waitForURL(/\/limit-requests/);
    expect(await carl.locator('.requests tbody tr', { hasText: 'scoring proposal' }).first().innerText())
      .toMatch(/BETA[\s\S]*8,000\.00 EUR[\s\S]*steady payer, sales grew \(scoring proposal\)[\s\S]*carl[\s\S]*PENDING/);
    const { rows } = await owner.query(`SELECT source, credit_limit_minor, requested_by FROM console.limit_requests WHERE customer_id = 'BETA' AND source = 'SCORING'`);
    expect(rows).toEqual([{ source: 'SCORING', credit_limit_minor: '800000', requested_by: 'carl' }]);
  });

  it('a temporary limit with its expiry goes through four eyes too, and the next request starts from it', async () => {
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const carl = await signIn('carl');
    await carl.goto(`${base}/customers/ACME`);
    await carl.fill('input[name=tempLimit]', '500');
    await carl.fill('input[name=tempLimitExpires]', until);
    await carl.fill('form[action$="/limit-requests"] input[name=reason]', 'seasonal peak');
    await carl.click('button:has-text("Request")');
    await carl.waitForURL(/\/limit-requests/);
    const max = await signIn('max');
    await max.goto(`${base}/limit-requests`);
    const request = max.locator('.requests tbody tr', { hasText: 'seasonal peak' });
    expect(await request.innerText()).toMatch(new RegExp(`2,000\\.00 EUR\\s+500\\.00 EUR until ${until}`));
    await request.locator('input[name=reason]').fill('agreed with sales');
    await request.locator('button:has-text("Approve")').click();
    await max.waitForURL(/\/limit-requests$/);
    // The profile (from o2c.customers.v1) and the effective limit (the exposure service's next snapshot) reach
    // reporting apart: wait for both.
    const limits = await untilText(max, '/customers/ACME', '.card:has(h3:has-text("Limits"))', /Effective 2,500\.00 EUR/);
    expect(limits).toMatch(new RegExp(`Credit limit 2,000\\.00 EUR\\s+Temporary 500\\.00 EUR until ${until}\\s+Effective 2,500\\.00 EUR`));
    expect(await max.locator('input[name=tempLimit]').inputValue()).toBe('500.00');
    expect(await max.locator('input[name=tempLimitExpires]').inputValue()).toBe(until);
  });

  it('a manager rejects an order with a reason, and the page shows it rejected', async () => {
    const mona = await signIn('mona');
    await act(mona, 'B-1', 'Reject', 'account under collections, no new deliveries');
    expect(await untilText(mona, '/orders/B-1', '#actions .outcome', /rejected/)).toBe('rejected');
    expect(await mona.locator('#decision').innerText()).toBe('REJECTED');
    await mona.goto(`${base}/worklist`);
    expect(await mona.locator('#worklist tbody tr[data-order]').count()).toBe(0);
  });

  it('an admin adds a user, who signs in and out; a user the admin disables is signed out at once', async () => {
    const ada = await signIn('ada');
    await ada.goto(`${base}/admin/users`);
    await ada.fill('form[action="/admin/users"] input[name=username]', 'nina');
    await ada.selectOption('form[action="/admin/users"] select[name=role]', 'CREDIT_CONTROLLER');
    await ada.fill('form[action="/admin/users"] input[name=password]', PASSWORD);
    await ada.click('button:has-text("Add")');
    await ada.waitForURL(/\/admin\/users$/);
    expect(await ada.locator('#users tbody').innerText()).toMatch(/nina\s+credit controller\s+active/);
    await shot(ada, 'users');
    const nina = await signIn('nina');
    expect(await nina.locator('header .me').innerText()).toContain('nina (credit controller)');
    // Not an admin: the users page is refused.
    const res = await nina.goto(`${base}/admin/users`);
    expect(res?.status()).toBe(403);
    await nina.goto(`${base}/worklist`);
    await nina.click('button:has-text("Sign out")');
    await nina.waitForURL(/\/signin/);
    await nina.goto(`${base}/worklist`);
    expect(nina.url()).toContain('/signin');

    // Disabled by the admin: signed out at once, and no sign-in any more.
    const vera = await signIn('vera');
    await ada.goto(`${base}/admin/users`);
    const row = ada.locator('#users tbody tr', { hasText: 'vera' });
    await row.locator('input[name=disabled]').check();
    await row.locator('button:has-text("Save")').click();
    await ada.waitForURL(/\/admin\/users$/);
    expect(await ada.locator('#users tbody tr', { hasText: 'vera' }).innerText()).toMatch(/viewer\s+disabled/);
    await vera.goto(`${base}/worklist`);
    expect(vera.url()).toContain('/signin');
    await vera.fill('input[name=username]', 'vera');
    await vera.fill('input[name=password]', PASSWORD);
    await vera.click('button:has-text("Sign in")');
    expect(await vera.locator('.error').innerText()).toBe('Wrong user name or password.');
  });
});
