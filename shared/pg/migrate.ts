import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTransaction, type Pool } from './pool.ts';

// Forward-only SQL migrations: files `NNNN_description.sql` in one folder per component, applied in id order, each in
// its own transaction together with its record in o2c_meta.migrations. Every transaction first takes one advisory
// lock, so services starting at once apply each file exactly once; a file changed after it was applied stops the
// migrator instead of leaving the databases of different environments silently different.
// A file must not contain transaction control (BEGIN/COMMIT) or statements that refuse to run in a transaction.

export interface Migration {
  id: number;
  name: string;
  file: string;
  sql: string;
  /** sha256 of the file's bytes. */
  checksum: string;
}

export interface MigrateOptions {
  /** Names the set of migrations (e.g. 'reporting'), so several components can share one database. */
  component: string;
  dir: string;
  /**
   * Custom settings (`o2c.*`) visible to the migration SQL through current_setting(name, true), set per transaction;
   * how a deployment hands in values such as role passwords without writing them into a file.
   */
  settings?: Readonly<Record<string, string>>;
}

export interface MigrateResult {
  applied: Migration[];
  alreadyApplied: Migration[];
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

// Arbitrary but fixed: every migrator of this project serialises on it, whatever the component.
const LOCK_KEY = 720_632_001;

const META_DDL = `
  CREATE SCHEMA IF NOT EXISTS o2c_meta;
  CREATE TABLE IF NOT EXISTS o2c_meta.migrations (
    component  text        NOT NULL,
    id         integer     NOT NULL,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (component, id)
  )`;

/** Reads and orders the migration files of a folder; a misnamed .sql file or a duplicate id is an error. */
export async function loadMigrations(dir: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const m = FILE_NAME.exec(file);
    // A typo in a name would otherwise skip the file silently.
    if (!m) throw new MigrationError(`${join(dir, file)}: migration files are named NNNN_description.sql`);
    const bytes = await readFile(join(dir, file));
    const id = Number(m[1]);
    const previous = migrations.at(-1);
    if (previous?.id === id) throw new MigrationError(`${dir}: ${previous.file} and ${file} share id ${id}`);
    migrations.push({
      id,
      name: m[2]!,
      file,
      sql: bytes.toString('utf8'),
      checksum: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  return migrations;
}

/** Applies the pending migrations of `dir`; safe to run at every start and from several processes at once. */
export async function migrate(pool: Pool, options: MigrateOptions): Promise<MigrateResult> {
  const { component, dir, settings = {} } = options;
  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  for (const migration of await loadMigrations(dir)) {
    const applied = await withTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      await client.query(META_DDL);
      const { rows } = await client.query<{ checksum: string }>(
        'SELECT checksum FROM o2c_meta.migrations WHERE component = $1 AND id = $2',
        [component, migration.id],
      );
      const recorded = rows[0];
      if (recorded) {
        if (recorded.checksum !== migration.checksum) {
          throw new MigrationError(
            `${component} migration ${migration.file} changed after it was applied ` +
              `(recorded sha256 ${recorded.checksum}, file ${migration.checksum}); add a new migration instead`,
          );
        }
        return false;
      }
      for (const [name, value] of Object.entries(settings)) {
        await client.query('SELECT set_config($1, $2, true)', [name, value]);
      }
      try {
        await client.query(migration.sql);
      } catch (err) {
        throw new MigrationError(`${component} migration ${migration.file} failed: ${(err as Error).message}`);
      }
      await client.query('INSERT INTO o2c_meta.migrations (component, id, name, checksum) VALUES ($1, $2, $3, $4)', [
        component,
        migration.id,
        migration.name,
        migration.checksum,
      ]);
      return true;
    });
    (applied ? result.applied : result.alreadyApplied).push(migration);
  }
  return result;
}
