// tsx services/reporting/bench/sink-bench.ts [--events 50000] [--batch 5000]
// How fast the sink's writer puts rows into Postgres, against a plain COPY of the same rows, in one run on one
// throwaway database (DATABASE_URL's server, default the local one).
//   sink: pre-built events, decoded already, in chunks of --batch: BEGIN, writeRowOps(toRowOps(chunk)), commitOffsets,
//         COMMIT, on one connection: the service's work per chunk without Kafka.
//   COPY: the tables the sink ended with, dumped, emptied, and loaded again by one psql COPY FROM STDIN per table in
//         one transaction, indexes in place, so both load the same rows into the same schema.
// Figures are rows in the tables (the sink's end state) per second of each load.
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { migrate } from '../../../shared/pg/migrate.ts';
import { createPool, withTransaction } from '../../../shared/pg/pool.ts';
import { createTempDatabase } from '../../../shared/pg/testing.ts';
import { commitOffsets, writeRowOps } from '../src/adapters/pg-writer.ts';
import { toRowOps } from '../src/domain/to-row-ops.ts';
import { MIGRATIONS_DIR } from '../src/service.ts';
import { buildStream, streamEvents } from '../test/stream.ts';
import { REPORTING_TABLES } from '../test/support.ts';

const { values } = parseArgs({ options: { events: { type: 'string' }, batch: { type: 'string' } } });
const wanted = Number(values.events ?? 50_000);
const batch = Number(values.batch ?? 5_000);
const EVENTS_PER_CUSTOMER = streamEvents(buildStream(1)).length;
// Topic after topic, as the service's chunks are one topic-partition each.
const events = streamEvents(buildStream(Math.ceil(wanted / EVENTS_PER_CUSTOMER)));

const psql = (url: string, args: string[], input?: string): string =>
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', url, ...args], { input, maxBuffer: 1 << 30, encoding: 'utf8' });

const db = await createTempDatabase();
const pool = createPool(db.url, { max: 1 });
try {
  await migrate(pool, { component: 'reporting', dir: MIGRATIONS_DIR });

  const sinkStart = process.hrtime.bigint();
  let upserts = 0;
  for (let i = 0; i < events.length; i += batch) {
    const chunk = events.slice(i, i + batch);
    upserts += await withTransaction(pool, async (client) => {
      const n = await writeRowOps(client, toRowOps(chunk));
      await commitOffsets(client, 'bench', [{ topic: 'bench', partition: 0, nextOffset: String(i + chunk.length) }]);
      return n;
    });
  }
  const sinkSeconds = Number(process.hrtime.bigint() - sinkStart) / 1e9;

  const counts = await Promise.all(
    REPORTING_TABLES.map(async (t) => Number((await pool.query(`SELECT count(*) AS n FROM reporting.${t}`)).rows[0].n)),
  );
  const rows = counts.reduce((a, b) => a + b, 0);
  const dumps = REPORTING_TABLES.map((t) => psql(db.url, ['-c', `COPY reporting.${t} TO STDOUT`]));
  await pool.query(`TRUNCATE ${REPORTING_TABLES.map((t) => `reporting.${t}`).join(', ')}`);
  await pool.query('VACUUM ANALYZE');
  const script = REPORTING_TABLES.map((t, i) => `COPY reporting.${t} FROM STDIN;\n${dumps[i]}\\.\n`).join('');
  const copyStart = process.hrtime.bigint();
  psql(db.url, ['-1', '-f', '-'], script);
  const copySeconds = Number(process.hrtime.bigint() - copyStart) / 1e9;
  const reloaded = Number((await pool.query(`SELECT ${REPORTING_TABLES.map((t) => `(SELECT count(*) FROM reporting.${t})`).join(' + ')} AS n`)).rows[0].n);
  if (reloaded !== rows) throw new Error(`COPY loaded ${reloaded} rows, the sink ${rows}`);

  const perSecond = (n: number, s: number) => Math.round(n / s).toLocaleString('en-US');
  console.log(`events ${events.length.toLocaleString('en-US')} in chunks of ${batch}; ${rows.toLocaleString('en-US')} rows in ${REPORTING_TABLES.length} tables (${upserts.toLocaleString('en-US')} inserts/updates by the sink)`);
  console.log(`sink  ${sinkSeconds.toFixed(2)} s  ${perSecond(rows, sinkSeconds)} rows/s  ${perSecond(events.length, sinkSeconds)} events/s`);
  console.log(`COPY  ${copySeconds.toFixed(2)} s  ${perSecond(rows, copySeconds)} rows/s`);
  console.log(`sink / COPY = ${(copySeconds / sinkSeconds).toFixed(2)} (the sink's rows/s as a fraction of COPY's)`);
} finally {
  await pool.end();
  await db.drop();
}
