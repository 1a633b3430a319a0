// What the console's browser tests share: Debian's Chromium (playwright-core downloads none; CHROMIUM_PATH
// elsewhere), the console started on a test's namespace and temporary database as o2c_console, its users, and a
// signed-in page. Each test file brings its own history and services.
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { createLogger } from '../../../shared/logger.ts';
import { urlAs, type Pool } from '../../../shared/pg/pool.ts';
import type { TempDatabase } from '../../../shared/pg/testing.ts';
import type { Stack } from '../../../test/stack.ts';
import type { TestEnv } from '../../exposure/test/harness.ts';
import type { ReportingService } from '../../reporting/src/service.ts';
import { reportingDatabaseEnv } from '../../reporting/test/support.ts';
import { startSink } from '../../reporting/test/sink-stack.ts';
import { ConsoleStore } from '../src/adapters/console-store.ts';
import { loadConsoleConfig } from '../src/config.ts';
import { ConsoleService } from '../src/service.ts';
import { hashPassword } from '../src/web/passwords.ts';
import type { Role } from '../src/domain/roles.ts';

/** Where each test saves its screenshots (the READMEs show them). */
export const SHOTS = fileURLToPath(new URL('../../../docs/console/', import.meta.url));
export const PASSWORD = 'a long test password';

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });

/** The console on the test's namespace (3 partitions) and database, started; `env` adds or overrides variables. */
export async function startConsole(stack: Stack, t: TestEnv, db: TempDatabase, env: Record<string, string> = {}): Promise<ConsoleService> {
  const service = new ConsoleService({
    config: loadConsoleConfig({
      ...stack.env, O2C_TOPIC_PREFIX: t.env.O2C_TOPIC_PREFIX!, KAFKA_GROUP_ID: `${t.name}-console`, KAFKA_CLIENT_ID: `${t.name}-console`,
      KAFKA_PARTITIONS: '3', DATABASE_URL: urlAs(db.url, 'o2c_console', 'o2c_console'), MIGRATION_DATABASE_URL: db.url,
      O2C_DEV_ROLE_PASSWORDS: '1', HTTP_PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...env,
    }),
    logger: createLogger(`${t.name}-console`),
    onFatal: (error) => {
      throw error;
    },
  });
  await service.start();
  return service;
}

/** The reporting sink on the test's namespace (3 partitions) and database: it migrates reporting, which the console reads. */
export const startReporting = (stack: Stack, t: TestEnv, db: TempDatabase): Promise<ReportingService> =>
  startSink({
    ...stack.env, ...reportingDatabaseEnv(db.url), O2C_TOPIC_PREFIX: t.env.O2C_TOPIC_PREFIX!, KAFKA_GROUP_ID: `${t.name}-reporting`,
    KAFKA_CLIENT_ID: `${t.name}-reporting`, KAFKA_PARTITIONS: '3', KAFKA_FETCH_MAX_WAIT_MS: '100', HTTP_PORT: '0',
  });

/** Users with PASSWORD, created by 'test' through the console's own store (the owner's pool). */
export async function addUsers(owner: Pool, users: ReadonlyArray<readonly [string, Role]>): Promise<void> {
  const store = new ConsoleStore(owner);
  const passwordHash = await hashPassword(PASSWORD);
  for (const [username, role] of users) await store.createUser({ username, role, passwordHash, createdBy: 'test' });
}

/** A fresh browser context signed in as `username`: `path` first sends it to the sign-in page, then back there. */
export async function signIn(browser: Browser, base: string, username: string, path: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}${path}`);
  expect(page.url()).toContain('/signin');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button:has-text("Sign in")');
  await page.waitForURL(new RegExp(path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return page;
}
