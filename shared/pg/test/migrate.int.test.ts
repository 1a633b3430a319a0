import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, MigrationError } from '../migrate.ts';
import { createPool, type Pool } from '../pool.ts';
import { createTempDatabase, type TempDatabase } from '../testing.ts';

const FILES: Record<string, string> = {
  '0001_create_things.sql': 'CREATE SCHEMA app; CREATE TABLE app.things (id int PRIMARY KEY, name text);',
  '0002_seed_things.sql': "INSERT INTO app.things VALUES (1, 'one');",
  '0003_add_colour.sql': 'ALTER TABLE app.things ADD COLUMN colour text;',
};

let db: TempDatabase;
let pool: Pool;
let dir: string;

async function writeMigrations(files: Record<string, string>): Promise<void> {
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
}

const recorded = async (p: Pool = pool) =>
  (await p.query('SELECT component, id, name, checksum FROM o2c_meta.migrations ORDER BY component, id')).rows;

beforeEach(async () => {
  db = await createTempDatabase();
  pool = createPool(db.url);
  dir = await mkdtemp(join(tmpdir(), 'o2c-migrations-'));
});

afterEach(async () => {
  await pool.end();
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('migrate', () => {
  it('applies every file in id order from an empty database and records each with its checksum', async () => {
    await writeMigrations(FILES);
    const result = await migrate(pool, { component: 'app', dir });
    expect(result.applied.map((m) => m.file)).toEqual(Object.keys(FILES));
    expect((await pool.query('SELECT id, name, colour FROM app.things')).rows).toEqual([
      { id: 1, name: 'one', colour: null },
    ]);
    const rows = await recorded();
    expect(rows.map((r) => [r.component, r.id, r.name])).toEqual([
      ['app', 1, 'create_things'],
      ['app', 2, 'seed_things'],
      ['app', 3, 'add_colour'],
    ]);
    expect(rows.map((r) => r.checksum)).toEqual(result.applied.map((m) => m.checksum));
  });

  it('re-runs harmlessly and applies only files added since', async () => {
    await writeMigrations(FILES);
    await migrate(pool, { component: 'app', dir });
    const again = await migrate(pool, { component: 'app', dir });
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toHaveLength(3);
    // 0002 ran once: a second run would have violated the primary key.
    expect((await pool.query('SELECT count(*)::int AS n FROM app.things')).rows[0].n).toBe(1);

    await writeMigrations({ '0004_seed_more.sql': "INSERT INTO app.things VALUES (2, 'two', 'red');" });
    const later = await migrate(pool, { component: 'app', dir });
    expect(later.applied.map((m) => m.file)).toEqual(['0004_seed_more.sql']);
  });

  it('applies each file exactly once when several processes migrate at the same time', async () => {
    await writeMigrations(FILES);
    const pools = Array.from({ length: 5 }, () => createPool(db.url, { max: 1 }));
    try {
      const results = await Promise.all(pools.map((p) => migrate(p, { component: 'app', dir })));
      const appliedFiles = results.flatMap((r) => r.applied.map((m) => m.file)).sort();
      expect(appliedFiles).toEqual(Object.keys(FILES));
      expect(await recorded()).toHaveLength(3);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('refuses to go on when an applied file was changed, naming it', async () => {
    await writeMigrations(FILES);
    await migrate(pool, { component: 'app', dir });
    await writeMigrations({
      '0002_seed_things.sql': "INSERT INTO app.things VALUES (1, 'uno');",
      '0004_never_applied.sql': 'CREATE TABLE app.later (id int);',
    });
    const run = migrate(pool, { component: 'app', dir });
    await expect(run).rejects.toThrow(MigrationError);
    await expect(migrate(pool, { component: 'app', dir })).rejects.toThrow(/0002_seed_things\.sql changed after/);
    // It stopped at the changed file: nothing after it was applied.
    expect(await recorded()).toHaveLength(3);
    expect((await pool.query("SELECT to_regclass('app.later') AS t")).rows[0].t).toBeNull();
  });

  it('rolls back a failing file entirely and keeps the ones before it', async () => {
    await writeMigrations({
      ...FILES,
      '0004_half_done.sql': 'CREATE TABLE app.half (id int); SELECT no_such_function();',
    });
    await expect(migrate(pool, { component: 'app', dir })).rejects.toThrow(/0004_half_done\.sql failed/);
    expect((await recorded()).map((r) => r.id)).toEqual([1, 2, 3]);
    expect((await pool.query("SELECT to_regclass('app.half') AS t")).rows[0].t).toBeNull();
  });

  it('keeps the migrations of different components apart', async () => {
    await writeMigrations(FILES);
    const other = await mkdtemp(join(tmpdir(), 'o2c-migrations-'));
    try {
      await writeFile(join(other, '0001_create_other.sql'), 'CREATE TABLE public.other (id int);');
      await migrate(pool, { component: 'app', dir });
      const result = await migrate(pool, { component: 'other', dir: other });
      expect(result.applied.map((m) => m.file)).toEqual(['0001_create_other.sql']);
      expect((await recorded()).map((r) => `${r.component}/${r.id}`)).toEqual(['app/1', 'app/2', 'app/3', 'other/1']);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('passes settings to the migration SQL for that transaction only', async () => {
    await writeMigrations({
      '0001_setting.sql': "CREATE TABLE public.s AS SELECT current_setting('o2c.greeting', true) AS v;",
    });
    await migrate(pool, { component: 'app', dir, settings: { 'o2c.greeting': 'hello' } });
    expect((await pool.query('SELECT v FROM public.s')).rows).toEqual([{ v: 'hello' }]);
  });
});

describe('loadMigrations', () => {
  it('rejects a misnamed file and a duplicate id', async () => {
    await writeMigrations({ '0001_ok.sql': 'SELECT 1;', '2_bad.sql': 'SELECT 1;' });
    await expect(loadMigrations(dir)).rejects.toThrow(/2_bad\.sql: migration files are named/);
    await rm(join(dir, '2_bad.sql'));
    await writeMigrations({ '0001_again.sql': 'SELECT 1;' });
    await expect(loadMigrations(dir)).rejects.toThrow(/share id 1/);
  });
});
