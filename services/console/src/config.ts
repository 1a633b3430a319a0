// The console's environment: the common variables (Kafka, registry, HTTP, logging), the database it reads reporting
// and keeps its own tables in as o2c_console (and the owner it migrates as), the sessions' lifetimes, and the first
// admin's password.
import { bool, checked, commonSpec, file, int, loadConfig, optional, secret, str, url, type Config } from '../../../shared/config.ts';
import { DEFAULT_DATABASE_URL } from '../../../shared/pg/pool.ts';

export const SERVICE = 'console';

/** The console's role on the local development server: reads reporting, owns nothing. */
export const DEFAULT_CONSOLE_DATABASE_URL = 'postgres://o2c_console@127.0.0.1:5432/o2c';

const SSLMODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];
const databaseUrl = (name: string, defaultUrl: string) =>
  checked(secret(url({ protocols: ['postgres', 'postgresql'], default: defaultUrl })), (value) => {
    const sslmode = new URL(value).searchParams.get('sslmode');
    return sslmode === null || SSLMODES.includes(sslmode) ? [] : [`${name}: sslmode=${sslmode} is not one of ${SSLMODES.join(', ')}`];
  });

/** The database side alone: what the service and the console:user command share. */
export const consoleDatabaseSpec = {
  /** The console's connection: o2c_console (read-only on reporting, its own schema console). */
  DATABASE_URL: databaseUrl('DATABASE_URL', DEFAULT_CONSOLE_DATABASE_URL),
  /** The schema owner, for the console's migrations only (closed before the console serves). */
  MIGRATION_DATABASE_URL: databaseUrl('MIGRATION_DATABASE_URL', DEFAULT_DATABASE_URL),
  PGSSLROOTCERT: optional(file()),
  /** The password the console's migration gives o2c_console; unset: none (see O2C_DEV_ROLE_PASSWORDS). */
  O2C_CONSOLE_PASSWORD: optional(str()),
  /** Development only: a role given no password gets its name as password. */
  O2C_DEV_ROLE_PASSWORDS: bool({ default: false }),
};

export type ConsoleDatabaseConfig = Config<typeof consoleDatabaseSpec> & { readonly STARTUP_TIMEOUT_MS: number };

export const consoleSpec = {
  ...commonSpec(SERVICE, { httpPort: 8090 }),
  ...consoleDatabaseSpec,
  /** A session ends after this long without a request... */
  CONSOLE_SESSION_IDLE_MINUTES: int({ default: 30, min: 1, max: 24 * 60 }),
  /** ...and this long after sign-in, whatever happens. */
  CONSOLE_SESSION_MAX_HOURS: int({ default: 12, min: 1, max: 7 * 24 }),
  /** Secure cookies (HTTPS only): on wherever a TLS proxy fronts the console; off for http://localhost. */
  CONSOLE_COOKIE_SECURE: bool({ default: false }),
  /** Failed sign-ins per user name within CONSOLE_SIGNIN_WINDOW_MINUTES before further attempts are refused. */
  CONSOLE_SIGNIN_MAX_FAILURES: int({ default: 5, min: 1, max: 1000 }),
  CONSOLE_SIGNIN_WINDOW_MINUTES: int({ default: 15, min: 1, max: 24 * 60 }),
  /** Rows per worklist page. */
  CONSOLE_PAGE_SIZE: int({ default: 50, min: 1, max: 1000 }),
  /** The first admin, created at start-up when no user exists yet (CONSOLE_ADMIN_PASSWORD or _FILE). */
  CONSOLE_ADMIN_USER: str({ default: 'admin' }),
  CONSOLE_ADMIN_PASSWORD: optional(secret(str())),
};

export type ConsoleConfig = Config<typeof consoleSpec>;

export const loadConsoleConfig = (env: Record<string, string | undefined> = process.env): ConsoleConfig =>
  loadConfig(consoleSpec, env);

/** The custom settings the role migration reads (o2c.o2c_console_password, o2c.dev_role_passwords). */
export function migrationSettings(config: Pick<ConsoleConfig, 'O2C_CONSOLE_PASSWORD' | 'O2C_DEV_ROLE_PASSWORDS'>): Record<string, string> {
  return {
    ...(config.O2C_CONSOLE_PASSWORD === undefined ? {} : { 'o2c.o2c_console_password': config.O2C_CONSOLE_PASSWORD }),
    ...(config.O2C_DEV_ROLE_PASSWORDS ? { 'o2c.dev_role_passwords': 'on' } : {}),
  };
}
