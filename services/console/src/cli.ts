// npm run console:user -- add --role ROLE NAME: adds a console user (the first admin, typically); the password is
// read from CONSOLE_USER_PASSWORD (or _FILE) or, on a terminal, asked for. Runs the console's migrations first; reads
// the database variables only (DATABASE_URL, MIGRATION_DATABASE_URL, ...), no Kafka.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { ConfigError, int, loadConfig, optional, secret, str } from '../../../shared/config.ts';
import { createLogger } from '../../../shared/logger.ts';
import { createPool, withRootCert } from '../../../shared/pg/pool.ts';
import { ConsoleStore } from './adapters/console-store.ts';
import { consoleDatabaseSpec } from './config.ts';
import { isRole, ROLES } from './domain/roles.ts';
import { migrateConsole } from './service.ts';
import { hashPassword, passwordProblem } from './web/passwords.ts';

const USAGE = `usage: npm run console:user -- add --role ${ROLES.join('|')} NAME   (password from CONSOLE_USER_PASSWORD[_FILE] or the terminal)`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: { role: { type: 'string' } }, allowPositionals: true });
  const [command, name] = positionals;
  if (command !== 'add' || !name || !values.role || !isRole(values.role)) {
    console.error(USAGE);
    return 2;
  }
  const username = name.toLowerCase();
  // The database variables only: adding a user needs no Kafka.
  const config = loadConfig({
    ...consoleDatabaseSpec,
    STARTUP_TIMEOUT_MS: int({ default: 30_000, min: 100, max: 3_600_000 }),
    CONSOLE_USER_PASSWORD: optional(secret(str())),
  });
  let password = config.CONSOLE_USER_PASSWORD;
  if (password === undefined) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    password = await rl.question(`password for ${username}: `);
    rl.close();
  }
  const problem = passwordProblem(password);
  if (problem) {
    console.error(problem);
    return 2;
  }
  await migrateConsole(config, createLogger('console-cli', { level: 'warn' }));
  const pool = createPool(withRootCert(config.DATABASE_URL, config.PGSSLROOTCERT), { max: 1 });
  try {
    const created = await new ConsoleStore(pool).createUser({ username, role: values.role, passwordHash: await hashPassword(password), createdBy: 'console:user' });
    console.log(created ? `added ${username} (${values.role})` : `${username} exists already: change it on the Users page`);
    return created ? 0 : 1;
  } finally {
    await pool.end();
  }
}

process.exitCode = await main().catch((error: unknown) => {
  // A bad variable is named without a stack; anything else is a failure with its cause.
  console.error(error instanceof ConfigError ? error.message : error);
  return error instanceof ConfigError ? 2 : 1;
});
