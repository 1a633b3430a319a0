import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDatabase, type TempDatabase } from '../testing.ts';
import { createPool } from '../pool.ts';

// An idle connection the server ends (a restart, DROP DATABASE ... WITH (FORCE), pg_terminate_backend) must not end
// the process: pg emits 'error' on the pool, an uncaught exception without a listener.
let db: TempDatabase;
beforeAll(async () => {
  db = await createTempDatabase();
});
afterAll(() => db.drop());

describe('createPool', () => {
  it('survives an idle connection terminated by the server and serves the next query on a new one', async () => {
    const pool = createPool(db.url, { max: 1 });
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const { pid } = (await pool.query('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number };
      const admin = createPool(db.url, { max: 1 });
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await admin.end();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const next = (await pool.query('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number };
      expect(next.pid).not.toBe(pid);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await pool.end();
    }
  });
});
