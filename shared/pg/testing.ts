import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DEFAULT_DATABASE_URL } from './pool.ts';

// Test helpers: every test file gets a database of its own on the shared server, so engineers and CI runs never see
// each other's rows, and dropping it is the whole cleanup.

export interface TempDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates `o2c_test_<random>` on the server of `serverUrl` (DATABASE_URL or the local default). */
export async function createTempDatabase(serverUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL): Promise<TempDatabase> {
  const name = `o2c_test_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    // FORCE ends connections a failed test may have leaked.
    drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Runs `fn` with the URL of a fresh database and drops it afterwards, pass or fail. */
export async function withTempDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const db = await createTempDatabase();
  try {
    return await fn(db.url);
  } finally {
    await db.drop();
  }
}
