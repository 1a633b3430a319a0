import { fileURLToPath } from 'node:url';
import { deriveEventId } from '../../../shared/ids.ts';
import { migrate } from '../../../shared/pg/migrate.ts';
import { createPool, urlAs, withTransaction, type Pool } from '../../../shared/pg/pool.ts';
import { createTempDatabase, type TempDatabase } from '../../../shared/pg/testing.ts';
import { writeRowOps } from '../src/adapters/pg-writer.ts';
import { toRowOps, type SinkEvent } from '../src/domain/to-row-ops.ts';

// Shared by the reporting tests: a migrated throwaway database, event builders and a table dump for comparisons.

export const REPORTING_MIGRATIONS = fileURLToPath(new URL('../migrations/', import.meta.url));

/** The migrations' settings in the tests: the development role passwords (O2C_DEV_ROLE_PASSWORDS=1). */
export const DEV_ROLE_SETTINGS = { 'o2c.dev_role_passwords': 'on' } as const;

/** A database's URL as o2c_writer, with its development password: how the sink connects in the tests. */
export const writerUrl = (databaseUrl: string): string => urlAs(databaseUrl, 'o2c_writer', 'o2c_writer');

/** The sink's database variables for a database given as its owner: write as o2c_writer, migrate as the owner. */
export const reportingDatabaseEnv = (ownerUrl: string) => ({
  DATABASE_URL: writerUrl(ownerUrl),
  MIGRATION_DATABASE_URL: ownerUrl,
  O2C_DEV_ROLE_PASSWORDS: '1',
});

export interface ReportingDb {
  db: TempDatabase;
  /** As o2c_writer, the sink's role: what the writer tests write and read with. */
  pool: Pool;
  /** As the owner: what only the owner may do (TRUNCATE between cases, SET ROLE). */
  owner: Pool;
  close(): Promise<void>;
}

export async function reportingDatabase(): Promise<ReportingDb> {
  const db = await createTempDatabase();
  // Migrate on connections of their own: database settings (time zone, JIT) reach only sessions opened after them.
  const migrator = createPool(db.url);
  await migrate(migrator, { component: 'reporting', dir: REPORTING_MIGRATIONS, settings: DEV_ROLE_SETTINGS }).finally(() =>
    closePool(migrator),
  );
  const pool = createPool(writerUrl(db.url));
  const owner = createPool(db.url);
  return {
    db,
    pool,
    owner,
    close: async () => {
      await closePool(pool);
      await closePool(owner);
      await db.drop();
    },
  };
}

/**
 * Ends a pool and resolves once its connections are closed, so a database dropped next (WITH FORCE) finds none.
 * pg-pool's end() resolves as soon as it has asked them to close: a DROP right after terminates a backend that has
 * not yet read its Terminate, whose 57P01 then reaches the pool as an 'error' event with no listener, an uncaught
 * exception. Call it with no query in flight.
 */
export async function closePool(pool: Pool): Promise<void> {
  // Whatever a closing connection still hears from the server changes nothing now.
  pool.on('error', () => undefined);
  let open = pool.totalCount;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    pool.on('remove', () => {
      if (--open === 0) resolve();
    });
  });
  await pool.end();
  await closed;
}

/** The event id `event(name, ...)` gives. */
export const idOf = (name: string): string => deriveEventId('reporting-test', name);

/** An event envelope with a deterministic id named after `name`; the payload is typed by the event type. */
export function event<T extends SinkEvent['eventType']>(
  name: string,
  eventType: T,
  customerId: string,
  occurredAt: number,
  payload: Extract<SinkEvent, { eventType: T }>['payload'],
): Extract<SinkEvent, { eventType: T }> {
  const envelope = { eventId: idOf(name), eventType, occurredAt, customerId, source: 'test', causationId: null, payload };
  // TypeScript cannot correlate eventType and payload through the generic; the parameter types already did.
  return envelope as unknown as Extract<SinkEvent, { eventType: T }>;
}

/** Writes each batch in its own transaction, as the sink does. */
export async function sink(pool: Pool, batches: readonly (readonly SinkEvent[])[]): Promise<void> {
  for (const batch of batches) await withTransaction(pool, (client) => writeRowOps(client, toRowOps(batch)));
}

export const REPORTING_TABLES = [
  'customers',
  'orders',
  'invoices',
  'invoice_adjustments',
  'invoice_disputes',
  'payments',
  'payment_allocations',
  'credit_events',
  'delinquency_events',
  'exposure_history',
  'audit_log',
  'promises_to_pay',
  'notices',
  'notice_deliveries',
  'group_exposure',
  'group_exposure_history',
] as const;

/** Every row of every reporting table, in key order, as text: what "the same rows" means. */
export async function dumpTables(pool: Pool): Promise<Record<string, string[]>> {
  const dump: Record<string, string[]> = {};
  for (const table of REPORTING_TABLES) {
    const { rows } = await pool.query<{ r: string }>(`SELECT t::text AS r FROM reporting.${table} t ORDER BY 1`);
    dump[table] = rows.map((row) => row.r);
  }
  return dump;
}
