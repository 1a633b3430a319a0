import pg from 'pg';
import type { Logger } from '../logger.ts';
import { isTransient, reach } from '../startup.ts';

// Postgres connections for every service: one pool per process, transactions through one helper so BEGIN/COMMIT/
// ROLLBACK and the client release can't be forgotten on an error path.

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** What a statement needs: a pool or a client inside a transaction. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** The local development server's owner (the stack's `postgres`): migrations, test and demo databases. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/o2c';
/** The reporting sink's role on the local development server: o2c_writer, never a superuser. */
export const DEFAULT_WRITER_DATABASE_URL = 'postgres://o2c_writer@127.0.0.1:5432/o2c';

/** `databaseUrl` as another role (same server and database), with its password or none. */
export function urlAs(databaseUrl: string, user: string, password?: string): string {
  const url = new URL(databaseUrl);
  url.username = encodeURIComponent(user);
  url.password = password === undefined ? '' : encodeURIComponent(password);
  return url.toString();
}

/** The sslmode values of libpq that verify the server's certificate against a CA. */
const VERIFYING_SSLMODES = new Set(['verify-ca', 'verify-full']);

/**
 * `databaseUrl` with `sslrootcert=<caFile>` added when it asks for a verified TLS connection (`sslmode=verify-full`
 * or `verify-ca`) and names no CA itself: PGSSLROOTCERT, as libpq reads it. pg reads `sslmode` and `sslrootcert`
 * from the URL (the CA file's content becomes the connection's `ssl.ca`).
 */
export function withRootCert(databaseUrl: string, caFile: string | undefined): string {
  const url = new URL(databaseUrl);
  const sslmode = url.searchParams.get('sslmode');
  if (caFile === undefined || sslmode === null || !VERIFYING_SSLMODES.has(sslmode) || url.searchParams.has('sslrootcert')) {
    return databaseUrl;
  }
  url.searchParams.set('sslrootcert', caFile);
  return url.toString();
}

export interface PoolOptions {
  /** Shows in pg_stat_activity, so a slow query names its service. */
  applicationName?: string;
  max?: number;
  /** Give up opening a connection after this long (default: wait forever). */
  connectionTimeoutMillis?: number;
  /** Fail a statement whose answer has not come after this long (default: wait forever): a stalled server. */
  queryTimeoutMillis?: number;
}

export function createPool(databaseUrl: string, options: PoolOptions = {}): Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    application_name: options.applicationName,
    max: options.max ?? 4,
    connectionTimeoutMillis: options.connectionTimeoutMillis,
    query_timeout: options.queryTimeoutMillis,
  });
  // An idle client that fails (server restart, connection terminated) is dropped and replaced by the pool; without
  // a listener its 'error' would be an uncaught exception that ends the process. The next query reports the problem.
  pool.on('error', () => undefined);
  return pool;
}

/** DATABASE_URL, or the local development database. */
export const databaseUrlFrom = (env: NodeJS.ProcessEnv): string => env.DATABASE_URL ?? DEFAULT_DATABASE_URL;

/** Runs `fn` in one transaction on a client of the pool: COMMIT when it resolves, ROLLBACK when it throws. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A failed ROLLBACK means the connection is gone: destroy it rather than hand it back to the pool.
    broken = await client.query('ROLLBACK').then(() => false, () => true);
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * Resolves once the pool's database answers, retrying a refused connection or a server still starting within
 * STARTUP_TIMEOUT_MS; then an UnreachableError naming `variable` (DATABASE_URL, MIGRATION_DATABASE_URL) and its URL.
 */
export async function reachDatabase(
  pool: Pool,
  step: { variable: string; url: string; timeoutMs: number; logger?: Logger },
): Promise<void> {
  await reach(
    { variable: step.variable, address: step.url, timeoutMs: step.timeoutMs, logger: step.logger, retriable: isTransientPgError },
    async () => {
      await pool.query('SELECT 1');
    },
  );
}

// SQLSTATEs of a server that will take connections soon: starting up or shutting down, or full.
const TRANSIENT_SQLSTATES = new Set(['57P03', '57P01', '53300']);

/** A refused or lost connection, a connection timeout, or a server not accepting connections yet. */
export function isTransientPgError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_SQLSTATES.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return isTransient(error) || /Connection terminated|timeout exceeded when trying to connect/i.test(message);
}
