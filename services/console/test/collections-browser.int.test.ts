// The collections page in a real browser (Chromium through playwright-core) on the real stack: the reporting sink
// fills Postgres from Kafka, the console reads reporting.collections_worklist and publishes the promise a controller
// records on o2c.collections.v1, which the sink brings back to the page. A literal history:
//   ACME  invoice I-1 200.00, due 2026-03-18: overdue, unscored (the view counts it as certain to pay late)
//   BETA  invoice B-1 900.00, due 2026-03-18: overdue, a larger expected loss, so ranked before ACME
// Saves docs/console/collections.png (the READMEs show it).
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import type { Browser, Page } from 'playwright-core';
import { v5 as uuidv5 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventSerde } from '../../../shared/contracts/serde.ts';
import { createKafka } from '../../../shared/kafka/client.ts';
import { createLogger } from '../../../shared/logger.ts';
import { createPool, type Pool } from '../../../shared/pg/pool.ts';
import { createTempDatabase, type TempDatabase } from '../../../shared/pg/testing.ts';
import { dayOf, isoFromDay } from '../../../shared/time.ts';
import { contractsOf, HistoryProducer, testEnv, type TestEnv } from '../../exposure/test/harness.ts';
import { customer, T0 } from '../../exposure/test/inputs.ts';
import type { ReportingService } from '../../reporting/src/service.ts';
import { deleteTopics, waitUntil } from '../../../test/kafka.ts';
import { getStack, type Stack } from '../../../test/stack.ts';
import type { ConsoleService } from '../src/service.ts';
import { addUsers, launchChromium, startReporting, SHOTS, signIn as signInAs, startConsole } from './browser.ts';

const WITHIN_MS = 120_000;
const id = (label: string) => uuidv5(label, '3b7e8a10-5c2d-4f6e-8a9b-1c2d3e4f5a6b');

let stack: Stack;
let kafka: Kafka;
let admin: Admin;
let t: TestEnv;
let serde: EventSerde;
let db: TempDatabase;
let owner: Pool;
let reporting: ReportingService | undefined;
let consoleService: ConsoleService | undefined;
let browser: Browser;
let base: string;

beforeAll(async () => {
  stack = await getStack();
  kafka = createKafka({ KAFKA_BROKERS: stack.kafkaBrokers, KAFKA_CLIENT_ID: 'collections-it' }, createLogger('collections-it'));
  admin = kafka.admin();
  await admin.connect();
  db = await createTempDatabase(stack.databaseUrl);
  owner = createPool(db.url);
  t = testEnv(stack, 'collections', 3);
  serde = await contractsOf(kafka, stack, t);
  reporting = await startReporting(stack, t, db);
  const acme = customer('ACME');
  const beta = customer('BETA');
  const producer = await HistoryProducer.open(kafka, serde);
  try {
    await producer.send(t.topics.CUSTOMERS, [
      acme.profile(id('acme-profile'), { creditLimit: 100_000, changedBy: 'onboarding', changeReason: 'new customer' }, T0),
      beta.profile(id('beta-profile'), { creditLimit: 500_000, changedBy: 'onboarding', changeReason: 'new customer' }, T0),
    ]);
    await producer.send(t.topics.INVOICES, [
      acme.issued(id('acme-i1'), 'I-1', 20_000, null, T0 + 60_000),
      beta.issued(id('beta-i1'), 'B-1', 90_000, null, T0 + 60_000),
    ]);
  } finally {
    await producer.close();
  }
  consoleService = await startConsole(stack, t, db);
  base = `http://127.0.0.1:${consoleService.httpPort}`;
  await addUsers(owner, [['vera', 'VIEWER'], ['carl', 'CREDIT_CONTROLLER']]);
  browser = await launchChromium();
  await waitUntil(async () => (await owner.query(`SELECT 1 FROM reporting.collections_worklist`)).rowCount === 2, 'two overdue accounts in reporting', WITHIN_MS);
});

afterAll(async () => {
  await browser?.close();
  await consoleService?.stop();
  await reporting?.stop();
  if (t) await deleteTopics(kafka, Object.values(t.topics).map((s) => s.name)).catch(() => undefined);
  await owner?.end();
  await db?.drop();
  await admin?.disconnect();
});

const signIn = (username: string): Promise<Page> => signInAs(browser, base, username, '/collections');

describe('the collections page in a browser, on the real stack with the reporting sink', () => {
  it('lists the overdue accounts as the view ranks them; a controller records a promise, which the worklist then shows', async () => {
    const carl = await signIn('carl');
    const rows = carl.locator('#collections tbody tr');
    expect(await rows.count()).toBe(2);
    // BETA's 900.00 overdue for as many days weighs more than ACME's 200.00: BETA first.
    expect(await rows.nth(0).getAttribute('data-customer')).toBe('BETA');
    expect(await rows.nth(0).innerText()).toMatch(/^1\s[\s\S]*BETA[\s\S]*900\.00 EUR \(1\)[\s\S]*unscored[\s\S]*none/);
    expect(await rows.nth(1).getAttribute('data-customer')).toBe('ACME');
    await carl.goto(`${base}/collections?customer=ACME`);
    expect(await carl.locator('#collections tbody tr').count()).toBe(1);

    await carl.goto(`${base}/collections`);
    await carl.click('#collections tr[data-customer=ACME] a:has-text("ACME")');
    await carl.waitForURL(/\/collections\/ACME$/);
    const promisedDate = isoFromDay(dayOf(Date.now()) + 7);
    await carl.fill('form.promise input[name=amount]', '150');
    await carl.fill('form.promise input[name=promisedDate]', promisedDate);
    await carl.fill('form.promise input[name=note]', 'called the buyer, wire next week');
    await carl.click('button:has-text("Record promise")');
    await carl.waitForURL(/sent=/);
    // The page refreshes until the sink has it; reload until then.
    await waitUntil(async () => {
      await carl.reload();
      return (await carl.locator('#promises tbody tr[data-promise]').count()) === 1;
    }, 'the promise on the account page', WITHIN_MS);
    expect(await carl.locator('#promises tbody tr[data-promise]').innerText())
      .toMatch(new RegExp(`carl \\(credit controller\\)[\\s\\S]*150\\.00 EUR[\\s\\S]*${promisedDate}[\\s\\S]*called the buyer, wire next week[\\s\\S]*open`));
    const { rows: stored } = await owner.query(`SELECT recorded_by, recorded_by_role, amount_minor::int AS amount, promised_date::text AS day FROM reporting.promises_to_pay WHERE customer_id = 'ACME'`);
    expect(stored).toEqual([{ recorded_by: 'carl', recorded_by_role: 'CREDIT_CONTROLLER', amount: 15_000, day: promisedDate }]);

    await carl.goto(`${base}/collections`);
    expect(await carl.locator('#collections tr[data-customer=ACME] .promises').innerText()).toBe(`open 150.00 EUR by ${promisedDate}`);
    await carl.screenshot({ path: join(SHOTS, 'collections.png'), fullPage: true });

    // A promise dated before the business date is refused with why, and nothing is sent.
    await carl.goto(`${base}/collections/ACME`);
    await carl.fill('form.promise input[name=amount]', '10');
    await carl.fill('form.promise input[name=promisedDate]', isoFromDay(dayOf(Date.now()) - 1));
    await carl.locator('form.promise input[name=promisedDate]').evaluate((e) => e.removeAttribute('min'));
    await carl.click('button:has-text("Record promise")');
    expect(await carl.locator('.error').innerText()).toBe('promised date: today or later');
    // No promise for a customer reporting does not know, and no page for it.
    const csrf = await carl.locator('form[action="/signout"] input[name=_csrf]').inputValue();
    const unknown = await carl.request.post(`${base}/collections/NOBODY/promises`, {
      form: { _csrf: csrf, promiseId: id('nobody'), amount: '10', currency: 'EUR', promisedDate: isoFromDay(dayOf(Date.now()) + 3) },
    });
    expect(unknown.status()).toBe(400);
    expect(await unknown.text()).toContain('No customer NOBODY in reporting.');
    expect((await carl.goto(`${base}/collections/NOBODY`))!.status()).toBe(404);
  });

  it('a viewer sees the worklist and the account but no form, and a hand-made post is refused', async () => {
    const vera = await signIn('vera');
    expect(await vera.locator('#collections tbody tr').count()).toBe(2);
    await vera.goto(`${base}/collections/BETA`);
    expect(await vera.locator('form.promise').count()).toBe(0);
    expect(await vera.locator('main').innerText()).toContain('A viewer may not record promises to pay.');
    const csrf = await vera.locator('form[action="/signout"] input[name=_csrf]').inputValue();
    const res = await vera.request.post(`${base}/collections/BETA/promises`, {
      form: { _csrf: csrf, promiseId: id('vera-promise'), amount: '100', currency: 'EUR', promisedDate: isoFromDay(dayOf(Date.now()) + 3) },
    });
    expect(res.status()).toBe(403);
    expect(await res.text()).toContain('a viewer may not do this');
    // Nothing reached the topic: its end offsets hold only carl's promise.
    const offsets = await admin.fetchTopicOffsets(t.topics.COLLECTIONS.name);
    expect(offsets.reduce((s, p) => s + Number(p.high), 0)).toBe(1);
  });
});
