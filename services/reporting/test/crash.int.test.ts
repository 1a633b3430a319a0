// Exactly-once across a crash: the sink runs as its own process (tsx services/reporting/src/main.ts), is killed with
// SIGKILL while it works through a stream in small transactions, restarted, and ends with exactly the rows of an
// uninterrupted run. It then stops cleanly on SIGTERM with exit code 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPool, type Pool } from '../../../shared/pg/pool.ts';
import { createTempDatabase, type TempDatabase } from '../../../shared/pg/testing.ts';
import { uniqueId, waitUntil } from '../../../test/kafka.ts';
import { getStack, type Stack } from '../../../test/stack.ts';
import { dlqCount, endOffsets, produceStream, sinkEnv, sinkTopics, totals, waitForSinkAt, type SinkTopics } from './sink-stack.ts';
import { buildStream, streamEvents } from './stream.ts';
import { closePool, dumpTables, reportingDatabase, sink } from './support.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

let stack: Stack;
let t: SinkTopics;
let db: TempDatabase;
let pool: Pool;
const children: ChildProcess[] = [];

beforeAll(async () => {
  stack = await getStack();
  t = await sinkTopics(stack);
  db = await createTempDatabase();
  pool = createPool(db.url);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (pool) await closePool(pool);
  await db?.drop();
  await t?.drop();
});

function spawnSink(env: Record<string, string>): { child: ChildProcess; exited: Promise<{ code: number | null; signal: string | null }> } {
  // node --import tsx, not the tsx CLI: the CLI relays signals to its child and, when the child is slow to answer
  // under load, kills it and exits 143 itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/reporting/src/main.ts'], { cwd: REPO, env: { ...process.env, ...env }, stdio: 'ignore' });
  children.push(child);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited };
}

const committedTransactions = async (group: string): Promise<number> =>
  Number((await pool.query('SELECT coalesce(sum(next_offset), 0) AS n FROM reporting.applied_offsets WHERE consumer_group = $1', [group]).catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n);

it('ends with the rows of an uninterrupted run after a kill -9 in the middle of the stream', async () => {
  const group = uniqueId('reporting');
  // Ten records per transaction: the kill lands between many small commits, or inside one.
  const env = sinkEnv(stack, t, db.url, group, { REPORTING_BATCH_RECORDS: '10', LOG_LEVEL: 'warn' });
  const firstHalf = buildStream(30);
  const secondHalf = buildStream(30, 30);

  await produceStream(t, firstHalf);
  const first = spawnSink(env);
  await waitUntil(async () => (await committedTransactions(group)) > 0, 'the sink to commit its first batch', 90_000);
  first.child.kill('SIGKILL');
  expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

  await produceStream(t, secondHalf);
  const second = spawnSink(env);
  await waitForSinkAt(pool, group, await endOffsets(t));
  second.child.kill('SIGTERM');
  expect(await second.exited).toEqual({ code: 0, signal: null });

  const uninterrupted = await reportingDatabase();
  try {
    await sink(uninterrupted.pool, [streamEvents(firstHalf), streamEvents(secondHalf)]);
    expect(await totals(pool)).toEqual(await totals(uninterrupted.pool));
    expect(await dumpTables(pool)).toEqual(await dumpTables(uninterrupted.pool));
  } finally {
    await uninterrupted.close();
  }
  expect(await dlqCount(t)).toBe(0);
});
